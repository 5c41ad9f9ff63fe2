/**
 * The task store on PostgreSQL (issue 14), for several brokers sharing one database: what any
 * broker stores, every broker reads, and each write is one transaction of the database, not of a
 * broker's memory. The same domain transitions as the LMDB store (`domain/transitions/`), behind
 * the same seam to the core (`core/broker-store.ts`); docs/decisions.md ("Outgrowing one machine")
 * says where the two differ.
 *
 * The verbs: enqueue (batched, idempotency keys held by a unique index), get, lease (a batch taken
 * with `FOR UPDATE SKIP LOCKED`, best first), complete, heartbeat and progress (batches, each item
 * fenced by its lease token, written in one statement), cancel, retry, purge, pause, list, and the
 * due work that brokers share (promote delayed tasks, reap expired leases, sweep expired ones,
 * with `SKIP LOCKED`). Every write tells the other brokers what it changed with `NOTIFY`, at its
 * commit (`notifications.ts`): the core hears of theirs ({@link PgTaskStore.followOthers}) as of
 * its own. Counts and due times are queries (`pg-figures.ts`); pause and limits are rows, kept in
 * each broker's memory too (`pg-queue-settings.ts`).
 *
 * Pause and the queue limits hold across brokers: pause is a row every lease query reads, and a
 * lease of a limited queue counts what runs and what started under the queue's advisory lock
 * (`pg-limited-lease.ts`).
 *
 * An ended task whose retention is 0 stays {@link REMOVED_AT_END_GRACE_MS} (LMDB removes it at its
 * end): the watchers on other brokers read how it ended from its row, which must still be there.
 *
 * Times. Lease deadlines are in the brokers' wall time, not a broker's steady clock as on LMDB: a
 * lease taken through one broker is fenced and reaped by others, so the brokers' clocks must agree
 * (NTP), as River's and Hatchet's do. FIFO places (`seq`) come from the same clock, in
 * microseconds plus a counter: ordering across brokers is as good as their clocks' agreement,
 * and costs no round trip to a database sequence.
 */
import postgres, { type ArrayParameter, type ParameterOrJSON, type Sql, type TransactionSql } from 'postgres';
import type { QueueLimits } from '../../domain/queue.js';
import { InvalidArgumentError, OverloadedError, TaskNotFoundError } from '../../domain/errors.js';
import { sameRequestOrThrow } from '../../domain/idempotency.js';
import { cancelTask } from '../../domain/transitions/cancel.js';
import { settle } from '../../domain/transitions/complete.js';
import type { TransitionContext } from '../../domain/transitions/context.js';
import { enqueueTask } from '../../domain/transitions/enqueue.js';
import { expireLease } from '../../domain/transitions/expire.js';
import { extendLease } from '../../domain/transitions/heartbeat.js';
import { leaseRefusal } from '../../domain/transitions/lease-fence.js';
import { leaseTask } from '../../domain/transitions/lease.js';
import { recordProgress } from '../../domain/transitions/progress.js';
import { promoteTask } from '../../domain/transitions/promote.js';
import { replayTask } from '../../domain/transitions/replay.js';
import {
  countByQueue,
  isFinalStatus,
  isReady,
  replyMeter,
  type Completion,
  type CompletionResult,
  type HeartbeatItem,
  type HeartbeatResult,
  type HeldLease,
  type LeaseOptions,
  type NewTask,
  type ProgressItem,
  type ProgressResult,
  type TaskRecord,
  type TaskStatus,
} from '../../domain/task.js';
import { newLeaseToken, newTaskId } from '../ids.js';
import type { QueueFigures } from '../queue-counts.js';
import { DEFAULT_RETENTION, expiryOf, removedAtEnd, type RetentionPolicy } from '../retention.js';
import type { EarlyHandoff } from '../early-tasks.js';
import type { EnqueueResult, ListCursor, ListFilter, ListPage, NextDue, PurgeBatch, StoreStats, WriteResult } from '../task-store.js';
import { migrate } from './migrations.js';
import {
  announceReadyTasks,
  CHANGED_CHANNEL,
  newOrigin,
  notificationsOf,
  parseChanged,
  parseReady,
  READY_CHANNEL,
  readyNotifications,
  readyNotificationsOf,
  type ChangedTask,
  type Notifications,
} from './notifications.js';
import { nextDue, queueFigures, readyCount, SEQ_PER_MS, storeStats } from './pg-figures.js';
import { isLimited, opensAtEnd, RateOpenings, recordStarts, takeLimited } from './pg-limited-lease.js';
import { HandOut } from './pg-hand-out.js';
import { PgQueueSettings } from './pg-queue-settings.js';
import { issued, transaction } from './pg-transaction.js';
import { columnOf, decodeRecord, TASK_COLUMN_NAMES, TASK_COLUMNS } from './task-rows.js';

/** How a {@link PgTaskStore} is opened. */
export interface PgTaskStoreOptions {
  /** `postgres://user:password@host:port/database`. */
  url: string;
  /** Connections in the pool. @defaultValue 10 */
  poolSize?: number;
  /** How long ended tasks stay. @defaultValue {@link DEFAULT_RETENTION} */
  retention?: RetentionPolicy;
  /** Wall clock, epoch ms (tests move it). @defaultValue Date.now */
  now?: () => number;
}

