/**
 * Commit and flush bookkeeping of the store: how a verb's writes become one atomic LMDB
 * transaction, when it counts as durable, how many writes are in flight and how long they take,
 * and what a failed commit (a full disk) is reported as. `task-store.ts` keeps the verbs; this file
 * is the only one that commits.
 *
 * Two ways to commit, chosen per write (docs/decisions.md, "Commit latency"):
 * - A lone, small write, issued while no write is in flight and while synchronous commits have not
 *   taken too much of the main thread lately (`sync-duty.ts`), commits on the main thread at the end of its turn of
 *   the event loop, together with the other lone writes of that turn (`transactionSync`, default
 *   flags: its fsync is inside the call; each write in a child transaction). It pays no hop to
 *   lmdb-js's writer thread: ~0.3 ms here, against ~0.4–0.56 ms for an async commit, and it is on
 *   disk when it resolves, in either durability mode. Waiting for the end of the turn lets what the
 *   turn sends (tasks pushed to a worker) leave before the fsync blocks the loop.
 * - A write acknowledged already (the ack log) that woke a worker is lone too, but deferred: it
 *   waits for the next write, which carries it, or a few ms (see {@link WriteOptions.deferred}).
 * - Any other write is a `childTransaction`: lmdb-js runs the callbacks queued before a commit
 *   starts in one shared write transaction on its writer thread (one commit, one fsync: group
 *   commit). Under load, nearly every write goes this way, so load keeps sharing commits and
 *   synchronous fsyncs take a bounded share of the event loop.
 * Either way a write that throws rolls back its own writes only: each is a nested transaction (a
 * throw inside a plain `transaction()` would roll back nothing).
 *
 * Durability: a resolved async commit is visible to readers; with lmdb-js's default
 * `overlappingSync` it is fsynced a little later, reported by `env.flushed`. {@link
 * Committer.durable} waits for that fsync in `strict` mode, and not at all in `commit` mode.
 *
 * A commit that fails fails every write batched with it; each of them rejects with
 * {@link DiskFullError} (or the I/O error), nothing of the batch is stored, and the environment stays
 * usable: the next commit that fits succeeds.
 */
import type { RootDatabase } from 'lmdb';
import { DiskFullError, type DiskSpaceGuard } from './disk-space.js';
import { SyncDuty } from './sync-duty.js';

/** How acknowledgements relate to the disk. */
export type Durability = 'strict' | 'commit';

/** Options of {@link Committer.write}. */
export interface WriteOptions {
  /**
   * About how many bytes the write stores (payloads included). Only a write that gives this, at most
   * {@link LONE_WRITE_MAX_BYTES}, may commit synchronously: a synchronous commit writes its pages
   * and fsyncs on the main thread, which for 16 MiB blocked the event loop 64 ms here (1 MiB:
   * 2.6 ms). Absent: unknown, always batched. A function is called only when the write could
   * commit synchronously, so that an estimate which reads the store costs nothing under load.
   */
  bytes?: number | (() => number);
  /**
   * Called at once, in the caller's turn, if the write is queued for the commit at the end of the
   * turn (it goes out lone): that commit, and its fsync, then come after what this turn sends, so
   * a task the write stores may be handed out before it (see `early-tasks.ts`). Writes issued
   * later commit after it, whichever path it ends up on.
   */
  onLone?: () => void;
  /**
   * No one waits for the write's commit (it was acknowledged already: `ack-log.ts`): it commits on
   * lmdb-js's writer thread, so that its fsync does not hold up the next request on the event
   * loop. (`onLone` is not called.)
   */
  background?: boolean;
  /**
   * No one waits for the write's commit (it was acknowledged already) and it woke a worker: if it
   * goes lone, it waits in the turn's queue for the next write to carry it (the task's outcome,
   * most often, whose commit then holds both), or {@link DEFERRED_COMMIT_MS} at most. Committed at
   * the end of its own turn, its fsync would hold the event loop just as the outcome arrives; on
   * the writer thread at once, it would share the CPUs with the task about to run.
   */
  deferred?: boolean;
}

