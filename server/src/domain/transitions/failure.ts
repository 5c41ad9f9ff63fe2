import type { TaskError, TaskRecord } from '../task.js';
import type { TransitionContext } from './context.js';
import { finish } from './finish.js';
import { hasRetriesLeft, withPastAttempt } from './history.js';

/**
 * The record after a failed attempt, shared by rows `fail` and `expire` (process → cancel |
 * error | retry), whose callers have passed their own guard: CANCEL if a cancel was requested
 * (the failure is usually the cancellation itself), ERROR if not retryable or no retry is left,
 * otherwise RETRY, delayed by `delayMs` (a wall-clock run-at time, like an eta).
 */
export function afterFailure(before: TaskRecord, error: TaskError, retryable: boolean, delayMs: number, at: TransitionContext): TaskRecord {
  if (before.cancelRequested) return finish(before, 'cancel', at.nowMs, { error, history: withPastAttempt(before, 'cancel', at.nowMs, { error, cancelReason: before.cancelReason }) });
  if (!retryable || !hasRetriesLeft(before)) return finish(before, 'error', at.nowMs, { error, history: withPastAttempt(before, 'error', at.nowMs, { error }) });
  return {
    ...before,
    history: withPastAttempt(before, 'retry', at.nowMs, { error }),
    lease: undefined,
    status: 'retry',
    error,
    updatedAtMs: at.nowMs,
    runAtMs: at.nowMs + delayMs,
    delayed: delayMs > 0,
    seq: at.nextSeq(),
    version: before.version + 1,
  };
}
