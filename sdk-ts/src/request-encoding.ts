/**
 * Hand-written encoders for the messages an SDK sends most: a Produce stream's batch of tasks and
 * a Work stream's batch of outcomes. They write exactly the bytes the generated encoders write
 * (`request-encoding.test.ts` compares the two on random messages), straight from the partial
 * objects the SDK builds, into one buffer (`WireWriter`, shared with the broker): the generated
 * path first copies every task into a full message (`fromPartial`), then writes it through a
 * chain of forks and chunks. In a bulk enqueue, `fromPartial` alone allocated more than anything
 * but `addTask` itself.
 *
 * The rare parts of a task (a retry backoff, an eta, metadata, a trace context) and every other
 * kind of request go to the generated encoders.
 */
import { ProduceRequest, TaskSpec, WireWriter, WorkRequest, type Completion, type DeepPartial, type TaskSpec as TaskSpecMessage } from '@qtasks/proto';
import { hasKeys } from './has-keys.js';

/** A `ProduceRequest` as `ProduceRequest.encode(ProduceRequest.fromPartial(request)).finish()` writes it. */
export function encodeProduceRequest(request: DeepPartial<ProduceRequest>): Uint8Array {
  const kind = request.kind;
  if (kind?.$case !== 'enqueue' || !kind.value) return ProduceRequest.encode(ProduceRequest.fromPartial(request)).finish();
  const tasks = kind.value.tasks ?? [];
  const writer = new WireWriter(estimatedBytes(tasks));
  writer.uint32Field(8, request.requestId);
  const enqueue = writer.fork(18);
  for (const spec of tasks) writeTaskSpec(writer, spec ?? {});
  writer.join(enqueue);
  writer.boolField(32, request.watch);
  writer.boolField(40, request.watchFinalOnly);
  return writer.finish();
}

/** About how many bytes `tasks` take encoded: their payloads, and room for the rest. */
function estimatedBytes(tasks: readonly (DeepPartial<TaskSpecMessage> | undefined)[]): number {
  let bytes = 16;
  for (const spec of tasks) bytes += 160 + (spec?.args?.length ?? 0) + (spec?.kwargs?.length ?? 0);
  return bytes;
}

/** One `TaskSpec` of an `EnqueueRequest` (field 1), its fields in field order. */
function writeTaskSpec(writer: WireWriter, spec: DeepPartial<TaskSpecMessage>): void {
  const start = writer.fork(10);
  writer.string(10, spec.name);
  writer.string(18, spec.queue);
  writer.int32Field(24, spec.priority);
  writer.bytes(34, spec.args);
  writer.bytes(42, spec.kwargs);
  writer.int32Field(48, spec.maxRetries);
  if (spec.retryBackoff !== undefined) writer.raw(generatedFields({ retryBackoff: spec.retryBackoff }));
  writer.int32Field(64, spec.maxTimeMs);
  if (spec.eta !== undefined) writer.raw(generatedFields({ eta: spec.eta }));
  writer.int32Field(80, spec.delayMs);
  writer.string(90, spec.idempotencyKey);
  for (const value of spec.tags ?? []) {
    // Unlike a singular field, an empty item of a repeated one is written.
    writer.uint32(98).stringValue(value as string);
  }
  if (spec.metadata !== undefined && hasKeys(spec.metadata)) writer.raw(generatedFields({ metadata: spec.metadata }));
  if (spec.retentionMs !== undefined && spec.retentionMs !== null) {
    // An optional field is written whenever it is set, 0 included.
    writer.uint32(112).int32(spec.retentionMs);
  }
  writer.string(122, spec.limitKey);
  if (spec.traceContext !== undefined) writer.raw(generatedFields({ traceContext: spec.traceContext }));
  writer.join(start);
}

/** The bytes the generated encoder writes for these fields of a `TaskSpec` alone (fields concatenate). */
function generatedFields(fields: DeepPartial<TaskSpecMessage>): Uint8Array {
  return TaskSpec.encode(TaskSpec.fromPartial(fields)).finish();
}

/** A `WorkRequest` as `WorkRequest.encode(WorkRequest.fromPartial(request)).finish()` writes it. */
export function encodeWorkRequest(request: DeepPartial<WorkRequest>): Uint8Array {
  const kind = request.kind;
  if (kind?.$case !== 'complete' || !kind.value) return WorkRequest.encode(WorkRequest.fromPartial(request)).finish();
  const completions = kind.value.completions ?? [];
  const writer = new WireWriter(64 + completions.length * 96);
  const complete = writer.fork(34);
  for (const completion of completions) writeCompletion(writer, completion ?? {});
  writer.boolField(16, kind.value.omitTasks);
  writer.join(complete);
  writer.int32Field(40, request.credit);
  writer.uint32Field(48, request.requestId);
  // An optional field is written whenever it is set, 0 included.
  if (request.creditLimit !== undefined && request.creditLimit !== null) writer.uint32(56).uint32(request.creditLimit);
  return writer.finish();
}

/** One `Completion` of a `CompleteRequest` (field 1). */
function writeCompletion(writer: WireWriter, completion: DeepPartial<Completion>): void {
  const start = writer.fork(10);
  writer.string(10, completion.taskId);
  writer.string(18, completion.leaseToken);
  const outcome = completion.outcome;
  // An outcome without a value is no outcome (as `fromPartial` reads it).
  if (!outcome?.value) {
    writer.join(start);
    return;
  }
  switch (outcome.$case) {
    case 'success': {
      const success = writer.fork(26);
      writer.bytes(10, outcome.value.result);
      writer.join(success);
      break;
    }
    case 'failure': {
      const failure = writer.fork(34);
      const error = outcome.value.error;
      if (error !== undefined) {
        const errorStart = writer.fork(10);
        writer.string(10, error.type);
        writer.string(18, error.message);
        writer.string(26, error.traceback);
        writer.join(errorStart);
      }
      writer.boolField(16, outcome.value.retryable);
      writer.join(failure);
      break;
    }
    case 'cancelled': {
      const cancelled = writer.fork(42);
      writer.string(10, outcome.value.reason);
      writer.join(cancelled);
      break;
    }
    case 'released':
      writer.join(writer.fork(50));
      break;
  }
  writer.join(start);
}
