/**
 * How much of the main thread synchronous commits may take (`commits.ts`): a synchronous commit
 * blocks the event loop for its fsync, so under a steady stream of lone writes they must give way
 * to lmdb-js's writer thread, while a short burst (a task pushed before its enqueue's commit, whose
 * outcome comes back right after it) may still commit synchronously.
 *
 * A leaky bucket of main-thread time: each synchronous commit adds its duration, the time between
 * commits drains it one for one, and a write may commit synchronously while what is left is at
 * most {@link SYNC_BURST_MS}. Over time synchronous commits then take at most about half of the
 * main thread, whatever the disk's speed. The rule before (after a commit of d ms, none for d ms)
 * was this bucket with no burst: one Enqueue's commit sent the outcome of its task, back 0.3 ms
 * later, to the writer thread (twice as slow as a synchronous commit here).
 */

/**
 * Main-thread time synchronous commits may owe and still go on. A few commits' worth: one per
 * turn (the rule before the duty) let a steady stream of Completes, each in a turn of its own, pay
 * one fsync each on the main thread, and drain at 50 workers fell to ~1,500 tasks/s.
 */
export const SYNC_BURST_MS = 2;

/** The main-thread time synchronous commits owe (see the module comment). */
export class SyncDuty {
  private owedMs = 0;
  private lastEndMs = -Infinity;

  /** Whether a write issued at `nowMs` may commit synchronously. */
  allows(nowMs: number): boolean {
    return this.owedAt(nowMs) <= SYNC_BURST_MS;
  }

  /** A synchronous commit ran from `startMs` to `endMs`. */
  committed(startMs: number, endMs: number): void {
    this.owedMs = this.owedAt(startMs) + (endMs - startMs);
    this.lastEndMs = endMs;
  }

  /** What is owed at `nowMs`: drained by the time since the last commit ended. */
  private owedAt(nowMs: number): number {
    return Math.max(0, this.owedMs - Math.max(0, nowMs - this.lastEndMs));
  }

  /** When what is owed is drained down to the burst, for tests that need the next write to commit synchronously. */
  get allowsFromMs(): number {
    return this.lastEndMs + Math.max(0, this.owedMs - SYNC_BURST_MS);
  }
}