/** The longest a {@link WriteOptions.deferred} write waits for another write to carry its commit. */
export const DEFERRED_COMMIT_MS = 2;

/** The most bytes a write may store and still commit synchronously (see {@link WriteOptions.bytes}). */
export const LONE_WRITE_MAX_BYTES = 256 * 1024;

/**
 * Fsyncs the environment (`mdb_env_sync`, forced, on the thread pool): everything committed so far,
 * meta page included, is on disk once this resolves.
 */
export function syncToDisk(env: RootDatabase): Promise<void> {
  return new Promise<void>((resolve, reject) =>
    (env as unknown as { sync(callback: (error?: unknown) => void): void }).sync((error) => (error ? reject(error) : resolve())),
  );
}

/** Weight of the newest sample in {@link Committer.recentCommitLatencyMs}. */
const COMMIT_LATENCY_WEIGHT = 0.2;

/** Linux errno values and the LMDB code a failed commit carries when space runs out. */
const EIO = 5;
const ENOSPC = 28;
const EDQUOT = 122;
const MDB_MAP_FULL = -30792;
/** An EIO (LMDB's report of a short write) counts as a full disk below this much free space. */
const EIO_FULL_BELOW_BYTES = 1024 * 1024;

/** Told how long commits take (the broker's metrics); without one, nothing is timed. */
export interface CommitObserver {
  /**
   * A write committed `seconds` after it was issued: on the main thread at the end of its turn
   * (`sync`, its fsync included), or in a shared commit on lmdb-js's writer thread (`async`).
   */
  committed(path: 'sync' | 'async', seconds: number): void;
  /** An async commit reached the disk (`env.flushed`: its fsync) `seconds` after it committed. */
  flushed(seconds: number): void;
}

/** A lone write waiting for the commit at the end of its turn. */
interface LoneWrite {
  /** When it was issued (performance.now()), for the {@link CommitObserver}. */
  issuedMs: number;
  /** The write's units, counted in `pendingWrites` only if it moves to the writer thread. */
  units: number;
  body: () => unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** Commits the store's writes and tells when they are durable. */
export class Committer {
  private pending = 0;
  /** Commits seen failing, and whether `env.flushed` can be trusted since (see {@link flushed}). */
  private commitFailures = 0;
  private flushTrusted = true;
  private readonly flushWaiters = new Set<() => void>();
  private commitLatency = 0;
  /** Async commits issued and not settled: while there are any, a write joins them. */
  private asyncInFlight = 0;
  /**
   * How much of the main thread synchronous commits have taken lately: past a short burst, writes
   * share async commits (see `sync-duty.ts`).
   */
  private readonly syncDuty = new SyncDuty();
  /** Lone writes waiting for the end of this turn's commit ({@link commitTurn}). */
  private turn: LoneWrite[] = [];
  /** Settles once the writes queued for the end of this turn are committed (or failed). */
  private turnCommitted: Promise<void> = Promise.resolve();
  /** Settles {@link turnCommitted}: set while writes wait in {@link turn}. */
  private turnSettled: (() => void) | undefined;
  /** Set once the commit of {@link turn} is due at the end of this turn of the event loop. */
  private turnDue = false;
  /** While only deferred writes wait: when they commit if no other write carries them. */
  private deferredTimer: NodeJS.Timeout | undefined;
  /** What the writes of {@link turn} declared they store: together at most {@link LONE_WRITE_MAX_BYTES}. */
  private turnBytes = 0;

  /**
   * @param env - the store's environment (opened with `eventTurnBatching: false`: see task-store.ts)
   * @param durability - what {@link durable} waits for
   * @param space - told when a commit fails (its cached free space is stale), and asked how full the disk is
   */
  constructor(
    private readonly env: RootDatabase,
    readonly durability: Durability,
    private readonly space: DiskSpaceGuard,
    private readonly observer?: CommitObserver,
  ) {}

