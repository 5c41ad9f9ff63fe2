/**
 * The task store: the only code that knows LMDB. It exposes verbs (enqueue, lease, heartbeat,
 * complete, cancel, promoteDue, reapExpiredLeases, get, list), never transactions. What a verb
 * does to a record is a pure transition of `domain/transitions/` (one table lists them all);
 * this file finds the records, calls the transition, and writes the record and its index entries.
 *
 * Every verb is one atomic transaction, committed by `commits.ts` (group commit, rollback of a
 * verb that throws, durability, the count of writes in flight, a full disk's error). Callbacks
 * never await and read the clock themselves, because they run later than the call that queued them.
 * The verbs resolve at commit; {@link TaskStore.durable} then waits for what the durability mode
 * promises.
 *
 * A full disk: `enqueue` is refused while the free space is below a reserve (`disk-space.ts`), so
 * that the writes finishing work already taken on keep room; a commit that fails anyway rejects
 * with {@link DiskFullError} (see `commits.ts`). lmdb-js's `eventTurnBatching` is off because, on,
 * it leaves one internal promise per failed commit rejected with no handler, which would end the
 * process; the verbs still share commits, since every `childTransaction` queued before a commit
 * starts joins it.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { toClock, type Clock } from '../domain/clock.js';
import { AlreadyExistsError, TaskNotFoundError } from '../domain/errors.js';
import { idempotencyMismatch } from '../domain/idempotency.js';
import { cancelTask } from '../domain/transitions/cancel.js';
import { settle } from '../domain/transitions/complete.js';
import type { TransitionContext } from '../domain/transitions/context.js';
import { enqueueTask } from '../domain/transitions/enqueue.js';
import { expireLease } from '../domain/transitions/expire.js';
import { extendLease } from '../domain/transitions/heartbeat.js';
import { leaseRefusal } from '../domain/transitions/lease-fence.js';
import { leaseTask } from '../domain/transitions/lease.js';
import { recordProgress } from '../domain/transitions/progress.js';
import { promoteTask } from '../domain/transitions/promote.js';
import { Committer, LONE_WRITE_MAX_BYTES, type Durability, type WriteOptions } from './commits.js';
import { DiskFullError, DiskSpaceGuard, type FreeBytesReader } from './disk-space.js';
import {
  TASK_STATUSES,
  replyMeter,
  type Completion,
  type CompletionResult,
  type HeartbeatItem,
  type HeartbeatResult,
  type LeaseOptions,
  type NewTask,
  type ProgressItem,
  type ProgressResult,
  type ReplyBudget,
  type TaskOutcome,
  type TaskRecord,
  type TaskStatus,
} from '../domain/task.js';
import {
  dueRange,
  idempotencyKey,
  indexEntriesOf,
  prefixRange,
  statusIndex,
  type IndexEntry,
  type Key,
  type StatusIndexName,
} from './keys.js';
import { newLeaseToken, newTaskId } from './ids.js';
import { checkStore, type StoreReport } from './invariants.js';
import { mergeReadyQueues } from './ready-merge.js';

export type { Durability } from './commits.js';

/** Options of {@link TaskStore.open}. */
export interface TaskStoreOptions {
  /** Directory of the LMDB environment; created if missing. */
  path: string;
  /** `strict` (default): acknowledge after fsync. `commit`: acknowledge after commit. */
  durability?: Durability;
  /**
   * Wall time for calendar times, steady time for lease deadlines (see `domain/clock.ts`); a
   * single function drives both (a fake clock in tests). Default: the system's clocks.
   */
  clock?: Clock | (() => number);
  /**
   * `enqueue` is refused with {@link DiskFullError} while the filesystem of `path` has fewer free
   * bytes than this (read at most every 500 ms). Default 0: no reserve.
   */
  minFreeBytes?: number;
  /** How free bytes are read; tests pass a fake. Default: `statfs`. */
  readFreeBytes?: FreeBytesReader;
  /** Open an existing store without writing to it (`--check`, `--backup`). */
  readOnly?: boolean;
}

