import type { TaskStatus } from './task.js';

/**
 * What an operator sets on a queue: paused or not, and its limits. A queue has no record of its
 * own: it exists while it holds tasks or has settings.
 */

/** At most `count` task starts per `periodMs`, over a sliding window; a count of 0 means no limit. */
export interface RateLimit {
  count: number;
  periodMs: number;
}

/** A queue's limits; 0 (or no rate) means no limit. */
export interface QueueLimits {
  /** Most tasks of the queue running at once. */
  maxRunning: number;
  /** Most task starts of the queue per period. */
  rate?: RateLimit;
  /** Most tasks of each limit key running at once. */
  maxRunningPerKey: number;
  /** Most task starts of each limit key per period. */
  ratePerKey?: RateLimit;
}

/** No limits at all. */
export const NO_LIMITS: Readonly<QueueLimits> = { maxRunning: 0, maxRunningPerKey: 0 };

/** True if `limits` limit nothing. */
export function isUnlimited(limits: QueueLimits): boolean {
  return limits.maxRunning === 0 && limits.maxRunningPerKey === 0 && !limits.rate?.count && !limits.ratePerKey?.count;
}

/** A queue as operators see it (ListQueues). */
export interface QueueInfo {
  name: string;
  /** Its tasks by status. */
  counts: Record<TaskStatus, number>;
  paused: boolean;
  limits: QueueLimits;
  /** How long its oldest ready task has waited since it became ready; 0 when none is ready. */
  oldestReadyAgeMs: number;
  /** Its tasks that ended over the last minute. */
  completedLastMinute: number;
}

/** A queue's settings. */
export interface QueueSettingsRecord {
  paused: boolean;
  limits: QueueLimits;
}
