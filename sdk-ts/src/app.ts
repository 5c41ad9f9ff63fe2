/**
 * `QTasks`: the app. It registers tasks, enqueues them, waits for their results, and owns the
 * worker that runs them; it talks to the broker over one gRPC connection.
 */
import type { DeepPartial, Task as ProtoTask, TaskSpec } from '@qtasks/proto';
import { INT32_MAX } from '@qtasks/proto';
import { Status } from 'nice-grpc';
import { createAsyncTask, type AddTaskOptions, type AsyncTask, type TaskResult } from './async-task.js';
import { int32Option, isInt32 } from './int32-option.js';
import { Backoff, sleep } from './backoff.js';
import { loadConfig, type QTasksConfig } from './config.js';
import { BrokerConnection } from './connection.js';
import type { TaskContext } from './context.js';
import { BrokerCallError, TaskUsageError } from './errors.js';
import { DEFAULT_RETRY_BACKOFF } from './task-exec-schema.js';
import { encodeJson } from './json.js';
import { retentionMsOf } from './retention.js';
import { resolveSecurity, type AuthOptions, type ConnectionSecurity, type TlsOptions } from './security.js';
import type { Logger } from './logger.js';
import {
  bindDecoratedThis,
  buildTaskExecSchema,
  isMethodDecoratorContext,
  registerSchema,
} from './registration.js';
import { addSharedTask, defaultApp, registerApp, unregisterApp } from './state.js';
import { isFinalStatusName, Task, type ResultWaiter } from './task.js';
import type { TaskExecSchema, TaskFunction, TaskOptions } from './task-exec-schema.js';
import { Worker, type WorkerHost } from './worker.js';
import * as queues from './queues.js';
import type { PurgeableStatus, QueueInfo, QueueLimits, QueueLimitsOptions } from './queues.js';
import type { WatchedStates } from './watched-states.js';
import type { EnqueuedTask } from './produce-stream.js';
import { brokerAddresses } from './broker-addresses.js';
import { listTasks, type TaskListFilter, type TaskPage } from './task-listing.js';
import { watchTask, type WatchOptions } from './task-watch.js';
import { endEnqueueSpanWhenSettled, startEnqueueSpan } from './tracing.js';

/**
 * Extra time the broker gives an attempt beyond `maxTime` before it fails the attempt itself:
 * the worker enforces `maxTime` and reports the failure; the broker's limit is the backstop for
 * a worker that hangs or dies, and must not win the race against a worker that is on time.
 */
const BROKER_TIME_LIMIT_GRACE_MS = 2000;

/** The encoded kwargs of a call without any, shared (never written to) rather than encoded per call. */
const NO_KWARGS = encodeJson({}, 'no kwargs');

/** `addTask`'s options when none are given. */
const NO_OPTIONS: AddTaskOptions = Object.freeze({});
const NO_TAGS: string[] = [];
const NO_METADATA: Record<string, string> = {};

/** `value` if it is an `int32`, else the error of `addTask`'s `option` (its message built only then). */
function int32Of(value: number, taskName: string, option: string): number {
  return isInt32(value) ? value : int32Option(`addTask(${taskName}): ${option}`, value);
}

/** The id of an enqueued task, for its enqueue span (module-level: no closure per call). */
const idOfTask = (task: ProtoTask): string => task.id;
const idOfEnqueued = ({ task }: EnqueuedTask): string => task.id;