/** Told of the writes of every broker on the database (see {@link PgTaskStore.listen}). */
export interface StoreListener {
  /** `count` tasks became ready in `queue`; `origin` marks the broker that wrote it (`notifications.ts`). */
  ready(queue: string, count: number, origin: string): void;
  /** These tasks moved; their records are in the database. */
  changed(tasks: ChangedTask[], origin: string): void;
}

/** Told of other brokers' writes (the core's `OtherBrokersListener`, kept by shape: the store does not import the core). */
export interface OtherBrokersListener {
  ready(queue: string, count: number): void;
  changed(taskIds: readonly string[]): void;
  missed(): void;
}

/** A keyed enqueue whose key's holder vanishes under it this many times in a row gives up. */
const MAX_KEYED_ATTEMPTS = 3;
/** The retry hint it then gives the client. */
const HOLDER_GONE_RETRY_MS = 100;

/** The task holding an idempotency key was removed while a keyed enqueue looked for it: try again. */
class HolderGone extends Error {
  constructor() {
    super('the task holding an idempotency key was removed meanwhile');
  }
}

/**
 * For the statements built as text (`sql.unsafe`), which the driver would otherwise parse and
 * describe on every call, a round trip more each: their texts come in a few shapes only (the
 * parts a write has), so each is prepared once per connection.
 */
const PREPARED = { prepare: true } as const;

/**
 * How long an ended task with a retention of 0 stays, so that other brokers' watchers read its end
 * (they hear of it by `NOTIFY` and read the row).
 */
export const REMOVED_AT_END_GRACE_MS = 5_000;

/**
 * The longest the due timer sleeps: due work another broker made (a delayed task, a lease) is
 * that broker's timer's, and this one's only if that broker dies, which nothing announces.
 */
const OTHERS_DUE_CHECK_MS = 1_000;

/** Rows a ListTasks reads at a time (a page stops at its byte budget, however large its tasks). */
const LIST_BATCH = 4;

/** The origin of `NOTIFY`s every broker hears, this one's included (ready tasks a lease left). */
const EVERY_BROKER = '*';


/** The task store on PostgreSQL (see the module comment). */
export class PgTaskStore {
  private lastSeq = 0;
  private others: OtherBrokersListener | undefined;
  private stopListening: (() => Promise<void>) | undefined;
  private writesInFlight = 0;
  /** The offer of the Enqueue handing its tasks out now, if one is (see {@link handOut}). */
  private handingOut: HandOut | undefined;
  private commitLatencyMs = 0;
  /** When full rate windows open (the dispatch gate of the core: `pg-limited-lease.ts`). */
  private readonly rateOpenings = new RateOpenings();
  /** What the core learns from the limits after a lease (see `BrokerStore.gate`). */
  readonly gate = this.rateOpenings;

  private constructor(
    private readonly sql: Sql,
    /**
     * Connections whose commits do not wait for the WAL's flush (`synchronous_commit = off`), for
     * the writes whose loss in a crash of the database only means a task runs again: leases,
     * heartbeats, progress (LMDB's leases are not even written). An fsync less on the way of every
     * task; what follows them (an outcome) flushes them with its own commit.
     */
    private readonly unsynced: Sql,
    private readonly retention: RetentionPolicy,
    private readonly now: () => number,
    /** Pause and limits of every queue. */
    readonly settings: PgQueueSettings,
    /** This broker's mark on its notifications (`notifications.ts`). */
    private readonly origin: string,
  ) {}

  /**
   * Connects, migrates the schema to this broker's version (`migrations.ts`), reads the queue
   * settings and listens to the other brokers' writes. The driver reconnects by itself, with
   * backoff, when the database goes away; calls meanwhile fail (UNAVAILABLE at the transport).
   */
  static async open(options: PgTaskStoreOptions): Promise<PgTaskStore> {
    const poolSize = options.poolSize ?? 10;
    const sql = postgres(options.url, { max: poolSize, onnotice: () => undefined });
    const unsynced = postgres(options.url, { max: Math.max(2, Math.ceil(poolSize / 2)), onnotice: () => undefined, connection: { synchronous_commit: 'off' } });
    let store: PgTaskStore | undefined;
    try {
      await migrate(sql);
      const origin = newOrigin();
      store = new PgTaskStore(sql, unsynced, options.retention ?? DEFAULT_RETENTION, options.now ?? Date.now, await PgQueueSettings.open(sql, origin), origin);
      await store.listenToOthers();
      return store;
    } catch (error) {
      await store?.settings.close().catch(() => undefined);
      await Promise.all([sql.end(), unsynced.end()]);
      throw error;
    }
  }

  /** Closes the pool once the queries in flight are answered. */
  async close(): Promise<void> {
    await this.stopListening?.().catch(() => undefined);
    await this.settings.close().catch(() => undefined);
    await Promise.all([this.sql.end({ timeout: 5 }), this.unsynced.end({ timeout: 5 })]);
  }

  /**
   * Stores new tasks atomically, in one statement. A task whose idempotency key its queue holds
   * already is not stored: the holder is returned in its place if it is the same task; if not,
   * nothing of the batch is stored.
   *
   * @returns one record per input, in input order
   * @throws AlreadyExistsError for a key held by another task
   */
  async enqueue(newTasks: readonly NewTask[], handoff?: EarlyHandoff): Promise<EnqueueResult> {
    const startedMs = performance.now();
    this.writesInFlight += newTasks.length;
    try {
      return await this.insert(newTasks, handoff);
    } finally {
      this.writesInFlight -= newTasks.length;
      // A moving average, the retry hint of an Enqueue refused for overload.
      this.commitLatencyMs += (performance.now() - startedMs - this.commitLatencyMs) / 8;
    }
  }

