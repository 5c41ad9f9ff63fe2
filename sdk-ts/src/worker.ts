/**
 * The worker: takes the app's tasks from the broker and runs them.
 *
 * The worker holds one Work stream (`work-session.ts`) and grants the broker credit for as many
 * tasks as it has free slots (`maxTasksProcess`) plus `prefetchTasks` to hold in hand; the broker
 * pushes tasks the moment they are ready, and cancel requests at once. Outcomes, heartbeats and
 * progress go up the same stream in batches (`worker-reports.ts`; unary calls when no stream is
 * open), and each slot that frees grants one more credit on the outcome batch that freed it, so no
 * task waits on a Lease round trip. Each leased task is a run with one state in the
 * worker's {@link RunBook} (`run-state.ts` has the moves): `held` in hand until a slot frees (in
 * lease order), `running` while its handler holds a slot, `reporting` once its outcome is decided
 * and handed to be reported, `settled` once the broker has acknowledged it or there is
 * nothing left to report. A slot is freed as soon as the outcome is decided, so its credit goes
 * out with that outcome, before it is durable (the broker commits writes that arrive together as
 * one). Every run that holds its task's current lease, in any phase but settled, is renewed by one
 * heartbeat every third of the lease (`heartbeats.ts`), and a graceful stop waits for every
 * run to settle. A task that throws only fails its own run; a broker that goes away is retried
 * with backoff.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Completion, CompletionResult, DeepPartial, HeartbeatResult, LeasedTask, ProgressItem, ProgressResult, WorkResponse } from '@qtasks/proto';
import { Backoff, sleep } from './backoff.js';
import type { QTasksConfig } from './config.js';
import type { BrokerConnection } from './connection.js';
import { QTasksError, TaskCancelError } from './errors.js';
import { Heartbeats, monotonicDeadline } from './heartbeats.js';
import { prefixedLogger, type Logger } from './logger.js';
import { Pace } from './pace.js';
import { reportOutcome } from './report-outcome.js';
import { RunAbort } from './run-abort.js';
import { RunBook, type LeasedRun } from './run-book.js';
import { runHandler, type HandlerHost } from './run-handler.js';
import { LeaseLostError, WorkerStoppingError, unstartedOutcome, type Outcome } from './run-outcome.js';
import { HELD, type StopReason } from './run-state.js';
import { Task, type ResultWaiter } from './task.js';
import type { TaskExecSchema } from './task-exec-schema.js';
import { MAX_OUTSTANDING_CREDIT, type WorkSession } from './work-session.js';
import { WorkerReports } from './worker-reports.js';

/**
 * A worker holds in hand at least what it finishes in this many ms (`prefetchTasks` is the floor):
 * enough to keep it busy over a round trip to the broker and to keep its messages large, too
 * little to delay anyone.
 */
const HOLD_MS = 20;
/**
 * The most a fast worker holds in hand by its pace. On a broker that takes credit back
 * (`credit_limit`), a hand its tasks outgrow goes back (see {@link STALE_HAND_MS}); on one that
 * does not, this is also the most tasks that can land on a worker that has just drained quick ones
 * when slow ones follow.
 */
const MAX_PACED_IN_HAND = 400;
/**
 * A task held in hand this long says the worker's pace no longer holds (it holds what it finishes
 * in {@link HOLD_MS}): what it holds past `prefetchTasks` goes back (see `giveBackStaleHand`).
 */
const STALE_HAND_MS = 200;

/** What the worker needs from its app. */
export interface WorkerHost extends HandlerHost, ResultWaiter {
  readonly name: string;
  readonly config: QTasksConfig;
  readonly logger: Logger;
  connection(): BrokerConnection;
}

/** Where a worker is in its life. */
export type WorkerState = 'idle' | 'running' | 'stopping' | 'stopped';

/** Leases and runs the tasks registered in an app. */
export class Worker {
  /** This worker's id, as the broker records it in `worker_id`. */
  readonly id = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  private currentState: WorkerState = 'idle';
  /** Every leased run, with its one state, from its lease until it settles. */
  private readonly runs = new RunBook();
  private readonly heartbeats: Heartbeats<LeasedRun>;
  /** Outcomes, heartbeats and progress: on the open Work stream, else unary. */
  private readonly reports: WorkerReports;
  /**
   * False after a task with a time limit came while no slot was free: the broker counts that
   * limit from the lease, so such a task must not wait in hand (it was given back at once), and
   * the worker grants credit for free slots only until a push brings tasks without a limit again.
   */
  private leaseAhead = true;
  private stopLeasing = new AbortController();
  private workLoop: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  /** The open Work stream, if any (it keeps the credit's count). */
  private session: WorkSession | undefined;
  /** Set while {@link giveBackStaleHand} gives runs back. */
  private givingBack = false;
  /** When the oldest task in hand turns stale, if tasks are held past the floor (see {@link watchHand}). */
  private handDeadline: NodeJS.Timeout | undefined;
  /** How fast tasks finish here: short tasks are held by more than `prefetchTasks` (see {@link inHandTarget}). */
  private readonly pace = new Pace();
  private markStopped: () => void = () => undefined;
  private stoppedPromise: Promise<void> = Promise.resolve();

