/**
 * The wire form of tasks on the hot paths (pushed to a worker, answered to a producer), written
 * straight from their records. The generated path (`toProtoTask`, then ts-proto's `encode`)
 * builds a `Task` object, a `Date` per timestamp, and then a `Timestamp` with a `BigInt` of
 * seconds per `Date`: most of a push's encoding time, and garbage for every task a worker takes.
 * This writes the same bytes, field by field in the generated encoder's order (`task-wire.test.ts`
 * compares the two byte for byte), from the record, as an {@link EncodedReply}.
 */
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import type { PastAttempt, TaskError, TaskRecord, TraceContext } from '../domain/task.js';
import type { EncodedReply } from './encoded-replies.js';
import { PROTO_STATUS } from './task-mapping.js';

/** Field tags (field number << 3 | wire type) of `qtasks.broker.v1.Task`. */
const TASK = {
  id: 10, name: 18, queue: 26, priority: 32, args: 42, kwargs: 50, status: 56, attempt: 64, maxRetries: 72,
  createdAt: 82, updatedAt: 90, startedAt: 98, finishedAt: 106, eta: 114, result: 122, error: 130,
  cancelReason: 138, workerId: 146, tags: 154, metadata: 162, cancelRequested: 168, maxTimeMs: 176,
  idempotencyKey: 186, progress: 194, retentionMs: 200, limitKey: 210, history: 218, attemptsBeforeRetry: 224,
  traceContext: 234,
} as const;

/**
 * A `WorkResponse` pushing `tasks` (leased: each has its `lease`), encoded: what
 * `WorkResponse.encode({ kind: { $case: 'tasks', value: { tasks: [...] } }, requestId: 0 })` gives.
 *
 * @param wallTimeOf - the wall-clock time of a steady-clock time (lease deadlines are steady)
 */
export function encodeTaskPush(tasks: readonly TaskRecord[], wallTimeOf: (steadyMs: number) => number): EncodedReply {
  const writer = new BinaryWriter();
  writer.uint32(10).fork(); // WorkResponse.tasks: LeaseResponse
  for (const task of tasks) {
    writer.uint32(10).fork(); // LeaseResponse.tasks: LeasedTask
    writer.uint32(10).fork(); // LeasedTask.task
    writeTask(writer, task);
    writer.join();
    const lease = task.lease!;
    if (lease.token !== '') writer.uint32(18).string(lease.token);
    writeTimestamp(writer, 26, wallTimeOf(lease.deadlineMs));
    writer.join();
  }
  writer.join();
  return writer.finish() as EncodedReply;
}

/** An `EnqueueResponse` holding `tasks`, encoded. */
export function encodeEnqueueResponse(tasks: readonly TaskRecord[]): EncodedReply {
  const writer = new BinaryWriter();
  writeTaskList(writer, tasks);
  return writer.finish() as EncodedReply;
}

/** A `ProduceResponse` answering request `requestId` with its stored `tasks` (`enqueued`), encoded. */
export function encodeProduceEnqueued(requestId: number, tasks: readonly TaskRecord[]): EncodedReply {
  const writer = new BinaryWriter();
  if (requestId !== 0) writer.uint32(8).uint32(requestId);
  writer.uint32(18).fork();
  writeTaskList(writer, tasks);
  writer.join();
  return writer.finish() as EncodedReply;
}

/** A `ProduceResponse` carrying a new `state` of a task watched for request `requestId`, encoded. */
export function encodeProduceState(requestId: number, task: TaskRecord): EncodedReply {
  const writer = new BinaryWriter();
  if (requestId !== 0) writer.uint32(8).uint32(requestId);
  writer.uint32(34).fork();
  writeTask(writer, task);
  writer.join();
  return writer.finish() as EncodedReply;
}

/** The fields of an `EnqueueResponse`: each task as a `repeated Task tasks = 1`. */
function writeTaskList(writer: BinaryWriter, tasks: readonly TaskRecord[]): void {
  for (const task of tasks) {
    writer.uint32(10).fork();
    writeTask(writer, task);
    writer.join();
  }
}

