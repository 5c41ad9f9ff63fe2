/**
 * The broker core: the task state machine as a service. It drives the store, and owns the state
 * that is derived from it and lives in memory only: parked `Lease` calls, `WatchResult`
 * subscribers, and the timer for due work. It knows nothing of gRPC.
 */
import { setMaxListeners } from 'node:events';
import { logger } from '../logger.js';
import { toClock, wallTimeOf, type Clock } from '../domain/clock.js';
import { OverloadedError, ShuttingDownError, TaskNotFoundError } from '../domain/errors.js';
import {
  isFinalStatus,
  leasesOf,
  type Completion,
  type CompletionResult,
  type HeartbeatItem,
  type HeldLease,
  type HeartbeatResult,
  type LeaseOptions,
  type NewTask,
  type ProgressItem,
  type ProgressResult,
  type TaskRecord,
  type TaskStatus,
} from '../domain/task.js';
import type { QueueInfo, QueueLimits } from '../domain/queue.js';
import { byCodePoint } from '../store/keys.js';
import { zeroCounts, type QueueFigures } from '../store/queue-counts.js';
import type { EarlyBatch, EarlyHandoff } from '../store/early-tasks.js';
import type { EnqueueResult, ListFilter, ListPage, NextDue, PurgeCursor, StoreStats, WriteResult } from '../store/task-store.js';
import type { BrokerStore, MaybePromise } from './broker-store.js';
import { DueTimer } from './due-timer.js';
import { ConnectedWorkers } from './connected-workers.js';
import { LeaseWaiters } from './lease-waiters.js';
import { TaskEvents } from './task-events.js';
import type { TaskObserver } from './task-observer.js';
import { TaskWatchers, type TaskWatchersOptions } from './task-watchers.js';

export { DEFAULT_WATCH_STALL_MS } from './task-watchers.js';

/** Due tasks and expired leases are handled in batches of this size, one commit each. */
const DUE_BATCH = 1000;
/**
 * Expired tasks are removed in batches of this size, one commit each, the event loop free between
 * them: a removal reads the record and deletes two or three keys (a batch, its commit included,
 * took 5–7 ms at the median and 18–28 ms at worst here, sweeping 50,000 expired tasks).
 */
const SWEEP_BATCH = 500;
/** A purge removes tasks in batches of this size, one commit each. */
const PURGE_BATCH = 500;
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
  /**
   * Wall and steady time (see `domain/clock.ts`): pass the store's own clock, so that both read
   * the same steady time. A single function drives both (a fake clock in tests). Default: the
   * system's clocks.
   */
  clock?: Clock | (() => number);
  /** Where unexpected background errors are reported. Default: the process's logger (`logger.ts`). */
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
  /** Told of the tasks enqueued, dispatched and settled (metrics). */
  observer?: TaskObserver;
}

/** What {@link Broker.stats} reports: the store's counts and the core's in-memory state. */
export interface BrokerStats extends StoreStats {
  /** Tasks with at least one `WatchResult` stream open. */
  watchedTasks: number;
  /** `WatchResult` streams open. */
  watchers: number;
  /** Workers connected on Work streams (see {@link ConnectedWorkers}). */
  connectedWorkers: number;
  /** Credit those workers granted and the broker has not used: tasks they would take now. */
  workerCredit: number;
}

/** One lease attempt's tasks, and whether it stopped at a key's cap (see `dispatch-gate.ts`). */
interface LeaseAttempt {
  value: TaskRecord[];
  holdCapHit: boolean;
}

/** What became of a parked lease's hand-over (see Broker.handOver): tasks handed over, or a failure. */
interface HandOverState {
  done: boolean;
  failure?: { error: unknown };
  /** Set when the store leases in the enqueue's own statement: settles once the tasks were handed over (or none were). */
  pending?: Promise<void>;
}

