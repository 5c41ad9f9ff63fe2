/**
 * The queue verbs behind `app.pauseQueue`, `app.resumeQueue`, `app.purgeQueue`,
 * `app.setQueueLimits`, `app.getQueueLimits` and `app.listQueues`: the broker's operator RPCs,
 * with their answers in the SDK's terms (status names, camelCase, "no limit" as `0`/`undefined`).
 *
 * The broker validates what it is sent and names the field it refuses (`limits.max_running: …`),
 * which reaches the caller as a {@link BrokerCallError} (INVALID_ARGUMENT). The SDK itself only
 * refuses what the wire cannot carry (a fraction or a number beyond an int32, an unknown status
 * name), with a {@link TaskUsageError}.
 */
import type { QueueInfo as ProtoQueueInfo, QueueLimits as ProtoQueueLimits, RateLimit as ProtoRateLimit } from '@qtasks/proto';
import type { BrokerConnection } from './connection.js';
import { TaskUsageError, type BrokerCallError } from './errors.js';
import { int32Option } from './int32-option.js';
import { STATUS_NAME_LIST, statusValue, type TaskStatusName } from './task.js';

/** At most `count` task starts per `periodMs` milliseconds, over a sliding window. */
export interface RateLimit {
  /** Most starts per period (at least 1; a rate with 0 is no rate). */
  count: number;
  /** The period in milliseconds, 1–86400000 (a day). */
  periodMs: number;
}

/** A queue's limits, as the broker enforces them when it hands tasks out; 0 or `undefined` is no limit. */
export interface QueueLimits {
  /** Most tasks of the queue running at once. */
  maxRunning: number;
  /** Most task starts of the queue per period. */
  rate: RateLimit | undefined;
  /** Most tasks of each `limitKey` running at once. */
  maxRunningPerKey: number;
  /** Most task starts of each `limitKey` per period. */
  ratePerKey: RateLimit | undefined;
}

/** The limits given to `app.setQueueLimits`: each one left out (or 0) is no limit. */
export type QueueLimitsOptions = Partial<QueueLimits>;

/** A queue's tasks by status (finished ones while the broker keeps them). */
export type QueueCounts = Record<TaskStatusName, number>;

/** One queue's state, as `app.listQueues`, `app.pauseQueue` and `app.resumeQueue` give it. */
export interface QueueInfo {
  /** The queue's name. */
  name: string;
  /** Its tasks by status. */
  counts: QueueCounts;
  /** True while it is paused: it takes tasks but hands none out. */
  paused: boolean;
  /** Its limits. */
  limits: QueueLimits;
  /** How long its oldest ready task has waited to start, in milliseconds; 0 when none is ready. */
  oldestReadyAgeMs: number;
  /** Its tasks that ended (`success`, `error` or `cancel`) over the last minute. */
  completedLastMinute: number;
}

/** The statuses `app.purgeQueue` can remove: every one but `process` (cancel running tasks instead). */
export type PurgeableStatus = Exclude<TaskStatusName, 'process'>;

/** What the queue verbs need of the connection. */
type Calls = Pick<BrokerConnection, 'unary'>;


/** Pauses a queue (PauseQueue); resolves to its state. */
export async function pause(conn: Calls, queue: string): Promise<QueueInfo> {
  return queueInfoOf((await conn.unary('PauseQueue', (client, signal) => client.pauseQueue({ queue }, { signal }))).queue);
}

/** Resumes a queue (ResumeQueue); resolves to its state. */
export async function resume(conn: Calls, queue: string): Promise<QueueInfo> {
  return queueInfoOf((await conn.unary('ResumeQueue', (client, signal) => client.resumeQueue({ queue }, { signal }))).queue);
}

/**
 * Removes a queue's tasks in these statuses (PurgeQueue); resolves to how many were removed.
 * `process` is sent as given, for the broker to refuse by name.
 * @throws TaskUsageError for a status name the SDK does not know
 */
