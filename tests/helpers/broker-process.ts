/**
 * Starts the real `qtasks-broker` command as a child process on `127.0.0.1:0` with a temporary
 * data directory, and connects a gRPC client to it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrokerServiceDefinition } from '@qtasks/proto';
import { dropDatabase, newDatabase, TEST_STORE } from './test-store.js';
import {
  Metadata,
  createChannel,
  createClientFactory,
  type Channel,
  type ChannelCredentials,
  type Client,
  type ClientMiddleware,
} from 'nice-grpc';

/** The broker's command, as installed in `node_modules/.bin/qtasks-broker`. */
export const BROKER_BIN = fileURLToPath(new URL('../../server/bin/qtasks-broker.js', import.meta.url));

/** A gRPC client of the broker. */
export type BrokerClient = Client<typeof BrokerServiceDefinition>;

/** A running broker process and a client connected to it. */
export interface BrokerProcess {
  /** `127.0.0.1:PORT` the broker listens on. */
  address: string;
  /** The LMDB directory (kept across {@link restart}). */
  dataDir: string;
  /** The database of a broker on PostgreSQL (`QTASKS_TEST_STORE=postgres`; kept across {@link restart}). */
  databaseUrl?: string;
  /** A client on a channel to the broker. */
  client: BrokerClient;
  /** The child process. */
  child: ChildProcess;
  /** Everything the broker wrote to stderr so far. */
  stderr(): string;
  /** Everything the broker wrote to stdout so far (its ready lines). */
  stdout(): string;
  /** Sends a signal and waits for the process to exit; resolves to its exit code (or signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
  /**
   * SIGKILLs the broker, then starts a new one on the same data directory: on port 0 (a new
   * port), or with `samePort` on this broker's address, so that clients bound to it reconnect.
   */
  restart(extraArgs?: string[], restartOptions?: { samePort?: boolean }): Promise<BrokerProcess>;
  /** Stops the broker (if running) and deletes its data directory. */
  dispose(): Promise<void>;
}

/** Options of {@link startBrokerProcess}. */
export interface StartOptions {
  /** Reuse this data directory instead of a new temporary one. */
  dataDir?: string;
  /** On PostgreSQL, reuse this database instead of a new one. */
  databaseUrl?: string;
  /** More command-line flags, e.g. `['--durability', 'commit']`. */
  args?: string[];
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** `HOST:PORT` to listen on. @defaultValue `127.0.0.1:0` (a free port) */
  listen?: string;
  /** How {@link BrokerProcess.client} connects: token and TLS. @defaultValue plaintext, no token */
  client?: ClientSecurity;
}

/** A test client's credentials. */
export interface ClientSecurity {
  /** Sent as `authorization: Bearer TOKEN` on every call. */
  token?: string;
  /** Channel credentials, e.g. `ChannelCredentials.createSsl(ca)`. @defaultValue plaintext */
  credentials?: ChannelCredentials;
}

/**
 * A client of `service` at `address` with its own channel (close it when done).
 * @typeParam D - the service definition (BrokerService, Health, reflection)
 */
export function connectClient<D extends Parameters<ReturnType<typeof createClientFactory>['create']>[0]>(
  service: D,
  address: string,
  security: ClientSecurity = {},
): { client: Client<D>; channel: Channel } {
  const channel = createChannel(address, security.credentials);
  const factory = security.token === undefined ? createClientFactory() : createClientFactory().use(bearer(security.token));
  return { client: factory.create(service, channel), channel };
}

function bearer(token: string): ClientMiddleware {
  return async function* (call, options) {
    return yield* call.next(call.request, { ...options, metadata: Metadata(options.metadata).set('authorization', `Bearer ${token}`) });
  };
}

/** Starts `qtasks-broker` and waits for its `listening on` line. */
export async function startBrokerProcess(options: StartOptions = {}): Promise<BrokerProcess> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'qtasks-it-')));
  // On a PostgreSQL run, a broker gets a database of its own, unless a test picks a store itself.
  const onPostgres = TEST_STORE === 'postgres' && !(options.args ?? []).includes('--store');
  const databaseUrl = onPostgres ? (options.databaseUrl ?? (await newDatabase())) : undefined;
  const storeEnv = databaseUrl ? { QTASKS_BROKER_STORE: 'postgres', QTASKS_BROKER_DATABASE_URL: databaseUrl } : {};
  const child = spawn(process.execPath, [BROKER_BIN, '--listen', options.listen ?? '127.0.0.1:0', '--data-dir', dataDir, ...(options.args ?? [])], {
    env: { ...process.env, ...storeEnv, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  let stdout = '';
  const address = await new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /qtasks-broker listening on (\S+)\n/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    void exited.then((code) => reject(new Error(`qtasks-broker exited (${code}) before listening:\n${stderr}`)));
  });
  const { client, channel } = connectClient(BrokerServiceDefinition, address, options.client);
  let disposed = false;
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const code = await exited;
    channel.close();
    return code;
  };
  return {
    address,
    dataDir,
    ...(databaseUrl ? { databaseUrl } : {}),
    client,
    child,
    stderr: () => stderr,
    stdout: () => stdout,
    stop,
    async restart(extraArgs = options.args ?? [], restartOptions = {}) {
      await stop('SIGKILL');
      return startBrokerProcess({ ...options, dataDir, ...(databaseUrl ? { databaseUrl } : {}), args: extraArgs, ...(restartOptions.samePort ? { listen: address } : {}) });
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await stop('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
      if (databaseUrl) await dropDatabase(databaseUrl).catch(() => undefined);
    },
  };
}
