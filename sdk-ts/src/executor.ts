/**
 * Executors: how one run of a task is carried out. `AsyncTaskExecutor` is the default; a task may
 * name its own subclass (`executor` option) to change any step.
 */
import type { AsyncTask } from './async-task.js';
import type { TaskContext } from './context.js';
import type { Task } from './task.js';
import type { TaskExecSchema } from './task-exec-schema.js';

/** What an executor gets from the worker besides the task. */
export interface ExecutorHooks {
  /** Makes the `AsyncTask` handed to an `echo` task, with `ctx` set. */
  createEcho(): AsyncTask;
  /** Publishes one progress item of a generator task (in order, batched, without waiting). */
  publishProgress(item: unknown): void;
}

/**
 * The steps of one run. State is public so that middlewares and subclasses can read and change
 * it: `args` and `kwargs` before the run, `result` after it.
 */
export abstract class BaseTaskExecutor {
  /** Positional arguments the handler will get (with `echo`, the handle is inserted first). */
  args: unknown[];
  /** Keyword arguments; when not empty, the handler gets them as one more, last argument. */
  kwargs: Record<string, unknown>;
  /** The handler's result, once it ran. */
  result: unknown;
  /** The handle passed to an `echo` task. */
  echo: AsyncTask | undefined;

  constructor(
    /** The registered definition. */
    readonly taskFunc: TaskExecSchema,
    /** The task as leased. */
    readonly task: Task,
    /** The run's context. */
    readonly ctx: TaskContext,
    /** Services of the worker. */
    protected readonly hooks: ExecutorHooks,
  ) {
    this.args = [...task.args];
    this.kwargs = { ...task.kwargs };
  }

  /** Runs `middlewaresBefore`, in order. */
  async executeMiddlewaresBefore(): Promise<void> {
    for (const Middleware of this.taskFunc.middlewaresBefore) await new Middleware(this).call();
  }

  /** Prepares the call: inserts the `echo` handle. */
  async beforeExecute(): Promise<void> {
    if (this.taskFunc.echo) {
      this.echo = this.hooks.createEcho();
      this.args.unshift(this.echo);
    }
  }

  /** Calls the handler; a generator is run to its end, each item mapped and published. */
  async runTask(): Promise<unknown> {
    const args = Object.keys(this.kwargs).length > 0 ? [...this.args, this.kwargs] : this.args;
    const output = this.taskFunc.func.apply(this.taskFunc.thisArg, args);
    if (!this.taskFunc.generating) return await output;
    const items: unknown[] = [];
    for await (const item of output as AsyncIterable<unknown>) {
      this.ctx.signal.throwIfAborted();
      const mapped = this.taskFunc.generateHandler ? await this.taskFunc.generateHandler(item) : item;
      items.push(mapped);
      this.hooks.publishProgress(mapped);
    }
    return items;
  }

  /** Runs after the handler returned. */
  async afterExecute(): Promise<void> {}

  /** Runs `middlewaresAfter`, in order. */
  async executeMiddlewaresAfter(): Promise<void> {
    for (const Middleware of this.taskFunc.middlewaresAfter) await new Middleware(this).call();
  }

  /** Turns the result into the value to store (the task's `decode`, if any). */
  async decode(): Promise<unknown> {
    return this.taskFunc.decode ? await this.taskFunc.decode(this.result) : this.result;
  }

  /** Carries out the run; resolves to the value to store (JSON-serializable). */
  abstract execute(): Promise<unknown>;
}

/**
 * The default executor: middlewares before, the call, middlewares after, decode. A step that would
 * do nothing (no middlewares, no echo, no decode, not overridden by a subclass) is not called:
 * each is an async method, a promise and a turn of the microtask queue, and for a trivial handler
 * the six of them were the largest part of a worker's time per task.
 */
export class AsyncTaskExecutor extends BaseTaskExecutor {
  async execute(): Promise<unknown> {
    const { taskFunc } = this;
    if (taskFunc.middlewaresBefore.length > 0 || this.overrides('executeMiddlewaresBefore')) await this.executeMiddlewaresBefore();
    if (taskFunc.echo || this.overrides('beforeExecute')) await this.beforeExecute();
    if (taskFunc.generating || this.overrides('runTask')) {
      this.result = await this.runTask();
    } else {
      const output = taskFunc.func.apply(taskFunc.thisArg, Object.keys(this.kwargs).length > 0 ? [...this.args, this.kwargs] : this.args);
      this.result = isThenable(output) ? await output : output;
    }
    if (this.overrides('afterExecute')) await this.afterExecute();
    if (taskFunc.middlewaresAfter.length > 0 || this.overrides('executeMiddlewaresAfter')) await this.executeMiddlewaresAfter();
    return taskFunc.decode || this.overrides('decode') ? this.decode() : this.result;
  }

  /** True if this executor's class (a subclass) has its own version of a step. */
  private overrides(step: 'executeMiddlewaresBefore' | 'beforeExecute' | 'runTask' | 'afterExecute' | 'executeMiddlewaresAfter' | 'decode'): boolean {
    return this[step] !== BaseTaskExecutor.prototype[step];
  }
}

/** True for a promise or any other object with a `then` method (what `await` waits for). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** An executor class. */
export type TaskExecutorClass = new (taskFunc: TaskExecSchema, task: Task, ctx: TaskContext, hooks: ExecutorHooks) => BaseTaskExecutor;
