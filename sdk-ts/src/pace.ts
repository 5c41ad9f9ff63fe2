/**
 * How fast a worker finishes tasks, for sizing what it holds in hand. A worker whose tasks take
 * microseconds drains what it holds in one turn and then waits a whole round trip for more, with
 * the broker idle meanwhile; holding what it finishes in a few milliseconds keeps both busy
 * (the bandwidth-delay product of a flow-control window), and delays no other worker by more
 * than those milliseconds. Slow tasks finish a few per window: the floor, `prefetchTasks`, rules.
 */

/** Tasks finished per ms, over windows of at least this long (a shorter one says little). */
const WINDOW_MS = 20;
/** Weight of the newest window in the moving average. */
const NEWEST_WEIGHT = 0.5;

/** Counts finished tasks and gives the recent rate. */
export class Pace {
  private windowStartMs: number;
  private finishedInWindow = 0;
  private rate = 0;

  /** @param now - the clock, in ms */
  constructor(private readonly now: () => number = () => performance.now()) {
    this.windowStartMs = now();
  }

  /** One task finished (its outcome decided). */
  finished(): void {
    this.finishedInWindow++;
    const now = this.now();
    const elapsed = now - this.windowStartMs;
    if (elapsed < WINDOW_MS) return;
    this.rate += (this.finishedInWindow / elapsed - this.rate) * NEWEST_WEIGHT;
    this.windowStartMs = now;
    this.finishedInWindow = 0;
  }

  /** Forgets the pace: the worker learned that it no longer holds (tasks wait in hand far longer than it promised). */
  reset(): void {
    this.rate = 0;
    this.windowStartMs = this.now();
    this.finishedInWindow = 0;
  }

  /**
   * About how many tasks the worker finishes in `ms`, at its recent pace. A window that has run
   * long with few finishes (the worker idles, or its tasks got slow) pulls the pace down at once.
   */
  tasksIn(ms: number): number {
    const elapsed = this.now() - this.windowStartMs;
    const rate = elapsed > WINDOW_MS ? Math.min(this.rate, this.finishedInWindow / elapsed) : this.rate;
    return Math.floor(rate * ms);
  }
}
