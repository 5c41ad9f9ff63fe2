/** The hand-written request encoders write the generated encoders' very bytes. */
import { ProduceRequest, WorkRequest, type DeepPartial } from '@qtasks/proto';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { completionOf, int32, taskSpecOf, uint32 } from '../../tests/helpers/wire-arbitraries.js';
import { encodeProduceRequest, encodeWorkRequest } from './request-encoding.js';

const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
const taskSpec = taskSpecOf();

/** Asserts two encodings are the same bytes (compared whole first: a byte-wise deep equal of megabytes takes seconds). */
function expectSameBytes(ours: Uint8Array, generated: Uint8Array): void {
  if (Buffer.from(ours).equals(Buffer.from(generated))) return;
  expect(Buffer.from(ours).toString('hex')).toBe(Buffer.from(generated).toString('hex'));
}

const completion = completionOf();

describe('encodeProduceRequest', () => {
  test('writes what the generated encoder writes, for any batch of tasks', () => {
    fc.assert(
      fc.property(maybe(uint32), maybe(fc.boolean()), fc.array(taskSpec, { maxLength: 6 }), (requestId, watch, tasks) => {
        const request: DeepPartial<ProduceRequest> = { requestId, watch, kind: { $case: 'enqueue', value: { tasks } } };
        expectSameBytes(encodeProduceRequest(request), ProduceRequest.encode(ProduceRequest.fromPartial(request)).finish());
      }),
      { numRuns: 1000 },
    );
  });

  test('a task larger than the length the encoder reserves first (16 KiB), and one under 128 bytes', () => {
    for (const size of [0, 100, 16_383, 16_384, 70_000, 3_000_000]) {
      const request: DeepPartial<ProduceRequest> = { requestId: 7, kind: { $case: 'enqueue', value: { tasks: [{ name: 'big', args: Buffer.alloc(size, 1) }, { name: 'small' }] } } };
      expectSameBytes(encodeProduceRequest(request), ProduceRequest.encode(ProduceRequest.fromPartial(request)).finish());
    }
  });

  test('other requests go to the generated encoder', () => {
    const request: DeepPartial<ProduceRequest> = { requestId: 3, kind: { $case: 'stopWatching', value: { taskIds: ['a', 'b'] } } };
    expectSameBytes(encodeProduceRequest(request), ProduceRequest.encode(ProduceRequest.fromPartial(request)).finish());
  });
});

describe('encodeWorkRequest', () => {
  test('writes what the generated encoder writes, for any batch of outcomes', () => {
    fc.assert(
      fc.property(maybe(int32), maybe(uint32), maybe(uint32), maybe(fc.boolean()), fc.array(completion, { maxLength: 6 }), (credit, requestId, creditLimit, omitTasks, completions) => {
        const request: DeepPartial<WorkRequest> = { credit, requestId, creditLimit, kind: { $case: 'complete', value: { completions, omitTasks } } };
        expectSameBytes(encodeWorkRequest(request), WorkRequest.encode(WorkRequest.fromPartial(request)).finish());
      }),
      { numRuns: 1000 },
    );
  });

  test('other requests go to the generated encoder', () => {
    const request: DeepPartial<WorkRequest> = { credit: 5, kind: { $case: 'start', value: { workerId: 'w', queues: ['q'], leaseMs: 30_000 } } };
    expectSameBytes(encodeWorkRequest(request), WorkRequest.encode(WorkRequest.fromPartial(request)).finish());
  });
});
