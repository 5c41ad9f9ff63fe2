/** `TaskExecSchema`: the registered definition of a task, what the worker runs. */
import type { BaseTaskExecutor, TaskExecutorClass } from './executor.js';
import type { TaskMiddlewareClass } from './middleware.js';

/** A task's handler as registered (with `echo`, its first argument is the task's own handle). */
export type TaskFunction = (...args: any[]) => unknown;

/** Maps each item a generator task yields (sync or async). */
export type GenerateHandler = (item: any) => unknown;

/** The broker's default delays between attempts: 1 s, doubling, at most 100 s. */
export const DEFAULT_RETRY_BACKOFF: Readonly<Required<RetryBackoffOptions>> = Object.freeze({ initialMs: 1000, multiplier: 2, maxMs: 100_000 });

/** Delays between attempts, in milliseconds. */
export interface RetryBackoffOptions {
  /** Delay before the first retry. @defaultValue 1000 */
  initialMs?: number;
  /** Growth per retry. @defaultValue 2 */
  multiplier?: number;
  /** Upper bound of one delay. @defaultValue 100000 */
  maxMs?: number;
}

/** The options of `app.task(...)`, as on QTasks' decorator. */
export interface TaskOptions {
  /** Registry key and default queue. @defaultValue the function's name */
  name?: string;
  /** Lower runs first. @defaultValue `app.config.taskDefaultPriority` */
  priority?: number;
  /** The queue to enqueue into and lease from. @defaultValue the task name */
  queue?: string;
  /** The handler receives its own `AsyncTask` (with `ctx`) as its first argument. @defaultValue false */
  echo?: boolean;
  /** Time limit of one attempt, in seconds; the attempt's signal aborts and it fails with `TimeLimitExceeded`. */
  maxTime?: number;
  /** Further attempts after a failure. @defaultValue 0 */
  retry?: number;
  /** Error classes that allow a retry (matched with `instanceof`); others fail at once. @defaultValue any error */
  retryOnExc?: Array<abstract new (...args: any[]) => Error>;
  /** Delays between attempts. @defaultValue the broker's: 1 s, doubling, at most 100 s */
  retryBackoff?: RetryBackoffOptions;
  /** Turns the handler's result into the (JSON-serializable) value that is stored. */
  decode?: (result: any) => unknown;
  /** Labels, stored with every run of the task. */
  tags?: string[];
  /** What the task does (metadata only). */
  description?: string;
  /** For generator tasks: maps each yielded item; the mapped items are the result and are published as progress. */
  generateHandler?: GenerateHandler;
  /** The executor class. @defaultValue {@link AsyncTaskExecutor} */
  executor?: TaskExecutorClass;
  /** Middlewares run before the task; they may change its args and kwargs. */
  middlewaresBefore?: TaskMiddlewareClass[];
  /** Middlewares run after the task; they may change its result. */
  middlewaresAfter?: TaskMiddlewareClass[];
  /**
   * The group its runs count against for the queue's per-key limits (`app.setQueueLimits`):
   * a customer, a tenant, an API being called. @defaultValue none: the queue-wide limits only
   */
  limitKey?: string;
  /**
   * Seconds to keep a run once it has ended, when shorter than the broker's retention for its
   * final status; 0 removes it as it ends (a wait for its result still sees the end).
   * At most 2147483.647 (the contract carries milliseconds in an int32, about 24.8 days).
   * @defaultValue the broker's retention
   */
  retention?: number;
  /** Anything else is kept as `extra`. */
  [extra: string]: unknown;
}

/** The option names with a meaning; the rest of the options become `extra`. */
export const KNOWN_TASK_OPTIONS = [
  'name', 'priority', 'queue', 'echo', 'maxTime', 'retry', 'retryOnExc', 'retryBackoff', 'decode', 'tags',
  'description', 'generateHandler', 'executor', 'middlewaresBefore', 'middlewaresAfter', 'limitKey', 'retention',
] as const;

/** The registered definition of a task: everything the worker needs to run it. */
export interface TaskExecSchema {
  /** Registry key. */
  name: string;
  /** Default priority of its runs. */
  priority: number;
  /** Queue its runs go to. */
  queue: string;
  /** The handler. */
  func: TaskFunction;
  /** `this` for the handler (the class of a decorated static method). */
  thisArg: unknown;
  /** `'async'` or `'sync'` for generator functions, else `false`. */
  generating: 'async' | 'sync' | false;
  echo: boolean;
  maxTime: number | undefined;
  retry: number;
  retryOnExc: Array<abstract new (...args: any[]) => Error>;
  retryBackoff: RetryBackoffOptions | undefined;
  decode: ((result: any) => unknown) | undefined;
  tags: string[];
  description: string | undefined;
  generateHandler: GenerateHandler | undefined;
  executor: TaskExecutorClass | undefined;
  middlewaresBefore: TaskMiddlewareClass[];
  middlewaresAfter: TaskMiddlewareClass[];
  /** The per-key limit group of its runs, if any. */
  limitKey: string | undefined;
  /** Seconds its runs are kept once ended, if shorter than the broker's retention. */
  retention: number | undefined;
  /** Options the SDK does not know, kept for plugins and your own code. */
  extra: Record<string, unknown>;
}

/** `'async'`/`'sync'` for generator functions, else `false`. */
export function generatorKind(func: TaskFunction): 'async' | 'sync' | false {
  const tag: unknown = Object.getPrototypeOf(func)?.[Symbol.toStringTag];
  if (tag === 'AsyncGeneratorFunction') return 'async';
  if (tag === 'GeneratorFunction') return 'sync';
  return false;
}

export type { BaseTaskExecutor };