  /**
   * Runs `body` as one atomic transaction; a throw in `body` rolls back its writes only. A lone,
   * small write commits synchronously, any other is batched with the writes issued before the
   * commit starts (see the file's comment and {@link WriteOptions}). `units` (the most records
   * `body` may write) counts in {@link pendingWrites} until it commits.
   *
   * @returns what `body` returned, once committed
   * @throws DiskFullError if the commit failed for want of space; a commit's I/O error; or what `body` threw
   */
  async write<T>(units: number, body: () => T, options: WriteOptions = {}): Promise<T> {
    const { bytes, onLone, deferred = false } = options;
    if (options.background) {
      this.turnToAsync();
      return this.writeAsync(units, body);
    }
    // After a failed commit, writes take the async path until one succeeds: lmdb-js never settles
    // the failed batch's flush promise, and only a new async commit replaces it (otherwise
    // `env.flushed` and `env.close()` would wait for it forever).
    const lone = this.asyncInFlight === 0 && this.flushTrusted && this.syncDuty.allows(performance.now());
    if (lone && bytes !== undefined) {
      const size = typeof bytes === 'number' ? bytes : bytes();
      if (this.turnBytes + size <= LONE_WRITE_MAX_BYTES) {
        const committed = this.atEndOfTurn(units, size, body, deferred);
        onLone?.();
        return committed;
      }
    }
    // The lone writes waiting for the end of the turn were issued first: they go first, so that
    // bodies run (and ids and FIFO places are handed out) in the order the writes were issued.
    this.turnToAsync();
    return this.writeAsync(units, body);
  }

  /** The batched path of {@link write}: a child transaction of lmdb-js's next shared commit. */
  private async writeAsync<T>(units: number, body: () => T): Promise<T> {
    const issuedMs = performance.now();
    const failuresAtIssue = this.commitFailures;
    this.pending += units;
    this.asyncInFlight++;
    try {
      const committed = this.env.childTransaction(body);
      const value = await committed;
      if (failuresAtIssue === this.commitFailures) this.flushTrusted = true;
      if (this.observer) this.observeAsyncCommit(issuedMs);
      return value;
    } catch (error) {
      throw await this.commitFailure(error);
    } finally {
      this.asyncInFlight--;
      this.pending -= units;
      this.sampleLatency(performance.now() - issuedMs);
    }
  }

  /**
   * Queues a lone write for the commit at the end of this turn of the event loop (see
   * {@link commitTurn}); a `deferred` one for the next write's commit, or {@link DEFERRED_COMMIT_MS}
   * from now. It does not count in {@link pendingWrites}: the turn's lone writes hold at most
   * {@link LONE_WRITE_MAX_BYTES}, and the next write's commit takes them first.
   */
  private atEndOfTurn<T>(units: number, bytes: number, body: () => T, deferred: boolean): Promise<T> {
    this.turnBytes += bytes;
    return new Promise<T>((resolve, reject) => {
      this.turn.push({ issuedMs: performance.now(), units, body, resolve: resolve as (value: unknown) => void, reject });
      // A new promise only once the last one is settled: writes that went to the writer thread
      // may have emptied the turn while its commit is still due, and that commit settles it.
      if (!this.turnSettled) this.turnCommitted = new Promise((settled) => (this.turnSettled = settled));
      if (!deferred) this.commitTurnSoon();
      else if (!this.turnDue) this.deferredTimer ??= setTimeout(() => this.commitTurnNow(), DEFERRED_COMMIT_MS);
    });
  }

  /** Makes the commit of the writes waiting in {@link turn} due at the end of this turn. */
  private commitTurnSoon(): void {
    if (this.turnDue) return;
    this.turnDue = true;
    clearTimeout(this.deferredTimer);
    this.deferredTimer = undefined;
    setImmediate(() => this.commitTurnNow());
  }

  /** Commits the writes waiting in {@link turn}, then settles {@link turnCommitted}. */
  private commitTurnNow(): void {
    this.turnDue = false;
    clearTimeout(this.deferredTimer);
    this.deferredTimer = undefined;
    const settled = this.turnSettled;
    this.turnSettled = undefined;
    void this.commitTurn().finally(settled);
  }

