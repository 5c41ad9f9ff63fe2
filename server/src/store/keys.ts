/**
 * Every key layout of the LMDB store, in one place.
 *
 * Keys are tuples encoded by lmdb-js's ordered-binary encoder: they sort element by element,
 * numbers numerically and before strings. Names reaching a key are validated at the edge to
 * contain no NUL or control characters (ordered-binary cannot hold NUL in a string).
 *
 * | database      | key                              | value   | holds                                   |
 * | ------------- | -------------------------------- | ------- | --------------------------------------- |
 * | `tasks`       | `id`                             | record  | every task                              |
 * | `ready`       | `[queue, priority, seq]`         | id      | NEW/RETRY tasks that may run now        |
 * | `delayed`     | `[runAtMs, seq]`                 | id      | NEW/RETRY tasks waiting for eta/backoff |
 * | `leases`      | `[deadlineMs, id]`               | id      | PROCESS tasks, by lease deadline        |
 * | `by_status`   | `[statusIndex, queue, id]`       | `true`  | every task, for ListTasks               |
 * | `idempotency` | `[queue, idempotencyKey]`        | id      | the first task of each key              |
 * | `meta`        | name                             | value   | `seq` counter, `schemaVersion`          |
 */
import { TASK_STATUSES, type TaskRecord, type TaskStatus } from '../domain/task.js';

/** A tuple key. */
export type Key = (string | number)[];

/**
 * Upper bound for a prefix scan. A string sentinel such as `'\xff\xff'` is not enough: a name with
 * characters above U+00FF (an emoji, say) encodes to larger bytes. A one-byte buffer 0xFF sorts
 * after every value ordered-binary produces (checked with lmdb 3.5.6).
 */
export const KEY_MAX = Buffer.from([0xff]);

/** The key range holding every key that starts with `prefix`. */
export function prefixRange(prefix: Key): { start: Key; end: Key } {
  // lmdb-js accepts a Buffer inside a tuple key; its typings only list strings and numbers.
  return { start: prefix, end: [...prefix, KEY_MAX as unknown as string] };
}

/** The key range of keys whose first element (a time in ms) is at or before `nowMs`. */
export function dueRange(nowMs: number): { end: Key } {
  // Times are whole milliseconds, and `[t + 1]` sorts before every `[t + 1, …]`.
  return { end: [Math.floor(nowMs) + 1] };
}

/** Position of a status in {@link TASK_STATUSES}; the number stored in `by_status` keys. */
export function statusIndex(status: TaskStatus): number {
  return TASK_STATUSES.indexOf(status);
}

/** Ready-index key: lower priority first, FIFO (by `seq`) within a priority. */
export const readyKey = (queue: string, priority: number, seq: number): Key => [queue, priority, seq];
/** Delayed-index key: earliest `runAtMs` first. */
export const delayedKey = (runAtMs: number, seq: number): Key => [runAtMs, seq];
/** Lease-index key: earliest deadline first. */
export const leaseKey = (deadlineMs: number, id: string): Key => [deadlineMs, id];
/** Status-index key. */
export const statusKey = (status: TaskStatus, queue: string, id: string): Key => [statusIndex(status), queue, id];
/** Idempotency-index key. */
export const idempotencyKey = (queue: string, key: string): Key => [queue, key];

/** The index databases that mirror a task's status. */
export type StatusIndexName = 'ready' | 'delayed' | 'leases' | 'byStatus';

/** One entry a task record owns in a status index. */
export interface IndexEntry {
  index: StatusIndexName;
  key: Key;
}

/**
 * The status-index entries a record must have, derived from the record alone. Every transition
 * removes the entries of the old record and writes those of the new one, so the indexes cannot
 * drift from the records.
 */
export function indexEntriesOf(task: TaskRecord): IndexEntry[] {
  const entries: IndexEntry[] = [{ index: 'byStatus', key: statusKey(task.status, task.queue, task.id) }];
  if (task.status === 'new' || task.status === 'retry') {
    entries.push(
      task.delayed
        ? { index: 'delayed', key: delayedKey(task.runAtMs ?? 0, task.seq) }
        : { index: 'ready', key: readyKey(task.queue, task.priority, task.seq) },
    );
  } else if (task.status === 'process' && task.lease) {
    entries.push({ index: 'leases', key: leaseKey(task.lease.deadlineMs, task.id) });
  }
  return entries;
}

/** Identity of an index entry, for telling which entries a transition keeps. */
export function entryId(entry: IndexEntry): string {
  return `${entry.index}:${entry.key.join('\u0000')}`;
}
