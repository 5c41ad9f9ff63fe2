/**
 * The broker core: the task state machine as a service. It drives the store, and owns the state
 * that is derived from it and lives in memory only: parked `Lease` calls, `WatchResult`
 * subscribers, and the timer for due work. It knows nothing of gRPC.
 */
import { setMaxListeners } from 'node:events';
import { OverloadedError, ShuttingDownError, TaskNotFoundError } from '../domain/errors.js';
import {
  isFinalStatus,
  type Completion,
  type CompletionResult,
  type HeartbeatItem,
  type HeartbeatResult,
  type LeaseOptions,
  type NewTask,
  type ProgressItem,
  type ProgressResult,
  type TaskRecord,
} from '../domain/task.js';
import type { ListFilter, ListPage, StoreStats, TaskStore } from '../store/task-store.js';
import { DueTimer } from './due-timer.js';
import { LeaseWaiters } from './lease-waiters.js';
import { TaskEvents } from './task-events.js';
import { TaskWatchers, type TaskWatchersOptions } from './task-watchers.js';

export { DEFAULT_WATCH_STALL_MS } from './task-watchers.js';

/** Due tasks and expired leases are handled in batches of this size, one commit each. */
const DUE_BATCH = 1000;
/** After due work fails (a full disk, say), it is tried again this much later. */
const DUE_RETRY_MS = 1000;

/**
 * Default of {@link BrokerOptions.maxPendingWrites}. Every write queued for the next commit runs
 * in one synchronous callback pass on the main thread (12–35 µs per task here), so the writes in
 * flight also bound the longest event-loop stall. Measured at the store with 1,000-task batches,
 * strict durability, on the 2-vCPU reference machine (several runs): 1 to 20 batches in flight
 * all gave 40k–65k tasks/s, while the worst stall grew from ~110 ms (2 in flight) to 190–270 ms
 * (5) and 280–385 ms (10 or 20). Past a few thousand tasks in flight only the stalls (and Lease
 * latency) grow; see docs/benchmarks.md for the broker-level figures. lmdb-js's own backpressure
 * (an `Atomics.wait` past 300,000 outstanding writes) would freeze the loop outright.
 */
export const DEFAULT_MAX_PENDING_WRITES = 5_000;
/** Bounds of the retry hint sent with a refused Enqueue. */
const MIN_RETRY_AFTER_MS = 10;
const MAX_RETRY_AFTER_MS = 2000;

/** Options of {@link Broker}. */
export interface BrokerOptions {
  /** Epoch milliseconds; tests pass a fake clock. Default `Date.now`. */
  clock?: () => number;
  /** Where unexpected background errors are reported. Default: `console.error`. */
  logError?: (message: string, error: unknown) => void;
  /**
   * Most task writes in flight (issued to the store, not yet committed) before `enqueue` refuses
   * with {@link OverloadedError}. A batch is admitted whole when nothing is in flight, so one
   * batch larger than the limit still goes through. @defaultValue {@link DEFAULT_MAX_PENDING_WRITES}
   */
  maxPendingWrites?: number;
  /**
   * How long a `WatchResult` client may take no state while later ones wait for it, before the
   * broker drops them (see {@link TaskWatchers}). @defaultValue {@link DEFAULT_WATCH_STALL_MS}
   */
  watchStallMs?: number;
  /** Bounds of `WatchResult` streams (see {@link TaskWatchers}); each has its default there. */
  watchLimits?: Pick<TaskWatchersOptions, 'maxWatchers' | 'maxWatchersPerTask' | 'maxQueuedBytes'>;
  /** Monotonic milliseconds, for durations; tests pass a fake. @defaultValue `performance.now` */
  monotonicClock?: () => number;
}

/** What {@link Broker.stats} reports: the store's counts and the core's in-memory state. */
export interface BrokerStats extends StoreStats {
  /** Tasks with at least one `WatchResult` stream open. */
  watchedTasks: number;
  /** `WatchResult` streams open. */
  watchers: number;
}

/** The broker's operations, one per RPC, on domain types. */
export class Broker {
  private readonly waiters = new LeaseWaiters();
  private readonly events = new TaskEvents();
  private readonly watchers: TaskWatchers;
  private readonly dueTimer: DueTimer;
  /** Aborted by shutdown(); every open watch listens to it, hence no listener limit. */
  private readonly closing = withoutListenerLimit(new AbortController());
  private readonly clock: () => number;
  private readonly logError: (message: string, error: unknown) => void;
  private readonly maxPendingWrites: number;
  private dueWorkRunning = false;

  constructor(
    private readonly store: TaskStore,
    options: BrokerOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.logError = options.logError ?? ((message, error) => console.error(message, error));
    this.maxPendingWrites = options.maxPendingWrites ?? DEFAULT_MAX_PENDING_WRITES;
    this.watchers = new TaskWatchers({
      read: (taskId) => this.store.get(taskId),
      events: this.events,
      closing: this.closing.signal,
      stallMs: options.watchStallMs,
      monotonicClock: options.monotonicClock,
      ...options.watchLimits,
    });
    this.dueTimer = new DueTimer(() => void this.runDueWork(), this.clock);
    // Work that fell due while the broker was down is picked up at once.
    this.dueTimer.aim(store.nextDueAtMs());
  }

