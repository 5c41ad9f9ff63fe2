import { describe, expect, test } from 'vitest';
import { ClientError, Metadata, Status } from 'nice-grpc';
import { BadRequest, ErrorInfo, RetryInfo, RichClientError } from 'nice-grpc-error-details';
import { BrokerCallError, ERROR_DOMAIN, toBrokerCallError } from './errors.js';

const PATH = '/qtasks.broker.v1.BrokerService/Enqueue';

function mapped(error: unknown, trailer?: Metadata): BrokerCallError {
  const result = toBrokerCallError(error, 'Enqueue', trailer);
  expect(result).toBeInstanceOf(BrokerCallError);
  return result as BrokerCallError;
}

describe('toBrokerCallError', () => {
  test('reads reason, field and retry delay from the details, not from the message or the trailer', () => {
    const invalid = mapped(
      new RichClientError(PATH, Status.INVALID_ARGUMENT, 'tasks[9].queue: wrong', [
        ErrorInfo.fromPartial({ reason: 'INVALID_FIELD', domain: ERROR_DOMAIN, metadata: { field: 'tasks[2].name' } }),
        BadRequest.fromPartial({ fieldViolations: [{ field: 'tasks[2].name', description: 'must not be empty' }] }),
      ]),
    );
    expect(invalid).toMatchObject({ code: Status.INVALID_ARGUMENT, reason: 'INVALID_FIELD', field: 'tasks[2].name' });

    const overloaded = mapped(
      new RichClientError(PATH, Status.RESOURCE_EXHAUSTED, 'the broker is overloaded', [
        ErrorInfo.fromPartial({ reason: 'OVERLOADED', domain: ERROR_DOMAIN }),
        RetryInfo.fromPartial({ retryDelay: { seconds: 1, nanos: 250_000_000 } }),
      ]),
      Metadata({ 'retry-after-ms': '7' }),
    );
    expect(overloaded.reason).toBe('OVERLOADED');
    expect(overloaded.retryAfterMs).toBe(1250);
    expect(overloaded.field).toBeUndefined();
  });

  test("takes the field from ErrorInfo's metadata where there is no BadRequest", () => {
    const tooLarge = mapped(
      new RichClientError(PATH, Status.RESOURCE_EXHAUSTED, 'completions[3].success.result: the result is 9 bytes', [
        ErrorInfo.fromPartial({ reason: 'PAYLOAD_TOO_LARGE', domain: ERROR_DOMAIN, metadata: { field: 'completions[3].success.result' } }),
      ]),
    );
    expect(tooLarge).toMatchObject({ reason: 'PAYLOAD_TOO_LARGE', field: 'completions[3].success.result' });
    expect(tooLarge.retryAfterMs).toBeUndefined();
  });

  test('ignores the ErrorInfo of another domain', () => {
    const proxied = mapped(
      new RichClientError(PATH, Status.UNAVAILABLE, 'upstream down', [ErrorInfo.fromPartial({ reason: 'UPSTREAM', domain: 'proxy.example' })]),
    );
    expect(proxied.reason).toBeUndefined();
  });

  test('an older broker without details: the retry-after-ms trailer and the field the message starts with', () => {
    const overloaded = mapped(new ClientError(PATH, Status.RESOURCE_EXHAUSTED, 'the broker is overloaded'), Metadata({ 'retry-after-ms': '40' }));
    expect(overloaded.retryAfterMs).toBe(40);
    expect(overloaded.reason).toBeUndefined();
    const invalid = mapped(new ClientError(PATH, Status.INVALID_ARGUMENT, 'tasks[4].args: must be a JSON array'));
    expect(invalid.field).toBe('tasks[4].args');
    // Only the codes whose messages name a field are read for one.
    expect(mapped(new ClientError(PATH, Status.NOT_FOUND, 'task_id: x')).field).toBeUndefined();
    // The trailer is the overload's only: on another code it means nothing.
    expect(mapped(new ClientError(PATH, Status.UNAVAILABLE, 'down'), Metadata({ 'retry-after-ms': '40' })).retryAfterMs).toBeUndefined();
  });

  test('passes other errors unchanged', () => {
    const other = new Error('boom');
    expect(toBrokerCallError(other, 'Enqueue')).toBe(other);
  });
});
