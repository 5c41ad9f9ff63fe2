/**
 * Starts a throw-away `redis-server` as the BullMQ reference did: `appendonly yes`, `appendfsync
 * everysec`, no RDB snapshots, a temporary `--dir`, a free loopback port. SIGTERM at the end.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, redisServerVersion, sleep } from './util.mjs';

export const redisInstalled = () => redisServerVersion() !== undefined;

export async function startRedis() {
  const dir = await mkdtemp(join(tmpdir(), 'qtasks-bench-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', ''];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.on('data', (chunk) => process.stderr.write(`  [redis] ${chunk}`));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  // Wait until it answers INFO.
  const probe = new Redis({ ...connection, lazyConnect: true, retryStrategy: () => 50 });
  probe.on('error', () => undefined); // refused until redis-server listens; the loop retries
  for (let i = 0; ; i++) {
    try {
      if (probe.status !== 'ready') await probe.connect().catch(() => undefined);
      await probe.info('server');
      break;
    } catch (error) {
      if (i > 100) throw error;
      await sleep(50);
    }
  }
  return {
    pid: child.pid,
    connection,
    /** The admin connection (INFO, FLUSHALL). */
    admin: probe,
    async stop() {
      probe.disconnect();
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
    kill() {
      child.kill('SIGKILL');
    },
  };
}
