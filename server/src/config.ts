/**
 * The broker's configuration: defaults, then environment variables `QTASKS_BROKER_*`, then
 * command-line flags, each later one winning.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_PENDING_WRITES } from './core/broker.js';
import { DEFAULT_RETENTION } from './store/retention.js';
import { readPemCertificates, type PemCertificate } from './pem-certificates.js';
import { DEFAULT_MAX_JSON_DEPTH } from './transport/json-depth.js';
import { DEFAULT_MAX_WATCHERS, DEFAULT_MAX_WATCHERS_PER_TASK } from './core/task-watchers.js';
import type { Durability } from './store/task-store.js';
import { AUTH_SCOPES, isValidToken, type AuthScope, type AuthToken } from './transport/auth.js';

/** Everything `qtasks-broker` can be told. */
export interface BrokerConfig {
  /** `HOST:PORT` to listen on; port 0 picks a free one. @defaultValue `127.0.0.1:50051` */
  listen: string;
  /** Directory of the LMDB data. @defaultValue `./qtasks-data` */
  dataDir: string;
  /** `strict`: acknowledge after fsync; `commit`: after commit (survives a process crash, not a power cut). @defaultValue `strict` */
  durability: Durability;
  /** Largest payload of one task (args + kwargs, or a result) in bytes. @defaultValue 1 MiB */
  maxPayloadBytes: number;
  /** Most items in one Enqueue, Heartbeat or Complete. @defaultValue 10000 */
  maxBatchSize: number;
  /** Largest gRPC message the broker receives or sends, in bytes. @defaultValue 64 MiB */
  maxMessageBytes: number;
  /**
   * Most task writes in flight (issued, not yet committed) before Enqueue is refused with
   * RESOURCE_EXHAUSTED and a `retry-after-ms` hint. @defaultValue 5000
   */
  maxPendingWrites: number;
  /**
   * Enqueue is refused with RESOURCE_EXHAUSTED while the data directory's filesystem has fewer
   * free bytes than this, keeping room for the writes that finish tasks already taken; 0 turns
   * the guard off. @defaultValue 64 MiB
   */
  minFreeBytes: number;
  /**
   * Deepest nesting of arrays and objects accepted in a JSON field (args, kwargs, result,
   * progress), so that every worker's decoder can read what the broker stores (Python's stops near
   * 1000, Go's at 10000). @defaultValue 512
   */
  maxJsonDepth: number;
  /**
   * Most calls open at once on the whole broker, health included; one more is refused with
   * RESOURCE_EXHAUSTED on its headers. @defaultValue 10000
   */
  maxCalls: number;
  /** Most client connections open at once; one more is closed as soon as it is accepted. @defaultValue 1000 */
  maxConnections: number;
  /**
   * Most concurrent calls (HTTP/2 streams) on one connection. A client queues calls past it, so an
   * SDK app that waits on many results while its worker shares the connection must not hit it:
   * hence far above a hundred; `maxCalls` bounds the whole broker. @defaultValue 1000
   */
  maxConcurrentStreams: number;
  /** A connection with no call open for this long is closed. @defaultValue 300000 (5 minutes) */
  idleTimeoutMs: number;
  /** Most `WatchResult` streams open at once. @defaultValue 10000 */
  maxWatchers: number;
  /** Most `WatchResult` streams open at once on one task. @defaultValue 100 */
  maxWatchersPerTask: number;
  /**
   * Reply bytes written but not yet taken by their clients above which a connection that has
   * some unsent already gets no more replies until it reads. @defaultValue 32 MiB
   */
  maxUnsentReplyBytes: number;
  /** Largest `ListTasks` page, in bytes of tasks (a page holds at least one task). @defaultValue 4 MiB */
  maxPageBytes: number;
  /** How long a SUCCESS task is kept, in ms; 0 removes it as it ends. @defaultValue 24 hours */
  retainSucceededMs: number;
  /** How long an ERROR or CANCEL task is kept, in ms; 0 removes it as it ends. @defaultValue 7 days */
  retainFailedMs: number;
  /** Check the data directory's consistency, print a report and exit instead of serving. */
  check?: boolean;
  /** Copy the data directory (even while a broker serves it) into this new directory and exit. */
  backup?: string;
  /**
   * Tokens a call must carry as `authorization: Bearer TOKEN` (every RPC but health). Absent:
   * no authentication. An empty list is refused rather than read as "nobody may call".
   */
  authTokens?: readonly AuthToken[];
  /** Serve over TLS (and, with `clientCa`, mutual TLS) instead of plaintext. */
  tls?: TlsConfig;
}

