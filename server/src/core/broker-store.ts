/**
 * What the core needs of a store: the seam between `core/` and `store/` (issue 14). The broker is
 * written against this interface, never against a store's class, so that a second store can stand
 * behind it. The LMDB store (`store/task-store.ts`) keeps it as it is (checked where the broker is
 * made, structurally: the store does not import the core).
 *
 * The lease, heartbeats, progress and reads may answer now or later ({@link MaybePromise}): LMDB
 * and the store's memory answer at once, a store over PostgreSQL (`store/postgres/`) with queries,
 * and the core awaits either (measured in the ninth sitting: awaiting the lease costs nothing
 * visible). Settings and the dispatch gate answer synchronously: both stores keep them in memory
 * (PostgreSQL's kept current across brokers by `NOTIFY`). Each member says what the core uses it
 * for, not how a store does it.
 *
 * A store that several brokers share tells the core of the others' writes ({@link
 * BrokerStore.followOthers}): the core wakes its parked workers and its watchers as it does for
 * its own.
 */
import type { QueueLimits } from '../domain/queue.js';
import type {
  Completion,
  CompletionResult,
  HeartbeatItem,
  HeartbeatResult,
  LeaseOptions,
  NewTask,
  ProgressItem,
  ProgressResult,
  TaskRecord,
  TaskStatus,
} from '../domain/task.js';
import type { EarlyHandoff } from '../store/early-tasks.js';
import type { QueueFigures } from '../store/queue-counts.js';
import type { EnqueueResult, ListFilter, ListPage, NextDue, PurgeBatch, PurgeCursor, StoreStats, WriteResult } from '../store/task-store.js';

/** A value now, or later: what a store may answer with where the core awaits either. */
export type MaybePromise<T> = T | Promise<T>;

/** The tasks of the store: the verbs of the state machine and the reads of the calls. */
export interface BrokerStore {
  /** Stores new tasks atomically; `handoff` lets a store hand them out before their commit. */
  enqueue(newTasks: readonly NewTask[], handoff?: EarlyHandoff): Promise<EnqueueResult>;
  /**
   * Leases ready tasks, best first. Called inside an enqueue's `handoff.ready` (a hand-over to a
   * parked worker), a store answers synchronously if it takes tasks in memory (LMDB), or with a
   * promise settled once the enqueue's own statement, which takes them, committed (PostgreSQL).
   */
  lease(options: LeaseOptions): MaybePromise<WriteResult<TaskRecord[]>>;
  /** Extends valid leases; not a transition. */
  heartbeat(items: readonly HeartbeatItem[], extendMs: number): MaybePromise<HeartbeatResult[]>;
  /** Records progress of leased tasks, each fenced by its lease token. */
  reportProgress(items: readonly ProgressItem[]): MaybePromise<WriteResult<ProgressResult[]>>;
  /** Records outcomes (and give-backs), each fenced by its lease token. */
  complete(completions: readonly Completion[]): Promise<WriteResult<CompletionResult[]>>;
  /** Cancels a task, or asks its worker to. */
  cancel(taskId: string, reason: string): Promise<WriteResult<TaskRecord>>;
  /** Runs an ended task again. */
  retry(taskId: string): Promise<WriteResult<TaskRecord>>;
  /** Removes tasks of a queue in some statuses, a batch at a time. */
  purge(queue: string, statuses: readonly TaskStatus[], limit: number, cursor?: PurgeCursor): Promise<WriteResult<PurgeBatch>>;

  /** Puts delayed tasks that fell due in line (the due work). */
  promoteDue(limit: number): Promise<WriteResult<number>>;
  /** Ends expired leases (the due work). */
  reapExpiredLeases(limit: number): Promise<WriteResult<number>>;
  /** Removes ended tasks whose retention ran out (the due work). */
  sweepExpired(limit: number): Promise<WriteResult<number>>;
  /** When the due work must run next. */
  nextDue(): MaybePromise<NextDue>;
  /** When an ended task expires (wall time), if it does. */
  expiresAtMs(task: TaskRecord): number | undefined;

  /** A task as it stands, or undefined. */
  get(taskId: string): MaybePromise<TaskRecord | undefined>;
  /** Several tasks as they stand, in one read where the store can (those not found are left out). */
  getMany?(taskIds: readonly string[]): Promise<TaskRecord[]>;
  /** A page of tasks. */
  list(filter: ListFilter): MaybePromise<ListPage>;
  /** Tasks ready in a queue now (to wake that many parked workers). */
  readyCount(queue: string): MaybePromise<number>;
  /**
   * Every queue that holds a task (or saw one end in the last minute) with its figures; only
   * `queue` when given (absent from the map when it holds none).
   */
  queueFigures(queue?: string): MaybePromise<Map<string, QueueFigures>>;
  /** The store's figures for the gauges. */
  stats(): MaybePromise<StoreStats>;
  /**
   * Tells `listener` of the writes of other brokers sharing the store, from now on; a store only
   * one broker writes has none to tell of and leaves this out.
   */
  followOthers?(listener: OtherBrokersListener): void;

  /** Resolves once the writes acknowledged so far are as durable as the mode promises. */
  durable(): Promise<void>;
  /** Settles once writes answered before their commit have committed; undefined when none wait. */
  answeredCommitted(): Promise<unknown> | undefined;
  /** Task writes in flight (admission of Enqueues). */
  readonly pendingWrites: number;
  /** How long commits take lately, in ms (the retry hint of a refusal). */
  readonly recentCommitLatencyMs: number;

  /** Sets a queue's limits. */
  setQueueLimits(queue: string, limits: QueueLimits): Promise<void>;
  /** Lets tasks that limits held aside go, as limits opened. */
  releaseLimited(): void;
  /** When a rate limit's window opens next, if one holds tasks back. */
  nextLimitOpeningMs(): number | undefined;

  /** Pause and limits, per queue. */
  readonly settings: {
    isPaused(queue: string): boolean;
    setPaused(queue: string, paused: boolean): Promise<void>;
    limitsOf(queue: string): QueueLimits;
    names(): Iterable<string>;
  };
  /** What the dispatch gate (the queue limits) tells the core after a lease or a commit. */
  readonly gate: {
    /** A lease stopped at the cap of tasks a key's limit holds aside: go on in a later turn. */
    takeHoldCapHit(): boolean;
    /** A rate limit refused a task: aim the timer at its window's opening. */
    takeRateRefused(): boolean;
    /** Queues whose limits opened: wake their workers. */
    takeWoken(): string[];
  };
}

/** What {@link BrokerStore.followOthers} tells: writes another broker committed. */
export interface OtherBrokersListener {
  /** `count` tasks became ready in `queue`: wake that many parked workers. */
  ready(queue: string, count: number): void;
  /** These tasks moved: their watchers read them again. */
  changed(taskIds: readonly string[]): void;
  /**
   * What the others wrote for a while was not heard (the store's connection was lost): every task
   * listened to is read again. (Ready tasks are announced by the store, with `ready`.)
   */
  missed(): void;
}
