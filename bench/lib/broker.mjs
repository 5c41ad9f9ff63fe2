/** Starts the real `qtasks-broker` process (fresh data directory) and stops it. */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerServiceDefinition } from '@qtasks/proto';
import { createChannel, createClient } from 'nice-grpc';
import { ROOT } from './util.mjs';

/**
 * The broker binary; `QTASKS_BROKER_BIN` points an A/B run at another build (for example an older
 * commit's `server/`, compiled into a directory under the repository so its imports resolve).
 */
const BROKER_BIN = process.env.QTASKS_BROKER_BIN ?? join(ROOT, 'server/bin/qtasks-broker.js');

/**
 * @param mode - `strict` or `commit`
 * @param nodeArgs - extra node flags for the broker (e.g. `--cpu-prof`)
 * @param brokerArgs - extra broker flags (e.g. `--max-pending-writes 1000`)
 * @param bin - the broker binary (default: this checkout's, or `QTASKS_BROKER_BIN`)
 * @param existingDataDir - start on this data directory (a restart) instead of a fresh one
 */
export async function startBroker(mode, nodeArgs = [], brokerArgs = [], bin = BROKER_BIN, existingDataDir = undefined) {
  const dataDir = existingDataDir ?? (await mkdtemp(join(tmpdir(), 'qtasks-bench-')));
  const args = [...nodeArgs, bin, '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--durability', mode, ...brokerArgs];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const statsWaiters = [];
  let errBuffer = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => {
    errBuffer += chunk;
    let newline;
    while ((newline = errBuffer.indexOf('\n')) >= 0) {
      const line = errBuffer.slice(0, newline);
      errBuffer = errBuffer.slice(newline + 1);
      if (line.startsWith('{"qtasksBrokerStats"')) statsWaiters.shift()?.(JSON.parse(line).qtasksBrokerStats);
      else if (line.trim()) process.stderr.write(`  [broker] ${line}\n`);
    }
  });
  const address = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      out += chunk;
      const match = /listening on (\S+)/.exec(out);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`broker exited (${code}) before listening`)));
  });
  const channel = createChannel(address, undefined, { 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    address,
    pid: child.pid,
    /** A raw nice-grpc client (the SDK is not in the way). */
    client: createClient(BrokerServiceDefinition, channel),
    /** The broker's SIGUSR2 line: memory and store counts. */
    stats: () =>
      new Promise((resolve) => {
        statsWaiters.push(resolve);
        child.kill('SIGUSR2');
      }),
    /** SIGTERM, wait for the exit, delete the data. */
    async stop() {
      channel.close();
      child.kill('SIGTERM');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
    /** On a crash of the benchmark. */
    kill() {
      child.kill('SIGKILL');
    },
    /** SIGKILL, wait for the exit, keep the data (for a restart on it). */
    async crash() {
      channel.close();
      child.kill('SIGKILL');
      await exited;
    },
    dataDir,
  };
}
