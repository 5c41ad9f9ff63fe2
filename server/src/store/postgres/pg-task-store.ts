/**
 * The task store on PostgreSQL (issue 14), for several brokers sharing one database: what any
 * broker stores, every broker reads, and each write is one transaction of the database, not of a
 * broker's memory. Built verb by verb behind the same domain transitions as the LMDB store
 * (`domain/transitions/`); not yet behind the core (docs/decisions.md, "Outgrowing one machine").
 *
 * So far: enqueue (batched, idempotency keys held by a unique index), get, lease (a batch taken
 * with `FOR UPDATE SKIP LOCKED`, best first), complete, heartbeat and progress (batches, each item
 * fenced by its lease token, written in one statement), cancel, retry, pause, list, and the due work
 * that brokers share (promote delayed tasks, reap expired leases, sweep expired ones, with
 * `SKIP LOCKED`). Every write tells the
 * other brokers what it changed with `NOTIFY`, at its commit (`notifications.ts`, {@link
 * PgTaskStore.listen}).
 *
 * Pause holds across brokers (a row every lease query reads). Not yet: the concurrency, rate and
 * per-key limits (a lease here ignores them), and the reply budget of a lease
 * (`LeaseOptions.replyBudget`); they come with the seam to the core.
 *
 * Times. Lease deadlines are in the brokers' wall time, not a broker's steady clock as on LMDB: a
 * lease taken through one broker is fenced and reaped by others, so the brokers' clocks must agree
 * (NTP), as River's and Hatchet's do. FIFO places (`seq`) come from the same clock, in
 * microseconds plus a counter: ordering across brokers is as good as their clocks' agreement,
 * and costs no round trip to a database sequence.
 */
import postgres, { type ArrayParameter, type ParameterOrJSON, type Sql, type TransactionSql } from 'postgres';
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
  isFinalStatus,
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
} from '../../domain/task.js';
import { newLeaseToken, newTaskId } from '../ids.js';
import { DEFAULT_RETENTION, removedAtEnd, type RetentionPolicy } from '../retention.js';
import type { ListCursor, ListFilter, ListPage, WriteResult } from '../task-store.js';
import { migrate } from './migrations.js';
import { CHANGED_CHANNEL, notificationsOf, parseChanged, parseReady, READY_CHANNEL, type ChangedTask } from './notifications.js';
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
  /** `count` tasks became ready in `queue`. */
  ready(queue: string, count: number): void;
  /** These tasks moved; their records are in the database. */
  changed(tasks: ChangedTask[]): void;
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

/** Places in line per millisecond before the counter borrows from the next one. */
const SEQ_PER_MS = 1000;

/** The task store on PostgreSQL (see the module comment). */
export class PgTaskStore {
  private lastSeq = 0;

  private constructor(
    private readonly sql: Sql,
    private readonly retention: RetentionPolicy,
    private readonly now: () => number,
  ) {}

  /** Connects, and migrates the schema to this broker's version (`migrations.ts`). */
  static async open(options: PgTaskStoreOptions): Promise<PgTaskStore> {
    const sql = postgres(options.url, { max: options.poolSize ?? 10, onnotice: () => undefined });
    try {
      await migrate(sql);
    } catch (error) {
      await sql.end();
      throw error;
    }
    return new PgTaskStore(sql, options.retention ?? DEFAULT_RETENTION, options.now ?? Date.now);
  }

