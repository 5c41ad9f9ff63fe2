/**
 * The worker's book of leased runs: each run with its one {@link RunState}, changed only by
 * {@link RunBook.move}, from which the worker reads everything else: which runs hold a slot,
 * which wait in hand and in what order, which leases to renew, and when the last run has settled.
 */
import type { ProgressPublisher } from './progress-publisher.js';
import type { RunAbort } from './run-abort.js';
import { moveRun, type RunMove, type RunPhase, type RunState } from './run-state.js';
import type { Task } from './task.js';

/** One leased task, from its lease until its outcome is settled. */
export interface LeasedRun {
  /**
   * The task, until the run leaves `running` (see {@link RunBook.move}). A run then waits for its
   * report's answer, a commit away (~10 ms in a drain), and would keep its task (the strings,
   * dates and arguments of its record, ~1.5 KB) past a young-generation collection: promoted, to
   * be collected by a full one. Dropping it cut a worker's GC per trivial task by a fifth or more.
   */
  task: Task | undefined;
  /** The task's name, for log lines (which outlive {@link task}). */
  readonly taskName: string;
  readonly taskId: string;
  readonly leaseToken: string;
  /** Stops the run (its handler's `ctx.signal`), and says why: cancel, time limit, lease lost, stop past the grace. */
  readonly abort: RunAbort;
  /** True for a task with a time limit, which the broker counts from the lease: it is never held in hand. */
  readonly timeLimited: boolean;
  /** Made on the first progress item: most tasks publish none. */
  progress: ProgressPublisher | undefined;
  /** When the lease runs out unless renewed, on the monotonic clock (see `monotonicDeadline`). */
  leaseDeadlineMs: number;
  /** When the task reached the worker (`performance.now()`): how long it has waited in hand. */
  readonly receivedAtMs: number;
  /** Where the run is. Written by {@link RunBook.move} only, which keeps the book's counts true. */
  state: RunState;
}

/** The phases a run is counted in while the book tracks it. */
type LivePhase = Exclude<RunPhase, 'settled'>;

/** Every run the worker tracks, from its lease until it settles. */
export class RunBook {
  /** Every run not settled yet, in lease order (a Set iterates in insertion order). */
  private readonly unsettled = new Set<LeasedRun>();
  /**
   * The run holding each task's current lease, by task id: usually every unsettled run. A run
   * whose task the broker has leased again (same id, new token) leaves it, since its lease is stale
   * and must not be renewed, but stays unsettled until its handler or its report ends.
   */
  private readonly current = new Map<string, LeasedRun>();
  /** The runs held in hand, in lease order (a run enters only once, on {@link add}). */
  private readonly heldRuns = new Set<LeasedRun>();
  /** How many runs are in each phase: kept by {@link move}, so that counting costs nothing. */
  private readonly counts: Record<LivePhase, number> = { held: 0, running: 0, reporting: 0 };
  private emptied: Array<() => void> = [];

  /**
   * Adds a run just leased (in its first state, `held`) and makes it its task's current lease.
   * Returns the run whose lease it replaces, if the broker handed the same task out again.
   */
  add(run: LeasedRun): LeasedRun | undefined {
    const replaced = this.current.get(run.taskId);
    this.unsettled.add(run);
    this.current.set(run.taskId, run);
    this.counts[run.state.phase as LivePhase]++;
    if (run.state.phase === 'held') this.heldRuns.add(run);
    return replaced;
  }

  /**
   * Moves `run` (see `moveRun` for the allowed moves); a settled run leaves the book, and a run
   * that leaves `running` (or never got there) lets go of its task. @throws RunMoveError
   */
  move(run: LeasedRun, move: RunMove): void {
    const before = run.state.phase;
    run.state = moveRun(run.state, move);
    this.counts[before as LivePhase]--; // moveRun allows no move out of settled
    if (before === 'held') this.heldRuns.delete(run);
    // Decided, given up or lost: the handler is done with the task (see LeasedRun.task).
    if (move.phase !== 'running') run.task = undefined;
    if (move.phase !== 'settled') {
      this.counts[move.phase]++;
      return;
    }
    this.unsettled.delete(run);
    if (this.current.get(run.taskId) === run) this.current.delete(run.taskId);
    if (this.unsettled.size === 0) for (const resolve of this.emptied.splice(0)) resolve();
  }

  /** How many runs are in `phase` now. */
  count(phase: LivePhase): number {
    return this.counts[phase];
  }

  /** The runs held in hand, in lease order: the order they start in. */
  held(): Iterable<LeasedRun> {
    return this.heldRuns;
  }

  /** The run held in hand the longest (the next to start), if any. */
  oldestHeld(): LeasedRun | undefined {
    return this.heldRuns.values().next().value;
  }

  /** The run that holds `taskId`'s current lease, if any. */
  currentRun(taskId: string): LeasedRun | undefined {
    return this.current.get(taskId);
  }

  /** The runs that hold their task's current lease: the leases to renew. */
  leases(): LeasedRun[] {
    return [...this.current.values()];
  }

  /** True while some run holds its task's current lease: the heartbeats have work. */
  hasLeases(): boolean {
    return this.current.size > 0;
  }

  /** Every run not settled yet. */
  all(): LeasedRun[] {
    return [...this.unsettled];
  }

  /** Resolves once every run has settled (at once if none is tracked). */
  whenEmpty(): Promise<void> {
    if (this.unsettled.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.emptied.push(resolve));
  }
}
