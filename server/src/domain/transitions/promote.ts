import type { TaskRecord } from '../task.js';
import type { TransitionContext } from './context.js';
import { mayMove } from './guard.js';

/**
 * The record of a delayed task whose eta or backoff has passed (row `promote`: new | retry, in
 * place): ready now, at the back of its priority. The version stays, so watchers skip it; the
 * store still reports it, so that waiting leases wake.
 *
 * @throws IllegalTransitionError for a task that is not NEW or RETRY
 */
export function promoteTask(before: TaskRecord, at: TransitionContext): TaskRecord {
  mayMove('promote', before);
  return { ...before, delayed: false, seq: at.nextSeq() };
}
