/**
 * A hand-written decoder for the request a producer sends most: a Produce stream's batch of tasks
 * (`ProduceRequest` with `enqueue`). Like `work-request-decoding.ts`, it builds exactly the objects
 * the generated decoder builds (`produce-request-decoding.test.ts` compares the two), and leaves
 * anything it does not take to the strict generic decoder: another kind of request, a field it
 * does not read, and the rarer parts of a task (a retry backoff, an eta, metadata, a trace
 * context), besides what `plain-reader.ts` gives up on.
 */
import type { EnqueueRequest, ProduceRequest, TaskSpec } from '@qtasks/proto';
import { atEnd, decodePlain, fail, readBool, type Reader } from './plain-reader.js';

/** A `ProduceRequest` carrying a batch of tasks, decoded; `undefined` for anything else. */
export function decodeProduceRequest(bytes: Buffer): ProduceRequest | undefined {
  return decodePlain(bytes, readProduceRequest);
}

function readProduceRequest(reader: Reader): ProduceRequest | undefined {
  const message: ProduceRequest = { requestId: 0, kind: undefined, watch: false, watchFinalOnly: false };
  const length = reader.buf.length;
  while (reader.pos < length) {
    switch (reader.varint32()) {
      case 8:
        message.requestId = reader.varint32();
        continue;
      case 18:
        // A second `enqueue` would merge into the first in the generated decoder: not plain.
        if (message.kind) return undefined;
        message.kind = { $case: 'enqueue', value: readEnqueueRequest(reader, reader.end()) };
        continue;
      case 32:
        message.watch = readBool(reader);
        continue;
      case 40:
        message.watchFinalOnly = readBool(reader);
        continue;
      default:
        return undefined;
    }
  }
  return message.kind ? message : undefined;
}

function readEnqueueRequest(reader: Reader, end: number): EnqueueRequest {
  const request: EnqueueRequest = { tasks: [] };
  while (reader.pos < end) {
    if (reader.varint32() !== 10) return fail();
    request.tasks.push(readTaskSpec(reader, reader.end()));
  }
  return atEnd(reader, end, request);
}

function readTaskSpec(reader: Reader, end: number): TaskSpec {
  const spec: TaskSpec = {
    name: '',
    queue: '',
    priority: 0,
    args: Buffer.alloc(0),
    kwargs: Buffer.alloc(0),
    maxRetries: 0,
    retryBackoff: undefined,
    maxTimeMs: 0,
    eta: undefined,
    delayMs: 0,
    idempotencyKey: '',
    tags: [],
    metadata: {},
    retentionMs: undefined,
    limitKey: '',
    traceContext: undefined,
  };
  while (reader.pos < end) {
    switch (reader.varint32()) {
      case 10:
        spec.name = reader.string();
        continue;
      case 18:
        spec.queue = reader.string();
        continue;
      case 24:
        spec.priority = reader.int32();
        continue;
      case 34:
        spec.args = reader.bytes();
        continue;
      case 42:
        spec.kwargs = reader.bytes();
        continue;
      case 48:
        spec.maxRetries = reader.int32();
        continue;
      case 64:
        spec.maxTimeMs = reader.int32();
        continue;
      case 80:
        spec.delayMs = reader.int32();
        continue;
      case 90:
        spec.idempotencyKey = reader.string();
        continue;
      case 98:
        spec.tags.push(reader.string());
        continue;
      case 112:
        spec.retentionMs = reader.int32();
        continue;
      case 122:
        spec.limitKey = reader.string();
        continue;
      default:
        return fail();
    }
  }
  return atEnd(reader, end, spec);
}