/** The outcome of a write verb: its value, and every record it changed that watchers should see. */
export interface WriteResult<T> {
  value: T;
  /** The records after the change, in commit order. */
  changed: TaskRecord[];
}

/** See {@link TaskStore.nextDue}. */
export interface NextDue {
  /** The earliest eta or backoff of a delayed task, in wall time. */
  wallMs?: number;
  /** The earliest lease deadline, in steady time. */
  steadyMs?: number;
}

/** A filter and cursor for {@link TaskStore.list}. */
export interface ListFilter {
  queue?: string;
  status?: TaskStatus;
  limit: number;
  /** Cursor returned by the previous page. */
  after?: ListCursor;
  /** A page ends early (with a cursor) where its tasks would no longer fit in one reply. */
  replyBudget?: ReplyBudget;
}

/** Where a page ended: the last key read, in the index the filter uses. */
export type ListCursor = (string | number)[];

/** One page of {@link TaskStore.list}. */
export interface ListPage {
  tasks: TaskRecord[];
  /** Cursor of the next page; absent on the last page. */
  next?: ListCursor;
}

/** Counts of the store, for operators (see {@link TaskStore.stats}). */
export interface StoreStats {
  /** Every task record, whatever its status. */
  tasks: number;
  /** Tasks ready to be leased now. */
  ready: number;
  /** Tasks waiting for an eta or a retry backoff. */
  delayed: number;
  /** Tasks leased to a worker. */
  leased: number;
  /** See {@link TaskStore.pendingWrites}. */
  pendingWrites: number;
  /** Bytes of the data file in use (up to the last page written). */
  dataBytes: number;
  /** LMDB's id of the last commit: it grows by one per commit that changed something. */
  lastTxnId: number;
}

/** The store's on-disk layout version; a store written by a newer layout is refused. */
const SCHEMA_VERSION = 1;

/** The LMDB store of tasks and their indexes. */
export class TaskStore {
  private readonly tasks: Database<TaskRecord, string>;
  private readonly indexes: Record<StatusIndexName, Database<unknown, Key>>;
  private readonly idempotency: Database<string, Key>;
  private readonly meta: Database<number, string>;
  private readonly clock: Clock;
  private seq: number;
  private space!: DiskSpaceGuard;
  private commits!: Committer;

  private constructor(
    private readonly env: RootDatabase,
    /** How acknowledgements relate to the disk. */
    readonly durability: Durability,
    clock: Clock,
  ) {
    this.clock = clock;
    this.tasks = env.openDB<TaskRecord, string>('tasks', {});
    this.indexes = {
      ready: env.openDB('ready', {}),
      delayed: env.openDB('delayed', {}),
      leases: env.openDB('leases', {}),
      byStatus: env.openDB('by_status', {}),
    };
    this.idempotency = env.openDB<string, Key>('idempotency', {});
    this.meta = env.openDB<number, string>('meta', {});
    const schemaVersion = this.meta.get('schemaVersion');
    if (schemaVersion !== undefined && schemaVersion > SCHEMA_VERSION) {
      throw new Error(`the data directory was written by a newer broker (schema ${schemaVersion} > ${SCHEMA_VERSION})`);
    }
    this.seq = this.meta.get('seq') ?? 0;
  }

  /** Opens (or creates) the store in `options.path`. */
  static async open(options: TaskStoreOptions): Promise<TaskStore> {
    // `noSubdir: false`: the data directory is always a directory (lmdb-js would otherwise take a
    // name with a dot, such as `/var/lib/qtasks.data`, for the path of a single database file).
    const env = open({ path: options.path, noSubdir: false, maxDbs: 16, eventTurnBatching: false, ...(options.readOnly ? { readOnly: true } : {}) });
    let store: TaskStore;
    try {
      store = new TaskStore(env, options.durability ?? 'strict', toClock(options.clock));
    } catch (error) {
      await env.close();
      throw error;
    }
    store.space = new DiskSpaceGuard(options.path, options.minFreeBytes ?? 0, options.readFreeBytes, () => store.clock.steadyMs());
    store.commits = new Committer(env, store.durability, store.space);
    // Written only when missing, so that a broker can start on a full disk and serve what it holds.
    if (!options.readOnly && store.meta.get('schemaVersion') !== SCHEMA_VERSION) {
      await store.write(0, () => store.meta.put('schemaVersion', SCHEMA_VERSION));
    }
    return store;
  }