  /** {@link enqueue}'s statements. */
  private async insert(newTasks: readonly NewTask[], handoff: EarlyHandoff | undefined): Promise<EnqueueResult> {
    const at = this.at();
    const tasks = newTasks.map((spec) => enqueueTask(spec, newTaskId(), at));
    const insert = `INSERT INTO qtasks_tasks (${TASK_COLUMN_NAMES.join(', ')}) SELECT * FROM ${unnestAll(1)}`;
    if (!newTasks.some((spec) => spec.idempotencyKey)) {
      // One statement, its own transaction: the rows, leased already for the workers of this
      // broker parked on their queues (`pg-hand-out.ts`), and their notifications.
      const handOut = handoff ? this.handOut(tasks, handoff, at) : undefined;
      const stored = handOut?.stored ?? tasks;
      const notifications = notificationsOf(stored, this.origin);
      try {
        await this.sql.unsafe(`WITH inserted AS (${insert}) ${NOTIFY_FROM(TASK_COLUMN_NAMES.length + 1)}`, [...this.parameters(stored), notifications.channels, notifications.payloads], PREPARED);
      } catch (error) {
        handOut?.settled(false);
        throw error;
      }
      if (!handOut) return { value: tasks, changed: tasks };
      const early = handOut.batch();
      handoff!.committed(tasks, early);
      handOut.settled(true);
      return { value: tasks, changed: tasks, early };
    }
    const params = this.parameters(tasks);
    for (let attempt = 1; ; attempt++) {
      try {
        return await transaction(this.sql, async (tx) => {
          const inserted = await tx.unsafe<{ id: string }[]>(`${insert} ON CONFLICT (queue, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id`, params, PREPARED);
          const stored = new Set(inserted.map((row) => row.id));
          const changed = tasks.filter((task) => stored.has(task.id));
          const holders = stored.size < tasks.length ? await this.holdersOfKeys(tx, tasks.filter((task) => !stored.has(task.id))) : new Map<string, TaskRecord>();
          const value = tasks.map((task, i) => {
            if (stored.has(task.id)) return task;
            // The holder ended and was removed (another broker's write) between the two statements.
            const holder = holders.get(keyOf(task));
            if (!holder) throw new HolderGone();
            // A refusal thrown here rolls the whole batch back.
            return sameRequestOrThrow(holder, newTasks[i]!, `tasks[${i}].idempotency_key`);
          });
          return { value: { value, changed }, last: this.persist(tx, [], [], changed) };
        });
      } catch (error) {
        if (!(error instanceof HolderGone)) throw error;
        // Nothing was stored: the client may send it again, as after an overload.
        if (attempt === MAX_KEYED_ATTEMPTS) throw new OverloadedError(`${error.message}, ${attempt} times in a row; nothing was stored, retry`, HOLDER_GONE_RETRY_MS);
      }
    }
  }

  /**
   * Offers an Enqueue's ready tasks to the workers of this broker parked on their queues (the
   * core's hand-over: each calls {@link lease}, which takes from the offer meanwhile).
   *
   * @returns the offer, if a worker took any of it
   */
  private handOut(tasks: readonly TaskRecord[], handoff: EarlyHandoff, at: TransitionContext): HandOut | undefined {
    const offered = (task: TaskRecord): boolean => isReady(task) && !this.settings.isPaused(task.queue) && !isLimited(this.settings.limitsOf(task.queue));
    const offer = new HandOut(tasks, offered, at);
    if (offer.readyCounts.size === 0) return undefined;
    this.handingOut = offer;
    try {
      handoff.offer(offer.readyCounts);
    } finally {
      this.handingOut = undefined;
    }
    if (offer.leased.length > 0) return offer;
    offer.settled(true);
    return undefined;
  }

  /**
   * Listens to the writes of every broker on the database, this one's included (`notifications.ts`);
   * the driver listens again by itself after a reconnect, and `relistened` is then called (what
   * was written meanwhile was not heard). Resolves once listening.
   *
   * @returns stops listening
   */
  async listen(listener: StoreListener, relistened?: () => void): Promise<() => Promise<void>> {
    let listens = 0;
    // Called at each (re)connection of the listening connection, once the channel listened last
    // listens again (the driver listens to them one after another).
    const onListen = (): void => {
      if (++listens > 1) relistened?.();
    };
    const ready = await this.sql.listen(READY_CHANNEL, (payload) => {
      const { origin, queue, count } = parseReady(payload);
      listener.ready(queue, count, origin);
    });
    const changed = await this.sql.listen(
      CHANGED_CHANNEL,
      (payload) => {
        const { origin, tasks } = parseChanged(payload);
        listener.changed(tasks, origin);
      },
      onListen,
    );
    return async () => {
      await Promise.all([ready.unlisten(), changed.unlisten()]);
    };
  }

  /**
   * Tells `listener` of the writes of other brokers on the database from now on (the core: see
   * `BrokerStore.followOthers`). After a reconnection, whose gap nothing tells of, the listener
   * is told it missed some, and every queue's ready tasks are announced, so that no parked
   * worker and no watcher sleeps past them.
   */
  followOthers(listener: OtherBrokersListener): void {
    this.others = listener;
  }

