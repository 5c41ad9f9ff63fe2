/**
 * The task store: the only code that knows LMDB. It exposes verbs (enqueue, lease, heartbeat,
 * complete, cancel, promoteDue, reapExpiredLeases, get, list), never transactions. What a verb
 * does to a record is a pure transition of `domain/transitions/` (one table lists them all);
 * this file finds the records, calls the transition, and writes the record and its index entries.
 *
 * What lives where (docs/decisions.md, "Leases in memory"): every record, and the indexes of ended
 * and delayed tasks, in LMDB; the ready lines (`ready-lines.ts`) and the leases (`lease-book.ts`)
 * in memory, rebuilt from the records when the store opens (`recovery.ts`). A task costs three
 * writes from enqueue to success: its record at enqueue, its record and its ended-index entry at
 * its outcome. A lease, a heartbeat and a progress report write nothing.
 *
 * Every writing verb is one atomic transaction, committed by `commits.ts` (group commit, rollback of a
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
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { toClock, type Clock } from '../domain/clock.js';
import { TaskNotFoundError } from '../domain/errors.js';
import { sameRequestOrThrow } from '../domain/idempotency.js';
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
import { replayTask } from '../domain/transitions/replay.js';
import type { QueueLimits } from '../domain/queue.js';
import { ACK_LOG_FILE, AckLog } from './ack-log.js';
import { Committer, LONE_WRITE_MAX_BYTES, syncToDisk, type CommitObserver, type Durability, type WriteOptions } from './commits.js';
import { DiskFullError, DiskSpaceGuard, type FreeBytesReader } from './disk-space.js';
import { EarlyTasks, type EarlyBatch, type EarlyHandoff } from './early-tasks.js';
import {
  replyMeter,
  type Completion,
  type CompletionResult,
  type HeartbeatItem,
  type HeartbeatResult,
  type LeaseOptions,
  type NewTask,
  type ProgressItem,
  type ProgressResult,
  type TaskOutcome,
  type TaskRecord,
  type TaskStatus,
  TASK_STATUSES,
  countByQueue,
  isFinalStatus,
  isReady,
} from '../domain/task.js';
import {
  dueRange,
  idempotencyKey,
  indexEntriesOf,
  indexValueOf,
  NO_ENTRIES,
  prefixRange,
  statusIndex,
  type IndexEntry,
  type Key,
  type StatusIndexName,
} from './keys.js';
import { newLeaseToken, newTaskId } from './ids.js';
import { checkStore, type StoreReport } from './invariants.js';
import { estimatedRecordBytes, HotRecords } from './hot-records.js';
import { LeaseBook } from './lease-book.js';
import { ReadyLines, type PlacedEntry } from './ready-lines.js';
import { PEEK_RECORDS, type RecordPeek } from './record-peek.js';
import { RecordEncoder } from './record-codec.js';
import { DispatchGate } from './dispatch-gate.js';
import { QueueCounts, type QueueFigures } from './queue-counts.js';
import { QueueSettings } from './queue-settings.js';
import { dropVersion1Indexes, endAfterRestart, endedKeysBefore4, putIndexEntries, rekeyEnded, REKEY_BATCH, scanRecords } from './recovery.js';
import { DEFAULT_RETENTION, ExpiryHeads, expiryOf, removedAtEnd, type RetentionPolicy } from './retention.js';
import { listTasks, type ListFilter, type ListPage } from './task-listing.js';

export type { CommitObserver, Durability } from './commits.js';
export type { ListCursor, ListFilter, ListPage } from './task-listing.js';

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
  /** How long ended tasks stay (see `retention.ts`). @defaultValue {@link DEFAULT_RETENTION} */
  retention?: RetentionPolicy;
  /** Told how long commits and flushes take (metrics); none by default. */
  commitObserver?: CommitObserver;
}

/** The key in `meta` of the LSN of the last ack-log write committed (see `ack-log.ts`). */
const ACK_LOG_LSN = 'ackLogLsn';

/**
 * An Enqueue is answered from the ack log only while the task writes in flight, its own included,
 * are at most this many (and at most half the caller's admission limit: see
 * `EarlyHandoff.maxPendingWrites`). Past that, it shares a commit with them: waiting for it costs
 * each write little, while an append per Enqueue would cost every one of them a `write` call and
 * a second encoding of its records, and answers that do not wait let a producer outrun the
 * writer thread into the admission limit.
 */
const ACK_LOG_MAX_PENDING = 64;

/** The outcome of a write verb: its value, and every record it changed that watchers should see. */
export interface WriteResult<T> {
  value: T;
  /** The records after the change, in commit order. */
  changed: TaskRecord[];
  /**
   * Present when the write was acknowledged from the ack log before its commit (`ack-log.ts`):
   * settles once that commit has, true if it succeeded, false if it failed (the store then stops).
   * What the commit changes in memory (leases ended, lines and counts) waits for it.
   */
  committed?: Promise<boolean>;
}

/** What {@link TaskStore.enqueue} did. */
export interface EnqueueResult extends WriteResult<TaskRecord[]> {
  /**
   * The tasks put in line before the commit (`commit` mode, a lone write: see `early-tasks.ts`),
   * and the leases taken of them meanwhile: the `EarlyHandoff` was told of both already.
   */
  early?: EarlyBatch;
}

/** See {@link TaskStore.nextDue}. */
export interface NextDue {
  /** The earliest eta or backoff of a delayed task, or expiry of an ended one, in wall time. */
  wallMs?: number;
  /** The earliest lease deadline or opening of a full rate window, in steady time. */
  steadyMs?: number;
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

/**
 * The store's on-disk layout version; a store written by a newer layout is refused. Version 2
 * keeps leases and the ready order in memory (version 1 indexed both in LMDB: see `recovery.ts`,
 * which upgrades a version 1 store when it opens). Version 3 writes records as rows
 * (`record-codec.ts`); the maps of a version 2 store read back as they are. Version 4 keys
 * `by_status` by end time and adds `expiry` (`keys.ts`), rebuilt by `recovery.ts` from older ones.
 */
const SCHEMA_VERSION = 4;

/**
 * What a write does besides its LMDB writes: records for watchers, and changes to the in-memory
 * state, made once the write has committed (a ready task is leasable only once it is on disk) or
 * undone if it fails.
 */
class WriteEffects {
  readonly changed: TaskRecord[] = [];
  private readonly committed: (() => void)[] = [];
  private readonly failed: (() => void)[] = [];

  /** Runs `action` once the write has committed. */
  onCommit(action: () => void): void {
    this.committed.push(action);
  }

  /** Runs `action` if the write fails (its body threw, or its commit failed). */
  onFailure(action: () => void): void {
    this.failed.push(action);
  }