  /**
   * Copies the store in `path` to `destination` (a new directory) while brokers may be writing to
   * it: LMDB's own copy (`mdb_env_copy`) under one read transaction, so the copy is the snapshot of
   * one commit. A plain file copy of a store being written is not safe (see the README).
   *
   * @throws Error if `destination` already holds a store
   */
  static async backup(path: string, destination: string): Promise<void> {
    await mkdir(destination, { recursive: true });
    if ((await readdir(destination)).length > 0) throw new Error(`${destination} is not empty; a backup goes into a new or empty directory`);
    const env = open({ path, noSubdir: false, readOnly: true, maxDbs: 16 });
    try {
      await env.backup(destination, false);
    } finally {
      await env.close();
    }
  }

  /**
   * Stores new tasks atomically. A task whose idempotency key is already taken in its queue is
   * not stored; the task that holds the key is returned in its place, if it is the same task
   * (see `domain/idempotency.ts`); if not, the whole batch is refused and nothing is stored.
   *
   * @param onIssued - called once the write is queued, before it commits: writes issued from it
   *   (a parked Lease woken at once) run after it in the same transaction and share its commit.
   *   Pass it only when such writes may follow: with it, the enqueue never takes the synchronous
   *   commit of a lone write (see `commits.ts`)
   * @returns one record per input, in input order
   */
  async enqueue(newTasks: readonly NewTask[], onIssued?: () => void): Promise<WriteResult<TaskRecord[]>> {
    const bytes = estimatedBytes(newTasks);
    const spaceChecked = this.space.check(bytes);
    // Counted as pending while the disk is read, so that calls admitted meanwhile see them.
    if (spaceChecked) await this.commits.holding(newTasks.length, spaceChecked);
    return this.write(newTasks.length, (now, changed, steady) =>
        newTasks.map((spec, i) => {
          if (spec.idempotencyKey) {
            const existingId = this.idempotency.get(idempotencyKey(spec.queue, spec.idempotencyKey));
            const existing = existingId === undefined ? undefined : this.tasks.get(existingId);
            // Thrown inside the transaction: the tasks of the batch written before it roll back too.
            if (existing) return sameRequestOrThrow(existing, spec, `tasks[${i}].idempotency_key`);
          }
          const task = enqueueTask(spec, newTaskId(), this.at(now, steady));
          if (spec.idempotencyKey) this.idempotency.put(idempotencyKey(spec.queue, spec.idempotencyKey), task.id);
          this.transition(undefined, task, changed);
          return task;
        }),
      { onIssued, bytes },
    );
  }

  /**
   * Leases up to `maxTasks` ready tasks across `queues`: lowest priority number first, FIFO
   * within a priority. Each becomes PROCESS with `attempt` incremented and a fresh lease token.
   * Not flushed: a lease lost in a power cut only means the task runs again.
   *
   * A lease counts for nothing in {@link pendingWrites}: what it writes is bounded by the ready
   * tasks, each admitted (and counted) when it was enqueued. Counting its whole `maxTasks` made
   * idle workers, woken by an enqueue of one task, refuse the producers they were waiting for.
   */
  lease(options: LeaseOptions): Promise<WriteResult<TaskRecord[]>> {
    return this.write(0, (now, changed, steady) => {
      const at = this.at(now, steady);
      const picked = mergeReadyQueues(this.indexes.ready, options.queues, options.maxTasks);
      const fits = replyMeter(options.replyBudget);
      const leased: TaskRecord[] = [];
      for (const taskId of picked) {
        const before = this.mustGet(taskId);
        const after = leaseTask(before, { workerId: options.workerId, leaseMs: options.leaseMs, token: newLeaseToken() }, at);
        // A task that would take the reply over the max message size stays ready (first in line
        // for the next call): leased, it would be lost with a reply that cannot be sent, and its
        // attempt with it.
        if (!fits(after)) break;
        this.transition(before, after, changed);
        leased.push(after);
      }
      return leased;
    });
  }

