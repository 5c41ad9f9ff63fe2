/**
 * The broker's two clocks. Calendar times (a task's `eta`, `created_at`, what operators read) follow
 * the system's wall clock; durations (lease deadlines, heartbeats, time limits, long-poll waits)
 * follow a steady clock that an NTP step or an operator's `date -s` cannot move. A lease granted
 * for 30 s then runs out 30 s later whatever the wall clock does meanwhile: a step forward no
 * longer expires live leases (finished work thrown away), and a step back no longer keeps a dead
 * worker's task for the length of the step.
 */

/** A source of wall and steady time. */
export interface Clock {
  /** Epoch milliseconds from the system clock: for calendar times. It jumps when the clock is stepped. */
  wallMs(): number;
  /**
   * Milliseconds on a clock that never jumps: the wall time when the clock was made, plus the
   * monotonic time elapsed since. Close to {@link wallMs} (equal until the wall clock is stepped
   * or drifts), so persisted steady times read sensibly, and a restart re-anchors it to the wall.
   */
  steadyMs(): number;
}

/** The system's clocks: `Date.now` and `performance.now` (CLOCK_MONOTONIC), anchored once. */
export function systemClock(): Clock {
  const wallAtStart = Date.now();
  const monotonicAtStart = performance.now();
  return {
    wallMs: () => Date.now(),
    steadyMs: () => wallAtStart + (performance.now() - monotonicAtStart),
  };
}

/**
 * A clock from a description: a {@link Clock} as is; a single function (a fake clock in tests)
 * read for both wall and steady time, since a clock that is never stepped has them equal; the
 * system clock when absent.
 */
export function toClock(clock: Clock | (() => number) | undefined): Clock {
  if (clock === undefined) return systemClock();
  if (typeof clock === 'function') return { wallMs: clock, steadyMs: clock };
  return clock;
}

/**
 * The wall time at which a steady time falls, as far as the wall clock reads now: what a client,
 * which knows only wall clocks, should be told a lease deadline is.
 */
export function wallTimeOf(clock: Clock, steadyMs: number): number {
  return clock.wallMs() + (steadyMs - clock.steadyMs());
}
