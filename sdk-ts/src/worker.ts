/**
 * The worker: leases the app's tasks from the broker and runs them.
 *
 * One lease loop asks for as many tasks as there are free slots (`maxTasksProcess`) plus
 * `prefetchTasks` to hold in hand, long-polling so that an idle worker costs nothing and a new
 * task starts the moment it is enqueued. Tasks held in hand start, in lease order, as slots free
 * up, so a busy worker's next batch is on its way while the current one runs. A slot is
 * held by a running handler only: once the handler has finished and its outcome is handed to the
 * completions batcher, the slot is free and the next Lease goes out while that Complete is still
 * in flight (the broker commits writes that arrive together as one). The task itself stays
 * tracked until the broker acknowledges its outcome: heartbeats keep its lease alive meanwhile,
 * and a graceful stop waits for it. Tracked tasks share one heartbeat call every third of the
 * lease; outcomes and progress travel through the connection's coalescing batchers. A task that
 * throws only fails its own run; a broker that goes away is retried with backoff.
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

/** One leased task, from its lease until the broker has acknowledged its outcome. */
interface LeasedRun {
  readonly taskId: string;
  readonly leaseToken: string;
  /** Aborts the handler's `ctx.signal`: cancel, time limit, lease lost, stop past the grace. */
  readonly controller: AbortController;
  /** Made on the first progress item: most tasks publish none. */
  progress: ProgressPublisher | undefined;
  /** True while the handler runs (it holds a slot); false before it starts and once its outcome is decided. */
  running: boolean;
  /**
   * When the lease runs out unless renewed, on the monotonic clock (`performance.now()`): from
   * the Lease reply, then each heartbeat. Monotonic, so that a step of this machine's wall clock
   * neither drops a held task whose lease is alive nor keeps one whose lease ran out.
   */
  leaseDeadlineMs: number;
  /** Settles once the outcome is acknowledged by the broker, dropped, or given up on. */
  done: Promise<void>;
}

/** Leases and runs the tasks registered in an app. */
export class Worker {
  /** This worker's id, as the broker records it in `worker_id`. */
  readonly id = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  private currentState: WorkerState = 'idle';
  /**
   * The current lease of each task held here, by task id: running, or awaiting the broker's
   * acknowledgement of its outcome. Heartbeats renew these leases.
   */
  private readonly leases = new Map<string, LeasedRun>();
  /**
   * Every run whose outcome is not settled yet. Usually the same runs as {@link leases}, plus a
   * run whose task the broker has leased again (same id, new token) while its outcome was still
   * being reported: stop() waits for that report too.
   */
  private readonly unsettled = new Set<LeasedRun>();
  /** Handlers running now: each holds one of the `maxTasksProcess` slots. */
  private busySlots = 0;
  /**
   * Leased tasks held in hand until a slot frees (at most `prefetchTasks` beyond the free slots),
   * in lease order, each with the function that starts it (true) or gives it up (false).
   */
  private readonly waiting = new Map<LeasedRun, (start: boolean) => void>();
  /**
   * False after a task with a time limit came while no slot was free: the broker counts that
   * limit from the lease, so such a task must not wait in hand (it was given back at once), and
   * the worker leases for free slots only until a Lease brings tasks without a limit again.
   */
  private leaseAhead = true;
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

