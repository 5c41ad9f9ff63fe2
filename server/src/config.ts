/**
 * The broker's configuration: defaults, then environment variables `QTASKS_BROKER_*`, then
 * command-line flags, each later one winning. Every option is one row of {@link OPTIONS}: its
 * flag, variable, default, parser and help. `--help`, the flag parser and the README's tables
 * (checked by `config.test.ts`) all come from that table.
 */
import { parseArgs } from 'node:util';
import { loadAuthTokens, loadTls, type TlsConfig } from './config-security.js';
import {
  ConfigError,
  databaseUrl,
  duration,
  nonNegativeInteger,
  oneOf,
  parseListenAddress,
  positiveInteger,
  positiveIntegerAtMost,
  type Setting,
} from './config-values.js';
import { DEFAULT_MAX_PENDING_WRITES } from './core/broker.js';
import { DEFAULT_MAX_WATCHERS, DEFAULT_MAX_WATCHERS_PER_TASK } from './core/task-watchers.js';
import { DEFAULT_RETENTION } from './store/retention.js';
import type { Durability } from './store/task-store.js';
import type { AuthToken } from './transport/auth.js';
import { DEFAULT_MAX_JSON_DEPTH } from './transport/json-depth.js';
import { LOG_LEVELS, type LogLevel } from './logger.js';

export { ConfigError, parseListenAddress } from './config-values.js';
export { parseTokensFile, type TlsConfig } from './config-security.js';

