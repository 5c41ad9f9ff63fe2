/**
 * A task record as a row of `qtasks_tasks` (`schema.ts`): the record itself, encoded as the LMDB
 * store encodes it (`record-codec.ts`), and the columns the queries filter and order on, derived
 * from it. Rows go to PostgreSQL as columns of arrays, so that a batch is one statement
 * (`INSERT … SELECT FROM unnest(…)`, `UPDATE … FROM unnest(…)`).
 */
import { isFinalStatus, type TaskRecord } from '../../domain/task.js';
import { RecordEncoder } from '../record-codec.js';

const codec = new RecordEncoder();

/** When an ended task's row expires (wall ms), or undefined for never. */
export type Expiry = (task: TaskRecord) => number | undefined;

/** One column of `qtasks_tasks`: its PostgreSQL type, and its value for a record. */
interface Column {
  /** The type's name, for the `unnest` cast. */
  readonly name: string;
  /** The OID of its elements: how the driver sends an array of them. */
  readonly oid: number;
  /** The column's value for `task` (64-bit numbers as decimal strings: exact past 2^53), given when ended tasks expire. */
  readonly of: (task: TaskRecord, expiry: Expiry) => unknown;
}

const UUID = 2950;
const TEXT = 25;
const TIMESTAMPTZ = 1184;
const INT8 = 20;

/** Every column of a row, in the order `unnest` lists them: the one table the rows are made from. */
export const TASK_COLUMNS = {
  id: { name: 'uuid', oid: UUID, of: (task) => task.id },
  queue: { name: 'text', oid: TEXT, of: (task) => task.queue },
  priority: { name: 'int4', oid: 23, of: (task) => task.priority },
  seq: { name: 'int8', oid: INT8, of: (task) => String(task.seq) },
  status: { name: 'text', oid: TEXT, of: (task) => task.status },
  delayed: { name: 'bool', oid: 16, of: (task) => task.delayed },
  run_at: { name: 'timestamptz', oid: TIMESTAMPTZ, of: (task) => dateOrNull(task.delayed ? task.runAtMs : undefined) },
  lease_token: { name: 'text', oid: TEXT, of: (task) => task.lease?.token ?? null },
  lease_deadline: { name: 'timestamptz', oid: TIMESTAMPTZ, of: (task) => dateOrNull(task.lease?.deadlineMs) },
  worker_id: { name: 'text', oid: TEXT, of: (task) => task.workerId ?? null },
  limit_key: { name: 'text', oid: TEXT, of: (task) => task.limitKey ?? null },
  idempotency_key: { name: 'text', oid: TEXT, of: (task) => task.idempotencyKey ?? null },
  finished_at: { name: 'timestamptz', oid: TIMESTAMPTZ, of: (task) => dateOrNull(ended(task) ? task.finishedAtMs : undefined) },
  expires_at: { name: 'timestamptz', oid: TIMESTAMPTZ, of: (task, expiry) => dateOrNull(ended(task) ? expiry(task) : undefined) },
  version: { name: 'int8', oid: INT8, of: (task) => String(task.version) },
  record: { name: 'bytea', oid: 17, of: (task) => encodeRecord(task) },
} as const satisfies Record<string, Column>;

/** A column's name. */
export type TaskColumn = keyof typeof TASK_COLUMNS;

/** The column names, in order. */
export const TASK_COLUMN_NAMES = Object.keys(TASK_COLUMNS) as TaskColumn[];

/** The values of `column` for `records`, one per record: a batch goes as one array per column. */
export function columnOf(column: TaskColumn, records: readonly TaskRecord[], expiry: Expiry): unknown[] {
  const { of } = TASK_COLUMNS[column] as Column;
  return records.map((task) => of(task, expiry));
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

/** Ended, with its end time: the rows of ended tasks carry when they ended and expire. */
function ended(task: TaskRecord): boolean {
  return isFinalStatus(task.status) && task.finishedAtMs !== undefined;
}

function dateOrNull(ms: number | undefined): Date | null {
  return ms === undefined ? null : new Date(ms);
}
