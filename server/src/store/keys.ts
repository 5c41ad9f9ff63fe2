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
 * | `delayed`     | `[runAtMs, seq]`                 | id      | NEW/RETRY tasks waiting for eta/backoff |
 * | `by_status`   | `[statusIndex, queue, finishedAtMs, id]` | `true` | ended tasks (SUCCESS, ERROR, CANCEL) |
 * | `expiry`      | `[finishedAtMs + retentionMs, id]` | id    | ended tasks with a retention of their own |
 * | `idempotency` | `[queue, idempotencyKey]`        | id      | the first task of each key              |
 * | `queues`      | queue                            | settings | paused queues, queue limits            |
 * | `meta`        | name                             | value   | `schemaVersion`                         |
 *
 * `by_status` is also what the retention sweep walks (`retention.ts`): per status and queue,
 * oldest end first, so tasks that keep the broker's retention cost no entry of their own.
 *
 * Ready tasks and leases have no index on disk: they live in memory (`ready-lines.ts`,
 * `lease-book.ts`), rebuilt from the records at start. A record on disk is never PROCESS: a leased
 * task's record stays NEW or RETRY until its outcome. (Layout version 1 also had `ready`
 * `[queue, priority, seq]`, `leases` `[deadlineMs, id]`, by_status entries of every status, and
 * a `seq` counter in `meta`; `recovery.ts` removes them. Layouts up to version 3 keyed `by_status`
 * `[statusIndex, queue, id]` and had no `expiry`; `recovery.ts` rebuilds both.)
 */
import { TASK_STATUSES, isFinalStatus, type TaskRecord, type TaskStatus } from '../domain/task.js';

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

/** Delayed-index key: earliest `runAtMs` first. */
export const delayedKey = (runAtMs: number, seq: number): Key => [runAtMs, seq];
/** Status-index key: ended tasks by status, queue, then end time. */
export const statusKey = (status: TaskStatus, queue: string, finishedAtMs: number, id: string): Key => [statusIndex(status), queue, finishedAtMs, id];
/** Expiry-index key of a task with its own retention. */
export const expiryKey = (expiresAtMs: number, id: string): Key => [expiresAtMs, id];
/** Idempotency-index key. */
export const idempotencyKey = (queue: string, key: string): Key => [queue, key];

/** The index databases that mirror a task's status. */
export type StatusIndexName = 'delayed' | 'byStatus' | 'expiry';

/** One entry a task record owns in a status index. */
export interface IndexEntry {
  index: StatusIndexName;
  key: Key;
}

/**
 * The index entries a record must have, derived from the record alone: an ended task's by_status
 * entry (and expiry entry, if it has a retention of its own), a delayed task's delayed entry,
 * nothing for a ready one. `layout` is the store's layout version. Every transition removes the
 * entries of the old record and writes those of the new one, so the indexes cannot drift from the
 * records.
 */
export function indexEntriesOf(task: TaskRecord, layout = 4): readonly IndexEntry[] {
  // Before layout 4 an ended task had one entry, `[statusIndex, queue, id]` (a store not yet upgraded, under `--check`).
  if (isFinalStatus(task.status) && layout < 4) return [{ index: 'byStatus', key: [statusIndex(task.status), task.queue, task.id] }];
  if (isFinalStatus(task.status)) {
    const finishedAtMs = task.finishedAtMs ?? 0;
    const ended: IndexEntry = { index: 'byStatus', key: statusKey(task.status, task.queue, finishedAtMs, task.id) };
    return task.retentionMs === undefined ? [ended] : [ended, { index: 'expiry', key: expiryKey(finishedAtMs + task.retentionMs, task.id) }];
  }
  if (task.delayed && (task.status === 'new' || task.status === 'retry')) return [{ index: 'delayed', key: delayedKey(task.runAtMs ?? 0, task.seq) }];
  return NO_ENTRIES;
}

/** The entries of a task that has none (most of them: a ready or running one), shared. */
export const NO_ENTRIES: readonly IndexEntry[] = Object.freeze([]);

/** The value an index entry holds: the task's id, or `true` in `by_status`, whose key ends with the id. */
export function indexValueOf(entry: IndexEntry, taskId: string): string | true {
  return entry.index === 'byStatus' ? true : taskId;
}

/** Identity of an index entry, for telling which entries a transition keeps. */
export function entryId(entry: IndexEntry): string {
  return `${entry.index}:${entry.key.join('\u0000')}`;
}

/** Orders names as LMDB orders their keys: by UTF-8 bytes, which is code point order. */
export function byCodePoint(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
