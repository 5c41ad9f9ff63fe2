/** The hand-written decoder of task batches builds the generated decoder's very objects, and leaves everything else to it. */
import { ProduceRequest, type DeepPartial } from '@qtasks/proto';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { taskSpecOf, text, uint32 } from '../../../tests/helpers/wire-arbitraries.js';
import { decodeProduceRequest } from './produce-request-decoding.js';

/** What the decoder takes: text without U+FFFD, non-negative int32s, none of a task's rarer parts. */
const plainSpec = taskSpecOf({ textOf: text.filter((value) => !value.includes('\ufffd')), int32Of: fc.integer({ min: 0, max: 2 ** 31 - 1 }), rare: false });
const batch = fc.record({ requestId: uint32, watch: fc.boolean(), watchFinalOnly: fc.boolean(), tasks: fc.array(plainSpec, { maxLength: 5 }) }, { requiredKeys: ['tasks'] });

const encode = (request: DeepPartial<ProduceRequest>): Buffer => Buffer.from(ProduceRequest.encode(ProduceRequest.fromPartial(request)).finish());

describe('decodeProduceRequest', () => {
  test('decodes any plain batch of tasks into what ProduceRequest.decode gives', () => {
    fc.assert(
      fc.property(batch, ({ tasks, ...rest }) => {
        const wire = encode({ ...rest, kind: { $case: 'enqueue', value: { tasks } } });
        expect(decodeProduceRequest(wire)).toStrictEqual(ProduceRequest.decode(wire));
      }),
      { numRuns: 1000 },
    );
  });

  test("leaves a task's rarer parts, a negative number, U+FFFD, other requests and cut fields to the generated decoder", () => {
    const enqueue = (spec: object): Buffer => encode({ requestId: 1, kind: { $case: 'enqueue', value: { tasks: [{ name: 'n', queue: 'q', ...spec }] } } });
    expect(decodeProduceRequest(enqueue({}))).toBeDefined();
    for (const rare of [{ retryBackoff: { initialMs: 1 } }, { eta: new Date(5_000) }, { metadata: { a: 'b' } }, { traceContext: { traceparent: 'x' } }, { priority: -1 }, { name: '\ufffd' }]) {
      expect(decodeProduceRequest(enqueue(rare))).toBeUndefined();
    }
    expect(decodeProduceRequest(encode({ requestId: 3, kind: { $case: 'stopWatching', value: { taskIds: ['a'] } } }))).toBeUndefined();
    expect(decodeProduceRequest(encode({ requestId: 3 }))).toBeUndefined();
    const whole = enqueue({ args: Buffer.from('[1]') });
    expect(decodeProduceRequest(whole.subarray(0, whole.length - 2))).toBeUndefined();
  });
});