/** The broker's TLS material, PEM-encoded. */
export interface TlsConfig {
  /** The server's certificate chain (leaf first). */
  cert: Buffer;
  /** The private key of `cert`. */
  key: Buffer;
  /** When set, clients must present a certificate signed by one of these CAs (mutual TLS). */
  clientCa?: Buffer;
}

/** The configuration with nothing set. */
export const DEFAULT_CONFIG: Readonly<BrokerConfig> = {
  listen: '127.0.0.1:50051',
  dataDir: './qtasks-data',
  durability: 'strict',
  maxPayloadBytes: 1024 * 1024,
  maxBatchSize: 10_000,
  maxMessageBytes: 64 * 1024 * 1024,
  maxPendingWrites: DEFAULT_MAX_PENDING_WRITES,
  minFreeBytes: 64 * 1024 * 1024,
  maxJsonDepth: DEFAULT_MAX_JSON_DEPTH,
  maxCalls: 10_000,
  maxConnections: 1000,
  maxConcurrentStreams: 1000,
  idleTimeoutMs: 300_000,
  maxWatchers: DEFAULT_MAX_WATCHERS,
  maxWatchersPerTask: DEFAULT_MAX_WATCHERS_PER_TASK,
  maxUnsentReplyBytes: 32 * 1024 * 1024,
  maxPageBytes: 4 * 1024 * 1024,
  retainSucceededMs: DEFAULT_RETENTION.succeededMs,
  retainFailedMs: DEFAULT_RETENTION.failedMs,
};

/** Highest `--max-json-depth`: Go's `encoding/json` refuses deeper JSON. */
const MAX_JSON_DEPTH_LIMIT = 10_000;

