/**
 * The worker: leases the app's tasks from the broker and runs them.
 *
 * One lease loop asks for as many tasks as there are free slots (`maxTasksProcess`), long-polling
 * so that an idle worker costs nothing and a new task starts the moment it is enqueued. Running
 * tasks share one heartbeat call every third of the lease; outcomes and progress travel through
 * the connection's coalescing batchers. A task that throws only fails its own run; a broker that
 * goes away is retried with backoff.
 */
import { randomUUID } from 'node:crypto';
import { Status } from 'nice-grpc';
import { hostname } from 'node:os';
import type { Completion, LeasedTask } from '@qtasks/proto';
import type { AsyncTask } from './async-task.js';
import { Backoff, abortable, sleep } from './backoff.js';
import type { QTasksConfig } from './config.js';
import type { BrokerConnection } from './connection.js';
import { TaskContext, type ContextHost } from './context.js';
import { BrokerCallError, QTasksError, TaskCancelError, TaskTimeLimitError } from './errors.js';
import { AsyncTaskExecutor } from './executor.js';
import { encodeJson } from './json.js';
import { prefixedLogger, type Logger } from './logger.js';
import { ProgressPublisher } from './progress-publisher.js';
import { Task, type ResultWaiter } from './task.js';
import type { TaskExecSchema } from './task-exec-schema.js';

/** What the worker needs from its app. */
export interface WorkerHost extends ContextHost, ResultWaiter {
  readonly name: string;
  readonly config: QTasksConfig;
  readonly tasks: Map<string, TaskExecSchema>;
  readonly logger: Logger;
  connection(): BrokerConnection;
  /** The `AsyncTask` an echo task receives. */
  echoOf(schema: TaskExecSchema, ctx: TaskContext): AsyncTask;
}

/** The broker leases at most this many tasks per call. */
const MAX_LEASE_TASKS = 1000;

/** Where a worker is in its life. */
export type WorkerState = 'idle' | 'running' | 'stopping' | 'stopped';

/** The lease of a task was lost (refused by a heartbeat): someone else may run it now. */
class LeaseLostError extends QTasksError {}
/** The worker is stopping and gives the task back. */
class WorkerStoppingError extends QTasksError {}

type Outcome = NonNullable<Completion['outcome']>;

interface RunningTask {
  taskId: string;
  leaseToken: string;
  controller: AbortController;
  progress: ProgressPublisher;
  done: Promise<void>;
}

/** Leases and runs the tasks registered in an app. */
export class Worker {
  /** This worker's id, as the broker records it in `worker_id`. */
  readonly id = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  private currentState: WorkerState = 'idle';
  private readonly running = new Map<string, RunningTask>();
  private stopLeasing = new AbortController();
  private leaseLoop: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private slotFreed: (() => void) | undefined;
  private markStopped: () => void = () => undefined;
  private heartbeatInFlight = false;
  private stoppedPromise: Promise<void> = Promise.resolve();

  constructor(private readonly host: WorkerHost) {}

  /** Settles when the worker, once started, has stopped (resolved at once if it never started). */
  get stopped(): Promise<void> {
    return this.stoppedPromise;
  }

  /** The registered tasks, as the worker sees them (the app's own registry). */
  get tasks(): Map<string, TaskExecSchema> {
    return this.host.tasks;
  }

  /** `idle`, `running`, `stopping` or `stopped`. */
  get state(): WorkerState {
    return this.currentState;
  }

  /** How many tasks are running now. */
  get runningCount(): number {
    return this.running.size;
  }

  /**
   * Starts leasing the queues of the tasks registered now (a task registered later runs after the
   * next start). Does nothing if already running. @throws QTasksError when no task is registered
   */
  start(): void {
    if (this.currentState === 'running') return;
    if (this.currentState === 'stopping') throw new QTasksError('the worker is stopping; wait for stop() before starting it again');
    const queues = [...new Set([...this.tasks.values()].map((schema) => schema.queue))];
    if (queues.length === 0) throw new QTasksError('the worker has no task to run: register tasks with app.task(...) first');
    this.currentState = 'running';
    this.stoppedPromise = new Promise((resolve) => (this.markStopped = resolve));
    this.stopLeasing = new AbortController();
    this.stopping = undefined;
    this.leaseLoop = this.leaseForever(queues, this.stopLeasing.signal);
  }

