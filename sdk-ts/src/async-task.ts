/**
 * `AsyncTask`: the handle `app.task(...)` returns. It is callable: `add(1, 2)` pre-builds an
 * {@link AsyncTaskCls} without sending it; `add.addTask([1, 2], options)` enqueues.
 */
import type { TaskContext } from './context.js';
import { TaskUsageError } from './errors.js';
import type { Task } from './task.js';
import type { TaskExecSchema } from './task-exec-schema.js';

/** Options of one call of `addTask`. */
export interface AddTaskOptions {
  /** Keyword arguments (a JSON object); a TypeScript handler gets them as one more, last argument. */
  kwargs?: Record<string, unknown>;
  /** Lower runs first. @defaultValue the task's priority */
  priority?: number;
  /**
   * Retries for this run after a retryable failure. Mostly for tasks that only a worker in
   * another language implements, which have no local `retry`. @defaultValue the task's `retry`, else 0
   */
  retry?: number;
  /** Run no earlier than this many seconds from now. */
  delay?: number;
  /** Run no earlier than this time. */
  eta?: Date;
  /** A second `addTask` with the same key (in the same queue) returns the first task instead of a new one. */
  idempotencyKey?: string;
  /**
   * Seconds to wait for a status of `app.config.resultStatusesEnd`; the call then resolves to the
   * task, or to `null` when the time runs out (or the task ended in a status not on that list).
   */
  timeout?: number;
  /** Enqueue another task by name instead of this one (`self.addTask(args, { taskName: 'other' })`). */
  taskName?: string;
  /** The queue to use. @defaultValue the task's queue */
  queue?: string;
  /** Labels stored with this run. @defaultValue the task's tags */
  tags?: string[];
  /** Key/value pairs stored with this run. */
  metadata?: Record<string, string>;
  /**
   * The group this run counts against for the queue's per-key limits (`app.setQueueLimits`),
   * e.g. a customer id; `''` for none. @defaultValue the task's `limitKey`, else none
   */
  limitKey?: string;
  /**
   * Seconds to keep this run once it has ended, when shorter than the broker's retention; 0
   * removes it as it ends. @defaultValue the task's `retention`, else the broker's
   */
  retention?: number;
}

/** What a handle needs from its app. */
export interface TaskApp {
  addTask(taskName: string, args?: unknown[], options?: AddTaskOptions): Promise<Task | null>;
}

/** The result type of a handler: generators collect their items into a list. */
export type TaskResult<R> =
  R extends AsyncGenerator<infer T, any, any> ? T[] : R extends Generator<infer T, any, any> ? T[] : Awaited<R>;

/** The handle of a registered task, typed by its argument tuple `A` and result `R`. */
export interface AsyncTask<A extends unknown[] = any[], R = unknown> {
  /** Pre-builds a run without sending it. */
  (...args: A): AsyncTaskCls<A, R>;
  /** The registered name. */
  readonly taskName: string;
  /** Default priority of its runs. */
  readonly priority: number;
  /** The registered definition (what the worker runs). */
  readonly schema: TaskExecSchema;
  /** The handler gets this handle as its first argument. */
  readonly echo: boolean;
  /** Time limit of one attempt, in seconds. */
  readonly maxTime: number | undefined;
  /** Further attempts after a failure. */
  readonly retry: number;
  /** Error classes that allow a retry. */
  readonly retryOnExc: TaskExecSchema['retryOnExc'];
  /** Labels. */
  readonly tags: string[];
  /** The per-key limit group of its runs, if any. */
  readonly limitKey: string | undefined;
  /** Seconds its runs are kept once ended, if shorter than the broker's retention. */
  readonly retention: number | undefined;
  /** Description. */
  readonly description: string | undefined;
  /** Options the SDK does not know. */
  readonly extra: Record<string, unknown>;
  /** Inside a worker (echo tasks): the context of the running attempt. */
  readonly ctx: TaskContext | undefined;
  /** Enqueues a run; resolves to the new task (status `new`). */
  addTask(args?: A, options?: AddTaskOptions & { timeout?: undefined }): Promise<Task<R>>;
  /** Enqueues a run and waits up to `timeout` seconds; resolves to the final task, or `null`. */
  addTask(args: A, options: AddTaskOptions & { timeout: number }): Promise<Task<R> | null>;
  addTask(args?: A, options?: AddTaskOptions): Promise<Task<R> | null>;
}