/** A configuration value that cannot be used; the message says which and why. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The usage text of `qtasks-broker --help`. */
export const USAGE = `Usage: qtasks-broker [options]

Options (each also settable by the environment variable in brackets):
  --listen HOST:PORT         address to serve gRPC on; port 0 picks a free one
                             [QTASKS_BROKER_LISTEN] (default ${DEFAULT_CONFIG.listen})
  --data-dir DIR             LMDB data directory, created if missing
                             [QTASKS_BROKER_DATA_DIR] (default ${DEFAULT_CONFIG.dataDir})
  --durability MODE          strict: acknowledge after fsync; commit: after commit
                             [QTASKS_BROKER_DURABILITY] (default ${DEFAULT_CONFIG.durability})
  --max-payload-bytes N      largest args+kwargs or result of one task
                             [QTASKS_BROKER_MAX_PAYLOAD_BYTES] (default ${DEFAULT_CONFIG.maxPayloadBytes})
  --max-batch-size N         most items in one Enqueue, Heartbeat or Complete
                             [QTASKS_BROKER_MAX_BATCH_SIZE] (default ${DEFAULT_CONFIG.maxBatchSize})
  --max-message-bytes N      largest gRPC message received or sent
                             [QTASKS_BROKER_MAX_MESSAGE_BYTES] (default ${DEFAULT_CONFIG.maxMessageBytes})
  --max-pending-writes N     task writes in flight (not yet committed) above which
                             Enqueue is refused with RESOURCE_EXHAUSTED and a retry hint
                             [QTASKS_BROKER_MAX_PENDING_WRITES] (default ${DEFAULT_CONFIG.maxPendingWrites})
  --max-calls N              calls open at once, health included; one more is refused
                             with RESOURCE_EXHAUSTED [QTASKS_BROKER_MAX_CALLS] (default ${DEFAULT_CONFIG.maxCalls})
  --max-connections N        client connections open at once; one more is closed at once
                             [QTASKS_BROKER_MAX_CONNECTIONS] (default ${DEFAULT_CONFIG.maxConnections})
  --max-concurrent-streams N calls at once on one connection (HTTP/2 streams)
                             [QTASKS_BROKER_MAX_CONCURRENT_STREAMS] (default ${DEFAULT_CONFIG.maxConcurrentStreams})
  --idle-timeout-ms N        close a connection with no call open for this long
                             [QTASKS_BROKER_IDLE_TIMEOUT_MS] (default ${DEFAULT_CONFIG.idleTimeoutMs})
  --max-watchers N           WatchResult streams open at once
                             [QTASKS_BROKER_MAX_WATCHERS] (default ${DEFAULT_CONFIG.maxWatchers})
  --max-watchers-per-task N  WatchResult streams open at once on one task
                             [QTASKS_BROKER_MAX_WATCHERS_PER_TASK] (default ${DEFAULT_CONFIG.maxWatchersPerTask})
  --max-unsent-reply-bytes N reply bytes not yet taken by clients above which a client
                             that does not read gets no more until it does
                             [QTASKS_BROKER_MAX_UNSENT_REPLY_BYTES] (default ${DEFAULT_CONFIG.maxUnsentReplyBytes})
  --max-page-bytes N         largest ListTasks page, in bytes of tasks
                             [QTASKS_BROKER_MAX_PAGE_BYTES] (default ${DEFAULT_CONFIG.maxPageBytes})
  --retain-succeeded DURATION  keep a SUCCESS task this long after it ends, then remove it
                             and its idempotency key: 0, 500ms, 30s, 15m, 24h, 7d; 0 removes
                             it as it ends [QTASKS_BROKER_RETAIN_SUCCEEDED] (default 24h)
  --retain-failed DURATION   the same for ERROR and CANCEL tasks
                             [QTASKS_BROKER_RETAIN_FAILED] (default 7d)
  --auth-token TOKEN         require this token (scope all) on every call but health;
                             prefer the variable or a file: flags show in \`ps\`
                             [QTASKS_BROKER_AUTH_TOKEN] (default: no authentication)
  --auth-tokens-file FILE    require one of the tokens in FILE: one per line, each
                             optionally followed by a scope (producer, worker, all;
                             default all); blank lines and # comments are ignored
                             [QTASKS_BROKER_AUTH_TOKENS_FILE]
  --tls-cert FILE            serve TLS with this PEM certificate chain (needs --tls-key)
                             [QTASKS_BROKER_TLS_CERT] (default: plaintext)
  --tls-key FILE             the PEM private key of --tls-cert
                             [QTASKS_BROKER_TLS_KEY]
  --tls-client-ca FILE       mutual TLS: clients must present a certificate signed by a
                             CA in this PEM file [QTASKS_BROKER_TLS_CLIENT_CA]
  --min-free-bytes N         refuse Enqueue (RESOURCE_EXHAUSTED) while the data directory's
                             disk has less free space than this; 0 turns it off
                             [QTASKS_BROKER_MIN_FREE_BYTES] (default ${DEFAULT_CONFIG.minFreeBytes})
  --max-json-depth N         deepest nesting of arrays and objects accepted in args, kwargs,
                             result and progress (1-${MAX_JSON_DEPTH_LIMIT}; Python workers need < ~900)
                             [QTASKS_BROKER_MAX_JSON_DEPTH] (default ${DEFAULT_CONFIG.maxJsonDepth})
  --check                    check the data directory (e.g. a backup copy), print a
                             report and exit: 0 if consistent, 1 if not
  --backup DIR               copy the data directory into DIR (new or empty), safely even
                             while a broker serves it, and exit: 0 when done
  -h, --help                 print this help and exit
`;

