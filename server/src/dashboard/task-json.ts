/**
 * The JSON shapes of the dashboard API: tasks (whole, and as list rows) and queues. Times are ISO
 * 8601 strings. Payloads (`args`, `kwargs`, `result`, `progress`) are the stored JSON *text*, as
 * strings: parsing them here or in the page would round integers past 2^53, and a dashboard must
 * show what the task really holds.
 */
import type { QueueInfo } from '../domain/queue.js';
import type { PastAttempt, TaskError, TaskRecord, TaskStatus } from '../domain/task.js';

/** A task as `GET /api/tasks/:id` and the task stream send it. */
export interface TaskJson extends TaskRowJson {
  /** JSON text of the positional arguments (an array). */
  args: string;
  /** JSON text of the keyword arguments (an object). */
  kwargs: string;
  /** JSON text of the result of a `success` task, else null. */
  result: string | null;
  /** JSON text of the latest progress of the current attempt, else null. */
  progress: string | null;
  maxRetries: number;
  maxTimeMs: number;
  /** The last failure, traceback included. */
  error: TaskError | null;
  cancelReason: string | null;
  tags: string[];
  metadata: Record<string, string>;
  idempotencyKey: string | null;
  limitKey: string | null;
  retentionMs: number | null;
  startedAt: string | null;
  /** When it runs (its eta, or the end of a retry backoff), while it waits for it. */
  runAt: string | null;
  /** When the running attempt's lease runs out, unless a heartbeat extends it. */
  leaseDeadline: string | null;
  /** The attempts that did not succeed, oldest first. */
  history: PastAttemptJson[];
  /** Attempts made before the last retry by hand. */
  attemptsBeforeRetry: number;
}

/** A task as a list row: what a table shows, no payloads. */
export interface TaskRowJson {
  id: string;
  name: string;
  queue: string;
  status: TaskStatus;
  priority: number;
  attempt: number;
  cancelRequested: boolean;
  workerId: string | null;
  /** The error type of the last failure, if any. */
  errorType: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

/** One past attempt. */
export interface PastAttemptJson {
  attempt: number;
  status: TaskStatus;
  error: TaskError | null;
  cancelReason: string | null;
  startedAt: string | null;
  endedAt: string;
  workerId: string | null;
}

/** A queue as `GET /api/queues` sends it: the core's own shape, which is plain JSON already. */
export type QueueJson = QueueInfo;

const utf8 = new TextDecoder();

/** The list row of a task. */
export function taskRowJson(task: TaskRecord): TaskRowJson {
  return {
    id: task.id,
    name: task.name,
    queue: task.queue,
    status: task.status,
    priority: task.priority,
    attempt: task.attempt,
    cancelRequested: task.cancelRequested,
    workerId: task.workerId ?? null,
    errorType: task.error?.type ?? null,
    createdAt: iso(task.createdAtMs),
    updatedAt: iso(task.updatedAtMs),
    finishedAt: optionalIso(task.finishedAtMs),
  };
}

/**
 * The whole task. `wallTimeOf` turns the lease's steady deadline into wall time
 * (`Broker.wallTimeOf`): clients know only wall clocks.
 */
export function taskJson(task: TaskRecord, wallTimeOf: (steadyMs: number) => number): TaskJson {
  return {
    ...taskRowJson(task),
    args: utf8.decode(task.args),
    kwargs: utf8.decode(task.kwargs),
    result: task.result ? utf8.decode(task.result) : null,
    progress: task.progress ? utf8.decode(task.progress) : null,
    maxRetries: task.maxRetries,
    maxTimeMs: task.maxTimeMs,
    error: task.error ? { ...task.error } : null,
    cancelReason: task.cancelReason ?? null,
    tags: task.tags,
    metadata: task.metadata,
    idempotencyKey: task.idempotencyKey ?? null,
    limitKey: task.limitKey ?? null,
    retentionMs: task.retentionMs ?? null,
    startedAt: optionalIso(task.startedAtMs),
    runAt: task.status === 'new' || task.status === 'retry' ? optionalIso(task.runAtMs) : null,
    leaseDeadline: task.lease ? iso(wallTimeOf(task.lease.deadlineMs)) : null,
    history: (task.history ?? []).map(pastAttemptJson),
    attemptsBeforeRetry: task.attemptsBeforeRetry ?? 0,
  };
}

/** A queue's state. */
export function queueJson(info: QueueInfo): QueueJson {
  return {
    name: info.name,
    counts: { ...info.counts },
    paused: info.paused,
    limits: info.limits,
    oldestReadyAgeMs: info.oldestReadyAgeMs,
    completedLastMinute: info.completedLastMinute,
  };
}

function pastAttemptJson(past: PastAttempt): PastAttemptJson {
  return {
    attempt: past.attempt,
    status: past.status,
    error: past.error ? { ...past.error } : null,
    cancelReason: past.cancelReason ?? null,
    startedAt: optionalIso(past.startedAtMs),
    endedAt: iso(past.endedAtMs),
    workerId: past.workerId ?? null,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function optionalIso(ms: number | undefined): string | null {
  return ms === undefined ? null : iso(ms);
}