/** The broker's operations, one per RPC, on domain types. */
export class Broker {
  private readonly waiters = new LeaseWaiters();
  /** The workers on Work streams, for the gauges (a session registers itself). */
  readonly workers = new ConnectedWorkers();
  private readonly events = new TaskEvents();
  private readonly watchers: TaskWatchers;
  private readonly dueTimer: DueTimer;
  /** Aborted by shutdown(); every open watch listens to it, hence no listener limit. */
  private readonly closing = withoutListenerLimit(new AbortController());
  private readonly clock: Clock;
  private readonly logError: (message: string, error: unknown) => void;
  private readonly maxPendingWrites: number;
  private readonly observer: TaskObserver | undefined;
  private dueWorkRunning = false;

  constructor(
    private readonly store: BrokerStore,
    options: BrokerOptions = {},
  ) {
    this.clock = toClock(options.clock);
    this.logError = options.logError ?? ((message, error) => logger.error({ err: error }, message));
    this.maxPendingWrites = options.maxPendingWrites ?? DEFAULT_MAX_PENDING_WRITES;
    this.handoff = {
      ready: (readyCounts) => this.waiters.signal(readyCounts, true),
      offer: (readyCounts) => this.waiters.signal(readyCounts, 'takers'),
      committed: (changed, batch) => this.enqueueCommitted(changed, batch),
      acknowledged: (tasks, batch) => {
        for (const task of tasks) this.events.publish(task);
        // Leases handed over as the tasks were put in line waited for their NEW state: now.
        if (batch.leased.length > 0) this.afterCommit(batch.leased.splice(0));
      },
      maxPendingWrites: this.maxPendingWrites,
    };
    this.observer = options.observer;
    this.watchers = new TaskWatchers({
      read: (taskId) => this.store.get(taskId),
      events: this.events,
      closing: this.closing.signal,
      stallMs: options.watchStallMs,
      monotonicClock: () => this.clock.steadyMs(),
      ...options.watchLimits,
    });
    this.dueTimer = new DueTimer(() => void this.runDueWork(), () => this.clock.steadyMs());
    // Work that fell due while the broker was down is picked up at once.
    void this.aimAtNextDue();
    store.followOthers?.({
      ready: (queue, count) => this.waiters.signal(new Map([[queue, count]])),
      changed: (taskIds) => void this.othersChanged(taskIds),
      missed: () => void this.othersChanged([...this.events.listenedTasks()]),
    });
  }

  /** Aims the due timer at the store's next due work (a failed read: tried again a moment later). */
  private async aimAtNextDue(): Promise<void> {
    let atMs: number | undefined;
    try {
      atMs = this.steadyTimeOf(await this.store.nextDue());
    } catch (error) {
      if (this.closing.signal.aborted) return;
      this.logError('qtasks-broker: reading the next due time failed; retrying', error);
      atMs = this.clock.steadyMs() + DUE_RETRY_MS;
    }
    if (!this.closing.signal.aborted) this.dueTimer.aimNoLaterThan(atMs ?? Infinity);
  }

  /**
   * Another broker sharing the store moved these tasks: those someone here listens to are read
   * again and published (their listeners skip a version they have). Their readiness came on its
   * own (`followOthers`' `ready`), so only watchers and the due timer hear of them here.
   */
  private async othersChanged(taskIds: readonly string[]): Promise<void> {
    const heard = taskIds.filter((id) => this.events.isListened(id));
    if (heard.length === 0) return;
    try {
      const found = new Set<string>();
      for (const task of await this.peekTasks(heard)) {
        found.add(task.id);
        this.events.publish(task);
      }
      // Removed before this broker read it (a purge, a retention's end): its watchers end, NOT_FOUND.
      for (const id of heard) if (!found.has(id)) this.events.publishGone(id);
    } catch (error) {
      if (!this.closing.signal.aborted) this.logError('qtasks-broker: reading tasks another broker moved failed', error);
    }
  }

