/**
 * The wire form of tasks on the hot paths (pushed to a worker, answered to a producer), written
 * straight from their records. The generated path (`toProtoTask`, then ts-proto's `encode`)
 * builds a `Task` object, a `Date` per timestamp, and then a `Timestamp` with a `BigInt` of
 * seconds per `Date`: most of a push's encoding time, and garbage for every task a worker takes.
 * This writes the same bytes, field by field in the generated encoder's order (`task-wire.test.ts`
 * compares the two byte for byte), from the record, into one buffer (`WireWriter`), as an
 * {@link EncodedReply}.
 */
import { WireWriter, varintSize } from '@qtasks/proto';
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
  const writer = new WireWriter(payloadBytes(tasks) + 256 * tasks.length);
  const push = writer.fork(10); // WorkResponse.tasks: LeaseResponse
  for (const task of tasks) {
    const leased = writer.fork(10); // LeaseResponse.tasks: LeasedTask
    const body = writer.fork(10); // LeasedTask.task
    writeTask(writer, task);
    writer.join(body);
    const lease = task.lease!;
    writer.string(18, lease.token);
    writeTimestamp(writer, 26, wallTimeOf(lease.deadlineMs));
    writer.join(leased);
  }
  writer.join(push);
  return writer.finish() as EncodedReply;
}

/** The bytes of the tasks' payloads: with a few hundred bytes a task, what their encoding takes. */
function payloadBytes(tasks: readonly TaskRecord[]): number {
  let bytes = 0;
  for (const task of tasks) bytes += task.args.length + task.kwargs.length + (task.result?.length ?? 0);
  return bytes;
}

/** An `EnqueueResponse` holding `tasks`, encoded. */
export function encodeEnqueueResponse(tasks: readonly TaskRecord[]): EncodedReply {
  const writer = new WireWriter(payloadBytes(tasks) + 256 * tasks.length);
  writeTaskList(writer, tasks);
  return writer.finish() as EncodedReply;
}

/** A `ProduceResponse` answering request `requestId` with its stored `tasks` (`enqueued`), encoded. */
export function encodeProduceEnqueued(requestId: number, tasks: readonly TaskRecord[]): EncodedReply {
  const writer = new WireWriter(payloadBytes(tasks) + 256 * tasks.length + 16);
  writer.uint32Field(8, requestId);
  const enqueued = writer.fork(18);
  writeTaskList(writer, tasks);
  writer.join(enqueued);
  return writer.finish() as EncodedReply;
}

/** A `ProduceResponse` carrying a new `state` of a task watched for request `requestId`, encoded. */
export function encodeProduceState(requestId: number, task: TaskRecord): EncodedReply {
  const writer = new WireWriter(payloadBytes([task]) + 272);
  writer.uint32Field(8, requestId);
  const state = writer.fork(34);
  writeTask(writer, task);
  writer.join(state);
  return writer.finish() as EncodedReply;
}

/** The fields of an `EnqueueResponse`: each task as a `repeated Task tasks = 1`. */
function writeTaskList(writer: WireWriter, tasks: readonly TaskRecord[]): void {
  for (const task of tasks) {
    const start = writer.fork(10);
    writeTask(writer, task);
    writer.join(start);
  }
}

