/**
 * The app's configuration: defaults, then the values given to `new QTasks({ config })`, then
 * environment variables `QTASKS_<FIELD_IN_SNAKE_CASE>`, which win (QTasks' rule: the deployment
 * overrides the code).
 */
import { QTasksConfigError } from './errors.js';
import type { TaskStatusName } from './task.js';

/** Every setting of an app. */
export interface QTasksConfig {
  /** Priority of a task registered without one (lower runs first). @defaultValue 0 */
  taskDefaultPriority: number;
  /** How many tasks one worker runs at once. @defaultValue 10 */
  maxTasksProcess: number;
  /**
   * How many tasks a worker leases ahead of its free slots, to start the moment a slot frees
   * (heartbeated like running tasks; given back at once on stop). Keeps a busy worker's next batch
   * on its way while the current one runs. A worker whose tasks finish in microseconds holds more:
   * what it finishes in about 5 ms, if that is more than this (at most 100). 0 leases only for
   * free slots: the choice for long tasks shared by several workers, where a task held here would
   * wait while another worker idles.
   * @defaultValue 10
   */
  prefetchTasks: number;
  /** Statuses that end a result wait (`addTask(..., { timeout })`, `AsyncResult.result`). @defaultValue `["success", "error", "cancel"]` */
  resultStatusesEnd: TaskStatusName[];
  /** Lease length a worker asks for, in ms; heartbeats renew it every third of it. @defaultValue 30000 */
  leaseMs: number;
  /**
   * How long one `Lease` call waits for work, in ms. @defaultValue 30000
   * @deprecated The worker takes its tasks over one Work stream, pushed as they become ready; this
   * is only checked (0–300000).
   */
  leaseWaitMs: number;
  /** On stop, how long running tasks may take to finish before they are given back, in ms. @defaultValue 10000 */
  shutdownGraceMs: number;
  /** Most tasks (or outcomes) sent in one RPC by the coalescing batchers. @defaultValue 1000 */
  batchSize: number;
  /** Deadline of one call to the broker, beyond any wait it asks for, in ms. @defaultValue 15000 */
  callTimeoutMs: number;
}

/** The configuration with nothing set. */
export const DEFAULT_CONFIG: Readonly<QTasksConfig> = Object.freeze<QTasksConfig>({
  taskDefaultPriority: 0,
  maxTasksProcess: 10,
  prefetchTasks: 10,
  resultStatusesEnd: ['success', 'error', 'cancel'],
  leaseMs: 30_000,
  leaseWaitMs: 30_000,
  shutdownGraceMs: 10_000,
  batchSize: 1000,
  callTimeoutMs: 15_000,
});

const STATUSES: readonly string[] = ['new', 'process', 'retry', 'success', 'error', 'cancel'];

/** `taskDefaultPriority` → `QTASKS_TASK_DEFAULT_PRIORITY`. */
export function envVariableOf(field: keyof QTasksConfig): string {
  return `QTASKS_${field.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`;
}

/**
 * Builds a configuration.
 * @throws QTasksConfigError naming the field or variable at fault
 */
export function loadConfig(given: Partial<QTasksConfig> = {}, env: NodeJS.ProcessEnv = process.env): QTasksConfig {
  const config: QTasksConfig = { ...DEFAULT_CONFIG, resultStatusesEnd: [...DEFAULT_CONFIG.resultStatusesEnd] };
  const sources: Sources = {};
  for (const field of Object.keys(DEFAULT_CONFIG) as (keyof QTasksConfig)[]) {
    const variable = envVariableOf(field);
    const raw = env[variable];
    if (raw !== undefined && raw !== '') {
      setField(config, field, parseEnv(field, variable, raw));
      sources[field] = variable;
    } else if (given[field] !== undefined) {
      // Copied, so that changing the caller's array later does not change the app's config.
      const value = given[field];
      setField(config, field, Array.isArray(value) ? [...value] : value);
    }
  }
  check(config, sources);
  return config;
}

/** Where a field's value came from, when it is an environment variable (errors name it). */
type Sources = Partial<Record<keyof QTasksConfig, string>>;

function setField<K extends keyof QTasksConfig>(config: QTasksConfig, field: K, value: unknown): void {
  config[field] = value as QTasksConfig[K];
}

function parseEnv(field: keyof QTasksConfig, variable: string, raw: string): unknown {
  if (Array.isArray(DEFAULT_CONFIG[field])) {
    const items = raw.trim().startsWith('[') ? safeJson(raw) : raw.split(',').map((item) => item.trim());
    if (!Array.isArray(items)) throw new QTasksConfigError(`${variable}: must be a comma-separated list or a JSON array, got "${raw}"`);
    return items;
  }
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) {
    throw new QTasksConfigError(`${variable}: must be an integer, got "${raw}"`);
  }
  return value;
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function check(config: QTasksConfig, sources: Sources): void {
  const source = (field: keyof QTasksConfig): string => sources[field] ?? `config.${field}`;
  const positive: (keyof QTasksConfig)[] = ['maxTasksProcess', 'leaseMs', 'batchSize', 'callTimeoutMs'];
  for (const field of positive) {
    const value = config[field];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new QTasksConfigError(`${source(field)}: must be a positive integer, got ${String(value)}`);
    }
  }
  for (const field of ['leaseWaitMs', 'shutdownGraceMs', 'taskDefaultPriority'] as const) {
    if (!Number.isInteger(config[field])) throw new QTasksConfigError(`${source(field)}: must be an integer, got ${String(config[field])}`);
  }
  if (!Number.isInteger(config.prefetchTasks) || config.prefetchTasks < 0) {
    throw new QTasksConfigError(`${source('prefetchTasks')}: must be a non-negative integer, got ${String(config.prefetchTasks)}`);
  }
  // The broker's own limits: a value outside them would make every Lease fail.
  if (config.leaseMs < 1000 || config.leaseMs > 3_600_000) {
    throw new QTasksConfigError(`${source('leaseMs')}: must be between 1000 and 3600000, got ${config.leaseMs}`);
  }
  if (config.leaseWaitMs < 0 || config.leaseWaitMs > 300_000) {
    throw new QTasksConfigError(`${source('leaseWaitMs')}: must be between 0 and 300000, got ${config.leaseWaitMs}`);
  }
  for (const status of config.resultStatusesEnd) {
    if (!STATUSES.includes(status)) throw new QTasksConfigError(`${source('resultStatusesEnd')}: unknown status "${String(status)}"`);
  }
}
