/** `Task`: what a producer gets back, a task's state as the broker recorded it. */
import { TaskStatus, type PastAttempt as ProtoPastAttempt, type Task as ProtoTask, type TraceContext } from '@qtasks/proto';
import type { InspectOptions } from 'node:util';
import { decodeJson } from './json.js';

/** QTasks' status names. */
export type TaskStatusName = 'new' | 'process' | 'retry' | 'success' | 'error' | 'cancel';

const STATUS_NAMES: Record<number, TaskStatusName> = {
  [TaskStatus.TASK_STATUS_NEW]: 'new',
  [TaskStatus.TASK_STATUS_PROCESS]: 'process',
  [TaskStatus.TASK_STATUS_RETRY]: 'retry',
  [TaskStatus.TASK_STATUS_SUCCESS]: 'success',
  [TaskStatus.TASK_STATUS_ERROR]: 'error',
  [TaskStatus.TASK_STATUS_CANCEL]: 'cancel',
};

/** QTasks' name of a contract status (`TASK_STATUS_PROCESS` → `process`), or undefined for `TASK_STATUS_UNSPECIFIED`. */
export function statusName(status: TaskStatus): TaskStatusName | undefined {
  return STATUS_NAMES[status];
}

const STATUS_VALUES = new Map(Object.entries(STATUS_NAMES).map(([value, name]) => [name as string, Number(value) as TaskStatus]));

/** The contract status of one of QTasks' names (`process` → `TASK_STATUS_PROCESS`), or undefined for any other string. */
export function statusValue(name: string): TaskStatus | undefined {
  return STATUS_VALUES.get(name);
}

/** True for `success`, `error` and `cancel`: no status follows them (and a Produce watch with `watch_final_only` pushes only them). */
export function isFinalStatusName(name: TaskStatusName): boolean {
  return name === 'success' || name === 'error' || name === 'cancel';
}

/** QTasks' status names, in the contract's order. */
export const STATUS_NAME_LIST: readonly TaskStatusName[] = Object.values(STATUS_NAMES);

/** Why an attempt failed, as the worker reported it (in any language). */
export interface TaskErrorInfo {
  /** Error class name, e.g. `TypeError`, `ValueError`, `TimeLimitExceeded`. */
  type: string;
  /** The error's message. */
  message: string;
  /** The stack trace or traceback, in the worker language's format. */
  traceback: string;
}

/** One attempt of a task that did not succeed, as the broker recorded it. */
export interface PastAttempt {
  /** Which attempt (1 for the first; attempts keep counting across `app.retry`). */
  attempt: number;
  /** What the attempt ended the task as: `retry` (it ran again), `error` or `cancel`. */
  status: TaskStatusName;
  /** Why it failed; `undefined` for a cancel without an error. */
  error: TaskErrorInfo | undefined;
  /** Why it was cancelled, for a `cancel`. */
  cancelReason: string | undefined;
  /** When the attempt started. */
  startedAt: Date | undefined;
  /** When it ended. */
  endedAt: Date | undefined;
  /** The worker that ran it. */
  workerId: string | undefined;
}

/** The SDK's form of one entry of a task's history. */
function pastAttemptOf(past: ProtoPastAttempt): PastAttempt {
  return {
    attempt: past.attempt,
    status: statusName(past.status) ?? 'error',
    error: past.error ? { ...past.error } : undefined,
    cancelReason: past.cancelReason || undefined,
    startedAt: past.startedAt,
    endedAt: past.endedAt,
    workerId: past.workerId || undefined,
  };
}

/** Waits for a task to reach an end status; implemented by the app. */
export interface ResultWaiter {
  /** Resolves to the task in an end status, or `null` when `timeoutSeconds` run out. */
  waitForResult<R>(uuid: string, timeoutSeconds: number): Promise<Task<R> | null>;
}

/** Marks a lazily decoded field that has not been read yet (`undefined` is a decoded value). */
const NOT_DECODED: unique symbol = Symbol('not decoded');
type Lazy<T> = T | typeof NOT_DECODED;