  /** Runs what the outcome calls for. */
  settle(committed: boolean): void {
    for (const action of committed ? this.committed : this.failed) action();
  }
}

/** The LMDB store of tasks and their indexes, with the ready lines and leases it keeps in memory. */
export class TaskStore {
  private readonly tasks: Database<TaskRecord, string>;
  private readonly indexes: Record<StatusIndexName, Database<unknown, Key>>;
  private readonly idempotency: Database<string, Key>;
  private readonly meta: Database<number, string>;
  private readonly ready = new ReadyLines();
  private readonly leases = new LeaseBook();
  /** Records of tasks in line, so that a lease need not read them (see `hot-records.ts`). */
  private readonly hot = new HotRecords();
  /**
   * The record each task's last write made ready, until that write commits: only the last write
   * of a task puts its record in `hot`. Writes issued together commit together, and their commit
   * callbacks need not run in the order their bodies ran (a later body, a cancel, may end a task
   * an earlier one made ready); a stale line entry is then dropped by the read from disk, as
   * before `hot` existed.
   */
  private readonly toHold = new Map<string, TaskRecord>();
  /** Tasks in line, or leased, before their enqueue has committed (see `early-tasks.ts`). */
  private readonly earlyTasks = new EarlyTasks();
  /**
   * The records of tasks acknowledged from the ack log whose commit has not settled: read from
   * here until then, so that a client reads the task it was just told is stored.
   */
  private readonly awaitingCommit = new Map<string, TaskRecord>();
  /**
   * The ended records of leased tasks whose outcome was acknowledged from the ack log and whose
   * commit has not settled (see {@link completeFromAckLog}): read ahead of the lease they end.
   */
  private readonly outcomesAwaitingCommit = new Map<string, TaskRecord>();
  /** Set from an Enqueue's push to the check phase of its turn (see {@link letPushesLeave}). */
  private pushesLeaving: Promise<void> | undefined;
  /** The task writes held back by {@link pushesLeaving}: counted in {@link pendingWrites}. */
  private unitsWaitingForPushes = 0;
  /** The commit of the last write answered from the ack log (see {@link answeredCommitted}). */
  private lastAnswered: Promise<boolean> | undefined;
  private readonly clock: Clock;
  /** Each queue's tasks by status, moved as commits land. */
  readonly counts: QueueCounts;
  /** Paused queues and queue limits, in memory and in the `queues` database. */
  readonly settings: QueueSettings;
  /** The queue limits applied to leases (see `dispatch-gate.ts`). */
  readonly gate: DispatchGate;
  private retention: RetentionPolicy = DEFAULT_RETENTION;
  private expiryHeads!: ExpiryHeads;
  private seq = 0;
  private space!: DiskSpaceGuard;
  private commits!: Committer;
  /** `commit` mode's acknowledgement log: a lone Enqueue is answered once appended to it (`ack-log.ts`). */
  private ackLog?: AckLog;
  /**
   * Set when a commit of writes already acknowledged from the ack log failed: the store then takes
   * no write and hands out no task until it is opened again, which stores them (see {@link enqueue}).
   */
  private failure?: Error;

  private constructor(
    private readonly env: RootDatabase,
    /** How acknowledgements relate to the disk. */
    readonly durability: Durability,
    clock: Clock,
  ) {
    this.clock = clock;
    this.counts = new QueueCounts(() => this.clock.wallMs());
    this.settings = new QueueSettings(env.openDB('queues', {}));
    this.gate = new DispatchGate(
      (queue) => this.settings.limitsOf(queue),
      (entry) => this.isInLine(entry),
    );
    // Records as msgpack rows, read back into the one shape of a record (`record-codec.ts`);
    // maps and msgpackr's shared structures, written by older brokers, still read back.
    this.tasks = env.openDB<TaskRecord, string>('tasks', { encoder: { Encoder: RecordEncoder } } as object);
    this.indexes = { delayed: env.openDB('delayed', {}), byStatus: env.openDB('by_status', {}), expiry: env.openDB('expiry', {}) };
    this.idempotency = env.openDB<string, Key>('idempotency', {});
    this.meta = env.openDB<number, string>('meta', {});
    const schemaVersion = this.meta.get('schemaVersion');
    if (schemaVersion !== undefined && schemaVersion > SCHEMA_VERSION) {
      throw new Error(`the data directory was written by a newer broker (schema ${schemaVersion} > ${SCHEMA_VERSION})`);
    }
  }