export async function purge(conn: Calls, queue: string, statuses: readonly PurgeableStatus[]): Promise<number> {
  if (!Array.isArray(statuses)) throw new TaskUsageError(`purgeQueue(${queue}): statuses must be an array of status names`);
  const values = statuses.map((name, i) => {
    const value = statusValue(name);
    if (value === undefined) throw new TaskUsageError(`purgeQueue(${queue}): statuses[${i}]: unknown status ${JSON.stringify(name)}; use ${STATUS_NAME_LIST.join(', ')}`);
    return value;
  });
  return (await conn.unary('PurgeQueue', (client, signal) => client.purgeQueue({ queue, statuses: values }, { signal }))).purged;
}

/** Replaces a queue's limits (SetQueueLimits); resolves to the limits now in force. */
export async function setLimits(conn: Calls, queue: string, limits: QueueLimitsOptions): Promise<QueueLimits> {
  const request = { queue, limits: protoLimitsOf(limits ?? {}) };
  return limitsOf((await conn.unary('SetQueueLimits', (client, signal) => client.setQueueLimits(request, { signal }))).limits);
}

/** A queue's limits (GetQueueLimits); all 0 when it has none. */
export async function getLimits(conn: Calls, queue: string): Promise<QueueLimits> {
  return limitsOf((await conn.unary('GetQueueLimits', (client, signal) => client.getQueueLimits({ queue }, { signal }))).limits);
}

/** Every queue the broker knows, in name order (ListQueues). */
export async function list(conn: Calls): Promise<QueueInfo[]> {
  return (await conn.unary('ListQueues', (client, signal) => client.listQueues({}, { signal }))).queues.map(queueInfoOf);
}

function queueInfoOf(info: ProtoQueueInfo | undefined): QueueInfo {
  const counts = info?.counts;
  return {
    name: info?.name ?? '',
    counts: {
      new: counts?.new ?? 0,
      process: counts?.process ?? 0,
      retry: counts?.retry ?? 0,
      success: counts?.success ?? 0,
      error: counts?.error ?? 0,
      cancel: counts?.cancel ?? 0,
    },
    paused: info?.paused ?? false,
    limits: limitsOf(info?.limits),
    oldestReadyAgeMs: info?.oldestReadyAgeMs ?? 0,
    completedLastMinute: info?.completedLastMinute ?? 0,
  };
}

function limitsOf(limits: ProtoQueueLimits | undefined): QueueLimits {
  return {
    maxRunning: limits?.maxRunning ?? 0,
    rate: rateOf(limits?.rate),
    maxRunningPerKey: limits?.maxRunningPerKey ?? 0,
    ratePerKey: rateOf(limits?.ratePerKey),
  };
}

/** A rate with a count of 0 is no rate, as the broker reads it. */
function rateOf(rate: ProtoRateLimit | undefined): RateLimit | undefined {
  return rate && rate.count !== 0 ? { count: rate.count, periodMs: rate.periodMs } : undefined;
}

function protoLimitsOf(limits: QueueLimitsOptions): ProtoQueueLimits {
  const rate = (field: string, value: RateLimit | undefined): ProtoRateLimit | undefined =>
    value ? { count: int32(`${field}.count`, value.count), periodMs: int32(`${field}.periodMs`, value.periodMs) } : undefined;
  return {
    maxRunning: int32('limits.maxRunning', limits.maxRunning),
    rate: rate('limits.rate', limits.rate),
    maxRunningPerKey: int32('limits.maxRunningPerKey', limits.maxRunningPerKey),
    ratePerKey: rate('limits.ratePerKey', limits.ratePerKey),
  };
}

/** A limit the contract's int32 carries (`undefined` is 0), checked as every int32 option is. */
function int32(field: string, value: number | undefined): number {
  return value === undefined ? 0 : int32Option(`setQueueLimits: ${field}`, value);
}
