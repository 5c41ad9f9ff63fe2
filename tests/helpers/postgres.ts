/**
 * A real PostgreSQL for tests (issue 14): Debian's PostgreSQL binaries, a cluster made by `initdb`
 * in a temporary directory, started by `pg_ctl` on a free port of 127.0.0.1 with its socket in
 * that directory. No service on the machine is used and nothing is left behind. PostgreSQL
 * refuses to run as root, so when the tests run as root the cluster belongs to the `postgres`
 * user (Debian's package creates it), and the commands run as that user.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, chmod, chown, mkdtemp, readdir, rm } from 'node:fs/promises';
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
  /** Restarts it on the same port (`pg_ctl restart -m fast`: every connection is cut). */
  restart(): Promise<void>;
}

/**
 * The `bin` directory of the newest PostgreSQL server installed, or why there is none. A version
 * directory with the client alone (`psql`, from `postgresql-client-N`) has no `initdb`: skipped.
 */
export async function postgresBin(): Promise<string | { missing: string }> {
  const versions = await readdir(DEBIAN_POSTGRES).catch(() => [] as string[]);
  for (const version of versions.filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a))) {
    const bin = join(DEBIAN_POSTGRES, version, 'bin');
    const usable = await Promise.all(['initdb', 'pg_ctl', 'psql'].map((command) => access(join(bin, command), constants.X_OK).then(() => true, () => false)));
    if (usable.every(Boolean)) return bin;
  }
  return { missing: `no PostgreSQL server under ${DEBIAN_POSTGRES} (apt-get install postgresql)` };
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
  const data = join(dir, 'data');
  try {
    if (asRoot) {
      const { uid, gid } = await ownerOf(UNPRIVILEGED_USER);
      await chown(dir, uid, gid);
    }
    await chmod(dir, 0o700);
    await as('initdb', ['-D', data, '-U', user, '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    const port = await startOnFreePort(as, data, dir);
    const options = serverOptions(port, dir);
    const url = `postgres://${user}@127.0.0.1:${port}/postgres`;
    return {
      url,
      port,
      sql: async (command) => (await as('psql', ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', command])).stdout.trim(),
      stop: async () => {
        await stopCluster(as, data);
        await rm(dir, { recursive: true, force: true });
      },
      restart: async () => {
        await as('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', options, '-m', 'fast', '-w', '-t', '60', 'restart']);
      },
    };
  } catch (error) {
    await stopCluster(as, data);
    await rm(dir, { recursive: true, force: true });
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`could not start PostgreSQL: ${String(stderr || stdout || error).trim()}`, { cause: error });
  }
}

/** Runs one PostgreSQL command as the cluster's owner. */
type AsOwner = (command: string, args: string[]) => Promise<{ stdout: string; stderr: string }>;

/**
 * Starts the cluster on a port of 127.0.0.1 that was free a moment before; another process may
 * take it in between, so a start that fails is tried again on another port, twice.
 */
async function startOnFreePort(as: AsOwner, data: string, dir: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      await as('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', serverOptions(port, dir), '-w', '-t', '60', 'start']);
      return port;
    } catch (error) {
      await stopCluster(as, data);
      if (attempt === 3) throw error;
    }
  }
}

/** The server's options: loopback only, its socket in the cluster's directory. fsync stays on: the fault tests of issue 14 restart the database too. */
function serverOptions(port: number, dir: string): string {
  return `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c max_connections=200`;
}

/** Stops a cluster that may be running: fast, then immediate; nothing if it is not running. */
async function stopCluster(as: AsOwner, data: string): Promise<void> {
  for (const mode of ['fast', 'immediate']) {
    try {
      await as('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '20', 'stop']);
      return;
    } catch {
      // `pg_ctl status` exits 3 when no server runs in `data` (or `data` does not exist).
      const stopped = await as('pg_ctl', ['-D', data, 'status']).then(() => false, (status: { code?: number }) => status.code === 3 || status.code === 4);
      if (stopped) return;
    }
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
