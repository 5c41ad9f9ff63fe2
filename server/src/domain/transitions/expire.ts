import type { TaskError, TaskRecord } from '../task.js';
import type { TransitionContext } from './context.js';
import { afterFailure } from './failure.js';
import { mayMove } from './guard.js';

/**
 * The record of a task whose lease deadline has passed (row `expire`: process → retry | error |
 * cancel). The attempt counts: it runs again at once (no backoff: the usual cause is a dead
 * worker) if retries are left, else ends in ERROR; CANCEL if a cancel was requested. The error
 * is `TimeLimitExceeded` when the deadline was the attempt's time limit, `LeaseExpired` otherwise.
 *
 * @throws IllegalTransitionError for a task that is not PROCESS
 */
export function expireLease(before: TaskRecord, at: TransitionContext): TaskRecord {
  const lease = mayMove('expire', before).lease!;
  const timedOut = lease.timeLimitAtMs !== undefined && lease.deadlineMs >= lease.timeLimitAtMs;
  const error: TaskError = timedOut
    ? { type: 'TimeLimitExceeded', message: `attempt ${before.attempt} ran longer than max_time_ms (${before.maxTimeMs} ms)`, traceback: '' }
    : {
        type: 'LeaseExpired',
        message: `the lease of worker "${before.workerId}" on attempt ${before.attempt} ran out without a heartbeat or an outcome`,
        traceback: '',
      };
  return afterFailure(before, error, true, 0, at);
}
