/**
 * Hand-written encoders for the messages an SDK sends most: a Produce stream's batch of tasks and
 * a Work stream's batch of outcomes. They write exactly the bytes the generated encoders write
 * (`request-encoding.test.ts` compares the two on random messages), straight from the partial
 * objects the SDK builds, into one buffer: the generated path first copies every task into a full
 * message (`fromPartial`), then writes it through a chain of forks and chunks. In a bulk enqueue,
 * `fromPartial` alone allocated more than anything but `addTask` itself.
 *
 * The rare parts of a task (a retry backoff, an eta, metadata, a trace context) and every other
 * kind of request go to the generated encoders.
 */
import { ProduceRequest, TaskSpec, WorkRequest, type Completion, type DeepPartial, type TaskSpec as TaskSpecMessage } from '@qtasks/proto';

/** Wire types, as the low three bits of a tag. */
const VARINT = 0;
const LENGTH_DELIMITED = 2;

/** The tag of field `field` with wire type `wireType`. */
const tag = (field: number, wireType: number): number => (field << 3) | wireType;

/** Bytes reserved for a nested message's length before it is known: enough for 16 KiB, moved when it is not. */
const LENGTH_RESERVE = 2;

/** Writes protobuf fields into one growing buffer. */
class Writer {
  private buf: Buffer;
  private pos = 0;

  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(Math.max(64, capacity));
  }

  /** The bytes written: a view of the buffer, which is not written again. */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  /** An unsigned 32-bit varint. */
  uint32(value: number): void {
    this.ensure(5);
    const { buf } = this;
    let rest = value >>> 0;
    while (rest > 0x7f) {
      buf[this.pos++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    buf[this.pos++] = rest;
  }

  /** A signed 32-bit varint: a negative number takes ten bytes, sign-extended to 64 bits. */
  int32(value: number): void {
    if (value >= 0) return this.uint32(value);
    this.ensure(10);
    const { buf } = this;
    let lo = value >>> 0;
    for (let i = 0; i < 4; i++) {
      buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo >>>= 7;
    }
    // Bits 28–31 of the low half, then the high half (all ones), 7 bits a byte, 0x01 last.
    buf[this.pos++] = (lo & 0x0f) | 0x70 | 0x80;
    for (let i = 0; i < 4; i++) buf[this.pos++] = 0xff;
    buf[this.pos++] = 0x01;
  }

  /** A string field, left out when empty (proto3 default). */
  string(field: number, value: string | undefined): void {
    if (!value) return;
    this.uint32(tag(field, LENGTH_DELIMITED));
    this.stringValue(value);
  }

  /** A string's length and UTF-8 bytes (its tag written already). */
  stringValue(value: string): void {
    // A string of at most 42 UTF-16 units takes at most 126 bytes: its length is one byte.
    if (value.length <= 42) {
      this.ensure(1 + value.length * 3);
      const written = this.buf.write(value, this.pos + 1, 'utf8');
      this.buf[this.pos] = written;
      this.pos += 1 + written;
      return;
    }
    const length = Buffer.byteLength(value, 'utf8');
    this.uint32(length);
    this.ensure(length);
    this.pos += this.buf.write(value, this.pos, 'utf8');
  }

  /** A bytes field, left out when empty. */
  bytes(field: number, value: Uint8Array | undefined): void {
    if (!value || value.length === 0) return;
    this.uint32(tag(field, LENGTH_DELIMITED));
    this.uint32(value.length);
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** An int32 field, left out when 0. */
  int32Field(field: number, value: number | undefined): void {
    if (!value) return;
    this.uint32(tag(field, VARINT));
    this.int32(value);
  }

  /** A uint32 field, left out when 0. */
  uint32Field(field: number, value: number | undefined): void {
    if (!value) return;
    this.uint32(tag(field, VARINT));
    this.uint32(value);
  }

  /** A bool field, left out when false. */
  boolField(field: number, value: boolean | undefined): void {
    if (!value) return;
    this.uint32(tag(field, VARINT));
    this.uint32(1);
  }

  /** Bytes already encoded (fields the generated encoder wrote). */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Starts a nested message in `field`; {@link join} with what this returns ends it. */
  fork(field: number): number {
    this.uint32(tag(field, LENGTH_DELIMITED));
    this.ensure(LENGTH_RESERVE);
    this.pos += LENGTH_RESERVE;
    return this.pos;
  }

  /** Ends the nested message begun at `start`: its length goes in front, in as few bytes as it takes. */
  join(start: number): void {
    const length = this.pos - start;
    const lengthBytes = varintSize(length);
    if (lengthBytes !== LENGTH_RESERVE) {
      this.ensure(lengthBytes - LENGTH_RESERVE);
      this.buf.copyWithin(start - LENGTH_RESERVE + lengthBytes, start, this.pos);
      this.pos += lengthBytes - LENGTH_RESERVE;
    }
    let at = start - LENGTH_RESERVE;
    let rest = length;
    while (rest > 0x7f) {
      this.buf[at++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    this.buf[at] = rest;
  }
}

/** How many bytes the varint of a non-negative 32-bit number takes. */
function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

/** A `ProduceRequest` as `ProduceRequest.encode(ProduceRequest.fromPartial(request)).finish()` writes it. */
export function encodeProduceRequest(request: DeepPartial<ProduceRequest>): Uint8Array {
  const kind = request.kind;
  if (kind?.$case !== 'enqueue' || !kind.value) return ProduceRequest.encode(ProduceRequest.fromPartial(request)).finish();
  const tasks = kind.value.tasks ?? [];
  const writer = new Writer(estimatedBytes(tasks));
  writer.uint32Field(1, request.requestId);
  const enqueue = writer.fork(2);
  for (const spec of tasks) writeTaskSpec(writer, spec ?? {});
  writer.join(enqueue);
  writer.boolField(4, request.watch);
  return writer.finish();
}

/** About how many bytes `tasks` take encoded: their payloads, and room for the rest. */
function estimatedBytes(tasks: readonly (DeepPartial<TaskSpecMessage> | undefined)[]): number {
  let bytes = 16;
  for (const spec of tasks) bytes += 160 + (spec?.args?.length ?? 0) + (spec?.kwargs?.length ?? 0);
  return bytes;
}

/** One `TaskSpec` of an `EnqueueRequest` (field 1), its fields in field order. */
function writeTaskSpec(writer: Writer, spec: DeepPartial<TaskSpecMessage>): void {
  const start = writer.fork(1);
  writer.string(1, spec.name);
  writer.string(2, spec.queue);
  writer.int32Field(3, spec.priority);
  writer.bytes(4, spec.args);
  writer.bytes(5, spec.kwargs);
  writer.int32Field(6, spec.maxRetries);
  if (spec.retryBackoff !== undefined) writer.raw(generatedFields({ retryBackoff: spec.retryBackoff }));
  writer.int32Field(8, spec.maxTimeMs);
  if (spec.eta !== undefined) writer.raw(generatedFields({ eta: spec.eta }));
  writer.int32Field(10, spec.delayMs);
  writer.string(11, spec.idempotencyKey);
  for (const value of spec.tags ?? []) {
    // Unlike a singular field, an empty item of a repeated one is written.
    writer.uint32(tag(12, LENGTH_DELIMITED));
    writer.stringValue(value ?? '');
  }
  if (spec.metadata !== undefined && hasKeys(spec.metadata)) writer.raw(generatedFields({ metadata: spec.metadata }));
  if (spec.retentionMs !== undefined) {
    // An optional field is written whenever it is set, 0 included.
    writer.uint32(tag(14, VARINT));
    writer.int32(spec.retentionMs);
  }
  writer.string(15, spec.limitKey);
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
  const writer = new Writer(64 + completions.length * 96);
  const complete = writer.fork(4);
  for (const completion of completions) writeCompletion(writer, completion ?? {});
  writer.boolField(2, kind.value.omitTasks);
  writer.join(complete);
  writer.int32Field(5, request.credit);
  writer.uint32Field(6, request.requestId);
  if (request.creditLimit !== undefined) {
    writer.uint32(tag(7, VARINT));
    writer.uint32(request.creditLimit);
  }
  return writer.finish();
}

/** One `Completion` of a `CompleteRequest` (field 1). */
function writeCompletion(writer: Writer, completion: DeepPartial<Completion>): void {
  const start = writer.fork(1);
  writer.string(1, completion.taskId);
  writer.string(2, completion.leaseToken);
  const outcome = completion.outcome;
  // An outcome without a value is no outcome (as `fromPartial` reads it).
  if (!outcome?.value) return writer.join(start);
  switch (outcome.$case) {
    case 'success': {
      const success = writer.fork(3);
      writer.bytes(1, outcome.value.result);
      writer.join(success);
      break;
    }
    case 'failure': {
      const failure = writer.fork(4);
      const error = outcome.value.error;
      if (error !== undefined) {
        const errorStart = writer.fork(1);
        writer.string(1, error.type);
        writer.string(2, error.message);
        writer.string(3, error.traceback);
        writer.join(errorStart);
      }
      writer.boolField(2, outcome.value.retryable);
      writer.join(failure);
      break;
    }
    case 'cancelled': {
      const cancelled = writer.fork(5);
      writer.string(1, outcome.value.reason);
      writer.join(cancelled);
      break;
    }
    case 'released':
      writer.join(writer.fork(6));
      break;
  }
  writer.join(start);
}

function hasKeys(record: object): boolean {
  for (const _ in record) return true;
  return false;
}
