import type { TaskRecord } from '../task.js';
import type { TransitionContext } from './context.js';
import { mayMove } from './guard.js';
import { withPastAttempt } from './history.js';

/**
 * The record of an ended task run again by hand (row `replay`: error | cancel → retry, RetryTask):
 * ready at once, at the back of its priority, with the same id and a fresh retry budget (its
 * `maxRetries` count from the attempts made so far). Its last error stays, as on any RETRY; the
 * way it ended joins its history if no attempt recorded it (a task cancelled while it waited).
 *
 * @throws IllegalTransitionError (a FAILED_PRECONDITION) for a task that did not end in ERROR or CANCEL
 */
export function replayTask(before: TaskRecord, at: TransitionContext): TaskRecord {
  mayMove('replay', before, `task ${before.id} is ${before.status}: only a task that ended in error or cancel can be retried`);
  const last = before.history?.[before.history.length - 1];
  const recorded = last !== undefined && last.endedAtMs === before.finishedAtMs && last.status === before.status;
  return {
    ...before,
    status: 'retry',
    history: recorded ? before.history : withPastAttempt(before, before.status, before.finishedAtMs ?? at.nowMs, { error: before.error, cancelReason: before.cancelReason }),
    attemptsBeforeRetry: before.attempt,
    finishedAtMs: undefined,
    cancelRequested: false,
    cancelReason: undefined,
    runAtMs: at.nowMs,
    delayed: false,
    seq: at.nextSeq(),
    updatedAtMs: at.nowMs,
    version: before.version + 1,
  };
}
