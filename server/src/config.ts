/**
 * The broker's configuration: defaults, then environment variables `QTASKS_BROKER_*`, then
 * command-line flags, each later one winning.
 */
import { parseArgs } from 'node:util';
import type { Durability } from './store/task-store.js';

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
  /** Check the data directory's consistency, print a report and exit instead of serving. */
  check?: boolean;
}

/** The configuration with nothing set. */
export const DEFAULT_CONFIG: Readonly<BrokerConfig> = {
  listen: '127.0.0.1:50051',
  dataDir: './qtasks-data',
  durability: 'strict',
  maxPayloadBytes: 1024 * 1024,
  maxBatchSize: 10_000,
  maxMessageBytes: 64 * 1024 * 1024,
};

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
  --check                    check the data directory (e.g. a backup copy), print a
                             report and exit: 0 if consistent, 1 if not
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
        check: { type: 'boolean' },
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
  return {
    listen: listen?.value ?? DEFAULT_CONFIG.listen,
    dataDir: dataDir?.value ?? DEFAULT_CONFIG.dataDir,
    durability: (durability?.value as Durability | undefined) ?? DEFAULT_CONFIG.durability,
    maxPayloadBytes: positiveInteger(pick('max-payload-bytes', 'QTASKS_BROKER_MAX_PAYLOAD_BYTES')) ?? DEFAULT_CONFIG.maxPayloadBytes,
    maxBatchSize: positiveInteger(pick('max-batch-size', 'QTASKS_BROKER_MAX_BATCH_SIZE')) ?? DEFAULT_CONFIG.maxBatchSize,
    maxMessageBytes: positiveInteger(pick('max-message-bytes', 'QTASKS_BROKER_MAX_MESSAGE_BYTES')) ?? DEFAULT_CONFIG.maxMessageBytes,
    ...(flags.check ? { check: true } : {}),
  };
}

/** Splits `HOST:PORT` (IPv6 hosts in brackets). @throws ConfigError */
export function parseListenAddress(address: string, source = 'listen'): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(address);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) throw new ConfigError(`${source}: must be HOST:PORT (e.g. 127.0.0.1:50051), got "${address}"`);
  return { host: match[1]!, port };
}

function positiveInteger(setting: { value: string; source: string } | undefined): number | undefined {
  if (!setting) return undefined;
  const value = Number(setting.value);
  if (!/^\d+$/.test(setting.value) || !Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(`${setting.source}: must be a positive integer, got "${setting.value}"`);
  }
  return value;
}
