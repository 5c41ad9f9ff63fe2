/**
 * A hand-written decoder for the request a broker reads most: a Work stream's batch of outcomes
 * (`WorkRequest` with `complete`). It builds exactly the objects the generated decoder builds
 * (`work-request-decoding.test.ts` compares the two), reading each string straight out of the
 * message, where the generated path runs `@bufbuild/protobuf`'s reader, a `TextDecoder` call per
 * string, and then the strict check walks the whole decoded message for U+FFFD.
 *
 * It takes only what it knows to be plain: anything else (another kind of request, a field it
 * does not read, a varint longer than 32 bits, a U+FFFD in a string, which may be invalid UTF-8)
 * gets `undefined`, and the strict generic decoder (`request-decoding.ts`) decides, naming any
 * problem as it always has.
 */
import type { CompleteRequest, Completion, TaskError, WorkRequest } from '@qtasks/proto';

/** Thrown inside the decoder when the message is not one it takes; never escapes it. */
const NOT_PLAIN = Symbol('not plain');

/** Reads varints, strings and bytes out of one message. */
class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  /** A varint of at most 32 bits (5 bytes). */
  varint32(): number {
    const { buf } = this;
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= buf.length) throw NOT_PLAIN;
      const byte = buf[this.pos++]!;
      value |= (byte & 0x7f) << shift;
      if (byte < 0x80) return shift === 28 && byte > 0x0f ? fail() : value >>> 0;
    }
    return fail();
  }

  /** The end of a length-delimited field that starts here, its length read. */
  end(): number {
    const length = this.varint32();
    const end = this.pos + length;
    if (end > this.buf.length) throw NOT_PLAIN;
    return end;
  }

  /** A string field's value: text without U+FFFD only. */
  string(): string {
    const end = this.end();
    const text = this.buf.toString('utf8', this.pos, end);
    if (text.includes('\ufffd')) throw NOT_PLAIN;
    this.pos = end;
    return text;
  }

  /** A bytes field's value, copied out of the message (as the generated decoder copies it). */
  bytes(): Buffer {
    const end = this.end();
    const bytes = Buffer.from(this.buf.subarray(this.pos, end));
    this.pos = end;
    return bytes;
  }
}

function fail(): never {
  throw NOT_PLAIN;
}

/** A `WorkRequest` carrying a batch of outcomes, decoded; `undefined` for anything else (see the module comment). */
export function decodeWorkRequest(bytes: Buffer): WorkRequest | undefined {
  try {
    return readWorkRequest(new Reader(bytes));
  } catch (error) {
    if (error === NOT_PLAIN) return undefined;
    throw error;
  }
}

function readWorkRequest(reader: Reader): WorkRequest | undefined {
  const message: WorkRequest = { kind: undefined, credit: 0, requestId: 0, creditLimit: undefined };
  const length = reader.buf.length;
  while (reader.pos < length) {
    switch (reader.varint32()) {
      case 34: {
        // A second `complete` would merge into the first in the generated decoder: not plain.
        if (message.kind) return undefined;
        message.kind = { $case: 'complete', value: readCompleteRequest(reader, reader.end()) };
        continue;
      }
      case 40: {
        const credit = reader.varint32();
        // A negative int32 takes ten bytes, refused by varint32: what is read here is 0 to 2^31 - 1.
        if (credit > 0x7fff_ffff) return undefined;
        message.credit = credit;
        continue;
      }
      case 48:
        message.requestId = reader.varint32();
        continue;
      case 56:
        message.creditLimit = reader.varint32();
        continue;
      default:
        return undefined;
    }
  }
  return message.kind ? message : undefined;
}

function readCompleteRequest(reader: Reader, end: number): CompleteRequest {
  const request: CompleteRequest = { completions: [], omitTasks: false };
  while (reader.pos < end) {
    switch (reader.varint32()) {
      case 10:
        request.completions.push(readCompletion(reader, reader.end()));
        continue;
      case 16:
        request.omitTasks = readBool(reader);
        continue;
      default:
        return fail();
    }
  }
  return atEnd(reader, end, request);
}

function readCompletion(reader: Reader, end: number): Completion {
  const completion: Completion = { taskId: '', leaseToken: '', outcome: undefined };
  while (reader.pos < end) {
    switch (reader.varint32()) {
      case 10:
        completion.taskId = reader.string();
        continue;
      case 18:
        completion.leaseToken = reader.string();
        continue;
      case 26:
        completion.outcome = { $case: 'success', value: { result: readSuccess(reader, reader.end()) } };
        continue;
      case 34:
        completion.outcome = { $case: 'failure', value: readFailure(reader, reader.end()) };
        continue;
      case 42:
        completion.outcome = { $case: 'cancelled', value: { reason: readSingleString(reader, reader.end()) } };
        continue;
      case 50:
        if (reader.end() !== reader.pos) return fail();
        completion.outcome = { $case: 'released', value: {} };
        continue;
      default:
        return fail();
    }
  }
  return atEnd(reader, end, completion);
}

/** A `Success`'s result: empty when the field is left out, as `createBaseSuccess` has it. */
function readSuccess(reader: Reader, end: number): Buffer {
  let result: Buffer = Buffer.alloc(0);
  while (reader.pos < end) {
    if (reader.varint32() !== 10) return fail();
    result = reader.bytes();
  }
  return atEnd(reader, end, result);
}

function readFailure(reader: Reader, end: number): { error: TaskError | undefined; retryable: boolean } {
  const failure: { error: TaskError | undefined; retryable: boolean } = { error: undefined, retryable: false };
  while (reader.pos < end) {
    switch (reader.varint32()) {
      case 10:
        // A second `error` would merge into the first in the generated decoder: not plain.
        if (failure.error) return fail();
        failure.error = readTaskError(reader, reader.end());
        continue;
      case 16:
        failure.retryable = readBool(reader);
        continue;
      default:
        return fail();
    }
  }
  return atEnd(reader, end, failure);
}

function readTaskError(reader: Reader, end: number): TaskError {
  const error: TaskError = { type: '', message: '', traceback: '' };
  while (reader.pos < end) {
    switch (reader.varint32()) {
      case 10:
        error.type = reader.string();
        continue;
      case 18:
        error.message = reader.string();
        continue;
      case 26:
        error.traceback = reader.string();
        continue;
      default:
        return fail();
    }
  }
  return atEnd(reader, end, error);
}

/** The one string field (number 1) of a message such as `Cancelled`. */
function readSingleString(reader: Reader, end: number): string {
  let value = '';
  while (reader.pos < end) {
    if (reader.varint32() !== 10) return fail();
    value = reader.string();
  }
  return atEnd(reader, end, value);
}

/** A bool as the generated decoder reads it: any varint but 0 is true. */
function readBool(reader: Reader): boolean {
  return reader.varint32() !== 0;
}

/** `value`, if the nested message ended exactly where its length said. */
function atEnd<T>(reader: Reader, end: number, value: T): T {
  return reader.pos === end ? value : fail();
}