/** Options of `new QTasks(...)`. */
export interface QTasksOptions {
  /** The app's name, used in logs. @defaultValue `"QTasks"` */
  name?: string;
  /**
   * `HOST:PORT` of the broker, or of several brokers that share one store (a list, or one string
   * separated by commas): the app uses the first that answers and moves to the next when it goes
   * away (see `broker-addresses.ts`). @defaultValue `QTASKS_BROKER_ADDRESS`, else `127.0.0.1:50051`
   */
  broker?: string | readonly string[];
  /** Settings; each can also be set by an environment variable `QTASKS_<FIELD_IN_SNAKE_CASE>`, which wins. */
  config?: Partial<QTasksConfig>;
  /** Where the SDK and `ctx.logger` log. @defaultValue `console` */
  logger?: Logger;
  /** The token for a broker that requires one. @defaultValue `{ token: QTASKS_AUTH_TOKEN }` when set */
  auth?: AuthOptions;
  /** Connect over TLS (mutual TLS with `cert` and `key`). @defaultValue TLS when `QTASKS_TLS_CA`, `QTASKS_TLS_CERT` or `QTASKS_TLS_KEY` is set, else plaintext */
  tls?: TlsOptions;
}

/** An echo handler's parameters without its first one, `self`. */
export type WithoutSelf<P extends unknown[]> = P extends [unknown, ...infer Rest] ? Rest : never;

/** A method decorator made by `app.task(options)`. */
export type TaskDecorator = <This, A extends unknown[], R>(
  method: (this: This, ...args: A) => R,
  context: ClassMethodDecoratorContext<This, (this: This, ...args: A) => R>,
) => (this: This, ...args: A) => R;

/** A QTasks app. */
export class QTasks implements ResultWaiter, WorkerHost {
  /** The app's name. */
  readonly name: string;
  /** `HOST:PORT` of the broker, or of several, separated by commas, in the order they are tried. */
  readonly broker: string;
  /** The settings. */
  readonly config: QTasksConfig;
  /** Registered tasks by name. */
  readonly tasks = new Map<string, TaskExecSchema>();
  /** The worker that runs this app's tasks (`app.worker.tasks` is `app.tasks`). */
  readonly worker: Worker;
  /** Where the SDK logs. */
  readonly logger: Logger;
  private conn: BrokerConnection | undefined;
  /** The broker addresses, in the order they are tried. */
  private readonly brokers: readonly string[];
  /** Token and TLS credentials, resolved once so that a bad setting fails here, not on first call. */
  private readonly security: ConnectionSecurity;

  constructor(options: QTasksOptions = {}) {
    this.name = options.name ?? 'QTasks';
    this.brokers = brokerAddresses(options.broker ?? process.env.QTASKS_BROKER_ADDRESS ?? '127.0.0.1:50051');
    this.broker = this.brokers.join(',');
    this.config = loadConfig(options.config);
    this.logger = options.logger ?? console;
    this.security = resolveSecurity(options);
    const remote = this.brokers.filter((address) => !/^(127\.|localhost:|\[::1\]:)/.test(address));
    if (this.security.token !== undefined && !this.security.credentials && remote.length > 0) {
      this.logger.warn(`[qtasks] the auth token goes to ${remote.join(', ')} in plaintext: set tls to encrypt it`);
    }
    this.worker = new Worker(this);
    registerApp(this);
  }

  /** A bare TC39 method decorator: `@app.task static async method(...) {}`. */
  // First, and with a typed context: TypeScript lets a decorator take fewer parameters than it is
  // given, so `task(func)` would match `@app.task` too and type the method as an AsyncTask (TS1270).
  task<This, A extends unknown[], R>(
    method: (this: This, ...args: A) => R,
    context: ClassMethodDecoratorContext<This, (this: This, ...args: A) => R>,
  ): (this: This, ...args: A) => R;
  // The overloads infer the whole function type F rather than its argument tuple: a callback
  // whose first parameter (`self`) is left unannotated then takes its type from F's constraint,
  // and the handle's tuple is F's parameters (without `self` for echo tasks).

