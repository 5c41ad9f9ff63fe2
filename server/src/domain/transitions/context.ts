/**
 * What a transition may know besides the record and its input: the times of the commit it runs
 * in and the FIFO counter. Passed in so that transitions read no clock and no store.
 */
export interface TransitionContext {
  /** Wall time of the commit: calendar times (`updatedAtMs`, `runAtMs`, `finishedAtMs`, …). */
  readonly nowMs: number;
  /**
   * Steady time of the commit: lease deadlines and time limits, which a step of the wall clock
   * must not move (see `domain/clock.ts`).
   */
  readonly steadyMs: number;
  /**
   * The next store-wide FIFO position. Called only when a task takes a new place in line (it
   * becomes ready or delayed), so the counter, which the store persists, moves only then.
   */
  nextSeq(): number;
}