  /**
   * Extends the leases that are still valid by `extendMs` from now (0: by each lease's own length),
   * never past an attempt's time limit. Not flushed, like {@link lease}. Heartbeats are not
   * transitions: the records keep their version and watchers hear nothing.
   */
  heartbeat(items: readonly HeartbeatItem[], extendMs: number): Promise<HeartbeatResult[]> {
    return this.write(items.length, (now, _changed, steady) => {
      const at = this.at(now, steady);
      const batch = new BatchRecords((id) => this.tasks.get(id));
      const results = items.map((item): HeartbeatResult => {
        const current = batch.get(item.taskId);
        const refusal = leaseRefusal(current, item.leaseToken, steady);
        if (refusal || !current?.lease) {
          return { taskId: item.taskId, ok: false, cancelRequested: false, reason: refusal };
        }
        const after = extendLease(current, extendMs, at);
        batch.update(after);
        return { taskId: item.taskId, ok: true, cancelRequested: current.cancelRequested, leaseDeadlineMs: after.lease!.deadlineMs };
      });
      batch.store((before, after) => this.transition(before, after));
      return results;
    }).then((result) => result.value);
  }

  /**
   * Records the outcomes of leased tasks. Each item is fenced by its lease token: a stale, expired
   * or unknown lease is refused for that item and changes nothing, and the other items proceed.
   */
  complete(completions: readonly Completion[]): Promise<WriteResult<CompletionResult[]>> {
    return this.write(completions.length, (now, changed, steady) => {
      const at = this.at(now, steady);
      const batch = new BatchRecords((id) => this.tasks.get(id));
      const results = completions.map((completion): CompletionResult => {
        const before = batch.get(completion.taskId);
        const refusal = leaseRefusal(before, completion.leaseToken, steady);
        if (refusal || !before) {
          return { taskId: completion.taskId, accepted: false, reason: refusal, ...(before ? { task: before } : {}) };
        }
        const after = settle(before, completion.outcome, at);
        batch.update(after);
        changed.push(after);
        return { taskId: completion.taskId, accepted: true, task: after };
      });
      batch.store((before, after) => this.transition(before, after));
      return results;
    }, { bytes: () => this.rewriteBytes(completions.map((c) => c.taskId), completions.reduce((sum, c) => sum + outcomeBytes(c.outcome), 0)) });
  }

  /**
   * Records progress reports, each fenced by its lease token like a heartbeat. Each accepted
   * report is a transition of its own (a new version), so a watcher sees every one; only the last
   * of a batch is stored (see {@link BatchRecords}).
   */
  reportProgress(items: readonly ProgressItem[]): Promise<WriteResult<ProgressResult[]>> {
    return this.write(items.length, (now, changed, steady) => {
      const at = this.at(now, steady);
      const batch = new BatchRecords((id) => this.tasks.get(id));
      const results = items.map((item): ProgressResult => {
        const before = batch.get(item.taskId);
        const refusal = leaseRefusal(before, item.leaseToken, steady);
        if (refusal || !before) return { taskId: item.taskId, ok: false, reason: refusal };
        const after = recordProgress(before, item.progress, at);
        batch.update(after);
        changed.push(after);
        return { taskId: item.taskId, ok: true };
      });
      batch.store((before, after) => this.transition(before, after));
      return results;
    });
  }

  /**
   * Cancels a task: a NEW or RETRY task becomes CANCEL at once; a PROCESS task is marked
   * `cancelRequested` for its worker to see; a CANCEL task is returned unchanged.
   *
   * @throws TaskNotFoundError for an unknown id
   * @throws IllegalTransitionError (a FailedPreconditionError) for a task that ended in SUCCESS or ERROR
   */
  cancel(taskId: string, reason: string): Promise<WriteResult<TaskRecord>> {
    return this.write(1, (now, changed, steady) => {
      const before = this.mustGet(taskId);
      const after = cancelTask(before, reason, this.at(now, steady));
      // The same record back means there was nothing to change (asked again).
      if (after !== before) this.transition(before, after, changed);
      return after;
    }, { bytes: () => this.rewriteBytes([taskId], reason.length) });
  }

