import type { TaskRecord } from '../task.js';
import type { TransitionContext } from './context.js';
import { finish } from './finish.js';
import { mayMove } from './guard.js';

/**
 * The record after CancelTask. A NEW or RETRY task becomes CANCEL at once (row `cancel`); a
 * PROCESS task is marked `cancelRequested` for its worker to see (row `requestCancel`). Asking
 * again changes nothing: a CANCEL task, or a PROCESS one already asked, is returned as it is
 * (the same object, so the caller knows there is nothing to write).
 *
 * @throws IllegalTransitionError (a FAILED_PRECONDITION) for a task that ended in SUCCESS or ERROR
 */
export function cancelTask(before: TaskRecord, reason: string, at: TransitionContext): TaskRecord {
  if (before.status === 'cancel') return before;
  if (before.status === 'process') {
    if (mayMove('requestCancel', before).cancelRequested) return before;
    return { ...before, cancelRequested: true, cancelReason: reason, updatedAtMs: at.nowMs, version: before.version + 1 };
  }
  mayMove('cancel', before, `task ${before.id} already ended in ${before.status}; it cannot be cancelled`);
  return finish(before, 'cancel', at.nowMs, { cancelReason: reason });
}
