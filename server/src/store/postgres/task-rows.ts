/**
 * A task record as a row of `qtasks_tasks` (`schema.ts`): the record itself, encoded as the LMDB
 * store encodes it (`record-codec.ts`), and the columns the queries filter and order on, derived
 * from it. Rows go to PostgreSQL as columns of arrays, so that a batch is one statement
 * (`INSERT … SELECT FROM unnest(…)`, `UPDATE … FROM unnest(…)`).
 */
import { isFinalStatus, type TaskRecord } from '../../domain/task.js';
import { RecordEncoder } from '../record-codec.js';
import { retentionOf, type RetentionPolicy } from '../retention.js';

const codec = new RecordEncoder();

/** The columns of a batch of rows, one array each, in the order of {@link TASK_COLUMNS}. */
export interface TaskColumns {
  id: string[];
  queue: string[];
  priority: number[];
  seq: string[];
  status: string[];
  delayed: boolean[];
  run_at: (Date | null)[];
  lease_token: (string | null)[];
  lease_deadline: (Date | null)[];
  worker_id: (string | null)[];
  limit_key: (string | null)[];
  idempotency_key: (string | null)[];
  finished_at: (Date | null)[];
  expires_at: (Date | null)[];
  version: string[];
  record: Buffer[];
}

/** Every column of a row, as `unnest` lists them. */
export const TASK_COLUMNS = [
  'id',
  'queue',
  'priority',
  'seq',
  'status',
  'delayed',
  'run_at',
  'lease_token',
  'lease_deadline',
  'worker_id',
  'limit_key',
  'idempotency_key',
  'finished_at',
  'expires_at',
  'version',
  'record',
] as const satisfies readonly (keyof TaskColumns)[];

/** Each column's PostgreSQL type: its name, and the OID of its elements (how the driver sends an array of them). */
export const TASK_COLUMN_TYPES: Record<keyof TaskColumns, { name: string; oid: number }> = {
  id: { name: 'uuid', oid: 2950 },
  queue: { name: 'text', oid: 25 },
  priority: { name: 'int4', oid: 23 },
  seq: { name: 'int8', oid: 20 },
  status: { name: 'text', oid: 25 },
  delayed: { name: 'bool', oid: 16 },
  run_at: { name: 'timestamptz', oid: 1184 },
  lease_token: { name: 'text', oid: 25 },
  lease_deadline: { name: 'timestamptz', oid: 1184 },
  worker_id: { name: 'text', oid: 25 },
  limit_key: { name: 'text', oid: 25 },
  idempotency_key: { name: 'text', oid: 25 },
  finished_at: { name: 'timestamptz', oid: 1184 },
  expires_at: { name: 'timestamptz', oid: 1184 },
  version: { name: 'int8', oid: 20 },
  record: { name: 'bytea', oid: 17 },
};

/**
 * The rows of `records`, as arrays of columns. 64-bit columns go as decimal strings (exact past
 * 2^53, which `seq` may pass one day); times as dates.
 *
 * @param retention - the broker's retention, for when an ended task expires
 */
export function columnsOf(records: readonly TaskRecord[], retention: RetentionPolicy): TaskColumns {
  const columns: TaskColumns = {
    id: [],
    queue: [],
    priority: [],
    seq: [],
    status: [],
    delayed: [],
    run_at: [],
    lease_token: [],
    lease_deadline: [],
    worker_id: [],
    limit_key: [],
    idempotency_key: [],
    finished_at: [],
    expires_at: [],
    version: [],
    record: [],
  };
  for (const task of records) {
    const ended = isFinalStatus(task.status) && task.finishedAtMs !== undefined;
    columns.id.push(task.id);
    columns.queue.push(task.queue);
    columns.priority.push(task.priority);
    columns.seq.push(String(task.seq));
    columns.status.push(task.status);
    columns.delayed.push(task.delayed);
    columns.run_at.push(dateOrNull(task.delayed ? task.runAtMs : undefined));
    columns.lease_token.push(task.lease?.token ?? null);
    columns.lease_deadline.push(dateOrNull(task.lease?.deadlineMs));
    columns.worker_id.push(task.workerId ?? null);
    columns.limit_key.push(task.limitKey ?? null);
    columns.idempotency_key.push(task.idempotencyKey ?? null);
    columns.finished_at.push(dateOrNull(ended ? task.finishedAtMs : undefined));
    columns.expires_at.push(dateOrNull(ended ? task.finishedAtMs! + retentionOf(task, retention) : undefined));
    columns.version.push(String(task.version));
    columns.record.push(encodeRecord(task));
  }
  return columns;
}

/** The bytes `record` holds. */
export function encodeRecord(task: TaskRecord): Buffer {
  const bytes = codec.encode(task);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The record of a row's `record` column. */
export function decodeRecord(bytes: Uint8Array): TaskRecord {
  return codec.decode(bytes);
}

function dateOrNull(ms: number | undefined): Date | null {
  return ms === undefined ? null : new Date(ms);
}
