import { EnqueueResponse, ProduceResponse, WorkResponse } from '@qtasks/proto';
import { describe, expect, it } from 'vitest';
import type { TaskRecord } from '../domain/task.js';
import { toProtoTask } from './task-mapping.js';
import { encodeEnqueueResponse, encodeProduceEnqueued, encodeProduceState, encodeTaskPush } from './task-wire.js';

/** A record with every field set. */
const full: TaskRecord = {
  id: '0190a0b1-c2d3-7e4f-8a9b-0c1d2e3f4a5b', name: 'send/ünï', queue: 'mail-😀', priority: -7, args: Buffer.from('["a",1]'),
  kwargs: Buffer.from('{"k":true}'), status: 'process', attempt: 3, maxRetries: 5, backoff: { initialMs: 1, multiplier: 2, maxMs: 3 },
  maxTimeMs: 7000, createdAtMs: 1_764_000_000_123, updatedAtMs: 1_764_000_000_456, runAtMs: 1_764_000_000_999, delayed: false,
  seq: 42, cancelRequested: true, tags: ['t1', '', 't3'], metadata: { a: '1', empty: '', '': 'no key' }, version: 4,
  startedAtMs: 1_764_000_001_000, finishedAtMs: 1_764_000_002_001, result: Buffer.from('{"r":2}'),
  error: { type: 'ValueError', message: 'bad', traceback: 'tb' }, cancelReason: 'why', workerId: 'w-1',
  lease: { token: 'tok-123', deadlineMs: 5_000.75, leaseMs: 30_000 }, idempotencyKey: 'idem', progress: Buffer.from('{"p":0.5}'),
  retentionMs: 1500, limitKey: 'tenant-ü', attemptsBeforeRetry: 2,
  traceContext: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE' },
  history: [
    { attempt: 1, status: 'retry', error: { type: 'E', message: 'm', traceback: '' }, startedAtMs: 1_764_000_000_500, endedAtMs: 1_764_000_000_600, workerId: 'w-0' },
    { attempt: 2, status: 'cancel', cancelReason: 'stop', endedAtMs: 1_764_000_000_700 },
  ],
};

/** A record as fresh as they come: nothing optional set. */
const sparse: TaskRecord = {
  ...full, priority: 0, kwargs: Buffer.alloc(0), status: 'new', attempt: 0, maxRetries: 0, maxTimeMs: 0, runAtMs: undefined,
  cancelRequested: false, tags: [], metadata: {}, startedAtMs: undefined, finishedAtMs: undefined, result: undefined,
  error: { type: '', message: '', traceback: '' }, cancelReason: undefined, workerId: undefined, idempotencyKey: undefined,
  progress: undefined, lease: { token: 't', deadlineMs: 0, leaseMs: 1000 },
  retentionMs: undefined, limitKey: undefined, history: undefined, attemptsBeforeRetry: undefined, traceContext: undefined,
};

const wallTimeOf = (steadyMs: number): number => 1_764_000_000_000 + steadyMs;

/** What the generated code writes for the same push. */
function generated(tasks: TaskRecord[]): Uint8Array {
  const value = { tasks: tasks.map((task) => ({ task: toProtoTask(task), leaseToken: task.lease!.token, leaseDeadline: new Date(wallTimeOf(task.lease!.deadlineMs)) })) };
  return WorkResponse.encode({ kind: { $case: 'tasks', value }, requestId: 0 }).finish();
}

describe('encodeTaskPush', () => {
  it.each([
    ['every field set', [full]],
    ['nothing optional set', [sparse]],
    ['several tasks', [full, sparse, { ...full, id: 'x', createdAtMs: 999, updatedAtMs: 0 }]],
    ['a retention of 0 (present, so written)', [{ ...sparse, retentionMs: 0, history: [] }]],
    ['a trace context without tracestate', [{ ...sparse, traceContext: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00', tracestate: '' } }]],
    ['times before 1970 and past 2038', [{ ...full, createdAtMs: -1_500, updatedAtMs: 4_102_444_800_123, runAtMs: 0.9 }]],
    // Seconds past 32 bits (2106 on), at 35 bits, at a Date's end, and far before 1970: 64-bit varints of each length.
    ['times past 2106 and far before 1970', [{ ...full, createdAtMs: 2 ** 33 * 1000 + 7, updatedAtMs: 2 ** 35 * 1000, startedAtMs: 8.64e15, finishedAtMs: -(2 ** 34) * 1000 - 1, runAtMs: 2 ** 35 * 1000 - 1 }]],
    // Seconds at each varint length's edge, with and without nanos: the lengths written without a fork.
    ...[0, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, 268_435_455, 268_435_456, 2_147_483_647].map(
      (seconds): [string, TaskRecord[]] => [`${seconds} s since 1970`, [{ ...full, createdAtMs: seconds * 1000, updatedAtMs: seconds * 1000 + 999, finishedAtMs: seconds * 1000 + 1 }]],
    ),
    ['no tasks', []],
  ])('writes the bytes the generated encoder writes: %s', (_, tasks) => {
    expect(Buffer.from(encodeTaskPush(tasks, wallTimeOf))).toEqual(Buffer.from(generated(tasks)));
  });
});

describe('the producer replies', () => {
  const stored = [full, sparse, { ...full, lease: undefined, status: 'new' as const }];
  const bytes = (encoded: Uint8Array): Buffer => Buffer.from(encoded);

  it('encodeEnqueueResponse writes what EnqueueResponse.encode writes', () => {
    expect(bytes(encodeEnqueueResponse(stored))).toEqual(bytes(EnqueueResponse.encode({ tasks: stored.map(toProtoTask) }).finish()));
  });

  it.each([0, 1, 2 ** 32 - 1])('encodeProduceEnqueued and encodeProduceState write what ProduceResponse.encode writes (request %d)', (requestId) => {
    expect(bytes(encodeProduceEnqueued(requestId, stored))).toEqual(
      bytes(ProduceResponse.encode({ requestId, kind: { $case: 'enqueued', value: { tasks: stored.map(toProtoTask) } } }).finish()),
    );
    expect(bytes(encodeProduceState(requestId, full))).toEqual(bytes(ProduceResponse.encode({ requestId, kind: { $case: 'state', value: toProtoTask(full) } }).finish()));
  });
});
