import type { RetryBackoff } from './task.js';

/** The largest delay a timer can sleep in one go (setTimeout's limit), also our cap for a backoff. */
export const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Delay before the retry that follows attempt `failedAttempt` (1 for the first run):
 * `initialMs * multiplier^(failedAttempt - 1)`, at most `maxMs` (when set) and {@link MAX_DELAY_MS}.
 */
export function retryDelayMs(backoff: RetryBackoff, failedAttempt: number): number {
  const raw = backoff.initialMs * backoff.multiplier ** Math.max(0, failedAttempt - 1);
  const capped = backoff.maxMs > 0 ? Math.min(raw, backoff.maxMs) : raw;
  return Math.round(Math.min(capped, MAX_DELAY_MS));
}
