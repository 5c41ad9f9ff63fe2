/**
 * Running one leased task's handler to an outcome: the task's context and executor, its time
 * limit, its progress channel, and the outcome made from whatever it returned or threw.
 */
import type { AsyncTask } from './async-task.js';
import { TaskContext, type ContextHost } from './context.js';
import { TaskTimeLimitError } from './errors.js';
import { AsyncTaskExecutor } from './executor.js';
import { encodeJson } from './json.js';
import type { Logger } from './logger.js';
import { ProgressPublisher, type SendProgress } from './progress-publisher.js';
import type { LeasedRun } from './run-book.js';
import { outcomeOf, workerFailure, type Outcome } from './run-outcome.js';
import type { TaskExecSchema } from './task-exec-schema.js';
import { ExecutionSpan } from './tracing.js';

/** What a handler's run needs from the worker's app. */
export interface HandlerHost extends ContextHost {
  readonly tasks: Map<string, TaskExecSchema>;
  /** The `AsyncTask` an echo task receives. */
  echoOf(schema: TaskExecSchema, ctx: TaskContext): AsyncTask;
}

/**
 * Runs the handler of `run`'s task, its progress sent with `sendProgress`; resolves to its outcome,
 * never rejects. With an OpenTelemetry SDK registered, inside the run's span (`tracing.ts`).
 */
export function runHandler(host: HandlerHost, run: LeasedRun, sendProgress: SendProgress, logger: Logger): Promise<Outcome> {
  const execution = ExecutionSpan.start(run.task);
  if (!execution) return runToOutcome(host, run, sendProgress, logger);
  return execution.run(() => runToOutcome(host, run, sendProgress, logger));
}

async function runToOutcome(host: HandlerHost, run: LeasedRun, sendProgress: SendProgress, logger: Logger): Promise<Outcome> {
  const { task, abort } = run;
  const schema = host.tasks.get(task.taskName);
  if (!schema) return workerFailure('TaskNotRegistered', `no task named "${task.taskName}" is registered in this worker`);
  // Aborted between taking its slot and getting here (a cancel, a lost lease): do not start it.
  if (abort.aborted) return outcomeOf(abort.reason, schema);
  const timeLimit = schema.maxTime === undefined ? undefined : setTimeout(() => abort.abort(new TaskTimeLimitError(schema.name, schema.maxTime!)), schema.maxTime * 1000);
  try {
    const ctx = new TaskContext(host, task.uuid, task.taskName, task.attempt, abort, logger);
    const Executor = schema.executor ?? AsyncTaskExecutor;
    const executor = new Executor(schema, task, ctx, {
      createEcho: () => host.echoOf(schema, ctx),
      publishProgress: (item) => (run.progress ??= new ProgressPublisher(sendProgress, run.taskId, run.leaseToken)).publish(item),
    });
    const value = await abort.race(executor.execute());
    if (run.progress) await run.progress.flushed();
    return { $case: 'success', value: { result: encodeJson(value, `the result of task ${schema.name}`) } };
  } catch (error) {
    return outcomeOf(error, schema);
  } finally {
    clearTimeout(timeLimit);
  }
}
