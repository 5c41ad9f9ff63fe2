/**
 * Hand-written decoders for the messages an SDK receives most: the tasks a Work stream pushes and
 * the answers of a Produce stream. They build exactly the objects the generated decoders build
 * (`task-decoding.test.ts` compares the two), without their costs per task: the generated code
 * reads every timestamp's seconds as a `BigInt`, turns it into a string and back into a number,
 * and allocates an empty `Buffer` for every bytes field before reading it. In a drain, decoding
 * pushes was ~16 % of a worker's busy time.
 *
 * Rare parts (an error, past attempts, metadata, a trace context, and every other kind of reply)
 * go to the generated decoders.
 */
import {
  CancelRequests,
  CompleteResponse,
  HeartbeatResponse,
  PastAttempt,
  ProduceResponse,
  ReportProgressResponse,
  RequestError,
  TaskError,
  Task_MetadataEntry,
  TraceContext,
  WatchError,
  WorkResponse,
  type LeasedTask,
  type Task,
} from '@qtasks/proto';
import { BinaryReader } from '@bufbuild/protobuf/wire';

/** A reader that keeps its bytes at hand, for the fields read here by hand (BinaryReader keeps them private). */
class Reader extends BinaryReader {
  constructor(readonly data: Uint8Array) {
    super(data);
  }
}

/** The value of an unset bytes field: empty, so one shared instance is as good as a fresh one. */
const NO_BYTES = Buffer.alloc(0);
/** As the generated decoders read text: a leading U+FEFF is a character of the text, not a mark to drop. */
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** A `WorkResponse`, as `WorkResponse.decode` returns it. */
export function decodeWorkResponse(input: Uint8Array): WorkResponse {
  const reader = new Reader(input);
  const message: WorkResponse = { kind: undefined, requestId: 0 };
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    switch (tag) {
      case 10:
        message.kind = { $case: 'tasks', value: { tasks: readRepeated(reader, reader.uint32(), readLeasedTask) } };
        continue;
      case 18:
        message.kind = { $case: 'heartbeat', value: HeartbeatResponse.decode(reader, reader.uint32()) };
        continue;
      case 26:
        message.kind = { $case: 'progress', value: ReportProgressResponse.decode(reader, reader.uint32()) };
        continue;
      case 34:
        message.kind = { $case: 'complete', value: CompleteResponse.decode(reader, reader.uint32()) };
        continue;
      case 42:
        message.kind = { $case: 'cancel', value: CancelRequests.decode(reader, reader.uint32()) };
        continue;
      case 48:
        message.requestId = reader.uint32();
        continue;
    }
    if (endsMessage(tag)) break;
    reader.skip(tag & 7);
  }
  return message;
}

/** A `ProduceResponse`, as `ProduceResponse.decode` returns it. */
export function decodeProduceResponse(input: Uint8Array): ProduceResponse {
  const reader = new Reader(input);
  const message: ProduceResponse = { requestId: 0, kind: undefined };
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    switch (tag) {
      case 8:
        message.requestId = reader.uint32();
        continue;
      case 18:
        message.kind = { $case: 'enqueued', value: { tasks: readRepeated(reader, reader.uint32(), readTask) } };
        continue;
      case 26:
        message.kind = { $case: 'error', value: RequestError.decode(reader, reader.uint32()) };
        continue;
      case 34:
        message.kind = { $case: 'state', value: readTask(reader, reader.uint32()) };
        continue;
      case 42:
        message.kind = { $case: 'watchError', value: WatchError.decode(reader, reader.uint32()) };
        continue;
    }
    if (endsMessage(tag)) break;
    reader.skip(tag & 7);
  }
  return message;
}

/** What ends a message early, as the generated decoders read it: an end-group tag, or a zero tag. */
function endsMessage(tag: number): boolean {
  return (tag & 7) === 4 || tag === 0;
}

/**
 * The items of a message of `length` bytes whose only field (number 1) is a repeated message: a
 * `LeaseResponse`'s leased tasks, an `EnqueueResponse`'s tasks.
 */
function readRepeated<T>(reader: Reader, length: number, readItem: (reader: Reader, length: number) => T): T[] {
  const end = reader.pos + length;
  const items: T[] = [];
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === 10) {
      items.push(readItem(reader, reader.uint32()));
      continue;
    }
    if (endsMessage(tag)) break;
    reader.skip(tag & 7);
  }
  return items;
}

function readLeasedTask(reader: Reader, length: number): LeasedTask {
  const end = reader.pos + length;
  const leased: LeasedTask = { task: undefined, leaseToken: '', leaseDeadline: undefined };
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag) {
      case 10:
        leased.task = readTask(reader, reader.uint32());
        continue;
      case 18:
        leased.leaseToken = readString(reader);
        continue;
      case 26:
        leased.leaseDeadline = readTimestamp(reader, reader.uint32());
        continue;
    }
    if (endsMessage(tag)) break;
    reader.skip(tag & 7);
  }
  return leased;
}

