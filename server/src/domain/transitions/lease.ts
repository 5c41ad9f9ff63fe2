import { IllegalTransitionError } from '../errors.js';
import type { TaskRecord } from '../task.js';
import type { TransitionContext } from './context.js';
import { mayMove } from './guard.js';

/** What a lease needs to know of the worker taking the task. */
export interface LeaseGrant {
  /** The worker that takes the task. */
  workerId: string;
  /** Length of the lease (a heartbeat without `extendMs` extends by this much again). */
  leaseMs: number;
  /** A fresh fencing token (the store makes it, see `store/ids.ts`). */
  token: string;
}

/**
 * The record of a task a worker takes (row `lease`: new | retry → process): the next attempt, a
 * fresh token, and a deadline in steady time that never passes the attempt's time limit
 * (`maxTimeMs` from now). The previous attempt's progress is dropped.
 *
 * @throws IllegalTransitionError for a task that is not NEW or RETRY, or still waits for its eta
 *   or backoff (the store leases only from the ready index, so this is a broken store)
 */
export function leaseTask(before: TaskRecord, grant: LeaseGrant, at: TransitionContext): TaskRecord {
  mayMove('lease', before);
  if (before.delayed) throw new IllegalTransitionError('lease', before.status, `task ${before.id} waits for its eta or backoff; it cannot be leased yet`);
  const timeLimitAtMs = before.maxTimeMs > 0 ? at.steadyMs + before.maxTimeMs : undefined;
  return {
    ...before,
    progress: undefined,
    status: 'process',
    attempt: before.attempt + 1,
    startedAtMs: at.nowMs,
    updatedAtMs: at.nowMs,
    workerId: grant.workerId,
    lease: {
      token: grant.token,
      deadlineMs: Math.min(at.steadyMs + grant.leaseMs, timeLimitAtMs ?? Infinity),
      leaseMs: grant.leaseMs,
      ...(timeLimitAtMs === undefined ? {} : { timeLimitAtMs }),
    },
    version: before.version + 1,
  };
}