  /**
   * Stops: no more leases; running tasks get `graceMs` to finish, then are aborted and given
   * back to the broker (ready at once for another worker, the attempt not counted).
   */
  stop(graceMs = this.host.config.shutdownGraceMs): Promise<void> {
    if (this.currentState === 'idle' || this.currentState === 'stopped') return Promise.resolve();
    return (this.stopping ??= this.shutdown(graceMs));
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.currentState = 'stopping';
    this.stopLeasing.abort();
    await this.leaseLoop;
    const allDone = Promise.all([...this.running.values()].map((task) => task.done));
    const graceCancel = new AbortController();
    const graceOver = sleep(graceMs, graceCancel.signal).then(() => false, () => true);
    const finishedInTime = await Promise.race([allDone.then(() => true), graceOver]);
    graceCancel.abort(); // a ref'd timer left running would hold the process for the rest of the grace
    if (!finishedInTime) {
      for (const task of this.running.values()) task.controller.abort(new WorkerStoppingError('the worker is stopping'));
    }
    await Promise.all([...this.running.values()].map((task) => task.done));
    this.stopHeartbeats();
    this.currentState = 'stopped';
    this.markStopped();
  }

  private async leaseForever(queues: string[], signal: AbortSignal): Promise<void> {
    const { config, logger } = this.host;
    const backoff = new Backoff();
    while (!signal.aborted) {
      if (this.running.size >= config.maxTasksProcess) {
        await abortable(new Promise<void>((resolve) => (this.slotFreed = resolve)), signal).catch(() => undefined);
        continue;
      }
      let leased: LeasedTask[];
      try {
        const response = await this.host.connection().lease(
          { workerId: this.id, queues, maxTasks: Math.min(MAX_LEASE_TASKS, config.maxTasksProcess - this.running.size), waitMs: config.leaseWaitMs, leaseMs: config.leaseMs },
          signal,
        );
        leased = response.tasks;
        backoff.reset();
      } catch (error) {
        if (signal.aborted) break;
        const delayMs = backoff.next();
        logger.warn(`[qtasks worker ${this.id}] lease failed; retrying in ${delayMs} ms`, error);
        await sleep(delayMs, signal).catch(() => undefined);
        continue;
      }
      for (const task of leased) this.launch(task);
    }
  }

  private launch(leased: LeasedTask): void {
    const task = new Task(leased.task!, this.host);
    const controller = new AbortController();
    const entry: RunningTask = {
      taskId: task.uuid,
      leaseToken: leased.leaseToken,
      controller,
      progress: new ProgressPublisher(this.host.connection(), task.uuid, leased.leaseToken),
      done: Promise.resolve(),
    };
    // The broker handed this task out again: a run of it still here has lost its lease.
    this.running.get(task.uuid)?.controller.abort(new LeaseLostError('the broker handed the task out again'));
    this.running.set(task.uuid, entry);
    this.startHeartbeats();
    entry.done = this.run(task, entry).finally(() => {
      if (this.running.get(task.uuid) === entry) this.running.delete(task.uuid);
      if (this.running.size === 0) this.stopHeartbeats();
      this.slotFreed?.();
      this.slotFreed = undefined;
    });
  }

  /** Runs one task and reports its outcome; never throws. */
  private async run(task: Task, entry: RunningTask): Promise<void> {
    const schema = this.tasks.get(task.taskName);
    const logger = prefixedLogger(this.host.logger, `${task.taskName}:${task.uuid}`);
    let outcome: Outcome;
    if (!schema) {
      // failure() reads name/message only from an Error; a plain object would be reported as "Object".
      outcome = failure(Object.assign(new Error(`no task named "${task.taskName}" is registered in this worker`), { name: 'TaskNotRegistered', stack: '' }), false);
    } else {
      const timeLimit = schema.maxTime === undefined ? undefined : setTimeout(() => entry.controller.abort(new TaskTimeLimitError(schema.name, schema.maxTime!)), schema.maxTime * 1000);
      try {
        const ctx = new TaskContext(this.host, task.uuid, task.taskName, task.attempt, entry.controller.signal, logger);
        const Executor = schema.executor ?? AsyncTaskExecutor;
        const executor = new Executor(schema, task, ctx, {
          createEcho: () => this.host.echoOf(schema, ctx),
          publishProgress: (item) => entry.progress.publish(item),
        });
        const value = await abortable(executor.execute(), entry.controller.signal);
        await entry.progress.flushed();
        outcome = { $case: 'success', value: { result: encodeJson(value, `the result of task ${schema.name}`) } };
      } catch (error) {
        outcome = outcomeOf(error, schema);
      } finally {
        clearTimeout(timeLimit);
      }
    }
    if (entry.controller.signal.reason instanceof LeaseLostError) {
      logger.warn(`lease lost (${entry.controller.signal.reason.message}); the outcome is dropped`);
      return;
    }
    if (outcome.$case === 'failure') logger.error(`failed: ${outcome.value.error?.type}: ${outcome.value.error?.message}`);
    await this.report(entry, outcome, logger);
  }