  /** Listens for {@link followOthers}, skipping what this broker sent (the core knows it already). */
  private async listenToOthers(): Promise<void> {
    this.stopListening = await this.listen(
      {
        ready: (queue, count, origin) => {
          if (origin !== this.origin) this.others?.ready(queue, count);
        },
        changed: (tasks, origin) => {
          if (origin !== this.origin) this.others?.changed(tasks.map((task) => task.taskId));
        },
      },
      () => {
        this.others?.missed();
        void this.announceReady();
      },
    );
  }

  /** Tells the core of every queue's ready tasks (after a reconnection). */
  private async announceReady(): Promise<void> {
    try {
      const rows = await this.sql<{ queue: string; n: number }[]>`
        SELECT queue, count(*)::int AS n FROM qtasks_tasks WHERE status IN ('new', 'retry') AND NOT delayed GROUP BY queue`;
      for (const row of rows) this.others?.ready(row.queue, row.n);
    } catch {
      // Away again: the next reconnection announces.
    }
  }

  /** The task with this id as it stands, or undefined. */
  async get(taskId: string): Promise<TaskRecord | undefined> {
    if (!isTaskId(taskId)) return undefined;
    const [row] = await this.sql<{ record: Buffer }[]>`SELECT record FROM qtasks_tasks WHERE id = ${taskId}`;
    return row ? decodeRecord(row.record) : undefined;
  }

  /** The tasks of `taskIds` as they stand, in one query (those not found are left out). */
  async getMany(taskIds: readonly string[]): Promise<TaskRecord[]> {
    const ids = taskIds.filter(isTaskId);
    if (ids.length === 0) return [];
    const rows = await this.sql<{ record: Buffer }[]>`SELECT record FROM qtasks_tasks WHERE id = ANY(${ids}::uuid[])`;
    return rows.map((row) => decodeRecord(row.record));
  }

  /**
   * A page of tasks, filtered by queue, status and end time. Ended tasks of one status come by
   * queue, then in the order they ended (docs/protocol.md promises it for `finished_after`), the
   * cursor their queue, end and id; any other filter pages in id order (creation order: ids are
   * UUIDv7), the cursor the last id. The LMDB store lists ready tasks in lease order instead, from
   * its lines (docs/decisions.md says where the two differ).
   *
   * @throws InvalidArgumentError naming `page_token` for a cursor this store did not make
   */
  async list(filter: ListFilter): Promise<ListPage> {
    const byEnd = filter.status !== undefined && isFinalStatus(filter.status);
    const after = filter.after === undefined ? undefined : checkedCursor(filter.after, byEnd);
    const sql = this.sql;
    const finishedAfter = filter.finishedAfterMs === undefined ? undefined : new Date(filter.finishedAfterMs);
    const query = sql<{ record: Buffer }[]>`
      SELECT record FROM qtasks_tasks
      WHERE true
        ${filter.queue === undefined ? sql`` : sql`AND queue = ${filter.queue}`}
        ${filter.status === undefined ? sql`` : sql`AND status = ${filter.status}`}
        ${finishedAfter === undefined ? sql`` : sql`AND (status NOT IN ('success', 'error', 'cancel') OR finished_at >= ${finishedAfter})`}
        ${after === undefined ? sql`` : byEnd ? sql`AND (queue, finished_at, id) > (${after.queue!}, ${new Date(after.finishedAtMs!)}, ${after.id})` : sql`AND id > ${after.id}`}
      ${byEnd ? sql`ORDER BY queue, finished_at, id` : sql`ORDER BY id`}
      LIMIT ${filter.limit + 1}`;
    const fits = replyMeter(filter.replyBudget);
    const tasks: TaskRecord[] = [];
    // Read a few rows at a time, so that a page of large tasks holds no more than it sends.
    for await (const rows of query.cursor(LIST_BATCH)) {
      for (const row of rows) {
        const task = decodeRecord(row.record);
        if (tasks.length === filter.limit || !fits(task)) {
          const last = tasks.at(-1)!;
          return { tasks, next: byEnd ? [last.queue, last.finishedAtMs!, last.id] : [last.id] };
        }
        tasks.push(task);
      }
    }
    return { tasks };
  }

  /**
   * Leases up to `maxTasks` ready tasks of `queues`, best first (lowest priority, then oldest
   * place in line), skipping rows another broker is leasing at that moment.
   */
  async lease(options: LeaseOptions): Promise<WriteResult<TaskRecord[]>> {
    // A parked worker woken by an Enqueue of this broker: it takes what the Enqueue offers.
    if (this.handingOut) return this.handingOut.lease(options);
    return transaction(this.unsynced, async (tx) => {
      // Queues with limits are taken one by one, each under its lock (`pg-limited-lease.ts`), in
      // name order (two leases never wait on each other's locks in a circle); the others together.
      const limited = options.queues.filter((queue) => isLimited(this.settings.limitsOf(queue))).sort();
      const open = limited.length === 0 ? options.queues : options.queues.filter((queue) => !limited.includes(queue));
      const candidates = open.length > 0 ? await this.lockReady(tx, open, options.maxTasks) : [];
      const nowMs = this.now();
      for (const queue of limited) {
        const { tasks, openingMs } = await takeLimited(tx, queue, this.settings.limitsOf(queue), options.maxTasks, nowMs);
        candidates.push(...tasks);
        if (openingMs !== undefined) this.rateOpenings.refusedUntil(queue, openingMs);
      }
      if (options.queues.length > 1) candidates.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
      // As many as the reply holds (the first always: see replyMeter).
      const fits = replyMeter(options.replyBudget);
      let taking = 0;
      while (taking < Math.min(options.maxTasks, candidates.length) && fits(candidates[taking]!)) taking++;
      const rows = candidates.slice(0, taking);
      const leftBehind = candidates.slice(taking);
      if (rows.length === 0) return { value: { value: [], changed: [] } };
      const at = this.at();
      const leased = rows.map((task) => leaseTask(task, { workerId: options.workerId, leaseMs: options.leaseMs, token: newLeaseToken() }, at));
      for (const queue of limited) await recordStarts(tx, queue, this.settings.limitsOf(queue), leased.filter((task) => task.queue === queue), nowMs);
      // Rows locked and left go back at the commit: a lease of any broker, this one's included,
      // that skipped them meanwhile looks again.
      const leftNotified = leftBehind.length > 0 ? readyNotificationsOf(leftBehind, EVERY_BROKER) : undefined;
      return { value: { value: leased, changed: leased }, last: this.persist(tx, leased, [], leased, leftNotified) };
    });
  }