/** Writes the fields of `Task` for `task`, as `Task.encode(toProtoTask(task))` would. */
function writeTask(writer: WireWriter, task: TaskRecord): void {
  writer.string(TASK.id, task.id);
  writer.string(TASK.name, task.name);
  writer.string(TASK.queue, task.queue);
  writer.int32Field(TASK.priority, task.priority);
  writer.bytes(TASK.args, task.args);
  writer.bytes(TASK.kwargs, task.kwargs);
  writer.int32Field(TASK.status, PROTO_STATUS[task.status]);
  writer.int32Field(TASK.attempt, task.attempt);
  writer.int32Field(TASK.maxRetries, task.maxRetries);
  writeTimestamp(writer, TASK.createdAt, task.createdAtMs);
  writeTimestamp(writer, TASK.updatedAt, task.updatedAtMs);
  if (task.startedAtMs !== undefined) writeTimestamp(writer, TASK.startedAt, task.startedAtMs);
  if (task.finishedAtMs !== undefined) writeTimestamp(writer, TASK.finishedAt, task.finishedAtMs);
  if (task.runAtMs !== undefined) writeTimestamp(writer, TASK.eta, task.runAtMs);
  writer.bytes(TASK.result, task.result);
  if (task.error) writeError(writer, TASK.error, task.error);
  writer.string(TASK.cancelReason, task.cancelReason);
  writer.string(TASK.workerId, task.workerId);
  for (const tag of task.tags) writer.uint32(TASK.tags).stringValue(tag);
  for (const key of Object.keys(task.metadata)) {
    const entry = writer.fork(TASK.metadata);
    writer.string(10, key);
    writer.string(18, task.metadata[key]);
    writer.join(entry);
  }
  writer.boolField(TASK.cancelRequested, task.cancelRequested);
  writer.int32Field(TASK.maxTimeMs, task.maxTimeMs);
  writer.string(TASK.idempotencyKey, task.idempotencyKey);
  writer.bytes(TASK.progress, task.progress);
  // An optional field: written whenever it is set, 0 included.
  if (task.retentionMs !== undefined) writer.uint32(TASK.retentionMs).int32(task.retentionMs);
  writer.string(TASK.limitKey, task.limitKey);
  for (const past of task.history ?? []) {
    const start = writer.fork(TASK.history);
    writePastAttempt(writer, past);
    writer.join(start);
  }
  writer.int32Field(TASK.attemptsBeforeRetry, task.attemptsBeforeRetry);
  if (task.traceContext) writeTraceContext(writer, task.traceContext);
}

/** The `trace_context` field: a `TraceContext` (ASCII strings, as validated at enqueue). */
function writeTraceContext(writer: WireWriter, traceContext: TraceContext): void {
  const start = writer.fork(TASK.traceContext);
  writer.string(10, traceContext.traceparent);
  writer.string(18, traceContext.tracestate);
  writer.join(start);
}

/** Writes the fields of a `PastAttempt`. */
function writePastAttempt(writer: WireWriter, past: PastAttempt): void {
  writer.int32Field(8, past.attempt);
  // Written even when 0 (as the generated encoder of an enum that the record always sets).
  writer.uint32(16).int32(PROTO_STATUS[past.status]);
  if (past.error) writeError(writer, 26, past.error);
  writer.string(34, past.cancelReason);
  if (past.startedAtMs !== undefined) writeTimestamp(writer, 42, past.startedAtMs);
  writeTimestamp(writer, 50, past.endedAtMs);
  writer.string(58, past.workerId);
}

/** A `TaskError` field. */
function writeError(writer: WireWriter, tag: number, error: TaskError): void {
  const start = writer.fork(tag);
  writer.string(10, error.type);
  writer.string(18, error.message);
  writer.string(26, error.traceback);
  writer.join(start);
}

/**
 * A `google.protobuf.Timestamp` field for a wall-clock time in ms, cut to whole ms as a `Date`
 * would; its seconds are an int64.
 */
function writeTimestamp(writer: WireWriter, tag: number, wallMs: number): void {
  const ms = Math.trunc(wallMs);
  const seconds = Math.trunc(ms / 1000);
  const nanos = (ms % 1000) * 1_000_000;
  // Its length computed up front: a task has up to five timestamps, and a fork and join cost more
  // than the rest of the field. A negative int64 takes ten bytes, a negative int32 as many.
  const secondsBytes = seconds === 0 ? 0 : 1 + (seconds < 0 ? 10 : varintSize64(seconds));
  const nanosBytes = nanos === 0 ? 0 : 1 + (nanos < 0 ? 10 : varintSize(nanos));
  writer.uint32(tag).uint32(secondsBytes + nanosBytes);
  if (seconds !== 0) writer.uint32(8).int64(seconds);
  if (nanos !== 0) writer.uint32(16).int32(nanos);
}

/** Bytes of the varint of a non-negative safe integer. */
function varintSize64(value: number): number {
  if (value < 4_294_967_296) return varintSize(value);
  return value < 2 ** 35 ? 5 : 5 + varintSize(Math.floor(value / 2 ** 35));
}