  /** Sends an outcome, retrying while the broker is unreachable and the lease may still hold. */
  private async report(entry: RunningTask, outcome: Outcome, logger: Logger): Promise<void> {
    const backoff = new Backoff();
    const giveUpAt = Date.now() + this.host.config.leaseMs;
    let replaced = false;
    for (;;) {
      try {
        const result = await this.host.connection().completions.add({ taskId: entry.taskId, leaseToken: entry.leaseToken, outcome });
        if (!result.accepted) logger.warn(`the broker refused the outcome: ${result.reason}`);
        return;
      } catch (error) {
        const refusal = refusedOutcome(error);
        if (refusal && !replaced) {
          // The broker refused this outcome itself (a result or traceback over its size limit,
          // say): resending it cannot help, and waiting out the lease would hide the cause behind
          // LeaseExpired. Report that refusal instead, once, as a failure that is not retried.
          logger.error(`the broker refused the outcome: ${refusal}`);
          replaced = true;
          outcome = failure(Object.assign(new Error(refusal.slice(0, 2000)), { name: 'OutcomeRefused', stack: '' }), false);
          continue;
        }
        if (refusal || Date.now() > giveUpAt) {
          logger.error('could not report the outcome; the broker will end or re-run the task when its lease runs out', error);
          return;
        }
        await sleep(backoff.next());
      }
    }
  }

  private startHeartbeats(): void {
    if (this.heartbeatTimer) return;
    // Heartbeats are the one periodic call: a lease is kept alive by renewing it, not by an event.
    // Ref'd: while tasks run, the worker's process must stay up even if they await nothing else.
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), Math.floor(this.host.config.leaseMs / 3));
  }

  private stopHeartbeats(): void {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  private async heartbeat(): Promise<void> {
    const entries = [...this.running.values()];
    // A beat still waiting on a slow broker is not joined by another: they would pile up.
    if (entries.length === 0 || this.heartbeatInFlight) return;
    this.heartbeatInFlight = true;
    try {
      const { results } = await this.host.connection().heartbeat({
        items: entries.map((entry) => ({ taskId: entry.taskId, leaseToken: entry.leaseToken })),
        extendMs: this.host.config.leaseMs,
      });
      results.forEach((result, i) => {
        const entry = entries[i]!;
        if (!result.ok) entry.controller.abort(new LeaseLostError(result.reason));
        else if (result.cancelRequested) entry.controller.abort(new TaskCancelError());
      });
    } catch (error) {
      this.host.logger.warn(`[qtasks worker ${this.id}] heartbeat failed; retrying at the next beat`, error);
    } finally {
      this.heartbeatInFlight = false;
    }
  }
}

/** The outcome of a run that threw (or was aborted). */
function outcomeOf(error: unknown, schema: TaskExecSchema): Outcome {
  if (error instanceof TaskCancelError) return { $case: 'cancelled', value: { reason: error.reason } };
  if (error instanceof WorkerStoppingError) return { $case: 'released', value: {} };
  const retryable = schema.retryOnExc.length === 0 || schema.retryOnExc.some((cls) => error instanceof cls);
  return failure(error, retryable);
}

/** The broker's message when it refused this one outcome as invalid or too large, else undefined. */
function refusedOutcome(error: unknown): string | undefined {
  if (!(error instanceof BrokerCallError)) return undefined;
  if (error.code !== Status.INVALID_ARGUMENT && error.code !== Status.RESOURCE_EXHAUSTED) return undefined;
  return /^completions\[\d+\]/.test(error.details) ? error.details : undefined;
}

function failure(error: unknown, retryable: boolean): Outcome {
  const message = error instanceof Error ? error.message : String(error);
  const traceback = error instanceof Error ? (error.stack ?? '') : '';
  return { $case: 'failure', value: { error: { type: errorType(error), message, traceback }, retryable } };
}

/**
 * The type reported for a thrown value: the `name` an error or its own class sets (a built-in
 * error's, or `TimeLimitExceeded`), else its class name, so that `class TooBig extends RangeError`
 * reports "TooBig" rather than the "RangeError" it inherits. A thrown non-error reports its class
 * (`String`, `Object`), or "Error" for null and undefined.
 */
function errorType(error: unknown): string {
  const className = (error as object | null | undefined)?.constructor?.name;
  if (error instanceof Error) {
    const setsOwnName = Object.hasOwn(error, 'name') || Object.hasOwn(Object.getPrototypeOf(error) as object, 'name');
    return setsOwnName ? error.name : className || error.name;
  }
  return className || 'Error';
}
