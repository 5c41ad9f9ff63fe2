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
import { atEnd, decodePlain, fail, readBool, type Reader } from './plain-reader.js';

/** A `WorkRequest` carrying a batch of outcomes, decoded; `undefined` for anything else (see the module comment). */
export function decodeWorkRequest(bytes: Buffer): WorkRequest | undefined {
  return decodePlain(bytes, readWorkRequest);
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
      case 40:
        message.credit = reader.int32();
        continue;
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

