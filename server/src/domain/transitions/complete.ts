import { retryDelayMs } from '../backoff.js';
import type { TaskOutcome, TaskRecord } from '../task.js';
import type { TransitionContext } from './context.js';
import { afterFailure } from './failure.js';
import { finish } from './finish.js';
import { withPastAttempt } from './history.js';
import { mayMove } from './guard.js';
import { releaseTask } from './release.js';

/**
 * The record after a worker's accepted outcome (Complete), one row per kind of outcome:
 * `succeed` (→ success, kept even if a cancel was requested: the work was done), `fail` (→ retry
 * after the task's backoff, error, or cancel), `cancelByWorker` (→ cancel) and `release`.
 * The caller has checked the lease token (`lease-fence.ts`).
 *
 * @throws IllegalTransitionError for a task that is not PROCESS
 */
export function settle(before: TaskRecord, outcome: TaskOutcome, at: TransitionContext): TaskRecord {
  switch (outcome.kind) {
    case 'success':
      return finish(mayMove('succeed', before), 'success', at.nowMs, { result: outcome.result });
    case 'cancelled': {
      const cancelReason = outcome.reason || before.cancelReason || 'cancelled by the worker';
      return finish(mayMove('cancelByWorker', before), 'cancel', at.nowMs, { cancelReason, history: withPastAttempt(before, 'cancel', at.nowMs, { cancelReason }) });
    }
    case 'failure':
      return afterFailure(mayMove('fail', before), outcome.error, outcome.retryable, retryDelayMs(before.backoff, before.attempt), at);
    case 'released':
      return releaseTask(before, at);
  }
}