  /** Closes the pool once the queries in flight are answered. */
  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
  }

  /**
   * Stores new tasks atomically, in one statement. A task whose idempotency key its queue holds
   * already is not stored: the holder is returned in its place if it is the same task; if not,
   * nothing of the batch is stored.
   *
   * @returns one record per input, in input order
   * @throws AlreadyExistsError for a key held by another task
   */
  async enqueue(newTasks: readonly NewTask[]): Promise<WriteResult<TaskRecord[]>> {
    const at = this.at();
    const tasks = newTasks.map((spec) => enqueueTask(spec, newTaskId(), at));
    const insert = `INSERT INTO qtasks_tasks (${TASK_COLUMN_NAMES.join(', ')}) SELECT * FROM ${unnestAll(1)}`;
    const params = this.parameters(tasks);
    if (!newTasks.some((spec) => spec.idempotencyKey)) {
      // One statement, its own transaction: the rows and their notifications.
      const notifications = notificationsOf(tasks);
      await this.sql.unsafe(`WITH inserted AS (${insert}) ${NOTIFY_FROM(TASK_COLUMN_NAMES.length + 1)}`, [...params, notifications.channels, notifications.payloads]);
      return { value: tasks, changed: tasks };
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.sql.begin(async (tx) => {
          const inserted = await tx.unsafe<{ id: string }[]>(`${insert} ON CONFLICT (queue, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id`, params);
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
          await this.persist(tx, [], [], changed);
          return { value, changed };
        });
      } catch (error) {
        if (!(error instanceof HolderGone)) throw error;
        // Nothing was stored: the client may send it again, as after an overload.
        if (attempt === MAX_KEYED_ATTEMPTS) throw new OverloadedError(`${error.message}, ${attempt} times in a row; nothing was stored, retry`, HOLDER_GONE_RETRY_MS);
      }
    }
  }

  /**
   * Listens to the writes of every broker on the database, this one's included (`notifications.ts`);
   * the driver listens again by itself after a reconnect. Resolves once listening.
   *
   * @returns stops listening
   */
  async listen(listener: StoreListener): Promise<() => Promise<void>> {
    const ready = await this.sql.listen(READY_CHANNEL, (payload) => {
      const { queue, count } = parseReady(payload);
      listener.ready(queue, count);
    });
    const changed = await this.sql.listen(CHANGED_CHANNEL, (payload) => listener.changed(parseChanged(payload)));
    return async () => {
      await Promise.all([ready.unlisten(), changed.unlisten()]);
    };
  }

  /** The task with this id as it stands, or undefined. */
  async get(taskId: string): Promise<TaskRecord | undefined> {
    if (!isTaskId(taskId)) return undefined;
    const [row] = await this.sql<{ record: Buffer }[]>`SELECT record FROM qtasks_tasks WHERE id = ${taskId}`;
    return row ? decodeRecord(row.record) : undefined;
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
    const rows = await sql<{ record: Buffer }[]>`
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
    for (const row of rows) {
      const task = decodeRecord(row.record);
      if (tasks.length === filter.limit || !fits(task)) {
        const last = tasks.at(-1)!;
        return { tasks, next: byEnd ? [last.queue, last.finishedAtMs!, last.id] : [last.id] };
      }
      tasks.push(task);
    }
    return { tasks };
  }

  /**
   * Leases up to `maxTasks` ready tasks of `queues`, best first (lowest priority, then oldest
   * place in line), skipping rows another broker is leasing at that moment.
   */
  async lease(options: LeaseOptions): Promise<WriteResult<TaskRecord[]>> {
    return this.sql.begin(async (tx) => {
      // Each queue's line is walked in order on `qtasks_tasks_ready`, stopping at the limit: with
      // `queue = ANY(…)` the planner sorted every ready task of the queues (9 ms a lease of 50 with
      // 20,000 ready). With several queues, each locks its best, and the best of those are leased
      // (below); the others go back at the commit, and are announced ready again then, so that a
      // broker whose lease skipped them meanwhile looks again. A paused queue's check runs before
      // its rows are read (inside its LATERAL), so none of them is locked.
      const single = options.queues.length === 1;
      const locked = single
        ? await tx<{ record: Buffer }[]>`
            SELECT record FROM qtasks_tasks
            WHERE queue = ${options.queues[0]!} AND status IN ('new', 'retry') AND NOT delayed
              AND NOT EXISTS (SELECT 1 FROM qtasks_queue_settings s WHERE s.queue = ${options.queues[0]!} AND s.paused)
            ORDER BY priority, seq LIMIT ${options.maxTasks}
            FOR UPDATE SKIP LOCKED`
        : await tx<{ record: Buffer }[]>`
            SELECT t.record FROM unnest(${options.queues}::text[]) AS q(name)
            CROSS JOIN LATERAL (
              SELECT record FROM qtasks_tasks
              WHERE queue = q.name AND status IN ('new', 'retry') AND NOT delayed
                AND NOT EXISTS (SELECT 1 FROM qtasks_queue_settings s WHERE s.queue = q.name AND s.paused)
              ORDER BY priority, seq LIMIT ${options.maxTasks}
              FOR UPDATE SKIP LOCKED) AS t`;
      const candidates = locked.map((row) => decodeRecord(row.record));
      if (!single) candidates.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
      const rows = candidates.slice(0, options.maxTasks);
      const leftBehind = candidates.slice(options.maxTasks);
      if (rows.length === 0) return { value: [], changed: [] };
      const at = this.at();
      const leased = rows.map((task) => leaseTask(task, { workerId: options.workerId, leaseMs: options.leaseMs, token: newLeaseToken() }, at));
      await this.persist(tx, leased, [], [...leased, ...leftBehind]);
      return { value: leased, changed: leased };
    });
  }

  /**
   * Records outcomes, each fenced by its lease token (a stale or expired lease is refused, per
   * item), in one transaction; a task that ends with a retention of 0 is removed.
   */
  complete(completions: readonly Completion[]): Promise<WriteResult<CompletionResult[]>> {
    return this.sql.begin(async (tx) => {
      const { value, changed } = await this.fenced<Completion, CompletionResult>(
        tx,
        completions,
        (before, completion, at) => {
          const after = settle(before, completion.outcome, at);
          return { after, result: { taskId: completion.taskId, accepted: true, task: after } };
        },
        (completion, reason, before) => ({ taskId: completion.taskId, accepted: false, task: before, reason }),
      );
      await this.write(tx, changed);
      return { value, changed };
    });
  }

  /**
   * Extends valid leases by `extendMs` from now (0: by each lease's own length), never past an
   * attempt's time limit. Unlike LMDB's, a heartbeat is a write: the deadline lives in the row,
   * where another broker reaps it. Not a transition: watchers hear nothing.
   */
  heartbeat(items: readonly HeartbeatItem[], extendMs: number): Promise<HeartbeatResult[]> {
    return this.sql.begin(async (tx) => {
      const { value, changed } = await this.fenced<HeartbeatItem, HeartbeatResult>(
        tx,
        items,
        (before, item, at) => {
          const after = extendLease(before, extendMs, at);
          return { after, result: { taskId: item.taskId, ok: true, cancelRequested: after.cancelRequested, leaseDeadlineMs: after.lease!.deadlineMs } };
        },
        (item, reason) => ({ taskId: item.taskId, ok: false, cancelRequested: false, reason }),
      );
      await this.persist(tx, changed, [], []);
      return value;
    });
  }

  /** Records the latest progress of leased tasks, each fenced by its lease token. */
  reportProgress(items: readonly ProgressItem[]): Promise<WriteResult<ProgressResult[]>> {
    return this.sql.begin(async (tx) => {
      const result = await this.fenced<ProgressItem, ProgressResult>(
        tx,
        items,
        (before, item, at) => ({ after: recordProgress(before, item.progress, at), result: { taskId: item.taskId, ok: true } }),
        (item, reason) => ({ taskId: item.taskId, ok: false, reason }),
      );
      await this.persist(tx, result.changed, [], result.changed);
      return result;
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
    const changed = new Map<string, TaskRecord>();
    const value = items.map((item) => {
      const before = current.get(item.taskId);
      const reason = leaseRefusal(before, item.leaseToken, at.steadyMs);
      if (reason !== undefined) return refuse(item, reason, before);
      const { after, result } = move(before!, item, at);
      current.set(after.id, after);
      changed.set(after.id, after);
      return result;
    });
    return { value, changed: [...changed.values()] };
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
    return this.sql.begin(async (tx) => {
      const before = (await this.locked(tx, [taskId])).get(taskId);
      if (!before) throw new TaskNotFoundError(taskId);
      const after = transition(before, this.at());
      if (after === before) return { value: after, changed: [] };
      await this.write(tx, [after]);
      return { value: after, changed: [after] };
    });
  }

  /**
   * Pauses a queue, or resumes it, for every broker on the database: a paused queue hands out
   * nothing (its tasks wait in line). Resuming tells the brokers its ready tasks are there.
   */
  async setPaused(queue: string, paused: boolean): Promise<void> {
    await this.sql.begin(async (tx) => {
      await tx`
        INSERT INTO qtasks_queue_settings (queue, paused) VALUES (${queue}, ${paused})
        ON CONFLICT (queue) DO UPDATE SET paused = excluded.paused, updated_at = now()`;
      if (paused) return;
      await tx`
        SELECT pg_notify(${READY_CHANNEL}, count(*) || ':' || ${queue}) FROM qtasks_tasks
        WHERE queue = ${queue} AND status IN ('new', 'retry') AND NOT delayed HAVING count(*) > 0`;
    });
  }

  /** Whether `queue` is paused. */
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
    );
  }

  /** Moves the rows `select` locks by `transition`, in one transaction. */
  private takeDue(
    select: (tx: TransactionSql, now: Date) => Promise<{ record: Buffer }[]>,
    transition: (before: TaskRecord, at: TransitionContext) => TaskRecord,
  ): Promise<WriteResult<number>> {
    return this.sql.begin(async (tx) => {
      const at = this.at();
      const rows = await select(tx, new Date(at.nowMs));
      const changed = rows.map((row) => transition(decodeRecord(row.record), at));
      await this.write(tx, changed);
      return { value: changed.length, changed };
    });
  }

  /** The records of `ids` (those stored), locked until the transaction ends, by id. */
  private async locked(tx: TransactionSql, ids: readonly string[]): Promise<Map<string, TaskRecord>> {
    // An id that is no UUID names no task (the column would refuse it, failing the whole batch).
    const known = [...new Set(ids)].filter(isTaskId);
    const rows = await tx<{ record: Buffer }[]>`SELECT record FROM qtasks_tasks WHERE id = ANY(${known}::uuid[]) FOR UPDATE`;
    return new Map(rows.map((row) => decodeRecord(row.record)).map((task) => [task.id, task]));
  }

  /** Stores the records a transition changed: rewritten, or removed when they ended with a retention of 0; heard of by every broker. */
  private async write(tx: TransactionSql, changed: readonly TaskRecord[]): Promise<void> {
    const removed = changed.filter((task) => removedAtEnd(task, this.retention));
    const kept = removed.length === 0 ? changed : changed.filter((task) => !removed.includes(task));
    await this.persist(tx, kept, removed, changed);
  }

  /**
   * Rewrites the rows of `updated`, deletes those of `removed`, and notifies what `notified`
   * holds (`notifications.ts`), in one statement: data-modifying `WITH` parts run whether or not
   * the query reads them.
   */
  private async persist(tx: TransactionSql, updated: readonly TaskRecord[], removed: readonly TaskRecord[], notified: readonly TaskRecord[]): Promise<void> {
    const parts: string[] = [];
    const params: ParameterOrJSON<never>[] = [];
    if (updated.length > 0) {
      const assignments = TASK_COLUMN_NAMES.filter((column) => column !== 'id').map((column) => `${column} = c.${column}`);
      parts.push(`updated AS (UPDATE qtasks_tasks t SET ${assignments.join(', ')} FROM ${unnestAll(params.length + 1)} WHERE t.id = c.id)`);
      params.push(...this.parameters(updated));
    }
    if (removed.length > 0) {
      parts.push(`removed AS (DELETE FROM qtasks_tasks WHERE id = ANY($${params.length + 1}::uuid[]))`);
      params.push(removed.map((task) => task.id));
    }
    const { channels, payloads } = notificationsOf(notified);
    if (parts.length === 0 && channels.length === 0) return;
    const query = channels.length > 0 ? NOTIFY_FROM(params.length + 1) : 'SELECT 1';
    if (channels.length > 0) params.push(channels, payloads);
    await tx.unsafe(parts.length > 0 ? `WITH ${parts.join(', ')} ${query}` : query, params);
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
    return TASK_COLUMN_NAMES.map((column) => this.sql.array(columnOf(column, records, this.retention) as never[], TASK_COLUMNS[column].oid));
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