const ASYNC_TASK = Symbol.for('qtasks.AsyncTask');

/**
 * Makes a handle. `app` undefined means "the default app at call time" (QTasks' `app_main`), for
 * tasks defined with `sharedTask` outside any app.
 */
export function createAsyncTask<A extends unknown[], R>(
  schema: TaskExecSchema,
  app: () => TaskApp,
  ctx?: TaskContext,
): AsyncTask<A, R> {
  const handle = ((...args: A) => new AsyncTaskCls<A, R>(handle, { taskName: schema.name, priority: schema.priority, timeout: undefined, args, kwargs: {} })) as AsyncTask<A, R>;
  const fields: Record<string, unknown> = {
    taskName: schema.name,
    schema,
    echo: schema.echo,
    maxTime: schema.maxTime,
    retry: schema.retry,
    retryOnExc: schema.retryOnExc,
    tags: schema.tags,
    limitKey: schema.limitKey,
    retention: schema.retention,
    description: schema.description,
    extra: schema.extra,
    ctx,
  };
  for (const [key, value] of Object.entries(fields)) Object.defineProperty(handle, key, { value, enumerable: true });
  Object.defineProperty(handle, 'priority', { get: () => schema.priority, enumerable: true });
  Object.defineProperty(handle, ASYNC_TASK, { value: true });
  Object.defineProperty(handle, 'addTask', {
    // Not async, like TaskApp.addTask: an async frame per call lived as long as the call.
    value: (args: A = [] as unknown as A, options: AddTaskOptions = {}) => {
      try {
        if (!Array.isArray(args)) throw new TaskUsageError(`addTask of ${schema.name}: args must be an array, got ${typeof args}`);
        const taskName = options.taskName ?? schema.name;
        const own = taskName === schema.name;
        return app().addTask(taskName, args, { ...options, priority: options.priority ?? (own ? schema.priority : undefined) });
      } catch (error) {
        return Promise.reject(error);
      }
    },
  });
  return handle;
}

/** True for a handle made by `app.task` or `sharedTask`. */
export function isAsyncTask(value: unknown): value is AsyncTask {
  return typeof value === 'function' && (value as unknown as Record<symbol, unknown>)[ASYNC_TASK] === true;
}

/**
 * The typed handle of a decorated method. TypeScript decorators cannot change a member's type,
 * so `Tasks.add` still types as the method; `taskOf(Tasks.add)` gives its `AsyncTask` type.
 */
export function taskOf<F extends (...args: any[]) => any>(method: F): AsyncTask<Parameters<F>, TaskResult<ReturnType<F>>> {
  if (!isAsyncTask(method)) throw new TaskUsageError('taskOf: this method is not decorated with @app.task');
  return method as unknown as AsyncTask<Parameters<F>, TaskResult<ReturnType<F>>>;
}

/** The fields of a pre-built run. */
export interface AsyncTaskClsFields<A extends unknown[]> {
  taskName: string;
  priority: number;
  timeout: number | undefined;
  args: A;
  kwargs: Record<string, unknown>;
}

/**
 * A pre-built run: a plain object holding `taskName`, `priority`, `timeout`, `args` and `kwargs`,
 * which can be stored, changed and sent later with {@link AsyncTaskCls.addTask}.
 */
export class AsyncTaskCls<A extends unknown[] = unknown[], R = unknown> implements AsyncTaskClsFields<A> {
  taskName: string;
  priority: number;
  timeout: number | undefined;
  args: A;
  kwargs: Record<string, unknown>;
  private readonly task!: AsyncTask<A, R>;

  constructor(task: AsyncTask<A, R>, fields: AsyncTaskClsFields<A>) {
    Object.defineProperty(this, 'task', { value: task, enumerable: false });
    this.taskName = fields.taskName;
    this.priority = fields.priority;
    this.timeout = fields.timeout;
    this.args = fields.args;
    this.kwargs = fields.kwargs;
  }

  /** Sends the run: the new task, or with a `timeout` the final task or `null`. */
  addTask(): Promise<Task<R> | null> {
    return this.task.addTask(this.args, { taskName: this.taskName, priority: this.priority, timeout: this.timeout, kwargs: this.kwargs });
  }
}