/** Everything `qtasks-broker` can be told. */
export interface BrokerConfig {
  /** `HOST:PORT` to listen on; port 0 picks a free one. @defaultValue `127.0.0.1:50051` */
  listen: string;
  /** Where tasks are kept: `lmdb` (one broker, the data directory) or `postgres` (several brokers, one database). @defaultValue `lmdb` */
  store: StoreKind;
  /** `postgres://user:password@host:port/database` of `--store postgres`. */
  databaseUrl: string;
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
   * RESOURCE_EXHAUSTED and a retry hint (`google.rpc.RetryInfo`). @defaultValue 5000
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
  /** The least level of log lines written (stderr, JSON; readable on a terminal). @defaultValue `info` */
  logLevel: LogLevel;
  /** `HOST:PORT` of the HTTP endpoint (the dashboard, `/metrics`, `/healthz`, `/readyz`); empty: none. @defaultValue off */
  httpListen: string;
  /** Check the store's consistency (the data directory, or the database), print a report and exit instead of serving. */
  check?: boolean;
  /** Apply the database schema's migrations (`--store postgres`) and exit. */
  migrate?: boolean;
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

/** The configuration with nothing set. */
export const DEFAULT_CONFIG: Readonly<BrokerConfig> = {
  listen: '127.0.0.1:50051',
  store: 'lmdb',
  databaseUrl: '',
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
  logLevel: 'info',
  httpListen: '',
};

/** Highest `--max-json-depth`: Go's `encoding/json` refuses deeper JSON. */
const MAX_JSON_DEPTH_LIMIT = 10_000;

/** The fields of {@link BrokerConfig} an option sets on its own. */
type PlainField = Exclude<keyof BrokerConfig, 'authTokens' | 'tls' | 'check' | 'backup' | 'migrate'>;

/** The stores `--store` names. */
export type StoreKind = 'lmdb' | 'postgres';

/** One option of `qtasks-broker`. */
export interface OptionSpec {
  /** The flag, without its dashes. */
  flag: string;
  /** What the value looks like in `--help` (`N`, `DIR`); absent for a switch. */
  arg?: string;
  /** The environment variable, `QTASKS_BROKER_` and the flag in upper snake case; none for an action. */
  env?: string;
  /** The default as shown in `--help` and the README. */
  shownDefault?: string;
  /** One sentence for `--help`. */
  help: string;
  /** The README table the option is listed in (`security`, or the options of `running`); `action` ones are listed in the usage block. */
  section: 'running' | 'security' | 'action';
  /** The config field and its parser, for an option that sets one field alone. */
  field?: PlainField;
  parse?: (setting: Setting) => BrokerConfig[PlainField];
}

/** A running option: its variable is derived from its flag. */
function running(flag: string, arg: string, field: PlainField, parse: (setting: Setting) => BrokerConfig[PlainField], shownDefault: string, help: string): OptionSpec {
  return { flag, arg, env: envOf(flag), shownDefault, help, section: 'running', field, parse };
}

function security(flag: string, arg: string, help: string, shownDefault?: string): OptionSpec {
  return { flag, arg, env: envOf(flag), help, section: 'security', ...(shownDefault ? { shownDefault } : {}) };
}

function envOf(flag: string): string {
  return `QTASKS_BROKER_${flag.toUpperCase().replace(/-/g, '_')}`;
}

/** Every option, in the order `--help` lists them. */
export const OPTIONS: readonly OptionSpec[] = [
  running('listen', 'HOST:PORT', 'listen', (s) => (parseListenAddress(s.value, s.source), s.value), DEFAULT_CONFIG.listen, 'address to serve gRPC on; port 0 picks a free one'),
  running('store', 'KIND', 'store', oneOf<StoreKind>('lmdb', 'postgres'), DEFAULT_CONFIG.store, 'where tasks are kept: lmdb (the data directory, one broker) or postgres (--database-url; several brokers may share it)'),
  running('database-url', 'URL', 'databaseUrl', databaseUrl, 'none', 'postgres://USER:PASSWORD@HOST:PORT/DB of --store postgres; prefer the variable: flags show in `ps`'),
  running('data-dir', 'DIR', 'dataDir', (s) => s.value, DEFAULT_CONFIG.dataDir, 'LMDB data directory, created if missing'),
  running('durability', 'MODE', 'durability', oneOf<Durability>('strict', 'commit'), DEFAULT_CONFIG.durability, 'strict: acknowledge after fsync; commit: after commit'),
  running('max-payload-bytes', 'N', 'maxPayloadBytes', positiveInteger, '1 MiB', 'largest args+kwargs or result of one task'),
  running('max-batch-size', 'N', 'maxBatchSize', positiveInteger, String(DEFAULT_CONFIG.maxBatchSize), 'most items in one Enqueue, Heartbeat or Complete'),
  running('max-message-bytes', 'N', 'maxMessageBytes', positiveInteger, '64 MiB', 'largest gRPC message received or sent'),
  running('max-pending-writes', 'N', 'maxPendingWrites', positiveInteger, String(DEFAULT_CONFIG.maxPendingWrites), 'task writes in flight (not yet committed) above which Enqueue is refused with RESOURCE_EXHAUSTED and a retry hint'),
  running('max-json-depth', 'N', 'maxJsonDepth', positiveIntegerAtMost(MAX_JSON_DEPTH_LIMIT), String(DEFAULT_CONFIG.maxJsonDepth), `deepest nesting of arrays and objects accepted in args, kwargs, result and progress (1-${MAX_JSON_DEPTH_LIMIT}; Python workers need < ~900)`),
  running('max-calls', 'N', 'maxCalls', positiveInteger, String(DEFAULT_CONFIG.maxCalls), 'calls open at once, health included; one more is refused with RESOURCE_EXHAUSTED'),
  running('max-connections', 'N', 'maxConnections', positiveInteger, String(DEFAULT_CONFIG.maxConnections), 'client connections open at once; one more is closed at once'),
  running('max-concurrent-streams', 'N', 'maxConcurrentStreams', positiveInteger, String(DEFAULT_CONFIG.maxConcurrentStreams), 'calls at once on one connection (HTTP/2 streams)'),
  running('idle-timeout-ms', 'N', 'idleTimeoutMs', positiveInteger, String(DEFAULT_CONFIG.idleTimeoutMs), 'close a connection with no call open for this long'),
  running('max-watchers', 'N', 'maxWatchers', positiveInteger, String(DEFAULT_CONFIG.maxWatchers), 'WatchResult streams open at once'),
  running('max-watchers-per-task', 'N', 'maxWatchersPerTask', positiveInteger, String(DEFAULT_CONFIG.maxWatchersPerTask), 'WatchResult streams open at once on one task'),
  running('max-unsent-reply-bytes', 'N', 'maxUnsentReplyBytes', positiveInteger, '32 MiB', 'reply bytes not yet taken by clients above which a client that does not read gets no more until it does'),
  running('max-page-bytes', 'N', 'maxPageBytes', positiveInteger, '4 MiB', 'largest ListTasks page, in bytes of tasks'),
  running('retain-succeeded', 'DURATION', 'retainSucceededMs', duration, '24h', 'keep a SUCCESS task this long after it ends, then remove it and its idempotency key: 0, 500ms, 30s, 15m, 24h, 7d; 0 removes it as it ends'),
  running('retain-failed', 'DURATION', 'retainFailedMs', duration, '7d', 'the same for ERROR and CANCEL tasks'),
  running('http-listen', 'HOST:PORT', 'httpListen', (s) => (parseListenAddress(s.value, s.source), s.value), 'off', 'serve the web dashboard (/ and /api/), Prometheus /metrics, /healthz and /readyz over HTTP here; port 0 picks a free one (the ready output says which)'),
  running('log-level', 'LEVEL', 'logLevel', oneOf<LogLevel>(...LOG_LEVELS), DEFAULT_CONFIG.logLevel, `least level of the log lines written on stderr: ${LOG_LEVELS.join(', ')}; JSON, readable on a terminal`),
  running('min-free-bytes', 'N', 'minFreeBytes', nonNegativeInteger, '64 MiB', "refuse Enqueue (RESOURCE_EXHAUSTED) while the data directory's disk has less free space than this; 0 turns it off"),
  security('auth-token', 'TOKEN', 'require this token (scope all) on every call but health; prefer the variable or a file: flags show in `ps`', 'no authentication'),
  security('auth-tokens-file', 'FILE', 'require one of the tokens in FILE: one per line, each optionally followed by a scope (producer, worker, all; default all); blank lines and # comments are ignored'),
  security('tls-cert', 'FILE', 'serve TLS with this PEM certificate chain (needs --tls-key)', 'plaintext'),
  security('tls-key', 'FILE', 'the PEM private key of --tls-cert'),
  security('tls-client-ca', 'FILE', "mutual TLS: clients must present a certificate signed by a CA in this PEM file"),
  { flag: 'check', help: 'check the store (the data directory, e.g. a backup copy, or the database), print a report and exit: 0 if consistent, 1 if not', section: 'action' },
  { flag: 'migrate', help: 'apply the database schema migrations of --store postgres and exit (a broker also applies them as it starts)', section: 'action' },
  { flag: 'backup', arg: 'DIR', help: 'copy the data directory into DIR (new or empty), safely even while a broker serves it, and exit: 0 when done', section: 'action' },
  { flag: 'help', help: 'print this help and exit', section: 'action' },
];

/** The usage text of `qtasks-broker --help`, from {@link OPTIONS}. */
export const USAGE = `Usage: qtasks-broker [options]

Options (each also settable by the environment variable in brackets):
${OPTIONS.map(usageLines).join('')}`;

/** An option's lines in the usage text: the flag, then its help wrapped at 96 columns. */
function usageLines(option: OptionSpec): string {
  const name = `${option.flag === 'help' ? '-h, ' : ''}--${option.flag}${option.arg ? ` ${option.arg}` : ''}`;
  const tail = [option.env ? `[${option.env}]` : '', option.shownDefault ? `(default ${option.shownDefault})` : ''].filter(Boolean).join(' ');
  const words = `${option.help}${tail ? ` ${tail}` : ''}`.split(' ');
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line && line.length + 1 + word.length > 67) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  lines.push(line);
  const first = name.length >= 27 ? `  ${name}\n${' '.repeat(29)}${lines[0]}` : `  ${name.padEnd(27)}${lines[0]}`;
  return [first, ...lines.slice(1).map((rest) => `${' '.repeat(29)}${rest}`)].join('\n') + '\n';
}

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
      options: Object.fromEntries(
        OPTIONS.map((option) => [option.flag, { type: option.arg ? ('string' as const) : ('boolean' as const), ...(option.flag === 'help' ? { short: 'h' } : {}) }]),
      ),
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const flags = parsed.values as Record<string, string | boolean | undefined>;
  if (flags['help']) return 'help';
  /** The value of an option: its flag, else its variable (an empty variable counts as unset). */
  const pick = (flag: string): Setting | undefined => {
    const fromFlag = flags[flag];
    if (typeof fromFlag === 'string') return { value: fromFlag, source: `--${flag}` };
    const variable = OPTIONS.find((option) => option.flag === flag)?.env;
    const fromEnv = variable === undefined ? undefined : env[variable];
    return fromEnv === undefined || fromEnv === '' ? undefined : { value: fromEnv, source: variable! };
  };
  const config: BrokerConfig = { ...DEFAULT_CONFIG };
  const fields = config as unknown as Record<PlainField, unknown>;
  for (const option of OPTIONS) {
    const setting = option.field ? pick(option.flag) : undefined;
    if (setting) fields[option.field!] = option.parse!(setting);
  }
  const authTokens: AuthToken[] | undefined = loadAuthTokens(pick('auth-token'), pick('auth-tokens-file'));
  const tls: TlsConfig | undefined = loadTls(pick('tls-cert'), pick('tls-key'), pick('tls-client-ca'));
  if (config.store === 'postgres' && config.databaseUrl === '') throw new ConfigError('--database-url: required with --store postgres (or set QTASKS_BROKER_DATABASE_URL)');
  if (typeof flags['backup'] === 'string' && config.store === 'postgres') throw new ConfigError('--backup: only with --store lmdb (back a PostgreSQL store up with pg_dump or the database\'s own backups)');
  if (flags['migrate'] && config.store !== 'postgres') throw new ConfigError('--migrate: only with --store postgres (an LMDB store upgrades itself as it opens)');
  return {
    ...config,
    ...(flags['check'] ? { check: true } : {}),
    ...(flags['migrate'] ? { migrate: true } : {}),
    ...(typeof flags['backup'] === 'string' ? { backup: flags['backup'] } : {}),
    ...(authTokens ? { authTokens } : {}),
    ...(tls ? { tls } : {}),
  };
}
