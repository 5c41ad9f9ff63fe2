/**
 * A real PostgreSQL for tests (issue 14): Debian's PostgreSQL binaries, a cluster made by `initdb`
 * in a temporary directory, started by `pg_ctl` on a free port of 127.0.0.1 with its socket in
 * that directory. No service on the machine is used and nothing is left behind. PostgreSQL
 * refuses to run as root, so when the tests run as root the cluster belongs to the `postgres`
 * user (Debian's package creates it), and the commands run as that user.
 */
import { execFile } from 'node:child_process';
import { chmod, chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where Debian installs PostgreSQL's server binaries. */
const DEBIAN_POSTGRES = '/usr/lib/postgresql';
/** The user a cluster started by root belongs to. */
const UNPRIVILEGED_USER = 'postgres';

/** A running PostgreSQL cluster of a test. */
export interface Postgres {
  /** `postgres://USER@127.0.0.1:PORT/postgres`: trust authentication, loopback only. */
  url: string;
  /** The port it listens on. */
  port: number;
  /** Runs one SQL command with `psql`; resolves to its output, rows unaligned and without headers. */
  sql(command: string): Promise<string>;
  /** Stops it (`pg_ctl stop -m fast`) and deletes its directory. */
  stop(): Promise<void>;
}

/** The newest PostgreSQL's `bin` directory, or undefined (with why) where there is none. */
export async function postgresBin(): Promise<string | { missing: string }> {
  const versions = await readdir(DEBIAN_POSTGRES).catch(() => [] as string[]);
  const newest = versions.filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a))[0];
  return newest ? join(DEBIAN_POSTGRES, newest, 'bin') : { missing: `no PostgreSQL under ${DEBIAN_POSTGRES} (apt-get install postgresql)` };
}

/**
 * Makes and starts a cluster; rejects with what `initdb` or `pg_ctl` printed if it cannot.
 *
 * @param bin - the PostgreSQL `bin` directory (see {@link postgresBin})
 */
export async function startPostgres(bin: string): Promise<Postgres> {
  const dir = await mkdtemp(join(tmpdir(), 'qtasks-pg-'));
  const asRoot = userInfo().uid === 0;
  const user = asRoot ? UNPRIVILEGED_USER : userInfo().username;
  // Commands run as the cluster's owner: `runuser` drops root's privileges for each one.
  const as = (command: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', UNPRIVILEGED_USER, '--', join(bin, command), ...args]) : run(join(bin, command), args);
  try {
    if (asRoot) {
      const { uid, gid } = await ownerOf(UNPRIVILEGED_USER);
      await chown(dir, uid, gid);
    }
    await chmod(dir, 0o700);
    const data = join(dir, 'data');
    await as('initdb', ['-D', data, '-U', user, '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    const port = await freePort();
    // fsync stays on: the fault tests of issue 14 kill the database too.
    const options = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c max_connections=200`;
    await as('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', options, '-w', '-t', '60', 'start']);
    const url = `postgres://${user}@127.0.0.1:${port}/postgres`;
    return {
      url,
      port,
      sql: async (command) => (await as('psql', ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', command])).stdout.trim(),
      stop: async () => {
        await as('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`could not start PostgreSQL: ${String(stderr || stdout || error).trim()}`, { cause: error });
  }
}

/** The uid and gid of a user, from `id`. */
async function ownerOf(user: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', user]), run('id', ['-g', user])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** A TCP port of 127.0.0.1 that was free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