/**
 * Reads the configuration from flags and environment.
 *
 * @returns the configuration, or `'help'` when help was asked for
 * @throws ConfigError naming the flag or variable at fault
 */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): BrokerConfig | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        listen: { type: 'string' },
        'data-dir': { type: 'string' },
        durability: { type: 'string' },
        'max-payload-bytes': { type: 'string' },
        'max-batch-size': { type: 'string' },
        'max-message-bytes': { type: 'string' },
        'max-pending-writes': { type: 'string' },
        'auth-token': { type: 'string' },
        'auth-tokens-file': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'tls-client-ca': { type: 'string' },
        'min-free-bytes': { type: 'string' },
        'max-json-depth': { type: 'string' },
        'max-calls': { type: 'string' },
        'max-connections': { type: 'string' },
        'max-concurrent-streams': { type: 'string' },
        'idle-timeout-ms': { type: 'string' },
        'max-watchers': { type: 'string' },
        'max-watchers-per-task': { type: 'string' },
        'max-unsent-reply-bytes': { type: 'string' },
        'max-page-bytes': { type: 'string' },
        'retain-succeeded': { type: 'string' },
        'retain-failed': { type: 'string' },
        check: { type: 'boolean' },
        backup: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const flags = parsed.values;
  if (flags.help) return 'help';
  const pick = (flag: keyof typeof flags, variable: string): { value: string; source: string } | undefined => {
    const fromFlag = flags[flag];
    if (typeof fromFlag === 'string') return { value: fromFlag, source: `--${flag}` };
    const fromEnv = env[variable];
    return fromEnv === undefined || fromEnv === '' ? undefined : { value: fromEnv, source: variable };
  };
  const listen = pick('listen', 'QTASKS_BROKER_LISTEN');
  const dataDir = pick('data-dir', 'QTASKS_BROKER_DATA_DIR');
  const durability = pick('durability', 'QTASKS_BROKER_DURABILITY');
  if (durability && durability.value !== 'strict' && durability.value !== 'commit') {
    throw new ConfigError(`${durability.source}: must be "strict" or "commit", got "${durability.value}"`);
  }
  if (listen) parseListenAddress(listen.value, listen.source);
  const authTokens = loadAuthTokens(pick('auth-token', 'QTASKS_BROKER_AUTH_TOKEN'), pick('auth-tokens-file', 'QTASKS_BROKER_AUTH_TOKENS_FILE'));
  const jsonDepth = pick('max-json-depth', 'QTASKS_BROKER_MAX_JSON_DEPTH');
  const tls = loadTls(pick('tls-cert', 'QTASKS_BROKER_TLS_CERT'), pick('tls-key', 'QTASKS_BROKER_TLS_KEY'), pick('tls-client-ca', 'QTASKS_BROKER_TLS_CLIENT_CA'));
  return {
    listen: listen?.value ?? DEFAULT_CONFIG.listen,
    dataDir: dataDir?.value ?? DEFAULT_CONFIG.dataDir,
    durability: (durability?.value as Durability | undefined) ?? DEFAULT_CONFIG.durability,
    maxPayloadBytes: positiveInteger(pick('max-payload-bytes', 'QTASKS_BROKER_MAX_PAYLOAD_BYTES')) ?? DEFAULT_CONFIG.maxPayloadBytes,
    maxBatchSize: positiveInteger(pick('max-batch-size', 'QTASKS_BROKER_MAX_BATCH_SIZE')) ?? DEFAULT_CONFIG.maxBatchSize,
    maxMessageBytes: positiveInteger(pick('max-message-bytes', 'QTASKS_BROKER_MAX_MESSAGE_BYTES')) ?? DEFAULT_CONFIG.maxMessageBytes,
    maxPendingWrites: positiveInteger(pick('max-pending-writes', 'QTASKS_BROKER_MAX_PENDING_WRITES')) ?? DEFAULT_CONFIG.maxPendingWrites,
    minFreeBytes: nonNegativeInteger(pick('min-free-bytes', 'QTASKS_BROKER_MIN_FREE_BYTES')) ?? DEFAULT_CONFIG.minFreeBytes,
    maxJsonDepth: atMost(positiveInteger(jsonDepth), MAX_JSON_DEPTH_LIMIT, jsonDepth) ?? DEFAULT_CONFIG.maxJsonDepth,
    maxCalls: positiveInteger(pick('max-calls', 'QTASKS_BROKER_MAX_CALLS')) ?? DEFAULT_CONFIG.maxCalls,
    maxConnections: positiveInteger(pick('max-connections', 'QTASKS_BROKER_MAX_CONNECTIONS')) ?? DEFAULT_CONFIG.maxConnections,
    maxConcurrentStreams: positiveInteger(pick('max-concurrent-streams', 'QTASKS_BROKER_MAX_CONCURRENT_STREAMS')) ?? DEFAULT_CONFIG.maxConcurrentStreams,
    idleTimeoutMs: positiveInteger(pick('idle-timeout-ms', 'QTASKS_BROKER_IDLE_TIMEOUT_MS')) ?? DEFAULT_CONFIG.idleTimeoutMs,
    maxWatchers: positiveInteger(pick('max-watchers', 'QTASKS_BROKER_MAX_WATCHERS')) ?? DEFAULT_CONFIG.maxWatchers,
    maxWatchersPerTask: positiveInteger(pick('max-watchers-per-task', 'QTASKS_BROKER_MAX_WATCHERS_PER_TASK')) ?? DEFAULT_CONFIG.maxWatchersPerTask,
    maxUnsentReplyBytes: positiveInteger(pick('max-unsent-reply-bytes', 'QTASKS_BROKER_MAX_UNSENT_REPLY_BYTES')) ?? DEFAULT_CONFIG.maxUnsentReplyBytes,
    maxPageBytes: positiveInteger(pick('max-page-bytes', 'QTASKS_BROKER_MAX_PAGE_BYTES')) ?? DEFAULT_CONFIG.maxPageBytes,
    retainSucceededMs: duration(pick('retain-succeeded', 'QTASKS_BROKER_RETAIN_SUCCEEDED')) ?? DEFAULT_CONFIG.retainSucceededMs,
    retainFailedMs: duration(pick('retain-failed', 'QTASKS_BROKER_RETAIN_FAILED')) ?? DEFAULT_CONFIG.retainFailedMs,
    ...(flags.check ? { check: true } : {}),
    ...(typeof flags.backup === 'string' ? { backup: flags.backup } : {}),
    ...(authTokens ? { authTokens } : {}),
    ...(tls ? { tls } : {}),
  };
}

