/** `Task`: what a producer gets back, a task's state as the broker recorded it. */
import { TaskStatus, type Task as ProtoTask } from '@qtasks/proto';
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

/** Why an attempt failed, as the worker reported it (in any language). */
export interface TaskErrorInfo {
  /** Error class name, e.g. `TypeError`, `ValueError`, `TimeLimitExceeded`. */
  type: string;
  /** The error's message. */
  message: string;
  /** The stack trace or traceback, in the worker language's format. */
  traceback: string;
}

/** Waits for a task to reach an end status; implemented by the app. */
export interface ResultWaiter {
  /** Resolves to the task in an end status, or `null` when `timeoutSeconds` run out. */
  waitForResult<R>(uuid: string, timeoutSeconds: number): Promise<Task<R> | null>;
}

/** A task's state. `returning` is the decoded result of a `success` task. */
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
  /** Positional arguments. */
  readonly args: unknown[];
  /** Keyword arguments. */
  readonly kwargs: Record<string, unknown>;
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
  /** The decoded result, once `success`. */
  readonly returning: R | undefined;
  /** The last progress item a generator task published, decoded. */
  readonly progress: unknown;
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

  constructor(
    task: ProtoTask,
    private readonly waiter?: ResultWaiter,
  ) {
    this.uuid = task.id;
    this.status = STATUS_NAMES[task.status] ?? 'new';
    this.priority = task.priority;
    this.taskName = task.name;
    this.queue = task.queue;
    this.args = decodeJson<unknown[]>(task.args, []);
    this.kwargs = decodeJson<Record<string, unknown>>(task.kwargs, {});
    this.createdAt = task.createdAt ?? new Date(0);
    this.updatedAt = task.updatedAt ?? this.createdAt;
    this.startedAt = task.startedAt;
    this.finishedAt = task.finishedAt;
    this.eta = task.eta;
    this.returning = this.status === 'success' ? decodeJson<R | undefined>(task.result, undefined) : undefined;
    this.progress = decodeJson<unknown>(task.progress, undefined);
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
    Object.defineProperty(this, 'waiter', { enumerable: false });
  }

  /** True for `success`, `error` and `cancel`: the task will not change again. */
  get isFinal(): boolean {
    return this.status === 'success' || this.status === 'error' || this.status === 'cancel';
  }

  /**
   * Waits (one `WatchResult` stream, no polling) for an end status of the app's
   * `resultStatusesEnd`; resolves to the task then, or `null` when `timeout` seconds run out.
   */
  async waitResult(timeout = 100): Promise<Task<R> | null> {
    if (!this.waiter) throw new Error('this Task is not bound to an app');
    return this.waiter.waitForResult<R>(this.uuid, timeout);
  }
}