  /**
   * Stores tasks atomically; resolves once they are durable.
   *
   * @throws OverloadedError when too many writes are in flight (see {@link admitEnqueue})
   */
  async enqueue(tasks: readonly NewTask[]): Promise<TaskRecord[]> {
    this.assertOpen();
    this.admitEnqueue(tasks.length);
    // Once committed, the ready tasks are in their lines and parked Leases of their queues wake
    // (afterCommit): a lease is taken in memory, so a waiting worker gets the task without a
    // commit of its own, and the enqueue may commit alone, synchronously (store/commits.ts). In
    // `commit` mode a lone enqueue's tasks are in line before that, and their workers woken now,
    // so that the push leaves ahead of the enqueue's fsync (store/early-tasks.ts, `handoff`).
    let result: EnqueueResult;
    try {
      result = await this.store.enqueue(tasks, this.handoff);
    } catch (error) {
      // Tasks handed out before a commit that failed were taken back: a limit their leases held
      // closed may have opened (store/early-tasks.ts).
      this.wakeOpenedQueues();
      throw error;
    }
    const { value, changed, early } = result;
    if (!early) this.enqueueCommitted(changed);
    await this.store.durable();
    return value;
  }

  /** What an enqueue's tasks handed out before its commit need of the core (see `store/early-tasks.ts`). */
  private readonly handoff: EarlyHandoff;