/** Splits `HOST:PORT` (IPv6 hosts in brackets). @throws ConfigError */
export function parseListenAddress(address: string, source = 'listen'): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(address);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) throw new ConfigError(`${source}: must be HOST:PORT (e.g. 127.0.0.1:50051), got "${address}"`);
  return { host: match[1]!, port };
}

function nonNegativeInteger(setting: { value: string; source: string } | undefined): number | undefined {
  if (!setting) return undefined;
  const value = Number(setting.value);
  if (!/^\d+$/.test(setting.value) || !Number.isSafeInteger(value)) {
    throw new ConfigError(`${setting.source}: must be a non-negative integer, got "${setting.value}"`);
  }
  return value;
}

/** `value`, refused when over `max`. @throws ConfigError naming the setting */
function atMost(value: number | undefined, max: number, setting: Setting | undefined): number | undefined {
  if (value !== undefined && value > max) throw new ConfigError(`${setting!.source}: must be at most ${max}, got ${value}`);
  return value;
}

function positiveInteger(setting: { value: string; source: string } | undefined): number | undefined {
  if (!setting) return undefined;
  const value = Number(setting.value);
  if (!/^\d+$/.test(setting.value) || !Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(`${setting.source}: must be a positive integer, got "${setting.value}"`);
  }
  return value;
}

type Setting = { value: string; source: string };

/** Milliseconds per unit of a duration. */
const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration such as `0`, `500ms`, `30s`, `15m`, `24h` or `7d`, in ms (a bare number needs no unit
 * only when it is 0). @throws ConfigError naming the setting
 */
export function duration(setting: Setting | undefined): number | undefined {
  if (!setting) return undefined;
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(setting.value.trim());
  const ms = match ? Number(match[1]) * DURATION_UNITS[match[2] ?? 'ms']! : NaN;
  if (!match || (match[2] === undefined && ms !== 0) || !Number.isSafeInteger(ms)) {
    throw new ConfigError(`${setting.source}: must be a duration such as 0, 500ms, 30s, 15m, 24h or 7d, got "${setting.value}"`);
  }
  return ms;
}

/**
 * The tokens of `--auth-token` (scope all) and of `--auth-tokens-file`, both if both are given
 * (handy while rotating). No error message ever quotes a token.
 */