/**
 * A task's state. `returning` is the decoded result of a `success` task.
 *
 * `args`, `kwargs`, `returning` and `progress` are decoded from JSON on first read (then cached):
 * a producer that enqueues thousands of tasks, or a worker that never reads a field, does not pay
 * for parsing it. They are accessors rather than own properties; `JSON.stringify(task)` and
 * `console.log(task)` still show them.
 */
export class Task<R = unknown> {
  /** The task's id (a time-ordered UUID). */
  readonly uuid: string;
  /** `new`, `process`, `retry`, `success`, `error` or `cancel`. */
  readonly status: TaskStatusName;
  /** Lower runs first. */
  readonly priority: number;
  /** The registered name of the task. */
  readonly taskName: string;
  /** The queue it waits in. */
  readonly queue: string;
  /** When it was stored. */
  readonly createdAt: Date;
  /** When it last changed. */
  readonly updatedAt: Date;
  /** When the current or last attempt started. */
  readonly startedAt: Date | undefined;
  /** When it reached a final status. */
  readonly finishedAt: Date | undefined;
  /** When it becomes (or became) ready to run. */
  readonly eta: Date | undefined;
  /** The last failure, once an attempt failed. */
  readonly error: TaskErrorInfo | undefined;
  /** The traceback of the failure of an `error` or `retry` task (QTasks' field), else `undefined`. */
  readonly traceback: string | undefined;
  /** Attempts started so far. */
  readonly attempt: number;
  /** Further attempts allowed after the first. */
  readonly maxRetries: number;
  /** Why it was cancelled, or asked to cancel. */
  readonly cancelReason: string | undefined;
  /** True when a cancel was asked while it ran. */
  readonly cancelRequested: boolean;
  /** The worker that holds or last held it. */
  readonly workerId: string | undefined;
  /** Labels, as enqueued. */
  readonly tags: string[];
  /** Key/value pairs, as enqueued. */
  readonly metadata: Record<string, string>;
  /** The idempotency key it was enqueued with. */
  readonly idempotencyKey: string | undefined;
  /** The per-key limit group it was enqueued with (`limitKey`), or `undefined` for none. */
  readonly limitKey: string | undefined;
  /** Seconds it is kept once ended, as enqueued (`retention`); `undefined`: the broker's retention. */
  readonly retention: number | undefined;
  /** The attempts that did not succeed, oldest first (at most the last 100); `app.retry` keeps them. */
  readonly history: PastAttempt[];
  /**
   * Attempts made before the last `app.retry` (0 if never retried by hand): the retry budget
   * (`maxRetries`) counts only the `attempt - attemptsBeforeRetry` attempts since.
   */
  readonly attemptsBeforeRetry: number;
  /**
   * The W3C trace context of the span that enqueued it (`traceparent`, `tracestate`), or
   * `undefined` when its producer sent none (no OpenTelemetry SDK registered there).
   */
  readonly traceContext: TraceContext | undefined;

  // Private fields (#) are neither enumerable nor shown: the record's own properties stay its fields.
  readonly #waiter: ResultWaiter | undefined;
  /** The record as received: the JSON bytes of the lazily decoded fields. */
  readonly #raw: ProtoTask;
  #args: Lazy<unknown[]> = NOT_DECODED;
  #kwargs: Lazy<Record<string, unknown>> = NOT_DECODED;
  #returning: Lazy<R | undefined> = NOT_DECODED;
  #progress: Lazy<unknown> = NOT_DECODED;

