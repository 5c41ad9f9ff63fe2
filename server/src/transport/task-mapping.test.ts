import { LeasedTask, ListTasksResponse } from '@qtasks/proto';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { TASK_STATUSES, type TaskRecord } from '../domain/task.js';
import { encodedTaskBytesBound, leasedTaskBytesBound, repeatedTaskBytesBound, toProtoTask, utf8BytesAtMost } from './task-mapping.js';

const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const uint32 = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const timeMs = fc.integer({ min: 0, max: Date.UTC(9999, 11, 31) });
const text = fc.string({ unit: 'binary', maxLength: 300 });
const bytes = fc.uint8Array({ maxLength: 20_000 }).map((b) => Buffer.from(b));

/** Any record the store could hold, with every optional field present or absent. */
const record: fc.Arbitrary<TaskRecord> = fc.record(
  {
    id: fc.uuid({ version: 7 }),
    name: text,
    queue: text,
    priority: int32,
    args: bytes,
    kwargs: bytes,
    status: fc.constantFrom(...TASK_STATUSES),
    attempt: uint32,
    maxRetries: uint32,
    backoff: fc.constant({ initialMs: 1000, multiplier: 2, maxMs: 100_000 }),
    maxTimeMs: uint32,
    createdAtMs: timeMs,
    updatedAtMs: timeMs,
    startedAtMs: timeMs,
    finishedAtMs: timeMs,
    runAtMs: timeMs,
    delayed: fc.boolean(),
    seq: uint32,
    result: bytes,
    error: fc.record({ type: text, message: text, traceback: text }),
    cancelReason: text,
    cancelRequested: fc.boolean(),
    workerId: text,
    lease: fc.record({ token: fc.string({ minLength: 16, maxLength: 16 }), deadlineMs: timeMs, leaseMs: uint32 }),
    tags: fc.array(text, { maxLength: 10 }),
    metadata: fc.dictionary(text, text, { maxKeys: 10 }),
    idempotencyKey: text,
    progress: bytes,
    // ASCII, as the broker validates it at enqueue.
    traceContext: fc.record({ traceparent: fc.string({ unit: 'grapheme-ascii', maxLength: 55 }), tracestate: fc.string({ unit: 'grapheme-ascii', maxLength: 512 }) }),
    version: uint32,
  },
  { requiredKeys: ['id', 'name', 'queue', 'priority', 'args', 'kwargs', 'status', 'attempt', 'maxRetries', 'backoff', 'maxTimeMs', 'createdAtMs', 'updatedAtMs', 'delayed', 'seq', 'cancelRequested', 'tags', 'metadata', 'version'] },
);

describe('encodedTaskBytesBound', () => {
  test('is never below the real encoded size, alone, in a page or leased', () => {
    fc.assert(
      fc.property(record, (task) => {
        const proto = toProtoTask(task);
        expect(encodedTaskBytesBound(task)).toBeGreaterThanOrEqual(ListTasksResponse.encode({ tasks: [proto], nextPageToken: '' }).finish().length - 6);
        expect(repeatedTaskBytesBound(task)).toBeGreaterThanOrEqual(ListTasksResponse.encode({ tasks: [proto], nextPageToken: '' }).finish().length);
        // The first, cheap bound (three bytes per UTF-16 unit) is never below the exact one.
        expect(repeatedTaskBytesBound(task, utf8BytesAtMost)).toBeGreaterThanOrEqual(repeatedTaskBytesBound(task));
        const leased = LeasedTask.encode({ task: proto, leaseToken: 'x'.repeat(16), leaseDeadline: new Date(Date.UTC(9999, 11, 31)) }).finish().length;
        expect(leasedTaskBytesBound(task)).toBeGreaterThanOrEqual(leased + 6);
      }),
      { numRuns: 300 },
    );
  });

  test('is close to the real size for an ordinary task', () => {
    const task: TaskRecord = {
      id: '01890a5d-ac96-774b-bcce-b302099a8057', name: 'add', queue: 'add', priority: 0, args: Buffer.from('[1,2]'), kwargs: Buffer.from('{}'),
      status: 'new', attempt: 0, maxRetries: 0, backoff: { initialMs: 1000, multiplier: 2, maxMs: 100_000 }, maxTimeMs: 0,
      createdAtMs: Date.now(), updatedAtMs: Date.now(), runAtMs: Date.now(), delayed: false, seq: 1, cancelRequested: false, tags: [], metadata: {}, version: 1,
    };
    const real = ListTasksResponse.encode({ tasks: [toProtoTask(task)], nextPageToken: '' }).finish().length;
    expect(repeatedTaskBytesBound(task)).toBeLessThan(real + 200);
  });
});