  /**
   * Locks up to `maxTasks` ready tasks of each of `queues` (unlimited ones), best first. Each
   * queue's line is walked in order on `qtasks_tasks_ready`, stopping at the limit: with
   * `queue = ANY(…)` the planner sorted every ready task of the queues (9 ms a lease of 50 with
   * 20,000 ready). With several queues, each locks its best, and the best of those are leased
   * (the caller); the others go back at the commit, and are announced ready again then, so that a
   * broker whose lease skipped them meanwhile looks again. A paused queue's check runs before its
   * rows are read (inside its LATERAL), so none of them is locked.
   */
  private async lockReady(tx: TransactionSql, queues: readonly string[], maxTasks: number): Promise<TaskRecord[]> {
    const locked =
      queues.length === 1
        ? await tx<{ record: Buffer }[]>`
            SELECT record FROM qtasks_tasks
            WHERE queue = ${queues[0]!} AND status IN ('new', 'retry') AND NOT delayed
              AND NOT EXISTS (SELECT 1 FROM qtasks_queue_settings s WHERE s.queue = ${queues[0]!} AND s.paused)
            ORDER BY priority, seq LIMIT ${maxTasks}
            FOR UPDATE SKIP LOCKED`
        : await tx<{ record: Buffer }[]>`
            SELECT t.record FROM unnest(${queues as string[]}::text[]) AS q(name)
            CROSS JOIN LATERAL (
              SELECT record FROM qtasks_tasks
              WHERE queue = q.name AND status IN ('new', 'retry') AND NOT delayed
                AND NOT EXISTS (SELECT 1 FROM qtasks_queue_settings s WHERE s.queue = q.name AND s.paused)
              ORDER BY priority, seq LIMIT ${maxTasks}
              FOR UPDATE SKIP LOCKED) AS t`;
    return locked.map((row) => decodeRecord(row.record));
  }

  /**
   * Records outcomes, each fenced by its lease token (a stale or expired lease is refused, per
   * item), in one transaction; a task that ends with a retention of 0 is removed.
   */
  complete(completions: readonly Completion[]): Promise<WriteResult<CompletionResult[]>> {
    return transaction(this.sql, async (tx) => {
      const { value, changed } = await this.fenced<Completion, CompletionResult>(
        tx,
        completions,
        (before, completion, at) => {
          const after = settle(before, completion.outcome, at);
          return { after, result: { taskId: completion.taskId, accepted: true, task: after } };
        },
        (completion, reason, before) => ({ taskId: completion.taskId, accepted: false, task: before, reason }),
      );
      return { value: { value, changed }, last: this.write(tx, changed, true) };
    });
  }

  /**
   * Extends valid leases by `extendMs` from now (0: by each lease's own length), never past an
   * attempt's time limit. Unlike LMDB's, a heartbeat is a write: the deadline lives in the row,
   * where another broker reaps it. Not a transition: watchers hear nothing.
   */
  heartbeat(items: readonly HeartbeatItem[], extendMs: number): Promise<HeartbeatResult[]> {
    return transaction(this.unsynced, async (tx) => {
      const { value, changed } = await this.fenced<HeartbeatItem, HeartbeatResult>(
        tx,
        items,
        (before, item, at) => {
          const after = extendLease(before, extendMs, at);
          return { after, result: { taskId: item.taskId, ok: true, cancelRequested: after.cancelRequested, leaseDeadlineMs: after.lease!.deadlineMs } };
        },
        (item, reason) => ({ taskId: item.taskId, ok: false, cancelRequested: false, reason }),
      );
      return { value, last: this.persist(tx, changed, [], []) };
    });
  }

  /** Records the latest progress of leased tasks, each fenced by its lease token. */
  reportProgress(items: readonly ProgressItem[]): Promise<WriteResult<ProgressResult[]>> {
    return transaction(this.unsynced, async (tx) => {
      const result = await this.fenced<ProgressItem, ProgressResult>(
        tx,
        items,
        (before, item, at) => ({ after: recordProgress(before, item.progress, at), result: { taskId: item.taskId, ok: true } }),
        (item, reason) => ({ taskId: item.taskId, ok: false, reason }),
      );
      return { value: result, last: this.persist(tx, result.changed, [], result.changed) };
    });
  }