/** A `Task` of `length` bytes, field for field as `Task.decode`. */
function readTask(reader: Reader, length: number): Task {
  const end = reader.pos + length;
  const task: Task = {
    id: '',
    name: '',
    queue: '',
    priority: 0,
    args: NO_BYTES,
    kwargs: NO_BYTES,
    status: 0,
    attempt: 0,
    maxRetries: 0,
    createdAt: undefined,
    updatedAt: undefined,
    startedAt: undefined,
    finishedAt: undefined,
    eta: undefined,
    result: NO_BYTES,
    error: undefined,
    cancelReason: '',
    workerId: '',
    tags: [],
    metadata: {},
    cancelRequested: false,
    maxTimeMs: 0,
    idempotencyKey: '',
    progress: NO_BYTES,
    retentionMs: undefined,
    limitKey: '',
    history: [],
    attemptsBeforeRetry: 0,
    traceContext: undefined,
  };
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag) {
      case 10:
        task.id = readString(reader);
        continue;
      case 18:
        task.name = readString(reader);
        continue;
      case 26:
        task.queue = readString(reader);
        continue;
      case 32:
        task.priority = reader.int32();
        continue;
      case 42:
        task.args = readBytes(reader);
        continue;
      case 50:
        task.kwargs = readBytes(reader);
        continue;
      case 56:
        task.status = reader.int32();
        continue;
      case 64:
        task.attempt = reader.int32();
        continue;
      case 72:
        task.maxRetries = reader.int32();
        continue;
      case 82:
        task.createdAt = readTimestamp(reader, reader.uint32());
        continue;
      case 90:
        task.updatedAt = readTimestamp(reader, reader.uint32());
        continue;
      case 98:
        task.startedAt = readTimestamp(reader, reader.uint32());
        continue;
      case 106:
        task.finishedAt = readTimestamp(reader, reader.uint32());
        continue;
      case 114:
        task.eta = readTimestamp(reader, reader.uint32());
        continue;
      case 122:
        task.result = readBytes(reader);
        continue;
      case 130:
        task.error = TaskError.decode(reader, reader.uint32());
        continue;
      case 138:
        task.cancelReason = readString(reader);
        continue;
      case 146:
        task.workerId = readString(reader);
        continue;
      case 154:
        task.tags.push(readString(reader));
        continue;
      case 162: {
        const entry = Task_MetadataEntry.decode(reader, reader.uint32());
        if (entry.value !== undefined) task.metadata[entry.key] = entry.value;
        continue;
      }
      case 168:
        task.cancelRequested = reader.bool();
        continue;
      case 176:
        task.maxTimeMs = reader.int32();
        continue;
      case 186:
        task.idempotencyKey = readString(reader);
        continue;
      case 194:
        task.progress = readBytes(reader);
        continue;
      case 200:
        task.retentionMs = reader.int32();
        continue;
      case 210:
        task.limitKey = readString(reader);
        continue;
      case 218:
        task.history.push(PastAttempt.decode(reader, reader.uint32()));
        continue;
      case 224:
        task.attemptsBeforeRetry = reader.int32();
        continue;
      case 234:
        task.traceContext = TraceContext.decode(reader, reader.uint32());
        continue;
    }
    if (endsMessage(tag)) break;
    reader.skip(tag & 7);
  }
  return task;
}

/**
 * A string field's value, sliced straight out of the message by `Buffer#toString` (no view, no
 * string built a character at a time: that loop allocated more than anything else a push made).
 * Like the generated decoders' `TextDecoder`, it keeps a leading U+FEFF and replaces invalid
 * sequences with U+FFFD. A message that is not a `Buffer` goes to `TextDecoder`.
 */
function readString(reader: Reader): string {
  const length = reader.uint32();
  const start = reader.pos;
  const end = start + length;
  if (end > reader.len) throw new RangeError('premature EOF');
  reader.pos = end;
  const buf = reader.data;
  return buf instanceof Buffer ? buf.toString('utf8', start, end) : utf8.decode(buf.subarray(start, end));
}

/** A bytes field's value, copied out of the message (as the generated code does, so that a task does not pin a whole push). */
function readBytes(reader: Reader): Buffer {
  const bytes = reader.bytes();
  return bytes.length === 0 ? NO_BYTES : Buffer.from(bytes);
}

/**
 * A `google.protobuf.Timestamp` of `length` bytes as a `Date` (what the generated code makes of
 * it), its 64-bit seconds read as two 32-bit halves rather than through a `BigInt`.
 */
function readTimestamp(reader: Reader, length: number): Date {
  const end = reader.pos + length;
  let seconds = 0;
  let nanos = 0;
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === 8) {
      seconds = readInt64(reader);
      continue;
    }
    if (tag === 16) {
      nanos = reader.int32();
      continue;
    }
    if (endsMessage(tag)) break;
    reader.skip(tag & 7);
  }
  return new Date(seconds * 1_000 + nanos / 1_000_000);
}

/** A signed 64-bit varint as a number (exact within ±2^53, as every timestamp the broker sends is). */
function readInt64(reader: Reader): number {
  const buf = reader.data;
  let pos = reader.pos;
  let lo = 0;
  let hi = 0;
  let shift = 0;
  let byte: number;
  // The low 28 bits, then the byte split across the halves, then the high bits.
  do {
    byte = buf[pos++]!;
    if (shift < 28) lo |= (byte & 0x7f) << shift;
    else if (shift === 28) {
      lo |= (byte & 0x0f) << 28;
      hi = (byte & 0x70) >> 4;
    } else hi |= (byte & 0x7f) << (shift - 32);
    shift += 7;
  } while (byte & 0x80 && shift < 70);
  if (byte & 0x80 || pos > reader.len) throw new Error('invalid varint');
  reader.pos = pos;
  return (hi | 0) * 4_294_967_296 + (lo >>> 0);
}