  /** How many task handlers are running now (tasks whose outcome is being reported do not count). */
  get runningCount(): number {
    return this.busySlots;
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
   * back to the broker (ready at once for another worker, the attempt not counted). Resolves
   * once every outcome has been acknowledged by the broker (or given up on).
   */
  stop(graceMs = this.host.config.shutdownGraceMs): Promise<void> {
    if (this.currentState === 'idle' || this.currentState === 'stopped') return Promise.resolve();
    return (this.stopping ??= this.shutdown(graceMs));
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.currentState = 'stopping';
    this.stopLeasing.abort();
    await this.leaseLoop;
    // Tasks held in hand go back at once: no handler of theirs has started.
    for (const run of [...this.waiting.keys()]) this.giveUpWaiting(run, new WorkerStoppingError('the worker is stopping'));
    // No lease is made from here on, so the set of unsettled runs can only shrink.
    const allDone = Promise.all([...this.unsettled].map((run) => run.done));
    const graceCancel = new AbortController();
    const graceOver = sleep(graceMs, graceCancel.signal).then(() => false, () => true);
    const finishedInTime = await Promise.race([allDone.then(() => true), graceOver]);
    graceCancel.abort(); // a ref'd timer left running would hold the process for the rest of the grace
    if (!finishedInTime) {
      // Handlers still running are given back; outcomes already decided are still reported.
      for (const run of this.unsettled) if (run.running) run.controller.abort(new WorkerStoppingError('the worker is stopping'));
    }
    await allDone;
    this.stopHeartbeats();
    this.currentState = 'stopped';
    this.markStopped();
  }

  private async leaseForever(queues: string[], signal: AbortSignal): Promise<void> {
    const { config, logger } = this.host;
    const backoff = new Backoff();
    while (!signal.aborted) {
      const wanted = config.maxTasksProcess + (this.leaseAhead ? config.prefetchTasks : 0) - this.busySlots - this.waiting.size;
      if (wanted <= 0) {
        await abortable(new Promise<void>((resolve) => (this.slotFreed = resolve)), signal).catch(() => undefined);
        // Handlers that finish together (a leased batch of quick tasks) free their slots in the
        // same turn: wait for the turn to end, so that one Lease asks for all of them.
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      let leased: LeasedTask[];
      try {
        const response = await this.host.connection().lease(
          { workerId: this.id, queues, maxTasks: Math.min(MAX_LEASE_TASKS, wanted), waitMs: config.leaseWaitMs, leaseMs: config.leaseMs },
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
      if (leased.length > 0 && leased.every((task) => !task.task?.maxTimeMs)) this.leaseAhead = true;
      for (const task of leased) this.launch(task);
    }
  }

  private launch(leased: LeasedTask): void {
    const task = new Task(leased.task!, this.host);
    const run: LeasedRun = {
      taskId: task.uuid,
      leaseToken: leased.leaseToken,
      controller: new AbortController(),
      progress: undefined,
      running: false,
      leaseDeadlineMs: monotonicDeadline(leased.leaseDeadline, this.host.config.leaseMs),
      done: Promise.resolve(),
    };
    // The broker handed this task out again. A handler of it still running here has lost its
    // lease; a run whose outcome is still being reported is left to finish (its Complete was
    // committed or will be refused) but no longer heartbeated: the new lease replaces it.
    const previous = this.leases.get(task.uuid);
    if (previous?.running) previous.controller.abort(new LeaseLostError('the broker handed the task out again'));
    else if (previous) this.giveUpWaiting(previous, new LeaseLostError('the broker handed the task out again'));
    this.leases.set(task.uuid, run);
    this.unsettled.add(run);
    this.startHeartbeats();
    run.done = this.takeSlot(run, leased.task!.maxTimeMs > 0)
      .then((start) => (start ? this.run(task, run) : this.reportUnstarted(task, run)))
      .finally(() => this.settle(run));
  }

  /**
   * Resolves true once `run` holds a slot, or false if it was given up: while it waited for one,
   * or at once for a task with a time limit and no free slot, since that limit runs from the lease
   * and could run out while the task is held in hand.
   */
  private takeSlot(run: LeasedRun, timeLimited: boolean): Promise<boolean> {
    if (this.busySlots < this.host.config.maxTasksProcess) {
      this.busySlots++;
      run.running = true;
      return Promise.resolve(true);
    }
    if (timeLimited) {
      this.leaseAhead = false;
      run.controller.abort(new WorkerStoppingError('a task with a time limit is not held in hand'));
      return Promise.resolve(false);
    }
    return new Promise((resolve) => this.waiting.set(run, resolve));
  }

  /** Gives up a task held in hand before it started: `reason` says what to report (see {@link reportUnstarted}). */
  private giveUpWaiting(run: LeasedRun, reason: Error): void {
    const resolve = this.waiting.get(run);
    if (!resolve) return;
    this.waiting.delete(run);
    run.controller.abort(reason);
    resolve(false);
    this.wakeLeaseLoop();
  }

  /** The outcome of a task given up before it started: released, cancelled, or nothing if its lease is lost. */
  private async reportUnstarted(task: Task, run: LeasedRun): Promise<void> {
    const reason: unknown = run.controller.signal.reason;
    if (reason instanceof LeaseLostError) return;
    const logger = prefixedLogger(this.host.logger, `${task.taskName}:${task.uuid}`);
    const outcome: Outcome = reason instanceof TaskCancelError ? { $case: 'cancelled', value: { reason: reason.reason } } : { $case: 'released', value: {} };
    await this.report(run, outcome, logger);
  }

  /** Forgets a run whose outcome is settled. */
  private settle(run: LeasedRun): void {
    this.unsettled.delete(run);
    if (this.leases.get(run.taskId) === run) this.leases.delete(run.taskId);
    if (this.leases.size === 0) this.stopHeartbeats();
  }

  /** Frees a slot held by a handler: the first task held in hand takes it, else the lease loop may lease. */
  private freeSlot(run: LeasedRun): void {
    run.running = false;
    // A task held in hand whose lease ran out (heartbeats failed meanwhile) may already be another
    // worker's: it is dropped, not started.
    const now = performance.now();
    for (const [held] of this.waiting) {
      if (held.leaseDeadlineMs > now) break;
      this.giveUpWaiting(held, new LeaseLostError('the lease ran out while the task was held in hand'));
    }
    const next = this.waiting.entries().next();
    if (next.done) {
      this.busySlots--;
    } else {
      const [nextRun, start] = next.value;
      this.waiting.delete(nextRun);
      nextRun.running = true;
      start(true);
    }
    this.wakeLeaseLoop();
  }

  private wakeLeaseLoop(): void {
    this.slotFreed?.();
    this.slotFreed = undefined;
  }

  /**
   * Runs one task and reports its outcome; never throws. The slot is freed as soon as the
   * outcome is decided; the returned promise settles once the broker has acknowledged it.
   */
  private async run(task: Task, run: LeasedRun): Promise<void> {
    const logger = prefixedLogger(this.host.logger, `${task.taskName}:${task.uuid}`);
    let outcome: Outcome;
    try {
      outcome = await this.execute(task, run, logger);
    } finally {
      this.freeSlot(run);
    }
    if (run.controller.signal.reason instanceof LeaseLostError) {
      logger.warn(`lease lost (${run.controller.signal.reason.message}); the outcome is dropped`);
      return;
    }
    if (outcome.$case === 'failure') logger.error(`failed: ${outcome.value.error?.type}: ${outcome.value.error?.message}`);
    await this.report(run, outcome, logger);
  }

  /** Runs the handler of one task; resolves to its outcome, never rejects. */
  private async execute(task: Task, run: LeasedRun, logger: Logger): Promise<Outcome> {
    const schema = this.tasks.get(task.taskName);
    if (!schema) {
      // failure() reads name/message only from an Error; a plain object would be reported as "Object".
      return failure(Object.assign(new Error(`no task named "${task.taskName}" is registered in this worker`), { name: 'TaskNotRegistered', stack: '' }), false);
    }
    const { controller } = run;
    // Aborted between taking its slot and getting here (a cancel, a lost lease): do not start it.
    if (controller.signal.aborted) return outcomeOf(controller.signal.reason, schema);
    const timeLimit = schema.maxTime === undefined ? undefined : setTimeout(() => controller.abort(new TaskTimeLimitError(schema.name, schema.maxTime!)), schema.maxTime * 1000);
    try {
      const ctx = new TaskContext(this.host, task.uuid, task.taskName, task.attempt, controller.signal, logger);
      const Executor = schema.executor ?? AsyncTaskExecutor;
      const executor = new Executor(schema, task, ctx, {
        createEcho: () => this.host.echoOf(schema, ctx),
        publishProgress: (item) => (run.progress ??= new ProgressPublisher(this.host.connection(), run.taskId, run.leaseToken)).publish(item),
      });
      const value = await abortable(executor.execute(), controller.signal);
      if (run.progress) await run.progress.flushed();
      return { $case: 'success', value: { result: encodeJson(value, `the result of task ${schema.name}`) } };
    } catch (error) {
      return outcomeOf(error, schema);
    } finally {
      clearTimeout(timeLimit);
    }
  }

  /** Sends an outcome, retrying while the broker is unreachable and the lease may still hold. */
  private async report(run: LeasedRun, outcome: Outcome, logger: Logger): Promise<void> {
    let backoff: Backoff | undefined; // made on the first failure: most reports need none
    const giveUpAt = performance.now() + this.host.config.leaseMs;
    let replaced = false;
    for (;;) {
      try {
        const result = await this.host.connection().completions.add({ taskId: run.taskId, leaseToken: run.leaseToken, outcome });
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
        if (refusal || performance.now() > giveUpAt) {
          logger.error('could not report the outcome; the broker will end or re-run the task when its lease runs out', error);
          return;
        }
        await sleep((backoff ??= new Backoff()).next());
      }
    }
  }

  private startHeartbeats(): void {
    if (this.heartbeatTimer) return;
    // Heartbeats are the one periodic call: a lease is kept alive by renewing it, not by an event.
    // Ref'd: while tasks run (or their outcomes are being reported), the worker's process must
    // stay up even if they await nothing else.
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), Math.floor(this.host.config.leaseMs / 3));
  }

  private stopHeartbeats(): void {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  private async heartbeat(): Promise<void> {
    // Tasks awaiting the acknowledgement of their outcome are renewed too: a Complete that is
    // being retried must not find the lease expired.
    const runs = [...this.leases.values()];
    // A beat still waiting on a slow broker is not joined by another: they would pile up.
    if (runs.length === 0 || this.heartbeatInFlight) return;
    this.heartbeatInFlight = true;
    try {
      const { results } = await this.host.connection().heartbeat({
        items: runs.map((run) => ({ taskId: run.taskId, leaseToken: run.leaseToken })),
        extendMs: this.host.config.leaseMs,
      });
      results.forEach((result, i) => {
        const run = runs[i]!;
        if (result.ok && result.leaseDeadline) run.leaseDeadlineMs = monotonicDeadline(result.leaseDeadline, this.host.config.leaseMs);
        if (this.waiting.has(run)) {
          if (!result.ok) this.giveUpWaiting(run, new LeaseLostError(result.reason));
          else if (result.cancelRequested) this.giveUpWaiting(run, new TaskCancelError());
          return;
        }
        // Once the outcome is decided there is no handler left to stop: a refusal then usually
        // means that the Complete has just been committed.
        if (!run.running) return;
        if (!result.ok) run.controller.abort(new LeaseLostError(result.reason));
        else if (result.cancelRequested) run.controller.abort(new TaskCancelError());
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

/**
 * A lease deadline from the broker (a wall-clock time) as a time on this process's monotonic
 * clock: the time left, read once on arrival, counted from now. Absent: `leaseMs` from now.
 */
function monotonicDeadline(deadline: Date | undefined, leaseMs: number): number {
  return performance.now() + (deadline === undefined ? leaseMs : deadline.getTime() - Date.now());
}
