/** Maps the broker's task records to their protobuf form. */
import { TaskStatus as ProtoTaskStatus, type PastAttempt as ProtoPastAttempt, type Task } from '@qtasks/proto';
import type { PastAttempt, TaskError, TaskRecord, TaskStatus } from '../domain/task.js';

/** The protobuf enum value of each status. */
export const PROTO_STATUS: Readonly<Record<TaskStatus, ProtoTaskStatus>> = {
  new: ProtoTaskStatus.TASK_STATUS_NEW,
  process: ProtoTaskStatus.TASK_STATUS_PROCESS,
  retry: ProtoTaskStatus.TASK_STATUS_RETRY,
  success: ProtoTaskStatus.TASK_STATUS_SUCCESS,
  error: ProtoTaskStatus.TASK_STATUS_ERROR,
  cancel: ProtoTaskStatus.TASK_STATUS_CANCEL,
};

/** The protobuf `Task` of a record. */
export function toProtoTask(task: TaskRecord): Task {
  return {
    id: task.id,
    name: task.name,
    queue: task.queue,
    priority: task.priority,
    args: asBuffer(task.args),
    kwargs: asBuffer(task.kwargs),
    status: PROTO_STATUS[task.status],
    attempt: task.attempt,
    maxRetries: task.maxRetries,
    createdAt: new Date(task.createdAtMs),
    updatedAt: new Date(task.updatedAtMs),
    startedAt: optionalDate(task.startedAtMs),
    finishedAt: optionalDate(task.finishedAtMs),
    eta: optionalDate(task.runAtMs),
    result: task.result ? asBuffer(task.result) : Buffer.alloc(0),
    error: task.error ? { ...task.error } : undefined,
    cancelReason: task.cancelReason ?? '',
    workerId: task.workerId ?? '',
    tags: task.tags,
    metadata: task.metadata,
    cancelRequested: task.cancelRequested,
    maxTimeMs: task.maxTimeMs,
    idempotencyKey: task.idempotencyKey ?? '',
    progress: task.progress ? asBuffer(task.progress) : Buffer.alloc(0),
    retentionMs: task.retentionMs,
    limitKey: task.limitKey ?? '',
    history: (task.history ?? []).map(toProtoPastAttempt),
    attemptsBeforeRetry: task.attemptsBeforeRetry ?? 0,
    // Read, never written, by the encoder: the record's own object, not a copy.
    traceContext: task.traceContext,
  };
}

/** The protobuf `PastAttempt` of one past attempt. */
function toProtoPastAttempt(past: PastAttempt): ProtoPastAttempt {
  return {
    attempt: past.attempt,
    status: PROTO_STATUS[past.status],
    error: past.error ? { ...past.error } : undefined,
    cancelReason: past.cancelReason ?? '',
    startedAt: optionalDate(past.startedAtMs),
    endedAt: new Date(past.endedAtMs),
    workerId: past.workerId ?? '',
  };
}

function optionalDate(ms: number | undefined): Date | undefined {
  return ms === undefined ? undefined : new Date(ms);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The fields of a task whose encoded size varies with their contents. */
export type TaskSizeFields = Pick<TaskRecord, 'name' | 'queue' | 'args' | 'kwargs' | 'tags' | 'metadata'> &
  Partial<Pick<TaskRecord, 'result' | 'error' | 'cancelReason' | 'workerId' | 'idempotencyKey' | 'progress' | 'limitKey' | 'history' | 'traceContext'>>;

/**
 * Every number, timestamp and flag of an encoded `Task` together: a negative `priority` takes 11
 * bytes, each of the five timestamps at most 19, the other numbers at most 7 each (130 in all).
 */
const TASK_FIXED_BYTES = 160;
/** A `PastAttempt`'s numbers and two timestamps: at most 11 + 11 + 2 × 21 bytes. */
const PAST_ATTEMPT_FIXED_BYTES = 64;
/** A task id is a UUID: 36 characters. */
const TASK_ID_BYTES = 36;

/**
 * An upper bound of the size of a task's encoded `Task` message, in bytes, computed without
 * encoding it: each string or bytes field costs its own bytes, its length prefix and a tag of at
 * most 2 bytes; everything else at most {@link TASK_FIXED_BYTES}. A record not yet stored (a
 * validated `NewTask`) is counted with the id it will get. Replies that carry many tasks use it to
 * stay under the max message size (see `ReplyBudget`); `task-mapping.test.ts` checks it against
 * real encodings.
 */
export function encodedTaskBytesBound(task: TaskSizeFields, utf8Bytes: (text: string) => number = exactUtf8Bytes): number {
  let size = TASK_FIXED_BYTES + field(TASK_ID_BYTES);
  size += field(utf8Bytes(task.name)) + field(utf8Bytes(task.queue)) + field(task.args.length) + field(task.kwargs.length);
  if (task.result) size += field(task.result.length);
  if (task.progress) size += field(task.progress.length);
  if (task.error) size += errorBytes(task.error, utf8Bytes);
  for (const text of [task.cancelReason, task.workerId, task.idempotencyKey, task.limitKey]) if (text) size += field(utf8Bytes(text));
  for (const past of task.history ?? []) size += field(PAST_ATTEMPT_FIXED_BYTES + (past.error ? errorBytes(past.error, utf8Bytes) : 0) + field(utf8Bytes(past.cancelReason ?? '')) + field(utf8Bytes(past.workerId ?? '')));
  if (task.traceContext) size += field(field(task.traceContext.traceparent.length) + field(task.traceContext.tracestate.length));
  for (const tag of task.tags) size += field(utf8Bytes(tag));
  for (const [key, value] of Object.entries(task.metadata)) size += field(field(utf8Bytes(key)) + field(utf8Bytes(value)));
  return size;
}

/** Bytes of a `TaskError` field. */
function errorBytes(error: TaskError, utf8Bytes: (text: string) => number): number {
  return field(field(utf8Bytes(error.type)) + field(utf8Bytes(error.message)) + field(utf8Bytes(error.traceback)));
}

function exactUtf8Bytes(text: string): number {
  return Buffer.byteLength(text);
}

/**
 * At least the UTF-8 bytes of `text`, without reading it: a UTF-16 code unit is at most 3 bytes
 * of UTF-8. For a first, cheap bound that is exact enough when far from a limit.
 */
export function utf8BytesAtMost(text: string): number {
  return text.length * 3;
}

/** Bytes of a length-delimited field of `length` bytes: a tag (at most 2 bytes), the length as a varint, the bytes. */
function field(length: number): number {
  return 2 + varintBytes(length) + length;
}

function varintBytes(value: number): number {
  let bytes = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    bytes++;
  }
  return bytes;
}

/** An upper bound of one task in a `repeated Task` field (an Enqueue reply, a ListTasks page): its tag and length, then the task. */
export function repeatedTaskBytesBound(task: TaskSizeFields, utf8Bytes?: (text: string) => number): number {
  return 6 + encodedTaskBytesBound(task, utf8Bytes);
}

/**
 * An upper bound of one `LeasedTask` in a Lease reply: the task wrapped with its tag and length,
 * the lease token (16 characters) and the deadline (a timestamp of at most 19 bytes), all of it
 * wrapped once more as an element of the repeated field.
 */
export function leasedTaskBytesBound(task: TaskSizeFields): number {
  return 6 + repeatedTaskBytesBound(task) + field(16) + 19;
}