  /** Registers a function as a task named after it. */
  task<F extends TaskFunction>(func: F): AsyncTask<Parameters<F>, TaskResult<ReturnType<F>>>;
  /** Registers a function whose first argument is its own handle (`echo: true`). */
  task<F extends (self: AsyncTask<any, any>, ...args: any[]) => unknown>(
    options: TaskOptions & { echo: true },
    func: F,
  ): AsyncTask<WithoutSelf<Parameters<F>>, TaskResult<ReturnType<F>>>;
  /** Registers a function as a task. */
  task<F extends TaskFunction>(options: TaskOptions, func: F): AsyncTask<Parameters<F>, TaskResult<ReturnType<F>>>;
  /** A TC39 method decorator: `@app.task({ ... }) static async method(...) {}`. */
  task(options?: TaskOptions): TaskDecorator;
  task(first?: TaskOptions | TaskFunction, second?: TaskFunction | ClassMethodDecoratorContext): unknown {
    if (typeof first === 'function') {
      if (isMethodDecoratorContext(second)) return this.registerMethod(first, {}, second);
      return this.register(first, {});
    }
    const options = first ?? {};
    if (typeof second === 'function') return this.register(second, options);
    return (method: TaskFunction, context: ClassMethodDecoratorContext) => this.registerMethod(method, options, context);
  }