/** Writes the fields of `Task` for `task`, as `Task.encode(toProtoTask(task))` would. */
function writeTask(writer: BinaryWriter, task: TaskRecord): void {
  if (task.id !== '') writer.uint32(TASK.id).string(task.id);
  if (task.name !== '') writer.uint32(TASK.name).string(task.name);
  if (task.queue !== '') writer.uint32(TASK.queue).string(task.queue);
  if (task.priority !== 0) writer.uint32(TASK.priority).int32(task.priority);
  if (task.args.length !== 0) writer.uint32(TASK.args).bytes(task.args);
  if (task.kwargs.length !== 0) writer.uint32(TASK.kwargs).bytes(task.kwargs);
  const status = PROTO_STATUS[task.status];
  if (status !== 0) writer.uint32(TASK.status).int32(status);
  if (task.attempt !== 0) writer.uint32(TASK.attempt).int32(task.attempt);
  if (task.maxRetries !== 0) writer.uint32(TASK.maxRetries).int32(task.maxRetries);
  writeTimestamp(writer, TASK.createdAt, task.createdAtMs);
  writeTimestamp(writer, TASK.updatedAt, task.updatedAtMs);
  if (task.startedAtMs !== undefined) writeTimestamp(writer, TASK.startedAt, task.startedAtMs);
  if (task.finishedAtMs !== undefined) writeTimestamp(writer, TASK.finishedAt, task.finishedAtMs);
  if (task.runAtMs !== undefined) writeTimestamp(writer, TASK.eta, task.runAtMs);
  if (task.result && task.result.length !== 0) writer.uint32(TASK.result).bytes(task.result);
  if (task.error) writeError(writer, TASK.error, task.error);
  if (task.cancelReason) writer.uint32(TASK.cancelReason).string(task.cancelReason);
  if (task.workerId) writer.uint32(TASK.workerId).string(task.workerId);
  for (const tag of task.tags) writer.uint32(TASK.tags).string(tag);
  for (const key of Object.keys(task.metadata)) {
    const value = task.metadata[key]!;
    writer.uint32(TASK.metadata).fork();
    if (key !== '') writer.uint32(10).string(key);
    if (value !== '') writer.uint32(18).string(value);
    writer.join();
  }
  if (task.cancelRequested) writer.uint32(TASK.cancelRequested).bool(true);
  if (task.maxTimeMs !== 0) writer.uint32(TASK.maxTimeMs).int32(task.maxTimeMs);
  if (task.idempotencyKey) writer.uint32(TASK.idempotencyKey).string(task.idempotencyKey);
  if (task.progress && task.progress.length !== 0) writer.uint32(TASK.progress).bytes(task.progress);
  if (task.retentionMs !== undefined) writer.uint32(TASK.retentionMs).int32(task.retentionMs);
  if (task.limitKey) writer.uint32(TASK.limitKey).string(task.limitKey);
  for (const past of task.history ?? []) {
    writer.uint32(TASK.history).fork();
    writePastAttempt(writer, past);
    writer.join();
  }
  if (task.attemptsBeforeRetry) writer.uint32(TASK.attemptsBeforeRetry).int32(task.attemptsBeforeRetry);
  if (task.traceContext) writeTraceContext(writer, task.traceContext);
}

/** The `trace_context` field: a `TraceContext` (ASCII strings, as validated at enqueue). */
function writeTraceContext(writer: BinaryWriter, traceContext: TraceContext): void {
  writer.uint32(TASK.traceContext).fork();
  if (traceContext.traceparent !== '') writer.uint32(10).string(traceContext.traceparent);
  if (traceContext.tracestate !== '') writer.uint32(18).string(traceContext.tracestate);
  writer.join();
}

/** Writes the fields of a `PastAttempt`. */
function writePastAttempt(writer: BinaryWriter, past: PastAttempt): void {
  if (past.attempt !== 0) writer.uint32(8).int32(past.attempt);
  writer.uint32(16).int32(PROTO_STATUS[past.status]);
  if (past.error) writeError(writer, 26, past.error);
  if (past.cancelReason) writer.uint32(34).string(past.cancelReason);
  if (past.startedAtMs !== undefined) writeTimestamp(writer, 42, past.startedAtMs);
  writeTimestamp(writer, 50, past.endedAtMs);
  if (past.workerId) writer.uint32(58).string(past.workerId);
}

/** A `TaskError` field. */
function writeError(writer: BinaryWriter, tag: number, error: TaskError): void {
  writer.uint32(tag).fork();
  if (error.type !== '') writer.uint32(10).string(error.type);
  if (error.message !== '') writer.uint32(18).string(error.message);
  if (error.traceback !== '') writer.uint32(26).string(error.traceback);
  writer.join();
}

/**
 * A `google.protobuf.Timestamp` field for a wall-clock time in ms, cut to whole ms as a `Date`
 * would. Its seconds are an int64: written as a 32-bit varint while they fit (the same bytes,
 * until 2038), as a 64-bit one otherwise.
 */
function writeTimestamp(writer: BinaryWriter, tag: number, wallMs: number): void {
  const ms = Math.trunc(wallMs);
  const seconds = Math.trunc(ms / 1000);
  const nanos = (ms % 1000) * 1_000_000;
  // The usual case (1970 to 2038) with its length computed: a fork and a join cost more than the
  // rest of the field, and a task has up to five of them.
  if (seconds >= 0 && seconds <= 0x7fff_ffff && nanos >= 0) {
    const length = (seconds !== 0 ? 1 + varintBytes(seconds) : 0) + (nanos !== 0 ? 1 + varintBytes(nanos) : 0);
    writer.uint32(tag).uint32(length);
    if (seconds !== 0) writer.uint32(8).uint32(seconds);
    if (nanos !== 0) writer.uint32(16).int32(nanos);
    return;
  }
  writer.uint32(tag).fork();
  if (seconds !== 0) {
    if (seconds > 0 && seconds <= 0x7fff_ffff) writer.uint32(8).uint32(seconds);
    else writer.uint32(8).int64(BigInt(seconds));
  }
  if (nanos !== 0) writer.uint32(16).int32(nanos);
  writer.join();
}

/** Bytes of the varint of a value from 0 to 2^31 - 1. */
function varintBytes(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x20_0000 ? 3 : value < 0x1000_0000 ? 4 : 5;
}
