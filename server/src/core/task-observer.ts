/**
 * What the core tells an observer (metrics) of the tasks moving through it: the only seam
 * between the state machine and what measures it, so that measuring costs the core one call per
 * batch and nothing when no one listens.
 */
import type { TaskRecord } from '../domain/task.js';

/** Told of each batch of tasks at one step of their lives. */
export interface TaskObserver {
  /** Tasks stored by an Enqueue (new ones only, not those an idempotency key returned). */
  enqueued(tasks: readonly TaskRecord[]): void;
  /** Tasks leased to a worker (a Lease, or a push on a Work stream). */
  dispatched(tasks: readonly TaskRecord[]): void;
  /** Tasks after an outcome or a lease expiry: ended, to run again, or given back. */
  settled(tasks: readonly TaskRecord[]): void;
}
