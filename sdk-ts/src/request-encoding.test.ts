/** The hand-written request encoders write the generated encoders' very bytes. */
import { ProduceRequest, WorkRequest, type DeepPartial, type TaskSpec as TaskSpecMessage } from '@qtasks/proto';
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
      fc.property(maybe(uint32), maybe(fc.boolean()), maybe(fc.boolean()), fc.array(taskSpec, { maxLength: 6 }), (requestId, watch, watchFinalOnly, tasks) => {
        const request: DeepPartial<ProduceRequest> = { requestId, watch, watchFinalOnly, kind: { $case: 'enqueue', value: { tasks } } };
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

  test('refuses what the generated encoder refuses: numbers that are not integers of their range', () => {
    const generated = (spec: object) => () => ProduceRequest.encode(ProduceRequest.fromPartial({ kind: { $case: 'enqueue', value: { tasks: [spec] } } })).finish();
    const ours = (spec: object) => () => encodeProduceRequest({ kind: { $case: 'enqueue', value: { tasks: [spec] } } });
    // A 50-day delay in ms does not fit an int32: sent wrapped, it would run the task 7 hours later.
    for (const spec of [{ delayMs: 50 * 86_400_000 }, { priority: 2 ** 31 }, { maxRetries: 1.5 }, { maxTimeMs: Number.NaN }, { retentionMs: Infinity }, { priority: -(2 ** 31) - 1 }]) {
      expect(generated(spec)).toThrow();
      expect(ours(spec)).toThrow(new Error((() => { try { generated(spec)(); } catch (error) { return (error as Error).message; } return ''; })()));
    }
    expect(() => encodeWorkRequest({ requestId: 2 ** 32, kind: { $case: 'complete', value: { completions: [] } } })).toThrow('invalid uint32: 4294967296');
  });

  test('writes what the generated encoder writes for values of the wrong type from plain JavaScript', () => {
    const loose = { name: 5, queue: null, priority: '7', tags: [null, undefined, 'a'], retentionMs: null, limitKey: undefined } as unknown as DeepPartial<TaskSpecMessage>;
    const request: DeepPartial<ProduceRequest> = { requestId: null, watch: 0, kind: { $case: 'enqueue', value: { tasks: [loose] } } } as unknown as DeepPartial<ProduceRequest>;
    expectSameBytes(encodeProduceRequest(request), ProduceRequest.encode(ProduceRequest.fromPartial(request)).finish());
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