  /**
   * Enqueues a task by name: one registered here, or one that only a worker in another language
   * implements. Without `timeout`, resolves to the new task (status `new`); with it, to the task
   * in an end status, or `null` when `timeout` seconds run out.
   */
  addTask<R = unknown>(taskName: string, args?: unknown[], options?: AddTaskOptions & { timeout?: undefined }): Promise<Task<R>>;
  addTask<R = unknown>(taskName: string, args: unknown[], options: AddTaskOptions & { timeout: number }): Promise<Task<R> | null>;
  addTask<R = unknown>(taskName: string, args?: unknown[], options?: AddTaskOptions): Promise<Task<R> | null>;
  addTask<R = unknown>(taskName: string, args: unknown[] = [], options: AddTaskOptions = NO_OPTIONS): Promise<Task<R> | null> {
    // A plain function rather than an async one, like what it calls: 20,000 `addTask`s made at
    // once each kept an async frame (and its promise) alive until their batch was answered, the
    // largest part of what a call allocated.
    try {
      const spec = this.specOf(taskName, args, options);
      const span = startEnqueueSpan(spec); // undefined without an OpenTelemetry SDK: see tracing.ts
      if (options.timeout === undefined) return endEnqueueSpanWhenSettled(span, this.connection().enqueues.add(spec), idOfTask).then(this.taskOf) as Promise<Task<R>>;
      return this.addAndWait<R>(spec, span, options.timeout);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The SDK's task of a record the broker sent. */
  private readonly taskOf = (task: ProtoTask): Task => new Task(task, this);

  /** Enqueues `spec`, its states pushed on the same stream, and waits up to `timeout` seconds for its result. */
  private async addAndWait<R>(spec: DeepPartial<TaskSpec>, span: ReturnType<typeof startEnqueueSpan>, timeout: number): Promise<Task<R> | null> {
    // Enqueued with its states pushed on the same stream (no WatchResult call to set up): the
    // final one alone, unless a status to wait for comes before the end (`process`, say).
    const connection = this.connection();
    const enqueues = this.config.resultStatusesEnd.every(isFinalStatusName) ? connection.watchedEnqueues : connection.everyStateEnqueues;
    const { task, watch } = await endEnqueueSpanWhenSettled(span, enqueues.add(spec), idOfEnqueued);
    return this.waitForResult<R>(task.id, timeout, watch);
  }

  /**
   * What `addTask` sends: its options over the task's registered ones, checked. Error messages
   * name the call, and are built only when thrown (a call made them all before: a fifth of what
   * it allocated). @throws TaskUsageError or TypeError naming the bad argument or option
   */
  private specOf(taskName: string, args: unknown[], options: AddTaskOptions): DeepPartial<TaskSpec> {
    if (!taskName) throw new TaskUsageError('Task name is not specified.');
    if (!Array.isArray(args)) throw new TaskUsageError(`addTask(${taskName}): args must be an array`);
    // Registered names are NFC: a name found as given needs no normalizing (a new string per call).
    const schema = this.tasks.get(taskName) ?? this.tasks.get(taskName.normalize('NFC'));
    const retention = options.retention ?? schema?.retention;
    const start = options.delay === undefined ? undefined : startOf(options, `addTask(${taskName})`);
    return {
      name: taskName,
      queue: options.queue ?? schema?.queue ?? taskName,
      priority: int32Of(options.priority ?? schema?.priority ?? this.config.taskDefaultPriority, taskName, 'priority'),
      args: encodeJson(args, 'the args of', taskName),
      kwargs: options.kwargs === undefined ? NO_KWARGS : encodeJson(options.kwargs, 'the kwargs of', taskName),
      maxRetries: int32Of(options.retry ?? schema?.retry ?? 0, taskName, 'retry'),
      // Fields left out take the documented defaults (the broker reads a 0 as "at once"/"no cap").
      retryBackoff: schema?.retryBackoff && { ...DEFAULT_RETRY_BACKOFF, ...schema.retryBackoff },
      maxTimeMs: schema?.maxTime === undefined ? 0 : Math.ceil(schema.maxTime * 1000) + BROKER_TIME_LIMIT_GRACE_MS,
      delayMs: start?.delayMs ?? 0,
      eta: start ? start.eta : options.eta,
      idempotencyKey: options.idempotencyKey ?? '',
      // Shared empty values, never written to: only encoded.
      tags: options.tags ?? schema?.tags ?? NO_TAGS,
      metadata: options.metadata ?? NO_METADATA,
      limitKey: options.limitKey ?? schema?.limitKey ?? '',
      retentionMs: retention === undefined ? undefined : retentionMsOf(retention, `addTask(${taskName})`),
    };
  }

  /** The task with this id, or `null`. */
  async get<R = unknown>(uuid: string): Promise<Task<R> | null> {
    const task = await this.connection().getTask(uuid);
    return task ? new Task<R>(task, this) : null;
  }

  /**
   * Cancels a task: a queued one ends `cancel` at once; a running one is asked to stop (its
   * worker sees it on the next heartbeat) and ends `cancel` when it does.
   */
  async cancel<R = unknown>(uuid: string, reason = ''): Promise<Task<R>> {
    return new Task<R>(await this.connection().cancelTask(uuid, reason), this);
  }

  /**
   * Runs an `error` or `cancel` task again: the same uuid, status `retry`, ready at once, with a
   * fresh retry budget (`maxRetries` further attempts after the next one). Its failed attempts
   * stay in `task.history`; `task.attemptsBeforeRetry` counts them. Rejects with a
   * {@link BrokerCallError}: NOT_FOUND, or FAILED_PRECONDITION for a task that succeeded or has
   * not ended.
   */
  async retry<R = unknown>(uuid: string): Promise<Task<R>> {
    return new Task<R>(await this.connection().retryTask(uuid), this);
  }

  /**
   * Stops a queue from handing out tasks, durably (it stays paused across broker restarts). It
   * still takes tasks, and tasks already running finish. A queue may be paused before its first
   * task arrives; pausing a paused queue changes nothing. Resolves to the queue's state.
   */
  async pauseQueue(name: string): Promise<QueueInfo> {
    return queues.pause(this.connection(), name);
  }

  /** Lets a paused queue hand out tasks again (waiting workers get them at once); resolves to its state. */
  async resumeQueue(name: string): Promise<QueueInfo> {
    return queues.resume(this.connection(), name);
  }

  /**
   * Removes a queue's tasks that are in these statuses (with their idempotency keys) and resolves
   * to how many were removed. Running tasks are never purged (cancel them). A wait for a purged
   * task that had not ended resolves at once, to the task as `cancel` with reason `purged`.
   */
  async purgeQueue(name: string, statuses: readonly PurgeableStatus[]): Promise<number> {
    return queues.purge(this.connection(), name, statuses);
  }

  /**
   * Replaces a queue's limits, durably; every limit left out (or 0) is removed, so to change one,
   * spread `await app.getQueueLimits(name)` first. The broker enforces them when it hands tasks
   * out, across all workers: a task over a limit waits (taking no attempt) while tasks of other
   * `limitKey`s pass it. Resolves to the limits now in force. A bad value (a negative number, a
   * rate without a period) rejects with a {@link BrokerCallError} naming the field, e.g.
   * `limits.max_running`.
   */
  async setQueueLimits(name: string, limits: QueueLimitsOptions): Promise<QueueLimits> {
    return queues.setLimits(this.connection(), name, limits);
  }

  /** A queue's limits (all 0 when it has none). */
  async getQueueLimits(name: string): Promise<QueueLimits> {
    return queues.getLimits(this.connection(), name);
  }

  /**
   * Every queue the broker knows (one that holds a task, or has settings), in name order, with
   * its counts by status, paused or not, its limits, the age of its oldest ready task and its
   * completions over the last minute.
   */
  async listQueues(): Promise<QueueInfo[]> {
    return queues.list(this.connection());
  }

  /**
   * One page of tasks, filtered by queue, status and end time (`ListTasks`). Pass the page's
   * `nextPageToken` as `pageToken`, with the same filter, for the next page:
   *
   * ```ts
   * let pageToken: string | undefined;
   * do {
   *   const page = await app.listTasks({ queue: 'emails', status: 'error', pageToken });
   *   for (const task of page.tasks) console.log(task.uuid, task.error?.message);
   *   pageToken = page.nextPageToken;
   * } while (pageToken);
   * ```
   *
   * A bad filter (a `finishedAfter` without a final `status`, a page size over 1000) rejects
   * with a {@link BrokerCallError} naming the field; an unknown status name with a
   * {@link TaskUsageError}.
   */
  async listTasks<R = unknown>(filter: TaskListFilter = {}): Promise<TaskPage<R>> {
    return listTasks<R>(this.connection(), filter, this);
  }

  /**
   * A task's state, then each transition the moment the broker commits it (one `WatchResult`
   * stream, re-opened if the broker restarts), ending after a final status or when
   * `options.signal` aborts:
   *
   * ```ts
   * for await (const task of app.watch(uuid)) console.log(task.status, task.attempt);
   * ```
   *
   * An unknown id throws a {@link BrokerCallError} (NOT_FOUND) on the first step.
   */
  watch<R = unknown>(uuid: string, options: WatchOptions = {}): AsyncGenerator<Task<R>> {
    return watchTask<R>(this.connection(), uuid, options, this);
  }

  /**
   * Waits for an end status on one `WatchResult` stream (re-opened if the broker restarts), or
   * first on the states `watched` that an enqueue's stream pushes, if given.
   */
  async waitForResult<R>(uuid: string, timeoutSeconds: number, watched?: WatchedStates): Promise<Task<R> | null> {
    // Timers hold at most 2^31-1 ms (~24.8 days); a longer timeout would fire at once.
    const signal = AbortSignal.timeout(Math.min(Math.max(0, timeoutSeconds * 1000), 2 ** 31 - 1));
    const ends = new Set<string>(this.config.resultStatusesEnd);
    const backoff = new Backoff();
    while (!signal.aborted) {
      try {
        const states = watched?.states(signal) ?? this.connection().watch(uuid, signal);
        // Should the pushed states fail (the stream broke), WatchResult takes over.
        watched = undefined;
        for await (const state of states) {
          backoff.reset();
          const task = new Task<R>(state, this);
          if (ends.has(task.status)) return task;
        }
        // The task ended in a final status that is not one of resultStatusesEnd: it will never
        // reach one, so waiting out the timeout would only delay the same answer.
        return null;
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof BrokerCallError && error.code === Status.NOT_FOUND) return null;
        if (!(error instanceof BrokerCallError && error.transient)) throw error;
        await sleep(backoff.next(), signal).catch(() => undefined);
      }
    }
    // Pushed states never read (a timeout of 0): the stream stops watching the task.
    watched?.stop();
    this.logger.warn(`[qtasks] task ${uuid} timed out after ${timeoutSeconds} seconds!`);
    return null;
  }

  /**
   * Runs the worker until SIGTERM or SIGINT (or `app.worker.stop()`), then stops it gracefully:
   * no new leases, running tasks finish within `shutdownGraceMs`, the rest go back to the queue.
   */
  async runForever(): Promise<void> {
    this.worker.start();
    const stop = (): void => void this.worker.stop();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    try {
      await this.worker.stopped;
    } finally {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
    }
  }

  /** Stops the worker (if running) and closes the connection. */
  async close(): Promise<void> {
    await this.worker.stop();
    await this.conn?.close();
    this.conn = undefined;
    unregisterApp(this);
  }

  /** The connection to the broker, opened on first use. @internal */
  connection(): BrokerConnection {
    return (this.conn ??= new BrokerConnection(this.brokers, this.config.batchSize, this.config.callTimeoutMs, this.security));
  }

  /** @internal */
  echoOf(schema: TaskExecSchema, ctx: TaskContext): AsyncTask {
    return createAsyncTask(schema, () => this, ctx);
  }

  /** @internal Registers a task defined with `sharedTask`. */
  adoptSharedTask(schema: TaskExecSchema): void {
    if (!this.tasks.has(schema.name)) this.tasks.set(schema.name, schema);
  }

  private register(func: TaskFunction, options: TaskOptions): AsyncTask {
    const schema = buildTaskExecSchema(func, options, this.config.taskDefaultPriority);
    registerSchema(this.tasks, schema);
    return createAsyncTask(schema, () => this);
  }

  private registerMethod(method: TaskFunction, options: TaskOptions, context: ClassMethodDecoratorContext): AsyncTask {
    const schema = buildTaskExecSchema(method, { name: String(context.name), ...options }, this.config.taskDefaultPriority);
    registerSchema(this.tasks, schema);
    bindDecoratedThis(schema, context);
    return createAsyncTask(schema, () => this);
  }
}

/**
 * Defines a task outside any app (QTasks' `shared_task`): every app registers it, and calling it
 * uses the default app (the first one created).
 */
export function sharedTask<F extends TaskFunction>(func: F): AsyncTask<Parameters<F>, TaskResult<ReturnType<F>>>;
export function sharedTask<F extends TaskFunction>(options: TaskOptions, func: F): AsyncTask<Parameters<F>, TaskResult<ReturnType<F>>>;
export function sharedTask(first: TaskOptions | TaskFunction, second?: TaskFunction): AsyncTask {
  const [options, func] = typeof first === 'function' ? [{}, first] : [first, second!];
  // QTasks gives shared tasks `priority or 0`: no app's default applies to them.
  const schema = buildTaskExecSchema(func, options, 0);
  addSharedTask(schema);
  return createAsyncTask(schema, () => defaultApp<QTasks>());
}

/**
 * When a task may start, as the contract takes it: `delay` in ms, or `eta`. A delay longer than
 * an `int32` of ms holds (24.8 days) is sent as the eta it comes to.
 * @throws TaskUsageError for a delay that is not a number of seconds from 0 on
 */
function startOf(options: AddTaskOptions, what: string): { delayMs: number; eta: Date | undefined } {
  if (options.delay === undefined) return { delayMs: 0, eta: options.eta };
  if (typeof options.delay !== 'number' || !Number.isFinite(options.delay) || options.delay < 0) {
    throw new TaskUsageError(`${what}: delay must be a number of seconds from 0 on, got ${String(options.delay)}`);
  }
  const delayMs = Math.round(options.delay * 1000);
  if (delayMs <= INT32_MAX) return { delayMs, eta: options.eta };
  if (options.eta !== undefined) throw new TaskUsageError(`${what}: give delay or eta, not both`);
  return { delayMs: 0, eta: new Date(Date.now() + delayMs) };
}