  /** Moves up to `limit` tasks whose eta or backoff has passed from the delayed to the ready index. */
  promoteDue(limit: number): Promise<WriteResult<number>> {
    return this.write(limit, (now, changed, steady) => {
      const at = this.at(now, steady);
      const due = Array.from(this.indexes.delayed.getRange({ ...dueRange(now), limit }));
      for (const { value: taskId } of due) {
        const before = this.mustGet(taskId as string);
        // Listed in `changed` so that waiting leases wake; the version stays, so watchers skip it.
        this.transition(before, promoteTask(before, at), changed);
      }
      return due.length;
    });
  }

  /**
   * Ends up to `limit` leases whose deadline has passed. Each task runs again as a new attempt
   * (RETRY, ready at once) if retries are left, and otherwise fails with ERROR; the recorded error
   * is `TimeLimitExceeded` when the attempt's `maxTimeMs` ran out and `LeaseExpired` otherwise. A
   * task asked to cancel becomes CANCEL.
   */
  reapExpiredLeases(limit: number): Promise<WriteResult<number>> {
    return this.write(limit, (now, changed, steady) => {
      const at = this.at(now, steady);
      const expired = Array.from(this.indexes.leases.getRange({ ...dueRange(steady), limit }));
      for (const { value: taskId } of expired) {
        const before = this.mustGet(taskId as string);
        this.transition(before, expireLease(before, at), changed);
      }
      return expired.length;
    });
  }

  /**
   * Resolves once every write committed so far is as durable as the durability mode promises:
   * fsynced in `strict` mode, at once in `commit` mode. Verbs resolve at commit, so the caller
   * can act on a commit (wake a waiting worker) before it acknowledges the write to a client.
   */
  durable(): Promise<void> {
    return this.commits.durable();
  }

  /** The task with this id, or undefined. */
  get(taskId: string): TaskRecord | undefined {
    return this.tasks.get(taskId);
  }

  /**
   * A page of tasks. Filtered by status, they come from the status index; without a filter, from
   * the tasks database in id (creation) order; filtered by queue only, status by status.
   */
  list(filter: ListFilter): ListPage {
    const tasks: TaskRecord[] = [];
    const fits = replyMeter(filter.replyBudget);
    if (filter.queue === undefined && filter.status === undefined) {
      const after = filter.after?.[0];
      const range = this.tasks.getRange(after === undefined ? {} : { start: after as string });
      for (const { key, value } of range) {
        if (key === after) continue;
        if (tasks.length === filter.limit || !fits(value)) return { tasks, next: [tasks[tasks.length - 1]!.id] };
        tasks.push(value);
      }
      return { tasks };
    }
    const after = filter.after;
    const statuses = filter.status !== undefined ? [statusIndex(filter.status)] : TASK_STATUSES.map(statusIndex);
    let lastKey: Key | undefined;
    for (const status of statuses) {
      if (after !== undefined && status < (after[0] as number)) continue;
      const { start, end } = prefixRange(filter.queue === undefined ? [status] : [status, filter.queue]);
      const resume = after !== undefined && after[0] === status;
      for (const { key } of this.indexes.byStatus.getRange({ start: resume ? after : start, end })) {
        if (resume && sameKey(key, after)) continue;
        const task = this.mustGet(key[2] as string);
        if (tasks.length === filter.limit || !fits(task)) return { tasks, next: lastKey! };
        tasks.push(task);
        lastKey = key;
      }
    }
    return { tasks };
  }

  /** Checks every invariant of the store (see `invariants.ts`); reads the whole store. */
  checkInvariants(): StoreReport {
    return checkStore({ tasks: this.tasks, indexes: this.indexes, idempotency: this.idempotency, seq: this.meta.get('seq') ?? 0 });
  }

  /**
   * When work next falls due: the earliest eta or backoff of a delayed task (wall time), and the
   * earliest lease deadline (steady time; see `domain/clock.ts`). Either is absent when none.
   */
  nextDue(): NextDue {
    const delayed = this.firstKey(this.indexes.delayed);
    const lease = this.firstKey(this.indexes.leases);
    return {
      ...(delayed === undefined ? {} : { wallMs: delayed[0] as number }),
      ...(lease === undefined ? {} : { steadyMs: lease[0] as number }),
    };
  }

