/**
 * A PostgreSQL cluster for `npm run bench -- --store postgres`: Debian's server binaries, `initdb`
 * in a temporary directory (as the `postgres` user when run as root: PostgreSQL refuses root),
 * `pg_ctl` on a free port of 127.0.0.1, fsync on (as production runs it), removed at the end.
 * The tests' cluster is `tests/helpers/postgres.ts`; this is its plain-JavaScript twin for the
 * benchmark, which runs without a TypeScript step.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { freePort } from './util.mjs';

const run = promisify(execFile);

/** The newest PostgreSQL server installed, or undefined. */
export function postgresBin() {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => b - a) : [];
  return versions.map((v) => join(root, v, 'bin')).find((bin) => existsSync(join(bin, 'initdb')));
}

/** Starts a cluster; `database()` makes a fresh database and returns its URL; `stop()` removes it all. */
export async function startPostgres() {
  const bin = postgresBin();
  if (!bin) throw new Error('no PostgreSQL server installed (apt-get install postgresql)');
  const dir = await mkdtemp(join(tmpdir(), 'qtasks-bench-pg-'));
  const asRoot = userInfo().uid === 0;
  const user = asRoot ? 'postgres' : userInfo().username;
  const as = (command, args) => (asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, command), ...args]) : run(join(bin, command), args));
  if (asRoot) {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    await chown(dir, Number(uid.stdout), Number(gid.stdout));
  }
  await chmod(dir, 0o700);
  const data = join(dir, 'data');
  await as('initdb', ['-D', data, '-U', user, '--auth=trust', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  const options = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c max_connections=200`;
  await as('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', options, '-w', '-t', '60', 'start']);
  const base = `postgres://${user}@127.0.0.1:${port}`;
  const admin = postgres(`${base}/postgres`, { max: 1, onnotice: () => undefined });
  let made = 0;
  return {
    version: (await admin`SHOW server_version`)[0].server_version,
    async database() {
      const name = `bench_${++made}`;
      await admin.unsafe(`CREATE DATABASE ${name}`);
      return `${base}/${name}`;
    },
    async stop() {
      await admin.end();
      await as('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
