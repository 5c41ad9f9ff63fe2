import { MAX_HISTORY, type PastAttempt, type TaskError, type TaskRecord, type TaskStatus } from '../task.js';

/**
 * The history of `before` with its current attempt added, ended as `status`: what RetryTask keeps
 * readable, and a dashboard shows per attempt. Only attempts that did not succeed are kept (a
 * success is the task's own result), the last {@link MAX_HISTORY} of them.
 */
export function withPastAttempt(before: TaskRecord, status: TaskStatus, endedAtMs: number, why: { error?: TaskError; cancelReason?: string }): PastAttempt[] {
  const past: PastAttempt = {
    attempt: before.attempt,
    status,
    error: why.error,
    cancelReason: why.cancelReason,
    startedAtMs: before.startedAtMs,
    endedAtMs,
    workerId: before.workerId,
  };
  const history = before.history ?? [];
  return history.length < MAX_HISTORY ? [...history, past] : [...history.slice(history.length - MAX_HISTORY + 1), past];
}

/** True if `task` may run again after its current attempt: retries are left since its last retry by hand. */
export function hasRetriesLeft(task: TaskRecord): boolean {
  return task.attempt - (task.attemptsBeforeRetry ?? 0) <= task.maxRetries;
}
