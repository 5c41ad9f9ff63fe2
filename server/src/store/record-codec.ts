/**
 * How a task record is stored: a msgpack array with the fields in a fixed order (a "row"),
 * preceded by {@link ROW_FORMAT}. A map spells out every key in every record and msgpackr packs
 * it key by key (with undefined values left out, on its slower path); a row packs and unpacks
 * about twice as fast, and decodes straight into the one shape every record has
 * (`record-shape.ts`). Records stored as maps by an older broker read back the same.
 *
 * The order is part of the store's format: a new field goes at the end, and no field moves.
 */
import { Packr } from 'msgpackr';
import type { TaskRecord } from '../domain/task.js';
import { NOT_READ, readMsgpack } from './msgpack-reader.js';
import { encodeMsgpack } from './msgpack-writer.js';
import { shapeRecord } from './record-shape.js';

/** The first element of a row: which layout follows. */
export const ROW_FORMAT = 1;

/** The fields of a row, in order, after {@link ROW_FORMAT}. */
export const ROW_FIELDS = [
  'id',
  'name',
  'queue',
  'priority',
  'args',
  'kwargs',
  'status',
  'attempt',
  'maxRetries',
  'backoff',
  'maxTimeMs',
  'createdAtMs',
  'updatedAtMs',
  'runAtMs',
  'delayed',
  'seq',
  'cancelRequested',
  'tags',
  'metadata',
  'version',
  'startedAtMs',
  'finishedAtMs',
  'result',
  'error',
  'cancelReason',
  'workerId',
  'lease',
  'idempotencyKey',
  'progress',
  'retentionMs',
  'limitKey',
  'history',
  'attemptsBeforeRetry',
  'traceContext',
] as const satisfies readonly (keyof TaskRecord)[];

// Every field of a record has its place in a row (a compile error names the one left out).
type Unplaced = Exclude<keyof TaskRecord, (typeof ROW_FIELDS)[number]>;
const everyFieldPlaced: Unplaced extends never ? true : Unplaced = true;
void everyFieldPlaced;

/** The position of `field` in an encoded row (the format comes first). */
export function rowIndexOf(field: (typeof ROW_FIELDS)[number]): number {
  return ROW_FIELDS.indexOf(field) + 1;
}

/**
 * A record as a row. Fields at the end that most records leave unset (`traceContext`) are left
 * out of the row rather than written as undefined (3 bytes each in msgpack): a shorter row reads
 * them as unset, exactly as a row written before they existed.
 */
function toRow(r: TaskRecord): unknown[] {
  const row: unknown[] = [
    ROW_FORMAT,
    r.id,
    r.name,
    r.queue,
    r.priority,
    r.args,
    r.kwargs,
    r.status,
    r.attempt,
    r.maxRetries,
    r.backoff,
    r.maxTimeMs,
    r.createdAtMs,
    r.updatedAtMs,
    r.runAtMs,
    r.delayed,
    r.seq,
    r.cancelRequested,
    r.tags,
    r.metadata,
    r.version,
    r.startedAtMs,
    r.finishedAtMs,
    r.result,
    r.error,
    r.cancelReason,
    r.workerId,
    r.lease,
    r.idempotencyKey,
    r.progress,
    r.retentionMs,
    r.limitKey,
    r.history,
    r.attemptsBeforeRetry,
  ];
  if (r.traceContext !== undefined) row.push(r.traceContext);
  return row;
}

/** A row as a record, in the shape of `shapeRecord`. */
function fromRow(row: any[]): TaskRecord {
  return {
    id: row[1],
    name: row[2],
    queue: row[3],
    priority: row[4],
    args: row[5],
    kwargs: row[6],
    status: row[7],
    attempt: row[8],
    maxRetries: row[9],
    backoff: row[10],
    maxTimeMs: row[11],
    createdAtMs: row[12],
    updatedAtMs: row[13],
    runAtMs: row[14],
    delayed: row[15],
    seq: row[16],
    cancelRequested: row[17],
    tags: row[18],
    metadata: row[19],
    version: row[20],
    startedAtMs: row[21],
    finishedAtMs: row[22],
    result: row[23],
    error: row[24],
    cancelReason: row[25],
    workerId: row[26],
    lease: row[27],
    idempotencyKey: row[28],
    progress: row[29],
    // Rows written before these fields existed are shorter: the missing ones read as unset.
    retentionMs: row[30],
    limitKey: row[31],
    history: row[32],
    attemptsBeforeRetry: row[33],
    traceContext: row[34],
  };
}

/** A decoded value as a record: a row, or a map written by an older broker. */
export function recordOf(decoded: unknown): TaskRecord {
  if (Array.isArray(decoded)) {
    if (decoded[0] !== ROW_FORMAT) throw new Error(`a task record has an unknown row format (${String(decoded[0])})`);
    return fromRow(decoded);
  }
  return shapeRecord(decoded as TaskRecord);
}

/**
 * The encoder of the `tasks` database, for lmdb-js (`openDB('tasks', { encoder: { Encoder:
 * RecordEncoder } })`): lmdb-js constructs it with its msgpack options (`copyBuffers` among them:
 * a payload decoded from its shared read buffer must be copied), and hands it a reusable buffer
 * mode on writes, exactly as its own msgpack encoder.
 */
export class RecordEncoder {
  /** Tells lmdb-js that {@link encode} takes its buffer-reuse mode. */
  readonly copyBuffers = true;
  private readonly packr: Packr;

  constructor(options: Record<string, unknown> = {}) {
    this.packr = new Packr({ ...options, useRecords: false, copyBuffers: true });
  }

  /**
   * A record's bytes, written by `msgpack-writer.ts` (msgpackr's very bytes, faster). lmdb-js's
   * buffer-reuse `mode` is not needed: the bytes are a view no later encoding writes over.
   */
  encode(record: TaskRecord, _mode?: number): Uint8Array {
    return encodeMsgpack(toRow(record));
  }

  /**
   * The record in `bytes` (the first `size` of them): read by `msgpack-reader.ts` (our writer's
   * twin, about twice msgpackr's speed on a record), or by msgpackr when it holds what that
   * reader leaves alone (records written by an older broker with msgpackr's shared structures).
   */
  decode(bytes: Uint8Array, size?: number): TaskRecord {
    const read = readMsgpack(bytes, size ?? bytes.length);
    return recordOf(read === NOT_READ ? this.packr.decode(bytes, size as never) : read);
  }
}