  /**
   * Locks the tasks of `items` and moves each whose lease its token holds now (`move`); the others
   * are refused, per item, with the fence's reason (`refuse`). Items on one task see the
   * previous item's change.
   */
  private async fenced<Item extends HeldLease, Result>(
    tx: TransactionSql,
    items: readonly Item[],
    move: (before: TaskRecord, item: Item, at: TransitionContext) => { after: TaskRecord; result: Result },
    refuse: (item: Item, reason: string, before: TaskRecord | undefined) => Result,
  ): Promise<WriteResult<Result[]>> {
    const current = await this.locked(tx, items.map((item) => item.taskId));
    const at = this.at();
    // Every state, in order: watchers see each (two progress reports on one task are two states).
    const changed: TaskRecord[] = [];
    const value = items.map((item) => {
      const before = current.get(item.taskId);
      const reason = leaseRefusal(before, item.leaseToken, at.steadyMs);
      if (reason !== undefined) return refuse(item, reason, before);
      const { after, result } = move(before!, item, at);
      current.set(after.id, after);
      changed.push(after);
      return result;
    });
    return { value, changed };
  }

  /**
   * Cancels a task: NEW or RETRY ends in CANCEL at once, PROCESS is asked to cancel (its worker
   * hears it at its next heartbeat or push), CANCEL comes back unchanged.
   *
   * @throws TaskNotFoundError for an unknown id
   * @throws IllegalTransitionError for a task that ended in SUCCESS or ERROR
   */
  cancel(taskId: string, reason: string): Promise<WriteResult<TaskRecord>> {
    return this.rewrite(taskId, (before, at) => cancelTask(before, reason, at));
  }

  /**
   * Runs an ended task (ERROR or CANCEL) again: RETRY, ready at once, with a fresh retry budget.
   *
   * @throws TaskNotFoundError for an unknown id
   * @throws IllegalTransitionError for a task in another status
   */
  retry(taskId: string): Promise<WriteResult<TaskRecord>> {
    return this.rewrite(taskId, replayTask);
  }

  /**
   * Moves one task by `transition`, its row locked; the same record back means nothing changed.
   *
   * @throws TaskNotFoundError for an unknown id
   */
  private rewrite(taskId: string, transition: (before: TaskRecord, at: TransitionContext) => TaskRecord): Promise<WriteResult<TaskRecord>> {
    return transaction(this.sql, async (tx) => {
      const before = (await this.locked(tx, [taskId])).get(taskId);
      if (!before) throw new TaskNotFoundError(taskId);
      const after = transition(before, this.at());
      if (after === before) return { value: { value: after, changed: [] } };
      return { value: { value: after, changed: [after] }, last: this.write(tx, [after]) };
    });
  }

  /** Pauses a queue, or resumes it, for every broker on the database (`pg-queue-settings.ts`). */
  setPaused(queue: string, paused: boolean): Promise<void> {
    return this.settings.setPaused(queue, paused);
  }

  /** Whether `queue` is paused, as the database says now. */
  async isPaused(queue: string): Promise<boolean> {
    const [row] = await this.sql<{ paused: boolean }[]>`SELECT paused FROM qtasks_queue_settings WHERE queue = ${queue}`;
    return row?.paused ?? false;
  }

  /**
   * Removes up to `limit` ended tasks whose retention has run out, with their idempotency keys
   * (held by the row). Brokers share this work (`SKIP LOCKED`).
   *
   * @returns how many were removed: `limit` means more may be due
   */
  async sweepExpired(limit: number): Promise<WriteResult<number>> {
    const removed = await this.sql`
      DELETE FROM qtasks_tasks WHERE id IN (
        SELECT id FROM qtasks_tasks WHERE expires_at <= ${new Date(this.now())}
        ORDER BY expires_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)`;
    return { value: removed.count, changed: [] };
  }

  /**
   * Puts in line up to `limit` delayed tasks whose eta or backoff has passed. Brokers sharing the
   * database share this work: each takes rows the others are not promoting (`SKIP LOCKED`).
   */
  promoteDue(limit: number): Promise<WriteResult<number>> {
    return this.takeDue(
      (tx, now) => tx<{ record: Buffer }[]>`
        SELECT record FROM qtasks_tasks WHERE delayed AND run_at <= ${now}
        ORDER BY run_at LIMIT ${limit} FOR UPDATE SKIP LOCKED`,
      promoteTask,
    );
  }

  /**
   * Ends up to `limit` leases whose deadline has passed, whichever broker took them (one that
   * died included): the task runs again if retries are left, else ends in ERROR (CANCEL if it
   * was asked to cancel), as on LMDB.
   */
  reapExpiredLeases(limit: number): Promise<WriteResult<number>> {
    return this.takeDue(
      (tx, now) => tx<{ record: Buffer }[]>`
        SELECT record FROM qtasks_tasks WHERE lease_token IS NOT NULL AND lease_deadline <= ${now}
        ORDER BY lease_deadline LIMIT ${limit} FOR UPDATE SKIP LOCKED`,
      expireLease,
      true,
    );
  }

  /** Moves the rows `select` locks by `transition`, in one transaction. */
  private takeDue(
    select: (tx: TransactionSql, now: Date) => Promise<{ record: Buffer }[]>,
    transition: (before: TaskRecord, at: TransitionContext) => TaskRecord,
    endsLeases = false,
  ): Promise<WriteResult<number>> {
    return transaction(this.sql, async (tx) => {
      const at = this.at();
      const rows = await select(tx, new Date(at.nowMs));
      const changed = rows.map((row) => transition(decodeRecord(row.record), at));
      return { value: { value: changed.length, changed }, last: this.write(tx, changed, endsLeases) };
    });
  }