  /**
   * Stores tasks atomically; resolves once they are durable.
   *
   * @throws OverloadedError when too many writes are in flight (see {@link admitEnqueue})
   */
  async enqueue(tasks: readonly NewTask[]): Promise<TaskRecord[]> {
    this.assertOpen();
    this.admitEnqueue(tasks.length);
    // Parked Lease calls of these queues are woken as soon as the enqueue is queued, not after it
    // commits: their lease then runs right after it in the same transaction, so a waiting worker
    // gets a new task in one commit instead of two (the enqueue's, then its own). A woken lease
    // that runs first or finds nothing sees the generation change and tries again, as always.
    const readyQueues = readyQueuesOf(tasks, this.clock());
    const { value, changed } = await this.store.enqueue(tasks, () => this.waiters.signal(readyQueues));
    this.afterCommit(changed, readyQueues);
    await this.store.durable();
    return value;
  }

  /**
   * Refuses an Enqueue of `count` tasks, at once and before anything is stored, if it would take
   * the writes in flight over `maxPendingWrites`: the producer is told to come back later instead
   * of the broker queueing more work than it can commit without stalling. The transport calls it
   * before validating a request too, so that a refusal costs next to nothing. Only Enqueue is
   * refused: leases, heartbeats, outcomes, progress and cancels drain or keep alive work already
   * admitted (refusing a heartbeat would turn into a lease expiry and a re-run: more writes), and
   * their number is bounded by the tasks leased.
   *
   * @throws OverloadedError with a retry hint: about how long the writes in flight need to commit
   */
  admitEnqueue(count: number): void {
    const pending = this.store.pendingWrites;
    if (pending === 0 || pending + count <= this.maxPendingWrites) return;
    const retryAfterMs = Math.round(Math.min(MAX_RETRY_AFTER_MS, Math.max(MIN_RETRY_AFTER_MS, this.store.recentCommitLatencyMs)));
    throw new OverloadedError(
      `the broker is overloaded: ${pending} task writes are in flight (limit ${this.maxPendingWrites}); nothing was stored, retry in ${retryAfterMs} ms`,
      retryAfterMs,
    );
  }

  /**
   * Leases ready tasks. With none ready, waits up to `waitMs` for one; resolves with whatever it
   * got (possibly nothing) when the wait runs out, `signal` aborts or the broker shuts down.
   */
  async lease(options: LeaseOptions, waitMs: number, signal: AbortSignal): Promise<TaskRecord[]> {
    const deadlineMs = this.clock() + waitMs;
    for (;;) {
      this.assertOpen();
      const generation = this.waiters.generation(options.queues);
      const { value, changed } = await this.store.lease(options);
      this.afterCommit(changed);
      // The caller went away while the lease committed: no one will ever see these tasks, so give
      // them back now rather than leave them to their lease deadline (and an attempt lost).
      if (signal.aborted && value.length > 0) return this.releaseUndelivered(value);
      const remainingMs = deadlineMs - this.clock();
      if (value.length > 0 || remainingMs <= 0 || signal.aborted) return value;
      // A task became ready while the attempt was in flight: try again instead of sleeping.
      if (this.waiters.generation(options.queues) !== generation) continue;
      if ((await this.waiters.wait(options.queues, remainingMs, signal)) !== 'ready') return [];
    }
  }

  private async releaseUndelivered(tasks: readonly TaskRecord[]): Promise<TaskRecord[]> {
    const { changed } = await this.store.complete(
      tasks.map((task) => ({ taskId: task.id, leaseToken: task.lease!.token, outcome: { kind: 'released' as const } })),
    );
    this.afterCommit(changed);
    return [];
  }

  /** Extends valid leases and reports cancel requests; each item is answered on its own. */
  async heartbeat(items: readonly HeartbeatItem[], extendMs: number): Promise<HeartbeatResult[]> {
    this.assertOpen();
    const results = await this.store.heartbeat(items, extendMs);
    // A short `extendMs` can bring a deadline forward; the timer must not sleep past it.
    // (A deadline moved later only makes the timer wake early, find nothing, and sleep again.)
    for (const result of results) {
      if (result.leaseDeadlineMs !== undefined) this.dueTimer.aimNoLaterThan(result.leaseDeadlineMs);
    }
    return results;
  }

  /** Records outcomes, each fenced by its lease token; resolves once the accepted ones are durable. */
  async complete(completions: readonly Completion[]): Promise<CompletionResult[]> {
    this.assertOpen();
    const { value, changed } = await this.store.complete(completions);
    this.afterCommit(changed);
    await this.store.durable();
    return value;
  }

