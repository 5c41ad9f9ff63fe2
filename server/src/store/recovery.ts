/**
 * What the store rebuilds when it opens, from the records alone: the ready lines, the FIFO
 * counter, and the tasks a crash left half-way. Nothing of this is written while the broker runs
 * (docs/decisions.md, "Leases in memory"), so this scan is what a restart costs: about a second per
 * million records here (docs/benchmarks.md, "Restart").
 */
import type { Database, RootDatabase } from 'lmdb';
import { cancelTask } from '../domain/transitions/cancel.js';
import type { TransitionContext } from '../domain/transitions/context.js';
import { releaseTask } from '../domain/transitions/release.js';
import type { TaskRecord, TaskStatus } from '../domain/task.js';
import { indexEntriesOf, indexValueOf, prefixRange, statusIndex, type Key, type StatusIndexName } from './keys.js';
import type { PlacedEntry } from './ready-lines.js';
import type { RecordPeek } from './record-peek.js';

/** What {@link scanRecords} found. */
export interface ScanResult {
  /** The ready tasks, in FIFO (`seq`) order. */
  ready: PlacedEntry[];
  /** Tasks to end or give back now (see {@link endAfterRestart}). */
  toEnd: TaskRecord[];
  /** The highest `seq` in use. */
  maxSeq: number;
}

/**
 * Reads every record once, decoding only what decides where it goes (`record-peek.ts`); a record
 * that is to change now, or that an older broker encoded otherwise, is decoded whole.
 *
 * @param peeks - the `tasks` database opened with {@link PEEK_RECORDS}
 * @param tasks - the same database as the store reads it
 * @param count - told the queue and status of every record (the queues' counts start from these)
 */
export function scanRecords(
  peeks: Database<RecordPeek | undefined, string>,
  tasks: Database<TaskRecord, string>,
  count: (queue: string, status: TaskStatus) => void = () => {},
): ScanResult {
  const ready: PlacedEntry[] = [];
  const toEnd: TaskRecord[] = [];
  let maxSeq = 0;
  let sorted = true;
  for (const { key: id, value: peek } of peeks.getRange()) {
    const task = peek ?? tasks.get(id)!;
    maxSeq = Math.max(maxSeq, task.seq);
    count(task.queue, task.status as TaskStatus);
    const waiting = task.status === 'new' || task.status === 'retry';
    if (task.status === 'process' || (waiting && task.cancelRequested)) {
      toEnd.push(tasks.get(id)!);
    } else if (waiting && !task.delayed) {
      if (ready.length > 0 && ready[ready.length - 1]!.seq > task.seq) sorted = false;
      ready.push({ id, seq: task.seq, retry: task.status === 'retry', queue: task.queue, priority: task.priority });
    }
  }
  // Records come in id (creation) order, which is FIFO order unless tasks were retried or promoted.
  if (!sorted) ready.sort((a, b) => a.seq - b.seq);
  return { ready, toEnd, maxSeq };
}

/**
 * The record of a task a restart finds half-way: asked to cancel while a lease (now gone) held it,
 * it ends in CANCEL; PROCESS on disk (written by layout version 1, which stored leases), it is
 * given back, ready again with its attempt not counted, as a crash does to a lease today.
 */
export function endAfterRestart(before: TaskRecord, at: TransitionContext): TaskRecord {
  if (before.status === 'process') return releaseTask(before, at);
  return cancelTask(before, before.cancelReason ?? 'cancelled', at);
}

/**
 * Removes what layout version 1 kept on disk and version 2 keeps in memory: the `ready` and
 * `leases` indexes, by_status entries of NEW, PROCESS and RETRY tasks, and the `seq` counter.
 * Runs inside the write that upgrades the store.
 */
export function dropVersion1Indexes(env: RootDatabase, byStatus: Database<unknown, Key>, meta: Database<number, string>): void {
  for (const name of ['ready', 'leases']) {
    const db = env.openDB<unknown, Key>(name, {});
    for (const key of db.getKeys()) db.remove(key);
  }
  for (const status of ['new', 'process', 'retry'] as const) {
    for (const key of byStatus.getKeys(prefixRange([statusIndex(status)]))) byStatus.remove(key);
  }
  meta.remove('seq');
}

/** Ended-index entries re-keyed per commit when a store before version 4 opens. */
export const REKEY_BATCH = 10_000;

/**
 * Up to `limit` entries of `by_status` in the layout before version 4, `[statusIndex, queue, id]`,
 * from `after` on. A re-keyed entry sorts before every old one of its status and queue (a number
 * before a string), so a walk that goes on from the last old key never meets its own output.
 */
export function endedKeysBefore4(byStatus: Database<unknown, Key>, limit: number, after?: Key): Key[] {
  const keys: Key[] = [];
  for (const key of byStatus.getKeys(after ? { start: after } : {})) {
    if (key.length === 3) keys.push(key);
    if (keys.length === limit) break;
  }
  return keys;
}

/**
 * Replaces entries of the layout before version 4 with what the task's record calls for now (an
 * entry keyed by end time, and an expiry entry for a retention of its own). Runs inside a write.
 */
export function rekeyEnded(oldKeys: readonly Key[], indexes: Record<StatusIndexName, Database<unknown, Key>>, tasks: Database<TaskRecord, string>): void {
  for (const key of oldKeys) {
    indexes.byStatus.remove(key);
    const task = tasks.get(key[2] as string);
    if (!task) continue;
    putIndexEntries(task, indexes);
  }
}

/** Writes the index entries `task`'s record calls for (a record written as a whole, not moved by a transition). Runs inside a write. */
export function putIndexEntries(task: TaskRecord, indexes: Record<StatusIndexName, Database<unknown, Key>>): void {
  for (const entry of indexEntriesOf(task)) indexes[entry.index].put(entry.key, indexValueOf(entry, task.id));
}
