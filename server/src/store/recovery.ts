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
import type { TaskRecord } from '../domain/task.js';
import { prefixRange, statusIndex, type Key } from './keys.js';
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
 */
export function scanRecords(peeks: Database<RecordPeek | undefined, string>, tasks: Database<TaskRecord, string>): ScanResult {
  const ready: PlacedEntry[] = [];
  const toEnd: TaskRecord[] = [];
  let maxSeq = 0;
  let sorted = true;
  for (const { key: id, value: peek } of peeks.getRange()) {
    const task = peek ?? tasks.get(id)!;
    maxSeq = Math.max(maxSeq, task.seq);
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