  /**
   * Task writes issued to the store and not yet committed: the sum, over the verbs in flight, of
   * the most records each may write (a lease counts none: see {@link lease}). Every one of them runs on the
   * main thread in the next commit's callback pass (12–35 µs per task on the reference
   * machine), so this number also says how long the event loop will stall.
   */
  get pendingWrites(): number {
    return this.commits.pendingWrites;
  }

  /**
   * How long a write has recently taken from being issued to being committed, in ms (a moving
   * average): about how long the writes pending now need to clear.
   */
  get recentCommitLatencyMs(): number {
    return this.commits.recentCommitLatencyMs;
  }

  /** Entry counts of the databases and the size of the data file; O(1), for operators. */
  stats(): StoreStats {
    const entries = (db: { getStats(): object }): number => (db.getStats() as { entryCount: number }).entryCount;
    const env = this.env.getStats() as { pageSize: number; lastPageNumber: number; lastTxnId: number };
    return {
      tasks: entries(this.tasks),
      ready: entries(this.indexes.ready),
      delayed: entries(this.indexes.delayed),
      leased: entries(this.indexes.leases),
      pendingWrites: this.commits.pendingWrites,
      dataBytes: (env.lastPageNumber + 1) * env.pageSize,
      lastTxnId: env.lastTxnId,
    };
  }

  /** Waits for pending writes and closes the environment. */
  async close(): Promise<void> {
    await this.commits.flushed();
    await this.env.close();
  }

  /**
   * Runs `body` as one atomic transaction (committed alone at once, or batched with others: see
   * {@link Committer.write}). It gets the wall time (calendar times) and the steady time (lease
   * deadlines) of the commit.
   * `units` (the most records `body` may write) counts in {@link pendingWrites} until it commits.
   * `options` says whether writes follow it into its commit, and how big it is (see {@link WriteOptions}).
   */
  private async write<T>(
    units: number,
    body: (nowMs: number, changed: TaskRecord[], steadyMs: number) => T,
    options?: WriteOptions,
  ): Promise<WriteResult<T>> {
    const changed: TaskRecord[] = [];
    const value = await this.commits.write(
      units,
      () => {
        const seqBefore = this.seq;
        const result = body(this.clock.wallMs(), changed, this.clock.steadyMs());
        if (this.seq !== seqBefore) this.meta.put('seq', this.seq);
        return result;
      },
      options,
    );
    return { value, changed };
  }

  /** Replaces a record, moving its index entries along; `changed` collects what watchers see. */
  private transition(before: TaskRecord | undefined, after: TaskRecord, changed?: TaskRecord[]): void {
    const previous = before ? indexEntriesOf(before) : [];
    const next = indexEntriesOf(after);
    // A record owns at most two entries: comparing them pairwise beats building sets of ids.
    for (const entry of previous) {
      if (!next.some((kept) => sameEntry(kept, entry))) this.indexes[entry.index].remove(entry.key);
    }
    for (const entry of next) {
      if (!previous.some((had) => sameEntry(had, entry))) this.indexes[entry.index].put(entry.key, entry.index === 'byStatus' ? true : after.id);
    }
    this.tasks.put(after.id, after);
    changed?.push(after);
  }

  /** What the pure transitions (`domain/transitions/`) may know of the commit they run in. */
  private at(nowMs: number, steadyMs: number): TransitionContext {
    return { nowMs, steadyMs, nextSeq: () => this.nextSeq() };
  }

  /**
   * About how many bytes a write that rewrites these tasks stores: each stored record's encoded
   * size (read without decoding it), `extraBytes` (new results, errors, reasons), and a kilobyte a
   * task for its index entries. Asked only of a write that could commit synchronously (see
   * `commits.ts`), since it reads every record.
   */
  private rewriteBytes(taskIds: readonly string[], extraBytes = 0): number {
    let bytes = extraBytes;
    for (const taskId of taskIds) {
      // Past the limit the answer is known: a big batch reads no more records.
      if (bytes > LONE_WRITE_MAX_BYTES) break;
      bytes += (this.tasks.getBinaryFast(taskId)?.length ?? 0) + 1024;
    }
    return bytes;
  }