  /** The records of `ids` (those stored), locked until the transaction ends, by id. */
  private async locked(tx: TransactionSql, ids: readonly string[]): Promise<Map<string, TaskRecord>> {
    // An id that is no UUID names no task (the column would refuse it, failing the whole batch).
    const known = [...new Set(ids)].filter(isTaskId);
    const rows = await tx<{ record: Buffer }[]>`SELECT record FROM qtasks_tasks WHERE id = ANY(${known}::uuid[]) FOR UPDATE`;
    return new Map(rows.map((row) => decodeRecord(row.record)).map((task) => [task.id, task]));
  }

  /**
   * Stores the records a transition changed, heard of by every broker. One that ended with a
   * retention of 0 is removed by the sweep {@link REMOVED_AT_END_GRACE_MS} later (its row's expiry).
   */
  private write(tx: TransactionSql, changed: readonly TaskRecord[], endsLeases = false): Promise<void> {
    if (!endsLeases) return this.persist(tx, changed, [], changed);
    // A lease that ended frees room in a queue a running limit may have closed: every broker's
    // workers parked on it look again (this one's too: hence no origin).
    const opened = changed.filter((task) => task.status !== 'process' && opensAtEnd(this.settings.limitsOf(task.queue)));
    return this.persist(tx, changed, [], changed, opened.length > 0 ? readyNotifications(countByQueue(opened), EVERY_BROKER) : undefined);
  }

  /**
   * Rewrites the rows of `updated`, deletes those of `removed`, and notifies what `notified`
   * holds (`notifications.ts`) and `also`, in one statement, issued at once (a transaction's last
   * write goes out with its COMMIT: `pg-transaction.ts`). Data-modifying `WITH` parts run whether
   * or not the query reads them.
   */
  private persist(tx: TransactionSql, updated: readonly TaskRecord[], removed: readonly TaskRecord[], notified: readonly TaskRecord[], also?: Notifications): Promise<void> {
    const parts: string[] = [];
    const params: ParameterOrJSON<never>[] = [];
    // A row is written once, with its last state (an UPDATE FROM with two rows of one id takes either).
    if (updated.length > 1) updated = [...new Map(updated.map((task) => [task.id, task])).values()];
    if (updated.length > 0) {
      const assignments = TASK_COLUMN_NAMES.filter((column) => column !== 'id').map((column) => `${column} = c.${column}`);
      parts.push(`updated AS (UPDATE qtasks_tasks t SET ${assignments.join(', ')} FROM ${unnestAll(params.length + 1)} WHERE t.id = c.id)`);
      params.push(...this.parameters(updated));
    }
    if (removed.length > 0) {
      parts.push(`removed AS (DELETE FROM qtasks_tasks WHERE id = ANY($${params.length + 1}::uuid[]))`);
      params.push(removed.map((task) => task.id));
    }
    const { channels, payloads } = notificationsOf(notified, this.origin);
    if (also) {
      channels.push(...also.channels);
      payloads.push(...also.payloads);
    }
    if (parts.length === 0 && channels.length === 0) return Promise.resolve();
    const query = channels.length > 0 ? NOTIFY_FROM(params.length + 1) : 'SELECT 1';
    if (channels.length > 0) params.push(channels, payloads);
    return issued(tx.unsafe(parts.length > 0 ? `WITH ${parts.join(', ')} ${query}` : query, params, PREPARED)).then(() => undefined);
  }

  /** The tasks that hold the idempotency keys of `tasks` in their queues, by {@link keyOf}. */
  private async holdersOfKeys(tx: TransactionSql, tasks: readonly TaskRecord[]): Promise<Map<string, TaskRecord>> {
    const rows = await tx<{ record: Buffer }[]>`
      SELECT t.record FROM qtasks_tasks t
      JOIN unnest(${tasks.map((task) => task.queue)}::text[], ${tasks.map((task) => task.idempotencyKey!)}::text[]) AS k(queue, key)
        ON t.queue = k.queue AND t.idempotency_key = k.key`;
    return new Map(rows.map((row) => decodeRecord(row.record)).map((task) => [keyOf(task), task]));
  }

  /** The rows of `records` as one typed array parameter per column, in the order of {@link TASK_COLUMNS}. */
  private parameters(records: readonly TaskRecord[]): ArrayParameter[] {
    const expiry = (task: TaskRecord): number | undefined => this.expiresAtMs(task);
    return TASK_COLUMN_NAMES.map((column) => this.sql.array(columnOf(column, records, expiry) as never[], TASK_COLUMNS[column].oid));
  }

  /**
   * When an ended task's row expires (wall time): by its retention, or {@link REMOVED_AT_END_GRACE_MS}
   * after its end for a retention of 0 (see the module comment).
   */
  expiresAtMs(task: TaskRecord): number | undefined {
    if (removedAtEnd(task, this.retention)) return (task.finishedAtMs ?? this.now()) + REMOVED_AT_END_GRACE_MS;
    return expiryOf(task, this.retention);
  }

