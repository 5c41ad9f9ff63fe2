/** The hand-written decoder of outcome batches builds the generated decoder's very objects, and leaves everything else to it. */
import { WorkRequest, type DeepPartial } from '@qtasks/proto';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { completionOf, text } from '../../../tests/helpers/wire-arbitraries.js';
import { decodeWorkRequest } from './work-request-decoding.js';

/** Text of any kind but U+FFFD, which the decoder leaves to the strict one (tested on its own below). */
const plainText = text.filter((value) => !value.includes('\ufffd'));
const completion = completionOf(plainText);
const outcomeBatch = fc.record(
  {
    credit: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    requestId: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    creditLimit: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    kind: fc.record({ $case: fc.constant('complete' as const), value: fc.record({ completions: fc.array(completion, { maxLength: 5 }), omitTasks: fc.boolean() }, { requiredKeys: [] }) }),
  },
  { requiredKeys: ['kind'] },
);

const encode = (request: DeepPartial<WorkRequest>): Buffer => Buffer.from(WorkRequest.encode(WorkRequest.fromPartial(request)).finish());

describe('decodeWorkRequest', () => {
  test('decodes any batch of outcomes into what WorkRequest.decode gives', () => {
    fc.assert(
      fc.property(outcomeBatch, (request) => {
        const wire = encode(request);
        expect(decodeWorkRequest(wire)).toStrictEqual(WorkRequest.decode(wire));
      }),
      { numRuns: 1000 },
    );
  });

  test('leaves other requests, unknown fields, negative credit and cut fields to the generated decoder', () => {
    const batch = encode({ requestId: 1, kind: { $case: 'complete', value: { completions: [{ taskId: 't', leaseToken: 'l', outcome: { $case: 'success', value: { result: Buffer.from('1') } } }] } } });
    expect(decodeWorkRequest(batch)).toBeDefined();
    expect(decodeWorkRequest(encode({ credit: 5, kind: { $case: 'start', value: { workerId: 'w', queues: ['q'] } } }))).toBeUndefined();
    expect(decodeWorkRequest(encode({ credit: 5 }))).toBeUndefined();
    expect(decodeWorkRequest(encode({ credit: -1, kind: { $case: 'complete', value: {} } }))).toBeUndefined();
    expect(decodeWorkRequest(Buffer.concat([batch, Buffer.from([0x78, 0x01])]))).toBeUndefined(); // field 15, unknown
    // A message cut inside a field is left alone; one cut between fields is a shorter valid message.
    for (let cut = 1; cut < batch.length; cut++) {
      const decoded = decodeWorkRequest(batch.subarray(0, cut));
      if (decoded !== undefined) expect(decoded).toStrictEqual(WorkRequest.decode(batch.subarray(0, cut)));
    }
    expect(decodeWorkRequest(batch.subarray(0, batch.length - 3))).toBeUndefined();
  });

  test('leaves a string holding U+FFFD (maybe invalid UTF-8) to the strict decoder, which names the field', () => {
    const valid = encode({ kind: { $case: 'complete', value: { completions: [{ taskId: 'ab', leaseToken: 'cd' }] } } });
    const invalid = Buffer.from(valid);
    invalid[invalid.indexOf('ab')] = 0xff;
    expect(decodeWorkRequest(invalid)).toBeUndefined();
    expect(decodeWorkRequest(encode({ kind: { $case: 'complete', value: { completions: [{ taskId: '\ufffd' }] } } }))).toBeUndefined();
  });
});
