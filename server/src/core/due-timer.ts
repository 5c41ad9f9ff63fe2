/**
 * One timer for the next moment the broker has work due: a delayed task's eta or backoff, or a
 * lease deadline. It sleeps until then (never polls), and is pulled earlier when a write
 * schedules something sooner. Its times are steady times (`domain/clock.ts`), so a step of the
 * wall clock neither fires it early nor holds it back.
 */

/** setTimeout cannot sleep longer than this; a longer wait is done in several sleeps. */
const MAX_SLEEP_MS = 2 ** 31 - 1;

/** A timer aimed at the earliest known due time. */
export class DueTimer {
  private timer: NodeJS.Timeout | undefined;
  private targetMs = Infinity;
  private stopped = false;

  /**
   * @param onDue - runs when the target time arrives; it does the due work and then calls
   *   {@link aim} with the next due time it finds
   * @param clock - steady milliseconds
   */
  constructor(
    private readonly onDue: () => void,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Makes sure the timer fires no later than `atMs`. */
  aimNoLaterThan(atMs: number): void {
    if (atMs < this.targetMs) this.aim(atMs);
  }

  /** Aims the timer at `atMs` exactly (undefined: nothing is due, sleep until told). */
  aim(atMs: number | undefined): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.targetMs = atMs ?? Infinity;
    if (this.stopped || atMs === undefined) return;
    const sleepMs = Math.min(Math.max(0, atMs - this.clock()), MAX_SLEEP_MS);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.clock() >= this.targetMs) {
        this.targetMs = Infinity;
        this.onDue();
      } else {
        this.aim(this.targetMs);
      }
    }, sleepMs);
  }

  /** Cancels the timer for good. */
  stop(): void {
    this.stopped = true;
    this.aim(undefined);
  }
}