  private mustGet(taskId: string): TaskRecord {
    const task = this.tasks.get(taskId);
    if (!task) throw new TaskNotFoundError(taskId);
    return task;
  }

  private nextSeq(): number {
    return ++this.seq;
  }

  private firstKey(db: Database<unknown, Key>): Key | undefined {
    for (const key of db.getKeys({ limit: 1 })) return key;
    return undefined;
  }
}

/**
 * The records one batch verb (Heartbeat, Complete, ReportProgress) works on. Each task is read
 * once, later items of the batch see the state the earlier ones left, and each changed task is
 * written once, in its last state, when the batch is done. Reading afresh for each item decoded
 * a whole copy of the record (args and all, up to the payload limit) per item, and writing for
 * each re-encoded it: one request of a few thousand items naming one task with 1 MiB of args took
 * gigabytes of memory and seconds of a blocked event loop (10,000 would exhaust the memory).
 */
class BatchRecords {
  /** As stored, before the batch. */
  private readonly stored = new Map<string, TaskRecord | undefined>();
  /** As the batch has left them so far. */
  private readonly current = new Map<string, TaskRecord | undefined>();
  private readonly changed = new Set<string>();

  constructor(private readonly read: (taskId: string) => TaskRecord | undefined) {}

  /** The task as the batch has left it so far (read from the store the first time). */
  get(taskId: string): TaskRecord | undefined {
    if (!this.current.has(taskId)) {
      const task = this.read(taskId);
      this.stored.set(taskId, task);
      this.current.set(taskId, task);
    }
    return this.current.get(taskId);
  }

  /** The task's new state, to be stored by {@link store}. */
  update(after: TaskRecord): void {
    this.get(after.id);
    this.current.set(after.id, after);
    this.changed.add(after.id);
  }

  /** Writes each changed task once: from its stored state to its last one. */
  store(write: (before: TaskRecord | undefined, after: TaskRecord) => void): void {
    for (const taskId of this.changed) write(this.stored.get(taskId), this.current.get(taskId)!);
  }
}

/**
 * The task that holds an idempotency key, if `spec` describes the same task.
 * @throws AlreadyExistsError naming `field` and the first field that differs
 */
function sameRequestOrThrow(existing: TaskRecord, spec: NewTask, field: string): TaskRecord {
  const differs = idempotencyMismatch(existing, spec);
  if (differs === undefined) return existing;
  throw new AlreadyExistsError(
    `${field}: ${JSON.stringify(spec.idempotencyKey)} is already used in queue ${JSON.stringify(spec.queue)} by task ${existing.id}, with another ${differs}; nothing was stored (use a new key for a new task)`,
  );
}

/** The bytes an outcome adds to its task's record. */
function outcomeBytes(outcome: TaskOutcome): number {
  switch (outcome.kind) {
    case 'success':
      return outcome.result.byteLength;
    case 'failure':
      return outcome.error.type.length + outcome.error.message.length + outcome.error.traceback.length;
    case 'cancelled':
      return outcome.reason.length;
    case 'released':
      return 0;
  }
}

/**
 * A generous estimate of the disk an enqueue takes: its payloads twice (the record, and the
 * copy-on-write pages a commit writes anew) plus a kilobyte a task for names, tags and indexes.
 */
function estimatedBytes(tasks: readonly NewTask[]): number {
  let bytes = 0;
  for (const task of tasks) bytes += 2 * (task.args.byteLength + task.kwargs.byteLength) + 1024;
  return bytes;
}

/** True if two index entries are the same entry: same index, same key. */
function sameEntry(a: IndexEntry, b: IndexEntry): boolean {
  return a.index === b.index && sameKey(a.key, b.key);
}

/** True if two tuple keys are equal element by element. */
function sameKey(a: Key, b: Key): boolean {
  return a.length === b.length && a.every((part, i) => part === b[i]);
}
