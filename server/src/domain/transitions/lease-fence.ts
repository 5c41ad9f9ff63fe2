import type { TaskRecord } from '../task.js';

/** The refusal of a lease token that does not hold the task's current lease. */
export const STALE_LEASE =
  'stale lease: this token does not hold a lease on the task (unknown task, task no longer running, or leased again)';

/**
 * Why a lease token is not (or no longer) good for this task at steady time `steadyMs`, or
 * undefined if it is: the fence every Heartbeat, Complete and ReportProgress item passes before
 * its transition. The deadline is the fence, not the reaper: a late item is refused even before
 * the lease is reaped, so an outcome never depends on timer jitter.
 */
export function leaseRefusal(task: TaskRecord | undefined, token: string, steadyMs: number): string | undefined {
  // One reason for an unknown task, an ended one and another attempt's lease: a refusal tells the
  // caller nothing about a task it does not hold (its existence, status or attempt), which a
  // worker token could not read with GetTask.
  if (!task || task.status !== 'process' || !task.lease || task.lease.token !== token) return STALE_LEASE;
  if (task.lease.deadlineMs <= steadyMs) return 'lease expired';
  return undefined;
}
