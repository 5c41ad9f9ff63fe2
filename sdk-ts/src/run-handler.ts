/**
 * Running one leased task's handler to an outcome: the task's context and executor, its time
 * limit, its progress channel, and the outcome made from whatever it returned or threw.
 *
 * A plain task (no executor of its own, no middlewares, no `echo`, no generator, no `decode`)
 * needs none of the executor's steps and none of the context they share: its handler is called at
 * once, and when it returns without a promise the outcome is decided in the same call, with no
 * executor, context, promise or timer made. For a trivial handler those were most of what a
 * worker allocated per task.
 */
import type { AsyncTask } from './async-task.js';
import { TaskContext, type ContextHost } from './context.js';
import { TaskTimeLimitError } from './errors.js';
import { AsyncTaskExecutor, isThenable } from './executor.js';
import { encodeJson } from './json.js';
import { hasKeys } from './has-keys.js';
import type { Logger } from './logger.js';
import { ProgressPublisher, type SendProgress } from './progress-publisher.js';
import type { LeasedRun } from './run-book.js';
import { outcomeOf, workerFailure, type Outcome } from './run-outcome.js';
import type { TaskExecSchema } from './task-exec-schema.js';
import type { Task } from './task.js';
import { ExecutionSpan } from './tracing.js';

/** What a handler's run needs from the worker's app. */
export interface HandlerHost extends ContextHost {
  readonly tasks: Map<string, TaskExecSchema>;
  /** The `AsyncTask` an echo task receives. */
  echoOf(schema: TaskExecSchema, ctx: TaskContext): AsyncTask;
}

/**
 * Runs the handler of `run`'s task, its progress sent with `sendProgress`, to its outcome: at
 * once when it is decided synchronously (a plain handler that returned or threw), else a promise
 * that never rejects. With an OpenTelemetry SDK registered, inside the run's span (`tracing.ts`).
 */
export function runHandler(host: HandlerHost, run: LeasedRun, sendProgress: SendProgress, logger: Logger): Outcome | Promise<Outcome> {
  // A run holds its task while `running` (see LeasedRun.task), and is handled as it starts: read
  // once here and handed down. Never missing, but a bug here must be an outcome, not a throw.
  const task = run.task;
  if (!task) return workerFailure('RunNotRunning', `the run of task ${run.taskId} was handled after it stopped running`);
  const execution = ExecutionSpan.start(task);
  if (!execution) return runToOutcome(host, run, task, sendProgress, logger);
  return execution.run(() => runToOutcome(host, run, task, sendProgress, logger));
}

function runToOutcome(host: HandlerHost, run: LeasedRun, task: Task, sendProgress: SendProgress, logger: Logger): Outcome | Promise<Outcome> {
  const { abort } = run;
  const schema = host.tasks.get(task.taskName);
  if (!schema) return workerFailure('TaskNotRegistered', `no task named "${task.taskName}" is registered in this worker`);
  // Aborted between taking its slot and getting here (a cancel, a lost lease): do not start it.
  if (abort.aborted) return outcomeOf(abort.reason, schema);
  return isPlain(schema) ? callPlain(schema, run, task) : runExecutor(host, run, task, schema, sendProgress, logger);
}

/** True for a task whose run is its handler's call alone: every executor step would do nothing. */
function isPlain(schema: TaskExecSchema): boolean {
  return (
    schema.executor === undefined &&
    !schema.echo &&
    !schema.generating &&
    schema.decode === undefined &&
    schema.middlewaresBefore.length === 0 &&
    schema.middlewaresAfter.length === 0
  );
}

/** Calls a plain task's handler (with the arguments `AsyncTaskExecutor` would pass); a promise it returns is awaited under the time limit. */
function callPlain(schema: TaskExecSchema, run: LeasedRun, task: Task): Outcome | Promise<Outcome> {
  const startedMs = performance.now();
  let output: unknown;
  try {
    const { args, kwargs } = task;
    output = schema.func.apply(schema.thisArg, hasKeys(kwargs) ? [...args, kwargs] : [...args]);
  } catch (error) {
    return outcomeOf(error, schema);
  }
  if (!isThenable(output)) return successOf(output, schema);
  return awaitPlain(output, schema, run, startedMs);
}

/** Waits for what a plain handler returned, stopped by the run's abort or its time limit (counted from the call). */
async function awaitPlain(output: PromiseLike<unknown>, schema: TaskExecSchema, run: LeasedRun, startedMs: number): Promise<Outcome> {
  const timeLimit = startTimeLimit(schema, run, performance.now() - startedMs);
  try {
    return successOf(await run.abort.race(Promise.resolve(output)), schema);
  } catch (error) {
    return outcomeOf(error, schema);
  } finally {
    clearTimeout(timeLimit);
  }
}

/** Runs a task through its executor's steps, with the context they share. */
async function runExecutor(host: HandlerHost, run: LeasedRun, task: Task, schema: TaskExecSchema, sendProgress: SendProgress, logger: Logger): Promise<Outcome> {
  const { abort } = run;
  const timeLimit = startTimeLimit(schema, run, 0);
  try {
    const ctx = new TaskContext(host, task.uuid, task.taskName, task.attempt, abort, logger);
    const Executor = schema.executor ?? AsyncTaskExecutor;
    const executor = new Executor(schema, task, ctx, {
      createEcho: () => host.echoOf(schema, ctx),
      publishProgress: (item) => (run.progress ??= new ProgressPublisher(sendProgress, run.taskId, run.leaseToken)).publish(item),
    });
    const value = await abort.race(executor.execute());
    if (run.progress) await run.progress.flushed();
    return successOf(value, schema);
  } catch (error) {
    return outcomeOf(error, schema);
  } finally {
    clearTimeout(timeLimit);
  }
}

/** Aborts `run` once the task's time limit, less `elapsedMs` already spent, runs out; undefined for a task without one. */
function startTimeLimit(schema: TaskExecSchema, run: LeasedRun, elapsedMs: number): NodeJS.Timeout | undefined {
  if (schema.maxTime === undefined) return undefined;
  const maxTime = schema.maxTime;
  return setTimeout(() => run.abort.abort(new TaskTimeLimitError(schema.name, maxTime)), Math.max(0, maxTime * 1000 - elapsedMs));
}

/** The success outcome of a result, or the failure of one that cannot be stored (not JSON). */
function successOf(value: unknown, schema: TaskExecSchema): Outcome {
  try {
    return { $case: 'success', value: { result: encodeJson(value, 'the result of task', schema.name) } };
  } catch (error) {
    return outcomeOf(error, schema);
  }
}
