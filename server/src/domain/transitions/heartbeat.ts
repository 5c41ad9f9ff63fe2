import type { TaskRecord } from '../task.js';
import type { TransitionContext } from './context.js';
import { mayMove } from './guard.js';

/**
 * The record of a leased task after a heartbeat (row `heartbeat`: process, in place): its
 * deadline moved to `extendMs` from now in steady time (0: by the lease's own length), never
 * past the attempt's time limit. The version stays: watchers hear nothing of a heartbeat.
 *
 * @throws IllegalTransitionError for a task that is not PROCESS
 */
export function extendLease(before: TaskRecord, extendMs: number, at: TransitionContext): TaskRecord {
  const lease = mayMove('heartbeat', before).lease!;
  const deadlineMs = Math.min(at.steadyMs + (extendMs || lease.leaseMs), lease.timeLimitAtMs ?? Infinity);
  return { ...before, lease: { ...lease, deadlineMs } };
}