  /** Sends the lone writes waiting for the end of the turn to lmdb-js's writer thread, in order. */
  private turnToAsync(): void {
    for (const write of this.takeTurn()) this.writeAsync(write.units, write.body).then(write.resolve, write.reject);
    // Deferred writes carried off by this one: nothing is left for their timer to commit.
    if (this.deferredTimer) this.commitTurnNow();
  }

  /** The lone writes waiting for the end of the turn, taken out of the queue. */
  private takeTurn(): LoneWrite[] {
    this.turnBytes = 0;
    return this.turn.splice(0);
  }

  /**
   * Commits the lone writes of the turn that just ended in one `transactionSync` on the main
   * thread, fsynced before it returns, each write in a child transaction of its own (a write that
   * throws rolls back its own writes only). It runs once the turn's I/O callbacks and their
   * microtasks are done, so what they send (tasks pushed to a worker) leaves first, and requests
   * that arrived in the same turn share the commit. An async commit started meanwhile takes them
   * instead: it will carry them without blocking the event loop.
   */
  private async commitTurn(): Promise<void> {
    if (this.asyncInFlight > 0 || !this.flushTrusted) return this.turnToAsync();
    const writes = this.takeTurn();
    if (writes.length === 0) return; // they went to the writer thread behind a later write
    const startMs = performance.now();
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.env.transactionSync(() => {
        for (const write of writes) {
          try {
            let value: unknown;
            // The callback returns nothing: a body that ends with a `put` returns a promise, and
            // lmdb-js would then keep the transaction open until it settles.
            this.env.childTransaction(() => {
              value = write.body();
            });
            outcomes.push({ ok: true, value });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      this.syncCommitEnded(startMs);
      const failure = await this.failedCommit(error);
      // A body that had thrown (a refusal) keeps its own error: nothing of it was to be stored.
      writes.forEach((write, i) => {
        const outcome = outcomes[i];
        write.reject(outcome && !outcome.ok ? outcome.error : failure);
      });
      return;
    }
    this.syncCommitEnded(startMs);
    if (this.observer) for (const write of writes) this.observer.committed('sync', (performance.now() - write.issuedMs) / 1000);
    writes.forEach((write, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.error);
    });
  }

  /**
   * A synchronous commit that started at `startMs` returned (or threw) now: it held the main
   * thread this long (a failed one's free-space read, after it, does not).
   */
  private syncCommitEnded(startMs: number): void {
    const endMs = performance.now();
    this.sampleLatency(endMs - startMs);
    this.syncDuty.committed(startMs, endMs);
  }

  /** Whether a flush is being timed: one at a time, a sample of the commits (see {@link observeAsyncCommit}). */
  private timingFlush = false;

  /**
   * Reports an async write's commit, and times the flush of its commit unless one is being timed
   * already: the writes of one commit share its flush, and one timing at a time costs a promise
   * per flush, not per write.
   */
  private observeAsyncCommit(issuedMs: number): void {
    const committedMs = performance.now();
    this.observer!.committed('async', (committedMs - issuedMs) / 1000);
    if (this.timingFlush) return;
    this.timingFlush = true;
    void this.env.flushed.then(
      () => this.observer!.flushed((performance.now() - committedMs) / 1000),
      () => undefined,
    ).finally(() => (this.timingFlush = false));
  }

  private sampleLatency(ms: number): void {
    this.commitLatency += (ms - this.commitLatency) * COMMIT_LATENCY_WEIGHT;
  }

  /**
   * Counts `units` in {@link pendingWrites} until `until` settles: for a write that must wait for
   * something (the disk's free space) before it is issued, so that calls admitted meanwhile see it.
   */
  async holding<T>(units: number, until: Promise<T>): Promise<T> {
    this.pending += units;
    try {
      return await until;
    } finally {
      this.pending -= units;
    }
  }

  /**
   * Resolves once every write committed so far is as durable as the durability mode promises:
   * fsynced in `strict` mode, at once in `commit` mode.
   */
  async durable(): Promise<void> {
    if (this.durability === 'strict') await this.flushed();
  }

  /** True from a failed commit until one succeeds: a write answered before its commit waits for it then. */
  get failing(): boolean {
    return !this.flushTrusted;
  }

  /**
   * Task writes issued and not yet committed: the sum, over the writes in flight, of their `units`.
   * Every one of them runs on the main thread in the next commit's callback pass, so this number
   * also says how long the event loop will stall.
   */
  get pendingWrites(): number {
    return this.pending;
  }

  /**
   * How long a write has recently taken from being issued to being committed, in ms (a moving
   * average): about how long the writes pending now need to clear.
   */
  get recentCommitLatencyMs(): number {
    return this.commitLatency;
  }

  /**
   * Resolves once everything committed so far is on disk: `env.flushed`, except that lmdb-js
   * never resolves the flush of a batch whose commit failed, so after a failure (or if one happens
   * while waiting) an explicit fsync of the environment (`mdb_env_sync`) stands in.
   */
  async flushed(): Promise<void> {
    // Writes queued for the end of a turn first, including any queued meanwhile: a store that
    // closes must not leave them behind.
    for (let waited: Promise<void> | undefined; waited !== this.turnCommitted; ) {
      waited = this.turnCommitted;
      await waited;
    }
    if (this.flushTrusted) {
      let wake!: () => void;
      const failed = new Promise<boolean>((resolve) => (wake = () => resolve(false)));
      this.flushWaiters.add(wake);
      try {
        const flushed = Promise.resolve(this.env.flushed).then(() => true, () => false);
        if (await Promise.race([flushed, failed])) return;
      } finally {
        this.flushWaiters.delete(wake);
      }
    }
    await syncToDisk(this.env);
  }

  /**
   * The error a write should reject with. lmdb-js rejects every write of a failed commit with
   * "Commit failed" and the cause in `commitError`, a promise no one else handles: awaited here
   * (otherwise its rejection would end the process). A full disk becomes {@link DiskFullError}:
   * ENOSPC, EDQUOT, MDB_MAP_FULL, or EIO with the disk (nearly) full, since LMDB reports a short
   * write, which is how a full disk usually shows, as EIO. A callback's own error passes as is.
   */
  private async commitFailure(error: unknown): Promise<unknown> {
    const commitError = (error as { commitError?: unknown } | undefined)?.commitError;
    if (!(commitError instanceof Promise)) return error;
    return this.failedCommit(await commitError.then(() => error, (reason: unknown) => reason));
  }

  /**
   * What a failed commit, whose error is `cause`, is reported as (see {@link commitFailure}).
   * `env.flushed` is no longer trusted: lmdb-js never resolves the flush of a failed batch, and a
   * synchronous commit makes no new flush promise to replace it; the next async commit that
   * succeeds restores it.
   */
  private async failedCommit(cause: unknown): Promise<unknown> {
    this.commitFailures++;
    // A failed batch's flush promise never settles (see `flushed`): a flush being timed may be
    // that one, and the next commit times its own.
    this.timingFlush = false;
    this.flushTrusted = false;
    for (const wake of this.flushWaiters) wake();
    this.space.invalidate();
    const code = (cause as { code?: unknown } | undefined)?.code;
    const message = cause instanceof Error ? cause.message : String(cause);
    const outOfSpace = code === ENOSPC || code === EDQUOT || code === MDB_MAP_FULL || /No space left|MDB_MAP_FULL|quota exceeded/i.test(message);
    const free = outOfSpace || code === EIO ? await this.space.currentFreeBytes().catch(() => Infinity) : Infinity;
    if (outOfSpace || free < Math.max(this.space.minFreeBytes, EIO_FULL_BELOW_BYTES)) {
      return new DiskFullError(
        `the broker's disk is full (${free} bytes free in ${this.space.path}): the write was not stored (${message}); retry after space is freed`,
        free,
      );
    }
    return cause;
  }
}
