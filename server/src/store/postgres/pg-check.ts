/**
 * `qtasks-broker --store postgres --check`: reads every task row and checks that its columns say
 * what its record says (the queries filter on the columns, the calls serve the record), and that
 * the schema is the one this broker knows. Read-only: it migrates nothing. The report has the
 * shape of the LMDB store's (`invariants.ts`).
 */
import postgres from 'postgres';
import { TASK_STATUSES, type TaskRecord, type TaskStatus } from '../../domain/task.js';
import { MAX_PROBLEMS, type StoreReport } from '../invariants.js';
import { schemaVersion } from './migrations.js';
import { MIGRATIONS } from './schema.js';
import { decodeRecord } from './task-rows.js';

/** Rows read per batch of the walk. */
const BATCH = 1000;

/** A row as the check reads it: the columns a record determines, and the record. */
interface CheckedRow {
  id: string;
  queue: string;
  status: string;
  version: string;
  lease_token: string | null;
  idempotency_key: string | null;
  record: Buffer;
}

/** Checks the database at `url` (see the module comment). */
export async function checkDatabase(url: string): Promise<StoreReport & { schemaVersion: number }> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  const byStatus = Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])) as Record<TaskStatus, number>;
  const problems: string[] = [];
  const problem = (text: string): void => void (problems.length < MAX_PROBLEMS && problems.push(text));
  let tasks = 0;
  try {
    const version = await schemaVersion(sql);
    const known = MIGRATIONS.at(-1)!.version;
    if (version !== known) {
      problem(`the schema is at version ${version}, this broker's is ${known}${version < known ? ' (run --migrate)' : ''}`);
      return { schemaVersion: version, tasks, byStatus, problems };
    }
    await sql<CheckedRow[]>`SELECT id, queue, status, version, lease_token, idempotency_key, record FROM qtasks_tasks`.cursor(BATCH, (rows) => {
      for (const row of rows) {
        tasks++;
        let task: TaskRecord;
        try {
          task = decodeRecord(row.record);
        } catch (error) {
          problem(`task ${row.id}: its record cannot be read (${error instanceof Error ? error.message : String(error)})`);
          continue;
        }
        byStatus[task.status]++;
        for (const mismatch of mismatches(row, task)) problem(`task ${row.id}: ${mismatch}`);
      }
    });
    return { schemaVersion: version, tasks, byStatus, problems };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Where a row's columns disagree with its record. */
function mismatches(row: CheckedRow, task: TaskRecord): string[] {
  const found: string[] = [];
  const expect = (column: string, stored: unknown, recorded: unknown): void => {
    if (stored !== recorded) found.push(`column ${column} is ${JSON.stringify(stored)}, its record says ${JSON.stringify(recorded)}`);
  };
  expect('id', row.id, task.id);
  expect('queue', row.queue, task.queue);
  expect('status', row.status, task.status);
  expect('version', row.version, String(task.version));
  expect('lease_token', row.lease_token, task.lease?.token ?? null);
  expect('idempotency_key', row.idempotency_key, task.idempotencyKey ?? null);
  return found;
}
