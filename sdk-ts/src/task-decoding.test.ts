/**
 * The hand-written decoders build exactly what the generated ones build, for every field, the
 * rare ones included, for times on both sides of 1970 and far from it, for text that is not ASCII,
 * for several tasks in one message, and for every other kind of reply.
 */
import { ProduceResponse, TaskStatus, WorkResponse, type DeepPartial, type Task } from '@qtasks/proto';
import { describe, expect, test } from 'vitest';
import { decodeProduceResponse, decodeWorkResponse } from './task-decoding.js';

const everyField: DeepPartial<Task> = {
  id: '0190b4c8-5d5e-7c3a-9f00-1234567890ab',
  name: 'send_email',
  queue: 'emails',
  priority: -3,
  args: Buffer.from('["a",1]'),
  kwargs: Buffer.from('{"k":true}'),
  status: TaskStatus.TASK_STATUS_PROCESS,
  attempt: 2,
  maxRetries: 5,
  createdAt: new Date('2026-12-03T10:00:00.123Z'),
  updatedAt: new Date('2026-12-03T10:00:01.456Z'),
  startedAt: new Date('2026-12-03T10:00:02.789Z'),
  finishedAt: new Date('1969-07-20T20:17:40.5Z'),
  eta: new Date('2200-01-01T00:00:00.001Z'),
  result: Buffer.from('{"ok":1}'),
  error: { type: 'ValueError', message: 'bad', traceback: 'Traceback…' },
  cancelReason: '\ufeffno longer needed, said the byte-order mark first',
  workerId: 'worker-é',
  tags: ['a', 'b', 'ünïcode', '\ufeff'],
  metadata: { tenant: 'acme', 'ключ': 'значение' },
  cancelRequested: true,
  maxTimeMs: 30_000,
  idempotencyKey: 'key-1',
  progress: Buffer.from('{"done":3}'),
  retentionMs: 0,
  limitKey: 'tenant-1',
  history: [
    { attempt: 1, status: TaskStatus.TASK_STATUS_RETRY, error: { type: 'E', message: 'm', traceback: 't' }, startedAt: new Date(1000), endedAt: new Date(2000), workerId: 'w' },
  ],
  attemptsBeforeRetry: 1,
  traceContext: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'k=v' },
};

const longText = 'x'.repeat(200);
const tasks: DeepPartial<Task>[] = [
  everyField,
  {},
  { id: 'only-id', createdAt: new Date(-62_135_596_800_000), updatedAt: new Date(0) },
  { name: longText, queue: `${longText}é`, args: Buffer.from(longText), eta: new Date(253_402_300_799_999) },
];

/** Decoded by both, compared field for field. */
function expectSameWork(message: DeepPartial<WorkResponse>): void {
  const bytes = WorkResponse.encode(WorkResponse.fromPartial(message)).finish();
  expect(decodeWorkResponse(bytes)).toEqual(WorkResponse.decode(bytes));
}

function expectSameProduce(message: DeepPartial<ProduceResponse>): void {
  const bytes = ProduceResponse.encode(ProduceResponse.fromPartial(message)).finish();
  expect(decodeProduceResponse(bytes)).toEqual(ProduceResponse.decode(bytes));
}

describe('a Work stream push', () => {
  test('of tasks, every field and none, decodes as the generated decoder does', () => {
    expectSameWork({
      kind: { $case: 'tasks', value: { tasks: tasks.map((task, i) => ({ task, leaseToken: `token-${i}`, leaseDeadline: new Date(1_800_000_000_000 + i) })) } },
      requestId: 0,
    });
    expectSameWork({ kind: { $case: 'tasks', value: { tasks: [{}] } } });
    expectSameWork({ kind: { $case: 'tasks', value: { tasks: [] } } });
  });

  test('of answers and cancel requests decodes as the generated decoder does', () => {
    expectSameWork({ kind: { $case: 'heartbeat', value: { results: [{ ok: true, cancelRequested: true }] } }, requestId: 7 });
    expectSameWork({ kind: { $case: 'progress', value: { results: [{ ok: false, reason: 'gone' }] } }, requestId: 8 });
    expectSameWork({ kind: { $case: 'complete', value: { results: [{ accepted: true, task: everyField }] } }, requestId: 4_000_000_000 });
    expectSameWork({ kind: { $case: 'cancel', value: { tasks: [{ taskId: 't', reason: 'r' }] } } });
    expectSameWork({});
  });

  test('a payload is a copy, not a view of the message', () => {
    const bytes = WorkResponse.encode(WorkResponse.fromPartial({ kind: { $case: 'tasks', value: { tasks: [{ task: { args: Buffer.from('[1]') } }] } } })).finish();
    const decoded = decodeWorkResponse(bytes);
    bytes.fill(0);
    expect(decoded.kind?.$case === 'tasks' && Buffer.from(decoded.kind.value.tasks[0]!.task!.args).toString()).toBe('[1]');
  });

  test('a truncated message fails, as the generated decoder does', () => {
    const bytes = WorkResponse.encode(WorkResponse.fromPartial({ kind: { $case: 'tasks', value: { tasks: [{ task: everyField }] } } })).finish();
    const cut = bytes.subarray(0, bytes.length - 5);
    expect(() => WorkResponse.decode(cut)).toThrow();
    expect(() => decodeWorkResponse(cut)).toThrow();
  });
});

describe('a Produce stream answer', () => {
  test('of enqueued tasks and watched states decodes as the generated decoder does', () => {
    expectSameProduce({ requestId: 3, kind: { $case: 'enqueued', value: { tasks } } });
    expectSameProduce({ requestId: 4, kind: { $case: 'state', value: everyField } });
  });

  test('of refusals decodes as the generated decoder does', () => {
    expectSameProduce({ requestId: 5, kind: { $case: 'error', value: { code: 8, message: 'overloaded', retryAfterMs: 250 } } });
    expectSameProduce({ requestId: 6, kind: { $case: 'watchError', value: { taskId: 't', error: { code: 5, message: 'gone' } } } });
    expectSameProduce({});
  });
});