  /**
   * Removes up to `limit` tasks of `queue` in `statuses`, never running ones, with their
   * idempotency keys; one that had not ended is first seen to end in CANCEL (reason `purged`) by
   * the watchers of every broker. Rows another broker is moving are left (`SKIP LOCKED`).
   */
  purge(queue: string, statuses: readonly TaskStatus[], limit: number): Promise<WriteResult<PurgeBatch>> {
    const purgeable = statuses.filter((status) => status !== 'process');
    if (purgeable.length === 0) return Promise.resolve({ value: { removed: 0, done: true }, changed: [] });
    return transaction(this.sql, async (tx) => {
      const rows = await tx<{ record: Buffer }[]>`
        SELECT record FROM qtasks_tasks WHERE queue = ${queue} AND status = ANY(${purgeable}::text[])
        ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
      const at = this.at();
      const ended = rows.map((row) => decodeRecord(row.record)).map((task) => (isFinalStatus(task.status) ? task : cancelTask(task, 'purged', at)));
      return { value: { value: { removed: ended.length, done: ended.length < limit }, changed: ended }, last: this.persist(tx, [], ended, ended) };
    });
  }

  /** When due work falls next (`pg-figures.ts`), and no later than a moment from now: due work of a broker that died is this one's too. */
  async nextDue(): Promise<NextDue> {
    const due = await nextDue(this.sql);
    return { ...due, steadyMs: Math.min(due.steadyMs ?? Infinity, this.rateOpenings.nextOpeningMs() ?? Infinity, this.now() + OTHERS_DUE_CHECK_MS) };
  }

  /** Tasks ready in `queue` now (`pg-figures.ts`). */
  readyCount(queue: string): Promise<number> {
    return readyCount(this.sql, queue);
  }

  /** Every queue's figures, or `queue`'s (`pg-figures.ts`). */
  queueFigures(queue?: string): Promise<Map<string, QueueFigures>> {
    return queueFigures(this.sql, this.now(), queue);
  }

  /** The store's figures (`pg-figures.ts`). */
  stats(): Promise<StoreStats> {
    return storeStats(this.sql, this.writesInFlight);
  }

  /** Resolves at once: a write is answered at its commit, which PostgreSQL has made durable. */
  durable(): Promise<void> {
    return Promise.resolve();
  }

  /** None: nothing is answered before its commit here. */
  answeredCommitted(): undefined {
    return undefined;
  }

  /** Tasks of Enqueues sent to the database and not answered yet (admission of Enqueues). */
  get pendingWrites(): number {
    return this.writesInFlight;
  }

  /** How long Enqueues have taken lately, in ms (the retry hint of a refusal). */
  get recentCommitLatencyMs(): number {
    return this.commitLatencyMs;
  }

  /** Replaces the limits of `queue` for every broker; their parked workers look again, under the new limits. */
  async setQueueLimits(queue: string, limits: QueueLimits): Promise<void> {
    await this.settings.setLimits(queue, limits);
    await announceReadyTasks(this.sql, queue, EVERY_BROKER);
  }

  /** Wakes the workers of the queues whose full rate windows have opened (the due work's part of the limits). */
  releaseLimited(): void {
    this.rateOpenings.releaseDue(this.now());
  }

  /** When a full rate window next opens, if one holds tasks back (wall ms). */
  nextLimitOpeningMs(): number | undefined {
    return this.rateOpenings.nextOpeningMs();
  }

  /** The times and FIFO counter of a transition (see the module comment). */
  private at(): TransitionContext {
    const nowMs = this.now();
    return {
      nowMs,
      steadyMs: nowMs,
      nextSeq: () => (this.lastSeq = Math.max(this.lastSeq + 1, nowMs * SEQ_PER_MS)),
    };
  }
}

/** Sends the notifications given as two text arrays, the parameters `$first` and the next. */
const NOTIFY_FROM = (first: number): string => `SELECT pg_notify(n.channel, n.payload) FROM unnest($${first}::text[], $${first + 1}::text[]) AS n(channel, payload)`;

/** `unnest($first::uuid[], …) AS c(id, …)`: every column of a batch of rows, as a table. */
function unnestAll(first: number): string {
  const arrays = TASK_COLUMN_NAMES.map((column, i) => `$${first + i}::${TASK_COLUMNS[column].name}[]`);
  return `unnest(${arrays.join(', ')}) AS c(${TASK_COLUMN_NAMES.join(', ')})`;
}

/** Where a page of {@link PgTaskStore.list} resumes, read from its cursor. */
function checkedCursor(cursor: ListCursor, byEnd: boolean): { queue?: string; finishedAtMs?: number; id: string } {
  const [queue, finishedAtMs, id] = byEnd ? cursor : [undefined, undefined, cursor[0]];
  const shaped = cursor.length === (byEnd ? 3 : 1) && typeof id === 'string' && isTaskId(id) && (!byEnd || (typeof queue === 'string' && Number.isSafeInteger(finishedAtMs)));
  if (!shaped) throw new InvalidArgumentError('page_token', 'is not a token returned by ListTasks');
  return { queue: queue as string | undefined, finishedAtMs: finishedAtMs as number | undefined, id: id as string };
}

/** Whether `id` could name a task: ids are UUIDs (`ids.ts`), the column's type. */
function isTaskId(id: string): boolean {
  // Lowercase only, as ids are made: PostgreSQL would find an uppercase one, the maps here not.
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id);
}

/** A task's queue and idempotency key, as one map key. */
function keyOf(task: TaskRecord): string {
  return `${task.queue}\u0000${task.idempotencyKey ?? ''}`;
}