  constructor(private readonly host: WorkerHost) {
    this.reports = new WorkerReports(
      () => host.connection(),
      () => this.session,
    );
    this.heartbeats = new Heartbeats<LeasedRun>({
      leaseMs: () => host.config.leaseMs,
      // Runs awaiting the acknowledgement of their outcome are renewed too: a Complete that is
      // being retried must not find the lease expired.
      leases: () => this.runs.leases(),
      send: (request) => this.reports.heartbeat(request),
      answered: (run, result) => this.heard(run, result),
      failed: (error) => host.logger.warn(`[qtasks worker ${this.id}] heartbeat failed; retrying at the next beat`, error),
    });
  }

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
    return this.runs.count('running');
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
    this.workLoop = this.workForever(queues, this.stopLeasing.signal);
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
    await this.workLoop;
    // Tasks held in hand go back at once: no handler of theirs has started.
    for (const run of [...this.runs.held()]) this.giveUp(run, new WorkerStoppingError('the worker is stopping'));
    // No lease is made from here on, so the runs can only settle.
    const allDone = this.runs.whenEmpty();
    const graceCancel = new AbortController();
    const graceOver = sleep(graceMs, graceCancel.signal).then(() => false, () => true);
    const finishedInTime = await Promise.race([allDone.then(() => true), graceOver]);
    graceCancel.abort(); // a ref'd timer left running would hold the process for the rest of the grace
    if (!finishedInTime) {
      // Handlers still running are given back; outcomes already decided are still reported.
      for (const run of this.runs.all()) if (run.state.phase === 'running') run.abort.abort(new WorkerStoppingError('the worker is stopping'));
    }
    await allDone;
    this.heartbeats.stop();
    this.currentState = 'stopped';
    this.markStopped();
  }

  /** Keeps a Work stream open until `signal` aborts, opening another after a backoff when one fails. */
  private async workForever(queues: string[], signal: AbortSignal): Promise<void> {
    const backoff = new Backoff();
    while (!signal.aborted) {
      try {
        await this.work(queues, signal, () => backoff.reset());
      } catch (error) {
        if (signal.aborted) break;
        const delayMs = backoff.next();
        this.host.logger.warn(`[qtasks worker ${this.id}] the Work stream failed; opening another in ${delayMs} ms`, error);
        await sleep(delayMs, signal).catch(() => undefined);
      }
    }
  }

  /**
   * One Work stream: grants what the worker can take, launches what the broker pushes, stops what
   * it says was cancelled. When `signal` aborts, it ends its side and reads the stream to its end,
   * giving back what is pushed meanwhile. @throws when the stream fails or the broker ends it
   */
  private async work(queues: string[], signal: AbortSignal, healthy: () => void): Promise<void> {
    const { config } = this.host;
    // The stream outlives `signal` until its end is read (only close() of the connection cuts it),
    // so that nothing pushed as the worker stops is left leased to no one.
    const session = this.host.connection().work({ workerId: this.id, queues, leaseMs: config.leaseMs }, 0, this.nothingRunning);
    this.session = session;
    this.topUpCredit();
    // On a stop: end our side, and cut the stream if the broker has not ended it within a call's
    // deadline (a broker that vanished without closing the connection would hold the stop forever).
    let cutTimer: NodeJS.Timeout | undefined;
    const onStop = (): void => {
      session.end();
      cutTimer = setTimeout(() => session.cut(), config.callTimeoutMs);
    };
    signal.addEventListener('abort', onStop, { once: true });
    try {
      for await (const push of session.pushes) {
        healthy();
        this.received(push, signal.aborted);
      }
    } catch (error) {
      if (!signal.aborted) throw error;
    } finally {
      clearTimeout(cutTimer);
      signal.removeEventListener('abort', onStop);
      this.session = undefined;
    }
    if (!signal.aborted) throw new QTasksError('the broker ended the Work stream');
  }

  /** Acts on one push: tasks to run (or to give back, once stopping), or cancel requests. */
  private received(push: WorkResponse, stopping: boolean): void {
    const kind = push.kind;
    if (kind?.$case === 'tasks') {
      const leased = kind.value.tasks;
      this.session?.took(leased.length);
      if (leased.length > 0 && leased.every((task) => !task.task?.maxTimeMs)) this.leaseAhead = true;
      for (const task of leased) this.launch(task, stopping);
      this.topUpCredit();
    } else if (kind?.$case === 'cancel') {
      for (const { taskId } of kind.value.tasks) {
        const run = this.runs.currentRun(taskId);
        if (run) this.stopRun(run, new TaskCancelError());
      }
    }
  }

  /** Whether no handler runs now (an outcome reported then goes without waiting for others'). */
  private readonly nothingRunning = (): boolean => this.runs.count('running') === 0;

  /** Tells the broker how many more tasks the worker can take now (fewer too: see WorkSession.want). */
  private topUpCredit(): void {
    const { config } = this.host;
    if (!this.session || this.stopLeasing.signal.aborted) return;
    if (this.session.canTakeBack) this.giveBackStaleHand();
    const free = config.maxTasksProcess + this.inHandTarget() - this.runs.count('running') - this.runs.count('held');
    this.session.want(Math.max(0, Math.min(free, MAX_OUTSTANDING_CREDIT)));
    if (this.session.canTakeBack) this.watchHand();
  }

  /**
   * Sets a deadline at which the oldest task in hand turns stale (see {@link giveBackStaleHand}),
   * for a worker whose slots are all taken by long tasks: nothing else would happen to look.
   */
  private watchHand(): void {
    if (this.handDeadline || this.runs.count('held') <= this.host.config.prefetchTasks) return;
    const oldest = this.runs.oldestHeld();
    if (!oldest) return;
    const dueInMs = Math.max(0, oldest.receivedAtMs + STALE_HAND_MS - performance.now()) + 1;
    this.handDeadline = setTimeout(() => {
      this.handDeadline = undefined;
      this.topUpCredit();
    }, dueInMs);
    // A worker with nothing else to do must not stay alive for this.
    this.handDeadline.unref();
  }

  /**
   * A worker whose tasks turned slow (quick ones, then slow ones) holds in hand what its old pace
   * called for: once a task has waited there {@link STALE_HAND_MS}, the pace no longer holds, and
   * what the worker holds past `prefetchTasks` goes back to the broker for idle workers to take.
   * Only where the credit shrinks with it; elsewhere the broker would push it right back.
   */
  private giveBackStaleHand(): void {
    const floor = this.host.config.prefetchTasks;
    if (this.givingBack || this.runs.count('held') <= floor) return;
    const oldest = this.runs.oldestHeld();
    if (!oldest || performance.now() - oldest.receivedAtMs < STALE_HAND_MS) return;
    this.pace.reset();
    // Each give-up tells the broker the credit again (topUpCredit): not a give-back of its own.
    this.givingBack = true;
    try {
      for (const run of [...this.runs.held()].slice(floor)) this.giveUp(run, new WorkerStoppingError('the worker holds more than its pace needs'));
    } finally {
      this.givingBack = false;
    }
  }

  /**
   * How many tasks to hold in hand beyond the free slots: `prefetchTasks`, or what this worker
   * finishes in {@link HOLD_MS} if that is more (`pace.ts`); none while tasks with a time limit
   * come (see {@link leaseAhead}), or if `prefetchTasks` is 0.
   */
  private inHandTarget(): number {
    const { prefetchTasks } = this.host.config;
    if (!this.leaseAhead || prefetchTasks === 0) return 0;
    return Math.max(prefetchTasks, Math.min(this.pace.tasksIn(HOLD_MS), MAX_PACED_IN_HAND));
  }

  /**
   * Books a task just leased as a `held` run, then starts it, leaves it held, or gives it back (see
   * {@link takeSlot}); while `stopping`, gives it back at once.
   */
  private launch(leased: LeasedTask, stopping = false): void {
    const task = new Task(leased.task!, this.host);
    const run: LeasedRun = {
      task,
      taskName: task.taskName,
      taskId: task.uuid,
      leaseToken: leased.leaseToken,
      abort: new RunAbort(),
      timeLimited: leased.task!.maxTimeMs > 0,
      progress: undefined,
      leaseDeadlineMs: monotonicDeadline(leased.leaseDeadline, this.host.config.leaseMs),
      receivedAtMs: performance.now(),
      state: HELD,
    };
    // The broker handed this task out again: the run of its previous lease here has lost it
    // (a run whose outcome is still being reported finishes: its Complete was committed or will
    // be refused). The new run takes over the heartbeats.
    const replaced = this.runs.add(run);
    if (replaced) this.stopRun(replaced, new LeaseLostError('the broker handed the task out again'));
    this.heartbeats.start();
    if (stopping) this.giveUp(run, new WorkerStoppingError('the worker is stopping'));
    else this.takeSlot(run);
  }

  /**
   * Starts `run` if a slot is free, else leaves it held in hand until one frees; but a task with a
   * time limit is given back at once, since that limit runs from the lease and could run out while
   * the task is held in hand.
   */
  private takeSlot(run: LeasedRun): void {
    if (this.runs.count('running') < this.host.config.maxTasksProcess) {
      this.begin(run);
    } else if (run.timeLimited) {
      this.leaseAhead = false;
      this.giveUp(run, new WorkerStoppingError('a task with a time limit is not held in hand'));
    }
  }

  /** A slot was freed: the first task held in hand takes it, and the broker gets the credit. */
  private freeSlot(): void {
    // A task held in hand whose lease ran out (heartbeats failed meanwhile) may already be another
    // worker's: it is dropped, not started.
    const now = performance.now();
    for (const held of this.runs.held()) {
      if (held.leaseDeadlineMs > now) {
        this.begin(held);
        break;
      }
      this.giveUp(held, new LeaseLostError('the lease ran out while the task was held in hand'));
    }
    this.topUpCredit();
  }

  /** What a heartbeat said of `run`: its lease is lost, or the task is to be cancelled. */
  private heard(run: LeasedRun, result: HeartbeatResult): void {
    if (!result.ok) this.stopRun(run, new LeaseLostError(result.reason));
    else if (result.cancelRequested) this.stopRun(run, new TaskCancelError());
  }

  /**
   * Stops `run` for `reason`: a task held in hand is given up, a running handler sees its signal
   * abort. Once the outcome is decided there is no handler left to stop: a refused lease then
   * usually means that the Complete has just been committed.
   */
  private stopRun(run: LeasedRun, reason: Error): void {
    if (run.state.phase === 'held') this.giveUp(run, reason);
    else if (run.state.phase === 'running') run.abort.abort(reason);
  }

  /** Gives up a task held in hand, before its handler started: `reason` says what to report (nothing once its lease is lost). */
  private giveUp(run: LeasedRun, reason: Error): void {
    run.abort.abort(reason);
    const outcome = unstartedOutcome(reason);
    if (outcome) {
      this.runs.move(run, { phase: 'reporting', outcome: outcome.$case });
      this.report(run, outcome, this.loggerOf(run));
    } else {
      this.settle(run, 'lease-lost');
    }
    this.topUpCredit();
  }

  /** Gives `run` a slot; its handler starts on the next microtask, after the rest of its pushed batch is launched. */
  private begin(run: LeasedRun): void {
    this.runs.move(run, { phase: 'running' });
    queueMicrotask(() => this.run(run));
  }

  /**
   * Runs one task's handler; once its outcome is decided (in this call, for a plain handler that
   * returned without a promise), frees its slot and reports it. Never throws.
   */
  private run(run: LeasedRun): void {
    const logger = this.loggerOf(run);
    const outcome = runHandler(this.host, run, this.sendProgress, logger);
    if (outcome instanceof Promise) void outcome.then((decided) => this.decided(run, decided, logger));
    else this.decided(run, outcome, logger);
  }

  /** Sends one progress item of a running generator task. */
  private readonly sendProgress = (item: DeepPartial<ProgressItem>): Promise<ProgressResult> => this.reports.progress(item);

  /** `run`'s outcome is decided: its slot frees at once, and the outcome is reported. */
  private decided(run: LeasedRun, outcome: Outcome, logger: Logger): void {
    const lost: unknown = run.abort.reason;
    if (lost instanceof LeaseLostError) {
      this.settle(run, 'lease-lost');
      this.freeSlot();
      logger.warn(`lease lost (${lost.message}); the outcome is dropped`);
      return;
    }
    this.runs.move(run, { phase: 'reporting', outcome: outcome.$case });
    this.pace.finished();
    this.freeSlot();
    if (outcome.$case === 'failure') logger.error(`failed: ${outcome.value.error?.type}: ${outcome.value.error?.message}`);
    this.report(run, outcome, logger);
  }

  /** Reports `run`'s decided outcome, then settles it with what became of the report. */
  private report(run: LeasedRun, outcome: Outcome, logger: Logger): void {
    void reportOutcome(this.sendCompletion, run, outcome, this.host.config.leaseMs, logger).then((why) => this.settle(run, why));
  }

  /** Sends one outcome (on the Work stream, else unary). */
  private readonly sendCompletion = (completion: DeepPartial<Completion>): Promise<CompletionResult> => this.reports.complete(completion);

  /** Forgets a run that is done with; the heartbeats stop when no lease is left to renew. */
  private settle(run: LeasedRun, why: StopReason): void {
    this.runs.move(run, { phase: 'settled', why });
    if (!this.runs.hasLeases()) this.heartbeats.stop();
  }

  /** The app's logger, its lines prefixed with the run's task name and id. */
  private loggerOf(run: LeasedRun): Logger {
    return prefixedLogger(this.host.logger, () => `${run.taskName}:${run.taskId}`);
  }
}