  /**
   * Opens (or creates) the store in `options.path`, and rebuilds its in-memory state from the
   * records (`recovery.ts`): the ready lines, and the FIFO counter.
   */
  static async open(options: TaskStoreOptions): Promise<TaskStore> {
    // `noSubdir: false`: the data directory is always a directory (lmdb-js would otherwise take a
    // name with a dot, such as `/var/lib/qtasks.data`, for the path of a single database file).
    // `noMetaSync` in `commit` mode: a commit fsyncs its data pages but not the meta page that
    // points at them, one fsync instead of two (a lone write's synchronous commit: ~0.18 ms against
    // ~0.30 ms here). A power cut may then undo the last commits, which is what `commit` mode
    // promises; LMDB keeps the file consistent either way (docs/decisions.md, "Commit latency").
    const durability = options.durability ?? 'strict';
    const env = open({
      path: options.path,
      noSubdir: false,
      maxDbs: 16,
      eventTurnBatching: false,
      ...(durability === 'commit' ? { noMetaSync: true } : {}),
      ...(options.readOnly ? { readOnly: true } : {}),
    });
    let store: TaskStore;
    try {
      store = new TaskStore(env, durability, toClock(options.clock));
    } catch (error) {
      await env.close();
      throw error;
    }
    store.retention = options.retention ?? DEFAULT_RETENTION;
    store.expiryHeads = new ExpiryHeads(store.indexes, store.retention);
    store.space = new DiskSpaceGuard(options.path, options.minFreeBytes ?? 0, options.readFreeBytes, () => store.clock.steadyMs());
    store.commits = new Committer(env, store.durability, store.space, options.commitObserver);
    if (!options.readOnly) {
      try {
        await store.replayAcknowledged(options.path);
        await store.recover();
      } catch (error) {
        await env.close();
        throw error;
      }
      store.expiryHeads.load(store.counts.withEndedTasks());
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
    // The ack log first (`ack-log.ts`): a task answered from it before the backup began is in the
    // copy of the log, or was committed before the snapshot below began (the log drops a frame only
    // once it has committed). Opening the copy stores the frames the snapshot does not hold.
    await copyFile(join(path, ACK_LOG_FILE), join(destination, ACK_LOG_FILE)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    const env = open({ path, noSubdir: false, readOnly: true, maxDbs: 16 });
    try {
      await env.backup(destination, false);
    } catch (error) {
      await rm(join(destination, ACK_LOG_FILE), { force: true }); // the directory stays empty for a retry
      throw error;
    } finally {
      await env.close();
    }
  }

  /**
   * Stores new tasks atomically: one record each (and its idempotency key, and a delayed entry
   * for one with an eta ahead). A task whose idempotency key is already taken in its queue is not
   * stored; the task that holds the key is returned in its place, if it is the same task (see
   * `domain/idempotency.ts`); if not, the whole batch is refused and nothing is stored. The ready
   * ones join their lines once committed, or, in `commit` mode, before (see {@link EnqueueResult.early}).
   *
   * @param handoff - told of the tasks put in line before the commit (see `early-tasks.ts`); without
   *   it, tasks wait for their commit
   * @returns one record per input, in input order
   */
  async enqueue(newTasks: readonly NewTask[], handoff?: EarlyHandoff): Promise<EnqueueResult> {
    if (this.failure) throw this.failure; // before anything is appended to the ack log
    const bytes = estimatedBytes(newTasks);
    const spaceChecked = this.space.check(bytes);
    // Counted as pending while the disk is read, so that calls admitted meanwhile see them.
    if (spaceChecked) {
      await this.commits.holding(newTasks.length, spaceChecked);
      if (this.failure) throw this.failure;
    }
    if (newTasks.some((spec) => spec.idempotencyKey)) return this.enqueueKeyed(newTasks, bytes);
    // Without idempotency keys nothing in the store decides what the tasks are: they are made now,
    // so that they can be handed out before their commit.
    const at = this.at();
    const tasks = newTasks.map((spec) => enqueueTask(spec, newTaskId(), at));
    let early: EarlyBatch | undefined;
    let workerWoken = false;
    const handOutEarly =
      this.durability === 'commit' && handoff
        ? (): void => {
            early = this.putInLineEarly(tasks);
            if (early) workerWoken = handoff.ready(countByQueue(early.tasks));
          }
        : undefined;
    // In `commit` mode an Enqueue that would otherwise wait for a commit of its own may be answered
    // once its tasks are in the ack log, its commit following (`ack-log.ts`).
    // Its tasks are then handed out at once, whatever path the commit takes: writes issued later
    // commit after it. Answered from the log, the tasks are published at once and a failed commit
    // stops the store (see docs/decisions.md, "Acknowledged before the fsync"); otherwise they are
    // published at the commit, and a failed one takes them back.
    const mayAcknowledge =
      handOutEarly !== undefined &&
      bytes <= LONE_WRITE_MAX_BYTES &&
      this.pendingWrites + tasks.length <= Math.min(ACK_LOG_MAX_PENDING, (handoff!.maxPendingWrites ?? Infinity) / 2) &&
      this.mayAppend();
    if (mayAcknowledge) handOutEarly();
    // A woken worker's push was just written, and Node's HTTP/2 sends it only once this request's
    // callback is done: the rest of the Enqueue (its log append, its write, its answer) waits for
    // it to leave. While another Enqueue's push leaves, this one waits behind it too, so that LSNs
    // follow the order in which writes are issued (docs/decisions.md, "The push leaves first").
    if (workerWoken) this.letPushesLeave();
    while (this.pushesLeaving) await this.pushesLeft(tasks.length);
    // From the check above to the write's issue nothing waits: no other write takes an LSN between.
    const lsn = mayAcknowledge && this.mayAppend() ? this.appendToAckLog(tasks) : undefined;
    const acknowledged = lsn !== undefined;
    if (acknowledged) {
      for (const task of tasks) this.awaitingCommit.set(task.id, task);
      early ??= EarlyTasks.batch();
      this.earlyTasks.acknowledge(early);
    }
    // The batch settles once: as its commit's effects settle (before a later write's caller
    // resumes: see EarlyHandoff.committed), or when the write fails.
    const settleEarly = (changed?: readonly TaskRecord[]): void => {
      if (!early || !this.earlyTasks.close(early)) return;
      if (changed) handoff!.committed(changed, early);
      else this.takeBackEarly(early);
    };
    const writing = this.write(
      tasks.length,
      (_at, effects) => {
        for (const task of tasks) {
          if (early?.ids.has(task.id)) this.writeEarly(task, effects);
          else this.transition(undefined, task, effects);
        }
        if (acknowledged) this.storeAckLogLsn(lsn);
        effects.onCommit(() => {
          if (acknowledged) for (const task of tasks) this.awaitingCommit.delete(task.id);
          settleEarly(effects.changed);
        });
        return tasks;
      },
      // Acknowledged, the write commits on the writer thread: the producer's next request is then
      // not held up by its fsync on the event loop. Not when it woke a worker: the writer thread's
      // work would then share the two vCPUs with the task about to run (docs/decisions.md,
      // "Outcomes from the ack log"); it waits for the next write to carry it, most often the
      // task's own outcome, whose arrival its fsync would otherwise hold up ("Deferred commits").
      { bytes, onLone: mayAcknowledge ? undefined : handOutEarly, background: acknowledged && !workerWoken, deferred: acknowledged && workerWoken },
    );
    if (acknowledged) {
      // Stored as far as anyone can tell: published now (once its write is issued, so that a write
      // a listener issues commits after it), followed by the leases a worker woken above took of
      // them. What it puts in line at the commit (delayed tasks, tasks `hot` had no room for) is
      // woken for by `handoff` then.
      handoff!.acknowledged(tasks, early!); // set above when acknowledged
      return { value: tasks, changed: [], early, committed: this.settleAcknowledged(writing) };
    }
    try {
      const result = await writing;
      return early ? { ...result, early } : result;
    } catch (error) {
      settleEarly();
      throw error;
    }
  }

  /**
   * Holds back the writes issued from now until the check phase of this turn of the event loop,
   * when the HTTP/2 sessions have sent what their streams were given (the pushes written in this
   * turn). Writes wait for that in the order they were issued ({@link write}), so that bodies
   * still run, and LSNs are still taken, in the order of the requests.
   */
  private letPushesLeave(): void {
    this.pushesLeaving ??= new Promise((resolve) =>
      setImmediate(() => {
        this.pushesLeaving = undefined;
        resolve();
      }),
    );
  }

  /**
   * Resolves once the pushes leaving now have left (see {@link letPushesLeave}), counting `units`
   * in {@link pendingWrites} meanwhile, so that Enqueues admitted in the same turn see them.
   * Callers resume in the order they called (each through the same one step), and check again
   * before they write: a listener told of an earlier write as it resumed may have opened the
   * next wait.
   */
  private pushesLeft(units: number): Promise<void> {
    this.unitsWaitingForPushes += units;
    return this.pushesLeaving!.then(() => {
      this.unitsWaitingForPushes -= units;
    });
  }

  /** True while a write may be answered from the ack log: it has room, and the last commit did not fail. */
  private mayAppend(): boolean {
    return this.ackLog?.hasRoom === true && !this.commits.failing && !this.failure;
  }

  /**
   * Appends an Enqueue's tasks to the ack log (`commit` mode), so that it can be answered before
   * its commit. Undefined if the append failed (a full disk): the Enqueue then waits for its commit.
   *
   * @returns the LSN its commit stores
   */
  private appendToAckLog(tasks: readonly TaskRecord[]): number | undefined {
    try {
      return this.ackLog!.append(tasks);
    } catch {
      return undefined;
    }
  }

  /**
   * Stores, in a write's transaction, the LSN of its ack log frame. The LSN before it must have
   * committed, in an earlier commit or this one: if its commit failed, so must this one, or the
   * LSN stored would pass over a write never stored.
   */
  private storeAckLogLsn(lsn: number): void {
    if ((this.meta.get(ACK_LOG_LSN) ?? 0) !== lsn - 1) throw new Error(`ack log write ${lsn - 1} was not committed`);
    this.meta.put(ACK_LOG_LSN, lsn);
  }

  /** Follows the commit of a write acknowledged from the ack log: see {@link WriteResult.committed}. */
  private settleAcknowledged(writing: Promise<unknown>): Promise<boolean> {
    this.lastAnswered = writing.then(
      () => (this.ackLog?.committed(), true),
      (error: unknown) => (this.failAcknowledged(error), false),
    );
    return this.lastAnswered;
  }

  /**
   * Settles once every write answered from the ack log so far has committed (or failed), so that
   * a reader of the store ({@link list}) sees what its caller was told is stored; undefined when
   * none is pending (the common case: no wait). Commits run in the order issued: the last one
   * answered settles after the others.
   */
  answeredCommitted(): Promise<unknown> | undefined {
    return this.ackLog?.owes ? this.lastAnswered : undefined;
  }

  /**
   * The commit of a write already acknowledged from the ack log failed: its tasks are in the log
   * and must not be taken back, nor may a later write commit as if they were stored. The store
   * stops (see {@link failure}); opening it again replays the log.
   */
  private failAcknowledged(cause: unknown): void {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const message =
      `the broker could not commit tasks it had acknowledged (${reason}); they are kept in ` +
      `${join(this.space.path, ACK_LOG_FILE)} and stored when the broker restarts; it takes no write until then`;
    this.failure ??= cause instanceof DiskFullError ? new DiskFullError(message, cause.freeBytes) : new Error(message);
  }

  /**
   * Stores the tasks of the ack log's writes that never committed: acknowledged, then the broker
   * stopped before their commit (see `ack-log.ts`): the frames past the LSN the store holds. Then
   * starts the log afresh, for `commit` mode to append to.
   */
  private async replayAcknowledged(path: string): Promise<void> {
    // `strict` mode keeps no log: a data directory it alone has used gets none.
    if (this.durability === 'strict' && !existsSync(join(path, ACK_LOG_FILE))) return;
    const committedLsn = this.meta.get(ACK_LOG_LSN) ?? 0;
    const frames = AckLog.read(path).filter((frame) => frame.lsn > committedLsn);
    const lastLsn = frames.at(-1)?.lsn ?? committedLsn;
    const log = AckLog.open(path, lastLsn);
    try {
      if (frames.length > 0) {
        this.env.transactionSync(() => {
          // In log order: an Enqueue's record, then the outcome that ended it, by version. A
          // stored record as new or newer cannot be (its write came later and would have failed),
          // unless a log was copied in by hand.
          for (const task of frames.flatMap((frame) => frame.records)) {
            const stored = this.tasks.get(task.id);
            if (stored && stored.version >= task.version) continue;
            if (stored) for (const entry of indexEntriesOf(stored)) this.indexes[entry.index].remove(entry.key);
            putIndexEntries(task, this.indexes);
            this.tasks.put(task.id, task);
          }
          this.meta.put(ACK_LOG_LSN, lastLsn);
        });
        // On disk, meta page included (`commit` mode opens the environment `noMetaSync`), before
        // the log that held them goes.
        await syncToDisk(this.env);
      }
    } catch (error) {
      log.close();
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `could not store the ${frames.reduce((sum, frame) => sum + frame.records.length, 0)} tasks acknowledged before the broker ` +
          `stopped, kept in ${join(path, ACK_LOG_FILE)} (${reason}); free space and start the broker again`,
      );
    }
    log.clear();
    if (this.durability === 'commit') this.ackLog = log;
    else log.close();
  }

  /** {@link enqueue} of a batch with idempotency keys: what each task is depends on what is stored. */
  private enqueueKeyed(newTasks: readonly NewTask[], bytes: number): Promise<EnqueueResult> {
    return this.write(newTasks.length, (at, effects) =>
        newTasks.map((spec, i) => {
          if (spec.idempotencyKey) {
            const existingId = this.idempotency.get(idempotencyKey(spec.queue, spec.idempotencyKey));
            const existing = existingId === undefined ? undefined : this.view(existingId);
            // Thrown inside the transaction: the tasks of the batch written before it roll back too.
            if (existing) return sameRequestOrThrow(existing, spec, `tasks[${i}].idempotency_key`);
          }
          const task = enqueueTask(spec, newTaskId(), at);
          if (spec.idempotencyKey) this.idempotency.put(idempotencyKey(spec.queue, spec.idempotencyKey), task.id);
          this.transition(undefined, task, effects);
          return task;
        }),
      { bytes },
    );
  }

  /**
   * Puts the ready ones of `tasks` in line before their commit (see `early-tasks.ts`): held in
   * `hot`, since a lease cannot read them from disk yet (one `hot` has no room for waits for its
   * commit), and counted as NEW.
   */
  private putInLineEarly(tasks: readonly TaskRecord[]): EarlyBatch | undefined {
    const batch = EarlyTasks.batch();
    for (const task of tasks) {
      if (!isReady(task) || !this.hot.put(task)) continue;
      this.ready.add(readyEntryOf(task));
      this.counts.move(task.queue, undefined, 'new');
      this.earlyTasks.add(batch, task);
    }
    return batch.tasks.length > 0 ? batch : undefined;
  }

  /**
   * Writes the record of a task already in line (see {@link putInLineEarly}): a ready NEW task
   * has no index entry, and its line, `hot` and counts were seen to before the commit.
   */
  private writeEarly(task: TaskRecord, effects: WriteEffects): void {
    this.tasks.put(task.id, task);
    effects.changed.push(task);
  }

  /**
   * Undoes {@link putInLineEarly} after the commit failed: each task leaves its line, or its
   * lease ends (the worker's outcome will be refused: the task was never stored).
   */
  private takeBackEarly(batch: EarlyBatch): void {
    const nowMs = this.clock.steadyMs();
    for (const task of batch.tasks) {
      this.hot.forget(task.id);
      const leased = this.leases.get(task.id);
      if (leased) {
        this.leases.delete(task.id);
        for (const entry of this.gate.ended(leased, nowMs)) this.ready.add(entry);
        this.counts.move(task.queue, 'process', undefined);
      } else {
        if (!this.ready.remove(task.queue, task.priority, task.seq)) this.gate.unhold(task);
        this.counts.move(task.queue, 'new', undefined);
      }
    }
  }

  /**
   * Leases up to `maxTasks` ready tasks across `queues`: lowest priority number first, FIFO
   * within a priority. Each becomes PROCESS with `attempt` incremented and a fresh lease token.
   * In memory only, so synchronous and free of writes: on disk the task stays as it was, and a
   * crash gives it back (docs/decisions.md, "Leases in memory").
   */
  lease(options: LeaseOptions): WriteResult<TaskRecord[]> {
    // A stopped store (see `failure`) could record no outcome: its tasks wait for the restart.
    if (this.failure) return { value: [], changed: [] };
    const at = this.at();
    const fits = replyMeter(options.replyBudget);
    const leased: TaskRecord[] = [];
    const changed: TaskRecord[] = [];
    // A paused queue hands out nothing (its tasks wait in line); checked only while some queue has settings.
    const gated = this.settings.any;
    let queues = gated ? options.queues.filter((queue) => !this.settings.isPaused(queue)) : options.queues;
    if (gated) this.gate.beginLease();
    while (leased.length < options.maxTasks) {
      const entry = this.ready.takeBest(queues);
      if (!entry) break;
      const before = this.hot.get(entry.id) ?? this.read(entry.id);
      // The record is the truth: an entry whose task was cancelled, or moved on, is dropped.
      if (!before || (before.status !== 'new' && before.status !== 'retry') || before.delayed || before.seq !== entry.seq || this.leases.has(entry.id)) continue;
      if (gated) {
        const verdict = this.gate.verdict(before, at.steadyMs);
        if (verdict === 'queue-closed') {
          // The queue waits whole, its task first in line again; the other queues go on.
          this.ready.add(entry);
          queues = queues.filter((queue) => queue !== entry.queue);
          continue;
        }
        if (verdict === 'key-closed') {
          this.gate.hold(entry, before.limitKey!);
          if (this.gate.holdCapReached) break;
          continue;
        }
      }
      const after = leaseTask(before, { workerId: options.workerId, leaseMs: options.leaseMs, token: newLeaseToken() }, at);
      // A task that would take the reply over the max message size stays first in line: leased,
      // it would be lost with a reply that cannot be sent, and its attempt with it.
      if (!fits(after)) {
        this.ready.add(entry);
        break;
      }
      this.leases.set(after);
      this.hot.forget(after.id);
      this.gate.started(after, at.steadyMs);
      this.counts.move(after.queue, before.status, 'process');
      leased.push(after);
      // A task whose enqueue has not committed yet is heard of once it has (see `early-tasks.ts`).
      if (!this.earlyTasks.deferLease(after)) changed.push(after);
    }
    return { value: leased, changed };
  }

  /**
   * Extends the leases that are still valid by `extendMs` from now (0: by each lease's own length),
   * never past an attempt's time limit. In memory only, like {@link lease}. Heartbeats are not
   * transitions: the records keep their version and watchers hear nothing.
   */
  heartbeat(items: readonly HeartbeatItem[], extendMs: number): HeartbeatResult[] {
    const at = this.at();
    return items.map((item): HeartbeatResult => {
      const current = this.leases.active(item.taskId);
      const refusal = leaseRefusal(current, item.leaseToken, at.steadyMs);
      if (refusal || !current) return { taskId: item.taskId, ok: false, cancelRequested: false, reason: refusal };
      const after = extendLease(current, extendMs, at);
      this.leases.set(after);
      return { taskId: item.taskId, ok: true, cancelRequested: current.cancelRequested, leaseDeadlineMs: after.lease!.deadlineMs };
    });
  }

  /**
   * Records the outcomes of leased tasks: one record write each (and the index entry of an ended
   * task). Each item is fenced by its lease token: a stale, expired or unknown lease is refused
   * for that item and changes nothing, and the other items proceed.
   */
  complete(completions: readonly Completion[]): Promise<WriteResult<CompletionResult[]>> {
    const acknowledged = this.completeFromAckLog(completions);
    if (acknowledged) return Promise.resolve(acknowledged);
    return this.write(completions.length, (at, effects) =>
        completions.map((completion): CompletionResult => {
          const current = this.endableLease(completion.taskId);
          const refusal = leaseRefusal(current, completion.leaseToken, at.steadyMs);
          if (refusal || !current) return { taskId: completion.taskId, accepted: false, reason: refusal };
          const after = settle(current, completion.outcome, at);
          this.endLease(current, after, effects);
          return { taskId: completion.taskId, accepted: true, task: after };
        }),
      { bytes: () => this.completionBytes(completions.map((c) => c.taskId), completions) },
    );
  }

  /**
   * {@link complete} answered before its commit, in `commit` mode, as an Enqueue may be (see
   * `ack-log.ts`): the ended records go into the ack log, the leases settle at once, and the commit
   * follows on the writer thread, so that neither the worker nor the producer waiting for the
   * result waits for its fsync. Only outcomes that end their tasks for good and keep them stored:
   * a task that runs again must not be in line before its commit (a lease would read its old
   * record), and a record removed (a retention of 0) has no record to replay.
   *
   * @returns undefined when the batch must wait for its commit: not `commit` mode, writes in
   *   flight past {@link ACK_LOG_MAX_PENDING}, a log full or failing, a failed last commit, a disk
   *   inside its reserve, a task handed out before its enqueue committed, an outcome that does not
   *   end its task, or a big batch
   */
  private completeFromAckLog(completions: readonly Completion[]): WriteResult<CompletionResult[]> | undefined {
    // While a push is leaving, an Enqueue's append waits (see letPushesLeave): one here would
    // take an LSN ahead of the write issued before it.
    if (!this.mayAppend() || this.pushesLeaving) return undefined;
    // Inside the disk's reserve an outcome may find the disk full: refused then, it must be able to fail alone.
    if (!this.space.aboveReserve || this.pendingWrites + completions.length > ACK_LOG_MAX_PENDING) return undefined;
    const at = this.at();
    const value: CompletionResult[] = [];
    const ends = new Map<string, { leased: TaskRecord; after: TaskRecord }>();
    for (const completion of completions) {
      const leased = this.leases.active(completion.taskId);
      const refusal = leaseRefusal(leased, completion.leaseToken, at.steadyMs);
      if (refusal || !leased) {
        value.push({ taskId: completion.taskId, accepted: false, reason: refusal });
        continue;
      }
      // Twice in one batch, or not stored yet (its enqueue's commit could still fail): the write's
      // own body sorts it out.
      if (ends.has(leased.id) || this.earlyTasks.has(leased.id)) return undefined;
      const after = settle(leased, completion.outcome, at);
      if (!isFinalStatus(after.status) || removedAtEnd(after, this.retention)) return undefined;
      ends.set(leased.id, { leased, after });
      value.push({ taskId: completion.taskId, accepted: true, task: after });
    }
    if (ends.size === 0) return undefined;
    const bytes = this.completionBytes([...ends.keys()], completions);
    if (bytes > LONE_WRITE_MAX_BYTES) return undefined;
    const records = [...ends.values()].map(({ after }) => after);
    const lsn = this.appendToAckLog(records);
    if (lsn === undefined) return undefined;
    for (const { leased, after } of ends.values()) {
      // Settling now: no other outcome, heartbeat or reap can take the lease meanwhile.
      this.leases.markSettling(leased.id, true);
      this.outcomesAwaitingCommit.set(after.id, after);
    }
    const writing = this.write(
      ends.size,
      (_at, effects) => {
        for (const { leased, after } of ends.values()) this.endLease(leased, after, effects);
        this.storeAckLogLsn(lsn);
        effects.onCommit(() => {
          for (const after of records) if (this.outcomesAwaitingCommit.get(after.id) === after) this.outcomesAwaitingCommit.delete(after.id);
        });
      },
      { bytes, background: true },
    );
    return { value, changed: records, committed: this.settleAcknowledged(writing) };
  }

  /**
   * Records progress reports, each fenced by its lease token like a heartbeat. Each accepted
   * report is a transition of its own (a new version), so a watcher sees every one. In memory
   * only: progress belongs to an attempt, which a crash ends anyway.
   */
  reportProgress(items: readonly ProgressItem[]): WriteResult<ProgressResult[]> {
    const at = this.at();
    const changed: TaskRecord[] = [];
    const value = items.map((item): ProgressResult => {
      const current = this.leases.active(item.taskId);
      const refusal = leaseRefusal(current, item.leaseToken, at.steadyMs);
      if (refusal || !current) return { taskId: item.taskId, ok: false, reason: refusal };
      const after = recordProgress(current, item.progress, at);
      this.leases.set(after);
      // Heard after the task's NEW state when its enqueue has not committed yet (see `early-tasks.ts`).
      if (!this.earlyTasks.deferLease(after)) changed.push(after);
      return { taskId: item.taskId, ok: true };
    });
    return { value, changed };
  }

  /**
   * Cancels a task: a NEW or RETRY task becomes CANCEL at once; a PROCESS task is marked
   * `cancelRequested` for its worker to see (and on disk, so that a restart ends it in CANCEL);
   * a CANCEL task is returned unchanged.
   *
   * @throws TaskNotFoundError for an unknown id
   * @throws IllegalTransitionError (a FailedPreconditionError) for a task that ended in SUCCESS or ERROR
   */
  cancel(taskId: string, reason: string): Promise<WriteResult<TaskRecord>> {
    return this.write(1, (at, effects) => {
      // An outcome answered before its commit ended the task, as far as anyone can tell, even if
      // this cancel was issued first (the outcome settled its lease as it was answered).
      const ended = this.outcomesAwaitingCommit.get(taskId);
      const leased = ended ? undefined : this.leases.active(taskId);
      const stored = ended ?? this.read(taskId);
      if (!stored) throw new TaskNotFoundError(taskId);
      const before = leased ?? stored;
      const after = cancelTask(before, reason, at);
      // The same record back means there was nothing to change (asked again).
      if (after === before) return after;
      if (leased) {
        this.leases.set(after);
        effects.onFailure(() => this.leases.active(taskId) === after && this.leases.set(leased));
        this.transition(stored, { ...stored, cancelRequested: true, cancelReason: reason }, effects, { seen: after, countedFrom: 'process' });
      } else {
        this.transition(stored, after, effects);
      }
      return after;
    }, { bytes: () => this.rewriteBytes([taskId], reason.length) });
  }

  /** Moves up to `limit` tasks whose eta or backoff has passed from the delayed index to their ready lines. */
  promoteDue(limit: number): Promise<WriteResult<number>> {
    return this.write(limit, (at, effects) => {
      const due = Array.from(this.indexes.delayed.getRange({ ...dueRange(at.nowMs), limit }));
      for (const { value: taskId } of due) {
        const before = this.mustGet(taskId as string);
        // Reported so that waiting leases wake; the version stays, so watchers skip it.
        this.transition(before, promoteTask(before, at), effects);
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
    const expired = this.leases.expired(this.clock.steadyMs(), limit);
    if (expired.length === 0) return Promise.resolve({ value: 0, changed: [] });
    return this.write(expired.length, (at, effects) => {
      for (const { id } of expired) {
        // Settled meanwhile, or saved by a heartbeat: nothing to reap.
        const current = this.endableLease(id);
        if (current && current.lease!.deadlineMs <= at.steadyMs) this.endLease(current, expireLease(current, at), effects);
      }
      return expired.length;
    });
  }

  /**
   * Runs an ended task (ERROR or CANCEL) again: RETRY, ready at once, with a fresh retry budget
   * (row `replay`).
   *
   * @throws TaskNotFoundError for an unknown id
   * @throws IllegalTransitionError (a FailedPreconditionError) for a task in another status
   */
  retry(taskId: string): Promise<WriteResult<TaskRecord>> {
    return this.write(1, (at, effects) => {
      // A leased task's record on disk is NEW or RETRY: the guard refuses it as what readers see.
      // An outcome answered before its commit is what they see, and its write's body ran first.
      const before = this.outcomesAwaitingCommit.get(taskId) ?? this.leases.get(taskId) ?? this.mustGet(taskId);
      const after = replayTask(before, at);
      this.transition(before, after, effects);
      return after;
    }, { bytes: () => this.rewriteBytes([taskId]) });
  }

  /**
   * Removes up to `limit` tasks of `queue` in `statuses` (never PROCESS: a leased task is skipped),
   * with their idempotency keys. A task that had not ended is first seen to end in CANCEL
   * (reason `purged`) by its watchers, so that no watch waits for a task that is gone.
   *
   * @returns how many were removed: fewer than `limit` means the queue holds no more of them
   */
  purge(queue: string, statuses: readonly TaskStatus[], limit: number, cursor: PurgeCursor = { tried: new Set() }): Promise<WriteResult<PurgeBatch>> {
    const ids = this.purgeCandidates(queue, statuses, limit, cursor);
    const done = ids.length === 0 && cursor.delayedDone === true;
    if (ids.length === 0) return Promise.resolve({ value: { removed: 0, done }, changed: [] });
    return this.write(ids.length, (at, effects) => {
      let removed = 0;
      for (const id of ids) {
        const before = this.read(id);
        if (!before || before.queue !== queue || !statuses.includes(before.status) || this.leases.has(id)) continue;
        const after = isFinalStatus(before.status) ? before : cancelTask(before, 'purged', at);
        this.transition(before, after, effects, { remove: true });
        removed++;
      }
      return { removed, done: false };
    });
  }

  /**
   * Up to `limit` ids of tasks of `queue` in `statuses` not tried by an earlier batch of this purge:
   * ended ones from their index, waiting ones from the ready lines, the gate and the delayed index.
   * The delayed index is by time, not queue, so its records are read, a bounded number per batch,
   * from where the previous batch stopped.
   */
  private purgeCandidates(queue: string, statuses: readonly TaskStatus[], limit: number, cursor: PurgeCursor): string[] {
    const ids: string[] = [];
    const offer = (id: string): boolean => {
      if (!cursor.tried.has(id)) {
        cursor.tried.add(id);
        ids.push(id);
      }
      return ids.length < limit;
    };
    for (const status of statuses.filter(isFinalStatus)) {
      for (const key of this.indexes.byStatus.getKeys(prefixRange([statusIndex(status), queue]))) if (!offer(key[3] as string)) return ids;
    }
    const waiting: TaskStatus[] = statuses.filter((status) => status === 'new' || status === 'retry');
    if (waiting.length === 0) {
      cursor.delayedDone = true;
      return ids;
    }
    const wanted = (entry: { retry: boolean }) => waiting.includes(entry.retry ? 'retry' : 'new');
    let full = false;
    this.ready.forEachAfter(queue, undefined, (entry) => !(full = wanted(entry) && !offer(entry.id)));
    if (full) return ids;
    for (const entry of this.gate.held(queue)) if (wanted(entry) && !offer(entry.id)) return ids;
    let scanned = 0;
    for (const { key, value: id } of this.indexes.delayed.getRange(cursor.delayedAfter ? { start: cursor.delayedAfter } : {})) {
      if (scanned++ >= PURGE_SCAN) return ids;
      cursor.delayedAfter = key;
      const task = this.read(id as string);
      if (task?.queue === queue && waiting.includes(task.status) && !offer(task.id)) return ids;
    }
    cursor.delayedDone = true;
    return ids;
  }

  /**
   * Removes up to `limit` ended tasks whose retention has run out (see `retention.ts`), with their
   * index entries and idempotency keys, in one commit.
   *
   * @returns how many were removed: `limit` means more may be due
   */
  sweepExpired(limit: number): Promise<WriteResult<number>> {
    const expired = this.expiryHeads.expired(this.clock.wallMs(), limit);
    if (expired.length === 0) return Promise.resolve({ value: 0, changed: [] });
    return this.write(expired.length, (_at, effects) => {
      const seen = new Set<string>();
      for (const { index, key, taskId } of expired) {
        // The entry found goes whatever its record says, so that a stale one cannot come back forever.
        this.indexes[index].remove(key);
        if (seen.has(taskId)) continue;
        seen.add(taskId);
        const task = this.read(taskId);
        if (!task || !isFinalStatus(task.status)) continue;
        for (const entry of indexEntriesOf(task)) this.indexes[entry.index].remove(entry.key);
        this.removeRecord(task);
        effects.onCommit(() => this.counts.move(task.queue, task.status, undefined));
      }
      // The ranges swept start later now (or are empty): each is read again once, not once per task.
      const swept = new Map(expired.flatMap(({ index, key }) => (index === 'byStatus' ? [[`${key[0]}\u0000${key[1]}`, key] as const] : [])));
      effects.onCommit(() => {
        for (const key of swept.values()) this.expiryHeads.refresh(TASK_STATUSES[key[0] as number]!, key[1] as string);
      });
      return expired.length;
    });
  }

  /** Replaces the limits of `queue`, durably; the tasks its limits held go back to their line, to be judged anew. */
  async setQueueLimits(queue: string, limits: QueueLimits): Promise<void> {
    await this.settings.setLimits(queue, limits);
    for (const entry of this.gate.releaseQueue(queue)) this.ready.add(entry);
  }

  /** The steady time at which a full rate window next opens for tasks waiting on it (see `dispatch-gate.ts`). */
  nextLimitOpeningMs(): number | undefined {
    if (!this.settings.any) return undefined;
    return this.gate.nextOpeningMs(this.clock.steadyMs(), (queue) => this.ready.sizeOf(queue) > 0);
  }

  /** Puts back in line the held tasks whose rate window has moved on (the due timer's part of the limits). */
  releaseLimited(): void {
    for (const entry of this.gate.releaseDue(this.clock.steadyMs())) this.ready.add(entry);
  }

  /** Ready tasks of `queue`. */
  readyCount(queue: string): number {
    return this.ready.sizeOf(queue);
  }

  /** When an ended task expires (wall time), by the retention in force now; undefined for one removed as it ended. */
  expiresAtMs(task: TaskRecord): number | undefined {
    return expiryOf(task, this.retention);
  }

  /** Every queue that holds a task (or saw one end in the last minute), or only `queue`, with its figures. */
  queueFigures(queue?: string): Map<string, QueueFigures> {
    const figures = new Map<string, QueueFigures>();
    for (const name of queue === undefined ? this.counts.names() : [queue]) {
      const oldestReadySinceMs = this.oldestReadySinceMs(name);
      figures.set(name, {
        counts: this.counts.countsOf(name),
        endedLastMinute: this.counts.endedLastMinute(name),
        ...(oldestReadySinceMs === undefined ? {} : { oldestReadySinceMs }),
      });
    }
    return figures;
  }

  /**
   * The wall time since when the longest-waiting ready task of `queue` has been ready (its eta
   * or the end of its backoff), or undefined when none is ready: the head of each priority's line.
   */
  oldestReadySinceMs(queue: string): number | undefined {
    let oldest: number | undefined;
    for (const id of this.ready.headsOf(queue)) {
      const task = this.read(id);
      const since = task?.runAtMs ?? task?.createdAtMs;
      if (since !== undefined && (oldest === undefined || since < oldest)) oldest = since;
    }
    return oldest;
  }

  /**
   * Resolves once every write committed so far is as durable as the durability mode promises:
   * fsynced in `strict` mode, at once in `commit` mode. Verbs resolve at commit, so the caller
   * can act on a commit (wake a waiting worker) before it acknowledges the write to a client.
   */
  durable(): Promise<void> {
    return this.commits.durable();
  }

  /**
   * Resolves once every write issued so far has committed and is on disk, in either mode; an
   * Enqueue answered from the ack log included (its commit may still run when it is answered).
   */
  async flushed(): Promise<void> {
    while (this.pushesLeaving) await this.pushesLeft(0); // writes about to be issued (see letPushesLeave)
    return this.commits.flushed();
  }

  /** The task with this id as it stands (a leased task's record is in memory), or undefined. */
  get(taskId: string): TaskRecord | undefined {
    return this.view(taskId);
  }

  /** A page of tasks (see {@link listTasks}). */
  list(filter: ListFilter): ListPage {
    return listTasks(
      {
        tasks: this.tasks,
        finished: this.indexes.byStatus,
        delayed: this.indexes.delayed,
        ready: this.ready,
        held: (queue) => this.gate.held(queue),
        leases: this.leases,
        view: (id) => this.view(id),
      },
      filter,
    );
  }

  /** Checks every invariant of the store (see `invariants.ts`); reads the whole store. */
  checkInvariants(): StoreReport {
    return checkStore({ tasks: this.tasks, indexes: this.indexes, idempotency: this.idempotency, layout: this.meta.get('schemaVersion') ?? SCHEMA_VERSION });
  }

  /**
   * When work next falls due: the earliest eta or backoff of a delayed task or expiry of an ended
   * one (wall time), and the earliest lease deadline (steady time; see `domain/clock.ts`). Either is absent when none.
   */
  nextDue(): NextDue {
    let wallMs = this.expiryHeads.nextExpiry() ?? Infinity;
    for (const key of this.indexes.delayed.getKeys({ limit: 1 })) wallMs = Math.min(wallMs, key[0] as number);
    const deadlineMs = this.leases.nextDeadline() ?? Infinity;
    const openingMs = this.nextLimitOpeningMs() ?? Infinity;
    const steadyMs = Math.min(deadlineMs, openingMs) === Infinity ? undefined : Math.min(deadlineMs, openingMs);
    return {
      ...(wallMs === Infinity ? {} : { wallMs }),
      ...(steadyMs === undefined ? {} : { steadyMs }),
    };
  }

  /**
   * Task writes issued to the store and not yet committed: the sum, over the verbs in flight, of
   * the most records each may write. Every one of them runs on the main thread in the next
   * commit's callback pass (12–35 µs per task on the reference machine), so this number also
   * says how long the event loop will stall.
   */
  get pendingWrites(): number {
    return this.commits.pendingWrites + this.unitsWaitingForPushes;
  }

  /**
   * How long a write has recently taken from being issued to being committed, in ms (a moving
   * average): about how long the writes pending now need to clear.
   */
  get recentCommitLatencyMs(): number {
    return this.commits.recentCommitLatencyMs;
  }

  /** Entry counts of the databases, the ready lines and leases, and the size of the data file; O(1). */
  stats(): StoreStats {
    const entries = (db: { getStats(): object }): number => (db.getStats() as { entryCount: number }).entryCount;
    const env = this.env.getStats() as { pageSize: number; lastPageNumber: number; lastTxnId: number };
    return {
      tasks: entries(this.tasks),
      ready: this.ready.size,
      delayed: entries(this.indexes.delayed),
      leased: this.leases.size,
      pendingWrites: this.pendingWrites,
      dataBytes: (env.lastPageNumber + 1) * env.pageSize,
      lastTxnId: env.lastTxnId,
    };
  }

  /** Waits for pending writes and closes the environment. */
  async close(): Promise<void> {
    await this.flushed();
    this.ackLog?.close();
    await this.env.close();
  }

  /**
   * Rebuilds the in-memory state from the records (see `recovery.ts`), upgrading a version 1
   * store, and ends in CANCEL the tasks that were asked to cancel while a lease, now gone, held them.
   */
  private async recover(): Promise<void> {
    const found = scanRecords(this.env.openDB<RecordPeek | undefined, string>('tasks', PEEK_RECORDS as object), this.tasks, (queue, status) =>
      this.counts.found(queue, status),
    );
    // A version 1 store kept its counter in `meta`.
    this.seq = Math.max(found.maxSeq, this.meta.get('seq') ?? 0);
    for (const entry of found.ready) this.ready.add(entry);
    const version = this.meta.get('schemaVersion');
    if (found.toEnd.length === 0 && version === SCHEMA_VERSION) return;
    // Written only when something is to change, so that a broker can start on a full disk and serve what it holds.
    if (version === 1) await this.write(0, () => dropVersion1Indexes(this.env, this.indexes.byStatus, this.meta));
    // The ended index of a store before version 4, re-keyed by end time, in commits of a bounded size.
    if (version !== undefined && version < 4) {
      for (let batch: Key[] = []; (batch = endedKeysBefore4(this.indexes.byStatus, REKEY_BATCH, batch.at(-1))).length > 0; ) {
        await this.write(batch.length, () => rekeyEnded(batch, this.indexes, this.tasks));
      }
    }
    await this.write(found.toEnd.length, (at, effects) => {
      for (const before of found.toEnd) this.transition(before, endAfterRestart(before, at), effects);
      this.meta.put('schemaVersion', SCHEMA_VERSION);
    });
  }

  /**
   * Runs `body` as one atomic transaction (committed alone at once, or batched with others: see
   * {@link Committer.write}), with the times of the commit. What it does in memory is made or
   * undone with the outcome (see {@link WriteEffects}) before this resolves.
   * `units` (the most records `body` may write) counts in {@link pendingWrites} until it commits.
   */
  private async write<T>(units: number, body: (at: TransitionContext, effects: WriteEffects) => T, options?: WriteOptions): Promise<WriteResult<T>> {
    while (this.pushesLeaving) await this.pushesLeft(units); // see letPushesLeave
    if (this.failure) throw this.failure;
    let effects = new WriteEffects();
    let value: T;
    try {
      value = await this.commits.write(
        units,
        () => {
          effects = new WriteEffects();
          return body(this.at(), effects);
        },
        options,
      );
    } catch (error) {
      effects.settle(false);
      throw error;
    }
    effects.settle(true);
    return { value, changed: effects.changed };
  }

  /**
   * The active lease of `taskId`, as a write's body may end it: none for a task handed out before
   * its enqueue's commit whose record is not there, because that commit failed (bodies run in the
   * order their writes were issued, so the enqueue's ran first): the write must not store a record
   * of a task whose enqueue was refused (see `early-tasks.ts`). Likewise after the failed commit of
   * an Enqueue answered from the ack log, before the store has stopped: the restart stores that
   * task afresh from the log, and an outcome accepted meanwhile would be lost with it.
   */
  private endableLease(taskId: string): TaskRecord | undefined {
    const current = this.leases.active(taskId);
    const unsure = this.earlyTasks.has(taskId) || this.awaitingCommit.has(taskId);
    if (current && unsure && this.read(taskId) === undefined) return undefined;
    return current;
  }

  /**
   * Writes the record that ends a lease (an outcome, an expiry or a give-back). The lease stays in
   * the book, settling, until the write commits (reads keep seeing PROCESS until the new state is
   * on disk), and is live again if the write fails.
   */
  private endLease(leased: TaskRecord, after: TaskRecord, effects: WriteEffects): void {
    this.leases.markSettling(leased.id, true);
    effects.onFailure(() => this.leases.markSettling(leased.id, false));
    effects.onCommit(() => {
      this.leases.delete(leased.id);
      for (const entry of this.gate.ended(leased, this.clock.steadyMs())) this.ready.add(entry);
    });
    // On disk a leased task is as it was before its lease: ready, with no index entry to move
    // (a lease is taken from a ready line only), so its record need not be read.
    this.transition(undefined, after, effects, { countedFrom: 'process' });
  }

  /**
   * Replaces a record on disk, moving its index entries along, and once committed puts a task that
   * became ready in its line (or takes a cancelled one out) and moves the queue's counts. A task
   * that ends with a retention of 0 (or that `remove` asks to drop) is removed instead, with its
   * idempotency key; its watchers still see `after`.
   */
  private transition(before: TaskRecord | undefined, after: TaskRecord, effects: WriteEffects, options: TransitionOptions = NO_OPTIONS): void {
    const seen = options.seen ?? after;
    const countedFrom = options.countedFrom ?? before?.status;
    const removed = options.remove === true || removedAtEnd(after, this.retention);
    const previous = before ? indexEntriesOf(before) : NO_ENTRIES;
    const next = removed ? NO_ENTRIES : indexEntriesOf(after);
    // A record owns at most two entries: comparing them pairwise beats building sets.
    for (const entry of previous) {
      if (!holdsEntry(next, entry)) this.indexes[entry.index].remove(entry.key);
    }
    for (const entry of next) {
      if (!holdsEntry(previous, entry)) this.indexes[entry.index].put(entry.key, indexValueOf(entry, after.id));
    }
    // What `hot` holds must be what is on disk: forgotten now, held again once committed, and
    // only by the last write of the task (see `toHold`). (A new task, or one whose lease ends, is
    // not held: leasing forgot it.)
    if (before !== undefined) this.hot.forget(after.id);
    this.toHold.delete(after.id);
    if (removed) this.removeRecord(after);
    else this.tasks.put(after.id, after);
    const wasReady = before !== undefined && isReady(before) && !this.leases.has(before.id);
    // Checked at commit: a lease ended by this write is gone by then (its task joins its line),
    // one that stays (a cancel request) keeps its task out of line.
    if (isReady(after) && !removed) {
      this.toHold.set(after.id, after);
      const lastWrite = (): boolean => this.toHold.get(after.id) === after && this.toHold.delete(after.id);
      effects.onFailure(lastWrite);
      effects.onCommit(() => {
        const holdable = lastWrite();
        if (this.leases.has(after.id)) return;
        this.ready.add(readyEntryOf(after));
        if (holdable) this.hot.put(after);
      });
    } else if (wasReady) {
      // Out of line now, not at commit: a lease taken while the commit is in flight would read the
      // old record and run a task that is being cancelled or removed. Back in line if it fails.
      if (this.ready.remove(before.queue, before.priority, before.seq) || this.gate.unhold(before)) {
        effects.onFailure(() => this.ready.add(readyEntryOf(before)));
      }
    }
    effects.onCommit(() => {
      if (options.remove) {
        // A purge is no completion: the task leaves the counts without passing through an end.
        this.counts.move(after.queue, countedFrom, undefined);
        return;
      }
      this.counts.move(after.queue, countedFrom, seen.status);
      // Ended with a retention of 0: counted as an end, and gone.
      if (removed) this.counts.move(after.queue, seen.status, undefined);
      else if (after.finishedAtMs !== undefined && isFinalStatus(after.status)) this.expiryHeads.ended(after.status, after.queue, after.finishedAtMs);
    });
    effects.changed.push(seen);
  }

  /** Deletes a record and its idempotency key (if the key still names it); index entries are the caller's. */
  private removeRecord(task: TaskRecord): void {
    this.tasks.remove(task.id);
    if (task.idempotencyKey === undefined) return;
    const key = idempotencyKey(task.queue, task.idempotencyKey);
    if (this.idempotency.get(key) === task.id) this.idempotency.remove(key);
  }

  /** True if a ready entry still stands for a task waiting to run (its record agrees, no lease holds it). */
  private isInLine(entry: PlacedEntry): boolean {
    // `hot` first, as a lease reads: a task handed out before its commit is not on disk yet.
    const task = this.hot.get(entry.id) ?? this.read(entry.id);
    return task !== undefined && isReady(task) && task.seq === entry.seq && !this.leases.has(entry.id);
  }

  /** The task as readers see it: a leased task's record is in memory, any other on disk. */
  private view(taskId: string): TaskRecord | undefined {
    return this.outcomesAwaitingCommit.get(taskId) ?? this.leases.get(taskId) ?? this.awaitingCommit.get(taskId) ?? this.read(taskId);
  }

  /** What the pure transitions (`domain/transitions/`) may know: the times now, and the FIFO counter. */
  private at(): TransitionContext {
    return { nowMs: this.clock.wallMs(), steadyMs: this.clock.steadyMs(), nextSeq: () => ++this.seq };
  }

  /**
   * About how many bytes a write that rewrites these tasks stores: each record's size (see
   * {@link storedBytes}), `extraBytes` (new results, errors, reasons), and a kilobyte a task for
   * its index entries. Asked only of a write that could commit synchronously (see
   * `commits.ts`), since it reads every record.
   */
  private rewriteBytes(taskIds: readonly string[], extraBytes = 0): number {
    let bytes = extraBytes;
    for (const taskId of taskIds) {
      // Past the limit the answer is known: a big batch reads no more records.
      if (bytes > LONE_WRITE_MAX_BYTES) break;
      bytes += this.storedBytes(taskId) + 1024;
    }
    return bytes;
  }

  /** About how many bytes a batch of outcomes stores: the records of `taskIds` rewritten, with the outcomes' results and errors. */
  private completionBytes(taskIds: readonly string[], completions: readonly Completion[]): number {
    return this.rewriteBytes(taskIds, completions.reduce((sum, c) => sum + outcomeBytes(c.outcome), 0));
  }

  /**
   * About how many bytes a task's record takes stored. A leased task's record is in memory, and
   * its payloads say that with no read, unless it carries a history of attempts (errors and
   * tracebacks): that one, like any other, is read without decoding it.
   */
  private storedBytes(taskId: string): number {
    const leased = this.leases.get(taskId);
    if (leased && leased.history === undefined) return estimatedRecordBytes(leased);
    return this.tasks.getBinaryFast(taskId)?.length ?? 0;
  }

  /** A record from disk, in the shape transitions copy fast (see `record-codec.ts`). */
  private read(taskId: string): TaskRecord | undefined {
    return this.tasks.get(taskId);
  }

  private mustGet(taskId: string): TaskRecord {
    const task = this.read(taskId);
    if (!task) throw new TaskNotFoundError(taskId);
    return task;
  }
}

/** Where a purge stands between its batches (see {@link TaskStore.purge}). */
export interface PurgeCursor {
  /** Tasks offered to a batch already: never offered twice, so that a purge always ends. */
  tried: Set<string>;
  /** Where the walk of the delayed index stopped, and whether it is done. */
  delayedAfter?: Key;
  delayedDone?: boolean;
}

/** What one batch of a purge did. */
export interface PurgeBatch {
  /** Tasks removed by this batch. */
  removed: number;
  /** True when nothing is left to look at: the purge is over. */
  done: boolean;
}

/** Delayed entries one purge batch reads at most, so that a batch is short however many other queues' tasks wait. */
const PURGE_SCAN = 5000;

/** {@link TaskStore.transition} with no options: shared, not made per call (it is on every write's path). */
const NO_OPTIONS: TransitionOptions = Object.freeze({});

/** True if `entries` holds `entry` (no closure per comparison: this runs for every transition). */
function holdsEntry(entries: readonly IndexEntry[], entry: IndexEntry): boolean {
  for (const held of entries) if (sameEntry(held, entry)) return true;
  return false;
}

/** How {@link TaskStore.transition} counts and keeps a change. */
interface TransitionOptions {
  /** What watchers are shown, when it differs from what is stored (a cancel request on a leased task). */
  seen?: TaskRecord;
  /** The status the queue's counts had the task in, when not `before`'s (a leased task: PROCESS). */
  countedFrom?: TaskStatus;
  /** Drop the record (a purge) whatever its retention. */
  remove?: boolean;
}

/** A ready record's entry in its line. */
function readyEntryOf(task: TaskRecord): PlacedEntry {
  return { id: task.id, seq: task.seq, retry: task.status === 'retry', queue: task.queue, priority: task.priority };
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