  /**
   * Tells waiters, watchers, the due timer and the observer of committed new tasks; and, for tasks
   * handed out before the commit, of the leases taken of them meanwhile, after their NEW state.
   */
  private enqueueCommitted(changed: readonly TaskRecord[], early?: EarlyBatch): void {
    this.afterCommit(changed, early?.ids, !early?.acknowledged);
    if (early) this.afterCommit(early.leased);
    this.observer?.enqueued(changed);
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
   *
   * @param handOver - given, the tasks taken while parked as an enqueue puts them in line are
   *   handed to it synchronously, in the enqueue's own turn (see LeaseWaiters), and the call then
   *   resolves with none: a Work stream's push leaves ahead of the enqueue's answer
   */
  async lease(options: LeaseOptions, waitMs: number, signal: AbortSignal, handOver?: (tasks: TaskRecord[]) => void): Promise<TaskRecord[]> {
    const deadlineMs = this.clock.steadyMs() + waitMs;
    for (;;) {
      this.assertOpen();
      const generation = this.waiters.generation(options.queues);
      const { value, holdCapHit } = await this.takeReady(options);
      // A key's backlog held aside took this call's share: with nothing got, go on in the next
      // turn rather than sleep (tasks of other keys may wait behind it).
      if (holdCapHit && value.length === 0 && !signal.aborted) {
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      // The caller went away: no one will ever see these tasks, so give them back now rather than
      // leave them to their lease deadline (and an attempt lost).
      if (signal.aborted && value.length > 0) return this.releaseUndelivered(value);
      const remainingMs = deadlineMs - this.clock.steadyMs();
      if (value.length > 0 || remainingMs <= 0 || signal.aborted) return value;
      // A task became ready while the attempt was in flight: try again instead of sleeping.
      if (this.waiters.generation(options.queues) !== generation) continue;
      const handing: HandOverState = { done: false };
      const take = handOver ? (): void => this.handOver(options, handOver, handing) : undefined;
      if ((await this.waiters.wait(options.queues, options.maxTasks, remainingMs, signal, take)) !== 'ready') return [];
      if (handing.pending) await handing.pending;
      if (handing.failure) throw handing.failure.error;
      if (handing.done) return [];
    }
  }

  /**
   * A parked lease's take, run inside the enqueue that signalled (see LeaseWaiters): leases and
   * hands the tasks over. Never throws into that enqueue, whose write is not issued yet: a failure
   * gives back what was leased, a microtask later, and fails the parked call; the store issues
   * that give-back's write after the enqueue's (see TaskStore.letPushesLeave).
   * A store that answers a lease later takes the tasks in the enqueue's own statement (PostgreSQL):
   * they are handed over once it commits (see {@link handOverCommitted}).
   */
  private handOver(options: LeaseOptions, handOver: (tasks: TaskRecord[]) => void, handing: HandOverState): void {
    let tasks: readonly TaskRecord[] = [];
    try {
      const taken = this.store.lease(options);
      if (taken instanceof Promise) return this.handOverCommitted(options, taken, handOver, handing);
      tasks = taken.value;
      // With nothing got (a key's cap held its share too), the parked call's loop tries again.
      const { value } = this.leased(options, taken);
      if (value.length === 0) return;
      handing.done = true;
      handOver(value);
    } catch (error) {
      handing.failure = { error };
      const leases = leasesOf(tasks);
      if (leases.length > 0) queueMicrotask(() => void this.release(leases).catch(() => undefined));
    }
  }

  /**
   * The hand-over of a store that leases in the enqueue's own statement: the parked call returns
   * once the tasks leased there (none, if the statement failed) went to `handOver`, and its
   * caller leases again. The enqueue's commit published their states (`EarlyHandoff.committed`).
   */
  private handOverCommitted(options: LeaseOptions, taken: Promise<WriteResult<TaskRecord[]>>, handOver: (tasks: TaskRecord[]) => void, handing: HandOverState): void {
    handing.done = true;
    let tasks: readonly TaskRecord[] = [];
    handing.pending = taken
      .then((result) => {
        tasks = this.leased(options, result).value;
        if (tasks.length > 0) handOver([...tasks]);
      })
      .catch((error: unknown) => {
        handing.failure = { error };
        const leases = leasesOf(tasks);
        if (leases.length > 0) void this.release(leases).catch(() => undefined);
      });
  }

  /** One lease attempt: takes ready tasks, and tells watchers, the timer and the observer. */
  private takeReady(options: LeaseOptions): MaybePromise<LeaseAttempt> {
    const leased = this.store.lease(options);
    return leased instanceof Promise ? leased.then((result) => this.leased(options, result)) : this.leased(options, leased);
  }

  /**
   * What a lease attempt tells: the tasks, and whether it stopped at a key's cap. The store's flag
   * is read here, in the attempt's own run: after an `await`, another caller's attempt could have
   * read (and cleared) it.
   */
  private leased(options: LeaseOptions, { value, changed }: WriteResult<TaskRecord[]>): LeaseAttempt {
    const holdCapHit = this.store.gate.takeHoldCapHit();
    this.afterCommit(changed);
    if (value.length > 0) this.observer?.dispatched(value);
    // Parked callers wake only as many as the ready tasks need: one that took a full load may
    // have left some behind, for callers still asleep (see LeaseWaiters).
    if (value.length === options.maxTasks) this.waiters.passOn(options.queues);
    return { value, holdCapHit };
  }

  /**
   * The wall time a steady time of this broker (a lease deadline) falls at, as the wall clock
   * reads now: what clients, which know only wall clocks, are told.
   */
  wallTimeOf(steadyMs: number): number {
    return wallTimeOf(this.clock, steadyMs);
  }

  private async releaseUndelivered(tasks: readonly TaskRecord[]): Promise<TaskRecord[]> {
    await this.release(leasesOf(tasks));
    return [];
  }

  /**
   * Gives back leased tasks that never reached their worker: ready at once, the attempt not
   * counted. Not flushed: a release lost in a crash only means the lease runs out instead.
   */
  async release(leases: readonly HeldLease[]): Promise<void> {
    const { changed } = await this.store.complete(leases.map(({ taskId, leaseToken }) => ({ taskId, leaseToken, outcome: { kind: 'released' as const } })));
    this.afterCommit(changed);
  }

  /** Extends valid leases and reports cancel requests; each item is answered on its own. */
  async heartbeat(items: readonly HeartbeatItem[], extendMs: number): Promise<HeartbeatResult[]> {
    this.assertOpen();
    const results = await this.store.heartbeat(items, extendMs);
    // A short `extendMs` can bring a deadline forward; the timer must not sleep past it.
    // Deadlines are steady times, like the timer's.
    // (A deadline moved later only makes the timer wake early, find nothing, and sleep again.)
    for (const result of results) {
      if (result.leaseDeadlineMs !== undefined) this.dueTimer.aimNoLaterThan(result.leaseDeadlineMs);
    }
    return results;
  }

  /** Records outcomes, each fenced by its lease token; resolves once the accepted ones are durable. */
  async complete(completions: readonly Completion[]): Promise<CompletionResult[]> {
    this.assertOpen();
    const { value, changed, committed } = await this.store.complete(completions);
    this.afterCommit(changed);
    this.observer?.settled(changed);
    // Answered from the ack log: the leases end at the commit, and a limit they held opens then.
    if (committed) void committed.then(() => this.afterCommit([]));
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

  /** Cancels a task (see {@link BrokerStore.cancel}); resolves once the change is durable. */
  async cancel(taskId: string, reason: string): Promise<TaskRecord> {
    this.assertOpen();
    const { value, changed } = await this.store.cancel(taskId, reason);
    this.afterCommit(changed);
    await this.store.durable();
    return value;
  }

  /**
   * Runs an ended task (ERROR or CANCEL) again, with a fresh retry budget; resolves once durable.
   *
   * @throws TaskNotFoundError for an unknown id
   * @throws IllegalTransitionError (FAILED_PRECONDITION) for a task in another status
   */
  async retryTask(taskId: string): Promise<TaskRecord> {
    this.assertOpen();
    const { value, changed } = await this.store.retry(taskId);
    this.afterCommit(changed);
    await this.store.durable();
    return value;
  }

  /** Removes the tasks of `queue` in `statuses` (never running ones), batch by batch; resolves with how many, once durable. */
  async purgeQueue(queue: string, statuses: readonly TaskStatus[]): Promise<number> {
    let purged = 0;
    const cursor: PurgeCursor = { tried: new Set() };
    for (;;) {
      this.assertOpen();
      const { value, changed } = await this.store.purge(queue, statuses, PURGE_BATCH, cursor);
      this.afterCommit(changed);
      purged += value.removed;
      if (value.done) break;
    }
    await this.store.durable();
    return purged;
  }

  /** Stops `queue` from handing out tasks, durably. */
  async pauseQueue(queue: string): Promise<QueueInfo> {
    this.assertOpen();
    await this.store.settings.setPaused(queue, true);
    return this.queueInfo(queue);
  }

  /** Lets `queue` hand out tasks again, durably; waiting workers get its ready tasks at once. */
  async resumeQueue(queue: string): Promise<QueueInfo> {
    this.assertOpen();
    await this.store.settings.setPaused(queue, false);
    // The queue as resumed, read before its waiting workers are woken to take its tasks (woken
    // whether or not the read succeeds).
    try {
      return await this.queueInfo(queue);
    } finally {
      await this.wakeWaitersOf(queue);
    }
  }

  /** Replaces the limits of `queue`, durably; workers waiting on it try again. */
  async setQueueLimits(queue: string, limits: QueueLimits): Promise<QueueLimits> {
    this.assertOpen();
    await this.store.setQueueLimits(queue, limits);
    this.wakeOpenedQueues();
    return this.store.settings.limitsOf(queue);
  }

  /** The limits of `queue`. */
  getQueueLimits(queue: string): QueueLimits {
    this.assertOpen();
    return this.store.settings.limitsOf(queue);
  }

  /** Every queue that holds a task or has settings, in name order (code points, as ListTasks orders them). */
  async listQueues(): Promise<QueueInfo[]> {
    this.assertOpen();
    const figures = await this.store.queueFigures();
    const names = new Set([...figures.keys(), ...this.store.settings.names()]);
    return [...names].sort(byCodePoint).map((name) => this.queueInfoOf(name, figures.get(name)));
  }

  /** One queue's state. */
  async queueInfo(name: string): Promise<QueueInfo> {
    return this.queueInfoOf(name, (await this.store.queueFigures(name)).get(name));
  }

  /** A queue's state from its figures (none: it holds no task). */
  private queueInfoOf(name: string, figures: QueueFigures | undefined): QueueInfo {
    const readySinceMs = figures?.oldestReadySinceMs;
    return {
      name,
      counts: figures?.counts ?? zeroCounts(),
      paused: this.store.settings.isPaused(name),
      limits: this.store.settings.limitsOf(name),
      oldestReadyAgeMs: readySinceMs === undefined ? 0 : Math.max(0, this.clock.wallMs() - readySinceMs),
      completedLastMinute: figures?.endedLastMinute ?? 0,
    };
  }

  /** Wakes the workers of the queues a limit had closed and that have room again (see `dispatch-gate.ts`). */
  private wakeOpenedQueues(): void {
    for (const queue of this.store.gate.takeWoken()) void this.wakeWaitersOf(queue);
  }

  /**
   * Wakes the workers waiting on `queue`, as an enqueue of its ready tasks would. Never rejects:
   * when the count cannot be read (the database away), they are woken anyway (one that finds
   * nothing parks again).
   */
  private async wakeWaitersOf(queue: string): Promise<void> {
    let ready: number;
    try {
      ready = await this.store.readyCount(queue);
    } catch {
      ready = 1;
    }
    if (ready > 0) this.waiters.signal(new Map([[queue, ready]]));
  }

  /**
   * The tasks of these ids that exist, also while shutting down: read at once from a store that
   * holds them in memory, else in one query (a push's tasks, not one query each).
   */
  peekTasks(taskIds: readonly string[]): MaybePromise<TaskRecord[]> {
    if (this.store.getMany) return this.store.getMany(taskIds);
    const tasks: TaskRecord[] = [];
    const pending: Promise<TaskRecord | undefined>[] = [];
    for (const taskId of taskIds) {
      const task = this.store.get(taskId);
      if (task instanceof Promise) pending.push(task);
      else if (task) tasks.push(task);
    }
    if (pending.length === 0) return tasks;
    return Promise.all(pending).then((read) => [...tasks, ...read.filter((task) => task !== undefined)]);
  }

  /** The task with this id. @throws TaskNotFoundError */
  async getTask(taskId: string): Promise<TaskRecord> {
    this.assertOpen();
    const task = await this.store.get(taskId);
    if (!task) throw new TaskNotFoundError(taskId);
    return task;
  }

  /**
   * Calls `listener` with each committed state of the task from now on; returns the unsubscribe.
   * For a worker session's cancel pushes: unlike {@link watch}, no limits apply, so the caller
   * bounds its subscriptions by the tasks it holds.
   */
  onTransition(taskId: string, listener: (task: TaskRecord) => void): () => void {
    return this.events.subscribe(taskId, listener);
  }

  /**
   * Calls `listener` with each committed state of every task from now on; returns the
   * unsubscribe. For the dashboard's live views, which coalesce what they hear and bound what
   * they keep (`dashboard/live-feed.ts`): the listener must return at once.
   */
  onEveryTransition(listener: (task: TaskRecord) => void): () => void {
    return this.events.subscribeAll(listener);
  }

  /** Aborted when the broker shuts down: long-lived sessions end on it. */
  get closingSignal(): AbortSignal {
    return this.closing.signal;
  }

  /** Counts for operators; O(1) on LMDB, safe to call on a loaded broker. */
  async stats(): Promise<BrokerStats> {
    return {
      ...(await this.store.stats()),
      watchedTasks: this.events.watchedTasks,
      watchers: this.watchers.open,
      connectedWorkers: this.workers.count,
      workerCredit: this.workers.credit,
    };
  }

  /**
   * A page of tasks. Read once the writes answered from the ack log have committed (a moment, and
   * only when some are pending), so that a caller lists what it was told is stored.
   */
  async listTasks(filter: ListFilter): Promise<ListPage> {
    this.assertOpen();
    await this.store.answeredCommitted();
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
   * Tells waiters, watchers and the due timer what a commit (or a lease in memory) changed.
   *
   * @param signalled - tasks whose waiters were woken already (put in line before their commit)
   * @param publish - false when watchers heard of `changed` already (an Enqueue answered from the ack log)
   */
  private afterCommit(changed: readonly TaskRecord[], signalled?: ReadonlySet<string>, publish = true): void {
    this.wakeOpenedQueues();
    // A rate limit keeps tasks waiting: the timer wakes when its window opens, to hand them out.
    if (this.store.gate.takeRateRefused()) this.dueTimer.aimNoLaterThan(this.store.nextLimitOpeningMs() ?? Infinity);
    if (changed.length === 0) return;
    const readyCounts = new Map<string, number>();
    let delayedUntilMs = Infinity;
    let leaseDeadlineMs = Infinity;
    for (const task of changed) {
      if (publish) this.events.publish(task);
      if (task.status === 'new' || task.status === 'retry') {
        // A task ready now is for the waiters, never for the due timer: aiming the timer at it
        // ran the due work (promote, reap) on every Enqueue.
        if (task.delayed) delayedUntilMs = Math.min(delayedUntilMs, task.runAtMs ?? 0);
        else if (!signalled?.has(task.id)) readyCounts.set(task.queue, (readyCounts.get(task.queue) ?? 0) + 1);
      } else if (task.lease) {
        leaseDeadlineMs = Math.min(leaseDeadlineMs, task.lease.deadlineMs);
      } else if (isFinalStatus(task.status)) {
        // Its retention runs from now: the sweep must wake by then (a retention of 0 removed it already).
        delayedUntilMs = Math.min(delayedUntilMs, this.store.expiresAtMs(task) ?? Infinity);
      }
    }
    if (readyCounts.size > 0) this.waiters.signal(readyCounts);
    const dueMs = this.steadyTimeOf({ wallMs: delayedUntilMs, steadyMs: leaseDeadlineMs });
    if (dueMs !== undefined) this.dueTimer.aimNoLaterThan(dueMs);
  }

  /**
   * The steady time at which the earlier of a wall time (an eta) and a steady time (a lease
   * deadline) falls, as the clocks read now. A wall clock stepped later does not move the timer
   * aimed by this; the due work itself reads both clocks afresh (see docs/decisions.md).
   */
  private steadyTimeOf(due: NextDue): number | undefined {
    const fromWall = due.wallMs === undefined ? Infinity : due.wallMs - this.clock.wallMs() + this.clock.steadyMs();
    const earliest = Math.min(fromWall, due.steadyMs ?? Infinity);
    return earliest === Infinity ? undefined : earliest;
  }

  /** Promotes due tasks, reaps expired leases and removes expired ended tasks, batch by batch, then re-aims the timer. */
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
        this.observer?.settled(reaped.changed);
        const swept = await this.store.sweepExpired(SWEEP_BATCH);
        this.store.releaseLimited();
        this.wakeOpenedQueues();
        // On a shared store, rows another broker's lease locked and then rolled back (its broker
        // killed mid-lease) are ready again with no notification: parked workers look at each turn.
        if (this.store.followOthers) for (const queue of [...this.waiters.parkedQueues()]) await this.wakeWaitersOf(queue);
        if (promoted.value < DUE_BATCH && reaped.value < DUE_BATCH && swept.value < SWEEP_BATCH) break;
      }
      nextAtMs = this.steadyTimeOf(await this.store.nextDue());
    } catch (error) {
      if (this.closing.signal.aborted) return;
      this.logError('qtasks-broker: due work failed; retrying', error);
      nextAtMs = this.clock.steadyMs() + DUE_RETRY_MS;
    } finally {
      this.dueWorkRunning = false;
    }
    // No later than: a sooner time aimed at while the work ran (a new lease, an eta) stands.
    if (!this.closing.signal.aborted) this.dueTimer.aimNoLaterThan(nextAtMs ?? Infinity);
  }

  private assertOpen(): void {
    if (this.closing.signal.aborted) throw new ShuttingDownError();
  }
}

/** Lifts Node's warning threshold of 10 listeners from a signal that many calls listen to. */
function withoutListenerLimit(controller: AbortController): AbortController {
  setMaxListeners(0, controller.signal);
  return controller;
}
