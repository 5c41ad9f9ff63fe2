import type { TaskRecord } from '../task.js';
import type { TransitionContext } from './context.js';
import { mayMove } from './guard.js';

/**
 * The record of a leased task after a progress report (row `progress`: process, in place). A new
 * version, so that a watcher sees every report.
 *
 * @param progress - UTF-8 JSON, validated at the edge
 * @throws IllegalTransitionError for a task that is not PROCESS
 */
export function recordProgress(before: TaskRecord, progress: Uint8Array, at: TransitionContext): TaskRecord {
  mayMove('progress', before);
  return { ...before, progress, updatedAtMs: at.nowMs, version: before.version + 1 };
}