  constructor(task: ProtoTask, waiter?: ResultWaiter) {
    this.#waiter = waiter;
    this.#raw = task;
    this.uuid = task.id;
    this.status = statusName(task.status) ?? 'new';
    this.priority = task.priority;
    this.taskName = task.name;
    this.queue = task.queue;
    this.createdAt = task.createdAt ?? new Date(0);
    this.updatedAt = task.updatedAt ?? this.createdAt;
    this.startedAt = task.startedAt;
    this.finishedAt = task.finishedAt;
    this.eta = task.eta;
    this.error = task.error ? { ...task.error } : undefined;
    // QTasks shows a traceback on failed and retrying tasks only; `error` keeps the last failure.
    const failed = this.status === 'error' || this.status === 'retry';
    this.traceback = failed && task.error ? task.error.traceback || `${task.error.type}: ${task.error.message}` : undefined;
    this.attempt = task.attempt;
    this.maxRetries = task.maxRetries;
    this.cancelReason = task.cancelReason || undefined;
    this.cancelRequested = task.cancelRequested;
    this.workerId = task.workerId || undefined;
    this.tags = task.tags;
    this.metadata = task.metadata;
    this.idempotencyKey = task.idempotencyKey || undefined;
    this.limitKey = task.limitKey || undefined;
    this.retention = task.retentionMs === undefined ? undefined : task.retentionMs / 1000;
    this.history = task.history.map(pastAttemptOf);
    this.attemptsBeforeRetry = task.attemptsBeforeRetry;
    this.traceContext = task.traceContext;
  }

  /** Positional arguments. */
  get args(): unknown[] {
    if (this.#args === NOT_DECODED) this.#args = decodeJson<unknown[]>(this.#raw.args, []);
    return this.#args;
  }

  /** Keyword arguments. */
  get kwargs(): Record<string, unknown> {
    if (this.#kwargs === NOT_DECODED) this.#kwargs = decodeJson<Record<string, unknown>>(this.#raw.kwargs, {});
    return this.#kwargs;
  }

  /** The decoded result, once `success`. */
  get returning(): R | undefined {
    if (this.#returning === NOT_DECODED) this.#returning = this.status === 'success' ? decodeJson<R | undefined>(this.#raw.result, undefined) : undefined;
    return this.#returning;
  }

  /** The last progress item a generator task published, decoded. */
  get progress(): unknown {
    if (this.#progress === NOT_DECODED) this.#progress = decodeJson<unknown>(this.#raw.progress, undefined);
    return this.#progress;
  }

  /** The task as a plain object with every field (what `JSON.stringify` writes). */
  toJSON(): Record<string, unknown> {
    const { uuid, status, priority, taskName, queue, args, kwargs, createdAt, updatedAt, startedAt, finishedAt, eta, returning, progress } = this;
    const { error, traceback, attempt, maxRetries, cancelReason, cancelRequested, workerId, tags, metadata, idempotencyKey } = this;
    const { limitKey, retention, history, attemptsBeforeRetry, traceContext } = this;
    return {
      uuid, status, priority, taskName, queue, args, kwargs, createdAt, updatedAt, startedAt, finishedAt, eta, returning, progress, error, traceback,
      attempt, maxRetries, cancelReason, cancelRequested, workerId, tags, metadata, idempotencyKey, limitKey, retention, history, attemptsBeforeRetry,
      traceContext,
    };
  }

  /** `console.log(task)` and `util.inspect` show every field, the decoded ones included. */
  [Symbol.for('nodejs.util.inspect.custom')](_depth: number, options: InspectOptions, inspect: (value: unknown, options: InspectOptions) => string): string {
    // The plain object is one level deeper than this Task: keep the caller's depth for its fields.
    return `Task ${inspect(this.toJSON(), { ...options, depth: typeof options.depth === 'number' ? options.depth - 1 : options.depth })}`;
  }

  /** True for `success`, `error` and `cancel`: the task will not change again. */
  get isFinal(): boolean {
    return isFinalStatusName(this.status);
  }

  /**
   * Waits (one `WatchResult` stream, no polling) for an end status of the app's
   * `resultStatusesEnd`; resolves to the task then, or `null` when `timeout` seconds run out.
   */
  async waitResult(timeout = 100): Promise<Task<R> | null> {
    if (!this.#waiter) throw new Error('this Task is not bound to an app');
    return this.#waiter.waitForResult<R>(this.uuid, timeout);
  }
}
