import type { TaskRecord } from '../task.js';
import type { TransitionContext } from './context.js';
import { finish } from './finish.js';
import { mayMove } from './guard.js';

/**
 * The record of a task given back unfinished (row `release`: process → new | retry | cancel):
 * ready at once, as if the attempt never started (NEW again if it was the first), or CANCEL if a
 * cancel was requested meanwhile. It keeps its `seq` and its ready time, so it is back in its place
 * in line, ahead of the tasks enqueued after it: a worker that gives back what it cannot run (a
 * stale hand, tasks past its credit, a run stopped as the worker stops) must not send them behind
 * work that came later, which may never end.
 *
 * @throws IllegalTransitionError for a task that is not PROCESS
 */
export function releaseTask(before: TaskRecord, at: TransitionContext): TaskRecord {
  mayMove('release', before);
  if (before.cancelRequested) return finish(before, 'cancel', at.nowMs, {});
  const attempt = before.attempt - 1;
  return {
    ...before,
    lease: undefined,
    progress: undefined,
    status: attempt === 0 ? 'new' : 'retry',
    attempt,
    updatedAtMs: at.nowMs,
    // Ready since it first was, as its place in line says (the oldest-ready age reads it).
    runAtMs: before.runAtMs,
    delayed: false,
    version: before.version + 1,
  };
}
