/**
 * How long ended tasks stay: the broker's retention per final status (`--retain-succeeded` for
 * SUCCESS, `--retain-failed` for ERROR and CANCEL), shortened by a task's own `retentionMs`.
 * Expired tasks are found from the indexes, never by a scan of the records: per status and queue,
 * `by_status` holds the ended tasks oldest end first, so the expired ones are a prefix of each
 * range; tasks with a retention of their own are also in `expiry`, by the time they expire.
 */
import type { Database } from 'lmdb';
import type { TaskRecord, TaskStatus } from '../domain/task.js';
import { dueRange, prefixRange, statusIndex, type Key } from './keys.js';

/** The broker's retention of ended tasks, in ms. */
export interface RetentionPolicy {
  /** How long a SUCCESS task stays. */
  succeededMs: number;
  /** How long an ERROR or CANCEL task stays. */
  failedMs: number;
}

/** The defaults: a day for successes, a week for failures (BullMQ and Hatchet keep about as long). */
export const DEFAULT_RETENTION: Readonly<RetentionPolicy> = { succeededMs: 24 * 3_600_000, failedMs: 7 * 24 * 3_600_000 };

/** The statuses a sweep walks, each with the policy field that rules it. */
const ENDED: readonly { status: TaskStatus; policy: keyof RetentionPolicy }[] = [
  { status: 'success', policy: 'succeededMs' },
  { status: 'error', policy: 'failedMs' },
  { status: 'cancel', policy: 'failedMs' },
];

/** How long an ended task stays: the broker's retention for its status, or its own if shorter. */
export function retentionOf(task: TaskRecord, policy: RetentionPolicy): number {
  const broker = task.status === 'success' ? policy.succeededMs : policy.failedMs;
  return task.retentionMs === undefined ? broker : Math.min(broker, task.retentionMs);
}

/** The databases a sweep reads. */
export interface RetentionIndexes {
  /** `[statusIndex, queue, finishedAtMs, id]` of every ended task. */
  byStatus: Database<unknown, Key>;
  /** `[expiresAtMs, id]` of every ended task with a retention of its own. */
  expiry: Database<unknown, Key>;
}

/**
 * Up to `limit` ids of ended tasks whose retention has run out at `nowMs` (wall time), each once.
 *
 * @param queues - every queue that may hold ended tasks
 */
export function expiredTaskIds(indexes: RetentionIndexes, queues: Iterable<string>, policy: RetentionPolicy, nowMs: number, limit: number): string[] {
  const ids = new Set<string>();
  for (const key of indexes.expiry.getKeys({ ...dueRange(nowMs), limit })) ids.add(key[1] as string);
  for (const queue of queues) {
    for (const { status, policy: field } of ENDED) {
      if (ids.size >= limit) return [...ids];
      const cutoffMs = nowMs - policy[field];
      const prefix = [statusIndex(status), queue];
      const range = { start: prefix, end: [...prefix, Math.floor(cutoffMs) + 1], limit: limit - ids.size };
      for (const key of indexes.byStatus.getKeys(range)) ids.add(key[3] as string);
    }
  }
  return [...ids];
}

/** The earliest wall time at which an ended task expires, or undefined when none is kept. */
export function nextExpiry(indexes: RetentionIndexes, queues: Iterable<string>, policy: RetentionPolicy): number | undefined {
  let earliest = Infinity;
  for (const key of indexes.expiry.getKeys({ limit: 1 })) earliest = key[0] as number;
  for (const queue of queues) {
    for (const { status, policy: field } of ENDED) {
      for (const key of indexes.byStatus.getKeys({ ...prefixRange([statusIndex(status), queue]), limit: 1 })) {
        earliest = Math.min(earliest, (key[2] as number) + policy[field]);
      }
    }
  }
  return earliest === Infinity ? undefined : earliest;
}
