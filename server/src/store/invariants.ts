/**
 * A full consistency check of a store on disk: every task has exactly the index entries its status
 * calls for, no index holds an entry that no task calls for, no record is PROCESS or holds a lease
 * (leases live in memory only), and idempotency keys point at their tasks.
 * Used by tests after crashes and random requests, and by `qtasks-broker --check` on a backup.
 */
import type { Database } from 'lmdb';
import { TASK_STATUSES, type TaskRecord, type TaskStatus } from '../domain/task.js';
import { entryId, idempotencyKey, indexEntriesOf, indexValueOf, type IndexEntry, type Key, type StatusIndexName } from './keys.js';

/** What a check found. */
export interface StoreReport {
  /** Number of tasks. */
  tasks: number;
  /** Number of tasks in each status. */
  byStatus: Record<TaskStatus, number>;
  /** Every violation found (at most {@link MAX_PROBLEMS}); empty when the store is consistent. */
  problems: string[];
}

/** The databases a check reads. */
export interface StoreDatabases {
  tasks: Database<TaskRecord, string>;
  /** The index databases; one a store of an older layout does not have yet is absent. */
  indexes: Partial<Record<StatusIndexName, Database<unknown, Key>>>;
  /** Absent in a read-only store that never had one. */
  idempotency: Database<string, Key> | undefined;
  /** The store's layout version (`keys.ts`), which says which entries a record calls for. */
  layout: number;
}

/** A check stops listing problems after this many. */
export const MAX_PROBLEMS = 100;

/** Checks every invariant of the store; reads one snapshot per database. */
export function checkStore(dbs: StoreDatabases): StoreReport {
  const problems: string[] = [];
  const problem = (text: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(text);
  };
  const byStatus = Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])) as Record<TaskStatus, number>;
  const expected = new Map<string, { entry: IndexEntry; taskId: string }>();
  let tasks = 0;

  for (const { key: id, value: task } of dbs.tasks.getRange()) {
    tasks++;
    if (task.id !== id) problem(`task under key ${id} has id ${task.id}`);
    if (!TASK_STATUSES.includes(task.status)) {
      problem(`task ${id} has an unknown status ${String(task.status)}`);
      continue;
    }
    byStatus[task.status]++;
    if (task.status === 'process' || task.lease !== undefined) {
      problem(`task ${id} is stored ${task.status} ${task.lease ? 'with' : 'without'} a lease (leases live in memory only)`);
    }
    if (task.idempotencyKey !== undefined && dbs.idempotency?.get(idempotencyKey(task.queue, task.idempotencyKey)) === undefined) {
      problem(`task ${id} has idempotency key "${task.idempotencyKey}" but the key is not indexed`);
    }
    for (const entry of indexEntriesOf(task, dbs.layout)) {
      expected.set(entryId(entry), { entry, taskId: id });
      const value = dbs.indexes[entry.index]?.get(entry.key);
      const wanted = indexValueOf(entry, id);
      if (value !== wanted) problem(`task ${id} (${task.status}) is missing its ${entry.index} entry ${JSON.stringify(entry.key)}`);
    }
  }

  for (const index of Object.keys(dbs.indexes) as StatusIndexName[]) {
    for (const { key } of dbs.indexes[index]?.getRange() ?? []) {
      if (!expected.has(entryId({ index, key }))) problem(`${index} holds ${JSON.stringify(key)}, which no task calls for`);
    }
  }

  for (const { key, value: id } of dbs.idempotency?.getRange() ?? []) {
    const task = dbs.tasks.get(id);
    if (!task) problem(`idempotency key ${JSON.stringify(key)} points at missing task ${id}`);
    else if (task.queue !== key[0] || task.idempotencyKey !== key[1]) problem(`idempotency key ${JSON.stringify(key)} points at task ${id} of another key`);
  }

  return { tasks, byStatus, problems };
}