function loadAuthTokens(single: Setting | undefined, file: Setting | undefined): AuthToken[] | undefined {
  if (!single && !file) return undefined;
  const tokens: AuthToken[] = [];
  if (single) {
    if (!isValidToken(single.value)) throw new ConfigError(`${single.source}: a token must be printable ASCII without spaces`);
    tokens.push({ token: single.value, scope: 'all' });
  }
  if (file) tokens.push(...parseTokensFile(readSettingFile(file).toString('utf8'), `${file.source} ${file.value}`));
  return tokens;
}

/**
 * Parses a tokens file: one token per line, optionally followed by its scope (`producer`,
 * `worker` or `all`, default `all`); blank lines and comments (`#` at the start of a line or
 * after a space) are ignored.
 *
 * @param source - names the file in errors, e.g. `--auth-tokens-file ./tokens`
 * @throws ConfigError naming the line at fault (never the token), or for a file without tokens
 */
export function parseTokensFile(text: string, source: string): AuthToken[] {
  const tokens: AuthToken[] = [];
  const lineOf = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const fields = raw.replace(/(^|\s)#.*$/, '').trim().split(/\s+/).filter(Boolean);
    if (fields.length === 0) return;
    const where = `${source}: line ${i + 1}`;
    if (fields.length > 2) throw new ConfigError(`${where}: expected "TOKEN [SCOPE]", got ${fields.length} fields`);
    const [token, scope = 'all'] = fields as [string, string?];
    if (!isValidToken(token)) throw new ConfigError(`${where}: a token must be printable ASCII without spaces`);
    if (!(AUTH_SCOPES as readonly string[]).includes(scope)) {
      throw new ConfigError(`${where}: unknown scope "${scope}" (expected ${AUTH_SCOPES.join(', ')})`);
    }
    const first = lineOf.get(token);
    if (first !== undefined) throw new ConfigError(`${where}: the same token as line ${first}`);
    lineOf.set(token, i + 1);
    tokens.push({ token, scope: scope as AuthScope });
  });
  if (tokens.length === 0) throw new ConfigError(`${source}: holds no tokens (authentication would refuse every call)`);
  return tokens;
}

/** Reads and checks the TLS files, so that a wrong path or a key that does not fit fails at start, naming the setting. */
function loadTls(cert: Setting | undefined, key: Setting | undefined, clientCa: Setting | undefined): TlsConfig | undefined {
  if (!cert && !key && !clientCa) return undefined;
  if (cert && !key) throw new ConfigError(`${cert.source}: needs a private key too (--tls-key or QTASKS_BROKER_TLS_KEY)`);
  if (key && !cert) throw new ConfigError(`${key.source}: needs a certificate too (--tls-cert or QTASKS_BROKER_TLS_CERT)`);
  if (!cert || !key) throw new ConfigError(`${clientCa!.source}: mutual TLS needs the server's --tls-cert and --tls-key too`);
  const tls: TlsConfig = { cert: readSettingFile(cert), key: readSettingFile(key) };
  const leaf = checkedCertificates(tls.cert, cert, 'chain')[0]!.certificate;
  try {
    if (!leaf.checkPrivateKey(createPrivateKey(tls.key))) throw new ConfigError(`${key.source}: ${key.value} is not the key of ${cert.value}`);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${key.source}: ${key.value} is not a PEM private key (without a passphrase)`);
  }
  if (clientCa) {
    tls.clientCa = readSettingFile(clientCa);
    checkedCertificates(tls.clientCa, clientCa, 'ca');
  }
  return tls;
}

/** Every certificate of a setting's PEM file, each checked (see `pem-certificates.ts`). @throws ConfigError */
function checkedCertificates(pem: Buffer, setting: Setting, role: 'chain' | 'ca'): PemCertificate[] {
  try {
    return readPemCertificates(pem, `${setting.source}: ${setting.value}`, role, Date.now());
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

function readSettingFile(setting: Setting): Buffer {
  try {
    return readFileSync(setting.value);
  } catch (error) {
    throw new ConfigError(`${setting.source}: cannot read ${setting.value} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}