  /** Records progress reports and streams each to the task's watchers. Not flushed: progress is not an outcome. */
  async reportProgress(items: readonly ProgressItem[]): Promise<ProgressResult[]> {
    this.assertOpen();
    const { value, changed } = await this.store.reportProgress(items);
    this.afterCommit(changed);
    return value;
  }

  /** Cancels a task (see {@link TaskStore.cancel}); resolves once the change is durable. */
  async cancel(taskId: string, reason: string): Promise<TaskRecord> {
    this.assertOpen();
    const { value, changed } = await this.store.cancel(taskId, reason);
    this.afterCommit(changed);
    await this.store.durable();
    return value;
  }

  /** The task with this id. @throws TaskNotFoundError */
  getTask(taskId: string): TaskRecord {
    this.assertOpen();
    const task = this.store.get(taskId);
    if (!task) throw new TaskNotFoundError(taskId);
    return task;
  }

  /** Counts for operators; O(1), safe to call on a loaded broker. */
  stats(): BrokerStats {
    return { ...this.store.stats(), watchedTasks: this.events.watchedTasks, watchers: this.watchers.open };
  }

  /** A page of tasks. */
  listTasks(filter: ListFilter): ListPage {
    this.assertOpen();
    return this.store.list(filter);
  }

  /**
   * The task's current state, then each committed transition, ending after a final status; with
   * the bounds of {@link TaskWatchers}, which does the work.
   *
   * @throws TaskNotFoundError for an unknown id
   * @throws ShuttingDownError when the broker shuts down before the task ends
   * @throws ResourceExhaustedError past a watcher limit, or when the client fell behind
   */
  watch(taskId: string, signal: AbortSignal): AsyncGenerator<TaskRecord, void, undefined> {
    this.assertOpen();
    return this.watchers.watch(taskId, signal);
  }

  /**
   * Stops taking work: parked leases return empty, watch streams end with
   * {@link ShuttingDownError}, the due timer stops. Calls already inside the store finish.
   */
  shutdown(): void {
    if (this.closing.signal.aborted) return;
    this.closing.abort();
    this.waiters.close();
    this.dueTimer.stop();
  }

  /**
   * Tells waiters, watchers and the due timer what a commit changed. Waiters of
   * `signalledQueues` were woken when the write was issued already.
   */
  private afterCommit(changed: readonly TaskRecord[], signalledQueues?: ReadonlySet<string>): void {
    if (changed.length === 0) return;
    const readyQueues = new Set<string>();
    let nextDueMs = Infinity;
    for (const task of changed) {
      this.events.publish(task);
      if (task.status === 'new' || task.status === 'retry') {
        if (!task.delayed && !signalledQueues?.has(task.queue)) readyQueues.add(task.queue);
        else nextDueMs = Math.min(nextDueMs, task.runAtMs ?? 0);
      } else if (task.lease) {
        nextDueMs = Math.min(nextDueMs, task.lease.deadlineMs);
      }
    }
    if (readyQueues.size > 0) this.waiters.signal(readyQueues);
    if (nextDueMs < Infinity) this.dueTimer.aimNoLaterThan(nextDueMs);
  }

  /** Promotes due tasks and reaps expired leases, batch by batch, then re-aims the timer. */
  private async runDueWork(): Promise<void> {
    if (this.dueWorkRunning) return;
    this.dueWorkRunning = true;
    let nextAtMs: number | undefined;
    try {
      for (;;) {
        const promoted = await this.store.promoteDue(DUE_BATCH);
        this.afterCommit(promoted.changed);
        const reaped = await this.store.reapExpiredLeases(DUE_BATCH);
        this.afterCommit(reaped.changed);
        if (promoted.value < DUE_BATCH && reaped.value < DUE_BATCH) break;
      }
      nextAtMs = this.store.nextDueAtMs();
    } catch (error) {
      if (this.closing.signal.aborted) return;
      this.logError('qtasks-broker: due work failed; retrying', error);
      nextAtMs = this.clock() + DUE_RETRY_MS;
    } finally {
      this.dueWorkRunning = false;
    }
    if (!this.closing.signal.aborted) this.dueTimer.aim(nextAtMs);
  }

  private assertOpen(): void {
    if (this.closing.signal.aborted) throw new ShuttingDownError();
  }
}

/** The queues in which some of these new tasks will be ready at once (no eta or delay ahead). */
function readyQueuesOf(tasks: readonly NewTask[], nowMs: number): Set<string> {
  const queues = new Set<string>();
  for (const task of tasks) {
    if ((task.runAtMs ?? nowMs + task.delayMs) <= nowMs) queues.add(task.queue);
  }
  return queues;
}

/** Lifts Node's warning threshold of 10 listeners from a signal that many calls listen to. */
function withoutListenerLimit(controller: AbortController): AbortController {
  setMaxListeners(0, controller.signal);
  return controller;
}
