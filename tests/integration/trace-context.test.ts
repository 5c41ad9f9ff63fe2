/**
 * `TaskSpec.trace_context`: a W3C trace context is validated at the edge (refused naming the
 * field, nothing stored), then kept with the task and handed back as sent in every reply that
 * carries the task: Enqueue, GetTask, Lease, ListTasks, after its transitions.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TaskStatus, type DeepPartial, type TraceContext } from '@qtasks/proto';
import { Status } from 'nice-grpc';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { spec, uniqueQueue, workerId } from '../helpers/tasks.js';

let broker: BrokerProcess;
beforeAll(async () => {
  broker = await startBrokerProcess();
});
afterAll(async () => {
  await broker.dispose();
});

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('refused trace contexts', () => {
  test.each<[string, DeepPartial<TraceContext>, RegExp]>([
    ['a traceparent that is not W3C', { traceparent: 'not-a-trace' }, /^tasks\[1\]\.trace_context\.traceparent: must be a W3C traceparent/],
    ['an upper-case traceparent', { traceparent: TRACEPARENT.toUpperCase() }, /^tasks\[1\]\.trace_context\.traceparent: must be a W3C traceparent/],
    ['a version other than 00', { traceparent: `01${TRACEPARENT.slice(2)}` }, /^tasks\[1\]\.trace_context\.traceparent:/],
    ['an all-zero trace id', { traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` }, /^tasks\[1\]\.trace_context\.traceparent:/],
    ['an all-zero span id', { traceparent: `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01` }, /^tasks\[1\]\.trace_context\.traceparent:/],
    ['a traceparent with a trailing field', { traceparent: `${TRACEPARENT}-extra` }, /^tasks\[1\]\.trace_context\.traceparent:/],
    ['a tracestate over 512 characters', { traceparent: TRACEPARENT, tracestate: `k=${'v'.repeat(511)}` }, /^tasks\[1\]\.trace_context\.tracestate: must be at most 512 characters, got 513/],
    ['a tracestate with a control character', { traceparent: TRACEPARENT, tracestate: 'k=v\n' }, /^tasks\[1\]\.trace_context\.tracestate: must be printable ASCII/],
    ['a tracestate without a traceparent', { tracestate: 'k=v' }, /^tasks\[1\]\.trace_context\.tracestate: needs a traceparent/],
  ])('refuses %s, naming the field, and stores nothing of the batch', async (_label, traceContext, message) => {
    const queue = uniqueQueue('trace-bad');
    // The bad task comes second: the good one before it must not be stored either.
    const error = await broker.client.enqueue({ tasks: [spec(queue), spec(queue, { traceContext })] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: Status.INVALID_ARGUMENT, details: expect.stringMatching(message) });
    expect((await broker.client.listTasks({ queue })).tasks).toEqual([]);
  });
});

describe('a kept trace context', () => {
  test('comes back as sent from Enqueue, GetTask, Lease, ListTasks and after the task ends', async () => {
    const queue = uniqueQueue('trace-kept');
    const traceContext = { traceparent: TRACEPARENT, tracestate: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE' };
    const [enqueued] = (await broker.client.enqueue({ tasks: [spec(queue, { traceContext })] })).tasks;
    expect(enqueued!.traceContext).toEqual(traceContext);
    expect((await broker.client.getTask({ taskId: enqueued!.id })).task!.traceContext).toEqual(traceContext);

    const { tasks: leased } = await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 1, waitMs: 5000 });
    expect(leased[0]!.task!.traceContext).toEqual(traceContext);
    const { results } = await broker.client.complete({
      completions: [{ taskId: enqueued!.id, leaseToken: leased[0]!.leaseToken, outcome: { $case: 'success', value: { result: Buffer.from('1') } } }],
    });
    expect(results[0]!.accepted).toBe(true);
    const [ended] = (await broker.client.listTasks({ queue })).tasks;
    expect(ended!.status).toBe(TaskStatus.TASK_STATUS_SUCCESS);
    expect(ended!.traceContext).toEqual(traceContext);
  });

  test('is absent when none was sent, or an empty one', async () => {
    const queue = uniqueQueue('trace-none');
    const { tasks } = await broker.client.enqueue({ tasks: [spec(queue), spec(queue, { traceContext: {} })] });
    for (const task of tasks) {
      expect(task.traceContext).toBeUndefined();
      expect((await broker.client.getTask({ taskId: task.id })).task!.traceContext).toBeUndefined();
    }
  });

  test('is not compared for an idempotency key: a retried Enqueue from another span gets the first task', async () => {
    const queue = uniqueQueue('trace-idem');
    const first = { traceparent: TRACEPARENT, tracestate: '' };
    const again = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: '' };
    const [a] = (await broker.client.enqueue({ tasks: [spec(queue, { idempotencyKey: 'k', traceContext: first })] })).tasks;
    const [b] = (await broker.client.enqueue({ tasks: [spec(queue, { idempotencyKey: 'k', traceContext: again })] })).tasks;
    expect(b!.id).toBe(a!.id);
    expect(b!.traceContext).toEqual(first);
  });
});
