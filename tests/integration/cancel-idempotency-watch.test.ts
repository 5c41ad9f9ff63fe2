/** Cancelling, idempotent enqueue, WatchResult and ListTasks against the real broker process. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TaskStatus, type Task } from '@qtasks/proto';
import { Status } from 'nice-grpc';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { json, parseJson, spec, uniqueQueue, workerId } from '../helpers/tasks.js';

let broker: BrokerProcess;
beforeAll(async () => {
  broker = await startBrokerProcess();
});
afterAll(async () => {
  await broker.dispose();
});

async function enqueueOne(queue: string, overrides = {}): Promise<Task> {
  return (await broker.client.enqueue({ tasks: [spec(queue, overrides)] })).tasks[0]!;
}

/** Collects every message of a WatchResult stream until it ends. */
async function collect(stream: AsyncIterable<{ task?: Task }>): Promise<Task[]> {
  const tasks: Task[] = [];
  for await (const { task } of stream) tasks.push(task!);
  return tasks;
}

describe('cancel', () => {
  test('a NEW task is cancelled at once and never leased', async () => {
    const queue = uniqueQueue();
    const created = await enqueueOne(queue);
    const { task } = await broker.client.cancelTask({ taskId: created.id, reason: 'not needed' });
    expect(task!.status).toBe(TaskStatus.TASK_STATUS_CANCEL);
    expect(task!.cancelReason).toBe('not needed');
    expect(task!.finishedAt).toBeInstanceOf(Date);
    expect((await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 1 })).tasks).toEqual([]);
    // Cancelling again is harmless.
    expect((await broker.client.cancelTask({ taskId: created.id })).task!.status).toBe(TaskStatus.TASK_STATUS_CANCEL);
  });

  test('a delayed task can be cancelled before it is due', async () => {
    const queue = uniqueQueue();
    const created = await enqueueOne(queue, { delayMs: 300 });
    await broker.client.cancelTask({ taskId: created.id });
    const { tasks } = await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 1, waitMs: 800 });
    expect(tasks).toEqual([]);
  });

  test('a running task sees cancel_requested on its heartbeat and ends CANCEL', async () => {
    const queue = uniqueQueue();
    const created = await enqueueOne(queue);
    const [leased] = (await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 1 })).tasks;
    const item = { taskId: created.id, leaseToken: leased!.leaseToken };

    expect((await broker.client.heartbeat({ items: [item] })).results[0]!.cancelRequested).toBe(false);
    const { task } = await broker.client.cancelTask({ taskId: created.id, reason: 'stop it' });
    expect(task!.status).toBe(TaskStatus.TASK_STATUS_PROCESS);
    expect(task!.cancelRequested).toBe(true);
    const heartbeat = (await broker.client.heartbeat({ items: [item] })).results[0]!;
    expect(heartbeat).toMatchObject({ ok: true, cancelRequested: true });

    const { results } = await broker.client.complete({ completions: [{ ...item, outcome: { $case: 'cancelled', value: {} } }] });
    expect(results[0]!.task!.status).toBe(TaskStatus.TASK_STATUS_CANCEL);
    expect(results[0]!.task!.cancelReason).toBe('stop it');
  });

  test('a running task asked to cancel ends CANCEL when its lease runs out', async () => {
    const queue = uniqueQueue();
    const created = await enqueueOne(queue, { maxRetries: 5 });
    await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 1, leaseMs: 1000 });
    await broker.client.cancelTask({ taskId: created.id });
    const states = await collect(broker.client.watchResult({ taskId: created.id }));
    expect(states.at(-1)!.status).toBe(TaskStatus.TASK_STATUS_CANCEL);
  });

  test('a finished task cannot be cancelled, and an unknown one is NOT_FOUND', async () => {
    const queue = uniqueQueue();
    const created = await enqueueOne(queue);
    const [leased] = (await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 1 })).tasks;
    await broker.client.complete({ completions: [{ taskId: created.id, leaseToken: leased!.leaseToken, outcome: { $case: 'success', value: {} } }] });
    await expect(broker.client.cancelTask({ taskId: created.id })).rejects.toMatchObject({ code: Status.FAILED_PRECONDITION });
    expect((await broker.client.getTask({ taskId: created.id })).task!.status).toBe(TaskStatus.TASK_STATUS_SUCCESS);
    await expect(broker.client.cancelTask({ taskId: '0190aaaa-0000-7000-8000-000000000000' })).rejects.toMatchObject({ code: Status.NOT_FOUND });
  });
});

describe('idempotency', () => {
  test('the same key in the same queue returns the first task, also inside one batch', async () => {
    const queue = uniqueQueue();
    const first = await enqueueOne(queue, { idempotencyKey: 'order-42', args: json(['first']) });
    // A retry sends the same task again (a different one under the same key is refused: hostile-input.test.ts).
    const { tasks } = await broker.client.enqueue({
      tasks: [spec(queue, { idempotencyKey: 'order-42', args: json(['first']) }), spec(queue, { idempotencyKey: 'order-43' }), spec(queue, { idempotencyKey: 'order-43' })],
    });
    expect(tasks[0]!.id).toBe(first.id);
    expect(parseJson(tasks[0]!.args)).toEqual(['first']);
    expect(tasks[2]!.id).toBe(tasks[1]!.id);
    expect(tasks[1]!.id).not.toBe(first.id);
    const leased = await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 10 });
    expect(leased.tasks).toHaveLength(2);
  });

  test('the same key in another queue is another task', async () => {
    const a = await enqueueOne(uniqueQueue(), { idempotencyKey: 'k' });
    const b = await enqueueOne(uniqueQueue(), { idempotencyKey: 'k' });
    expect(a.id).not.toBe(b.id);
  });
});

describe('WatchResult', () => {
  test('from before the first transition: every state in order, then the stream ends', async () => {
    const queue = uniqueQueue();
    const created = await enqueueOne(queue, { maxRetries: 1, retryBackoff: { initialMs: 0 } });
    const watching = collect(broker.client.watchResult({ taskId: created.id }));
    const failure = { $case: 'failure' as const, value: { error: { type: 'Oops', message: '', traceback: '' }, retryable: true } };
    const first = await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 1, waitMs: 5000 });
    await broker.client.complete({ completions: [{ taskId: created.id, leaseToken: first.tasks[0]!.leaseToken, outcome: failure }] });
    const second = await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 1, waitMs: 5000 });
    await broker.client.complete({
      completions: [{ taskId: created.id, leaseToken: second.tasks[0]!.leaseToken, outcome: { $case: 'success', value: { result: json({ ok: true }) } } }],
    });
    const states = await watching;
    const statuses = states.map((t) => t.status);
    expect(statuses[0]).toBe(TaskStatus.TASK_STATUS_NEW);
    expect(statuses.slice(-4)).toEqual([
      TaskStatus.TASK_STATUS_PROCESS,
      TaskStatus.TASK_STATUS_RETRY,
      TaskStatus.TASK_STATUS_PROCESS,
      TaskStatus.TASK_STATUS_SUCCESS,
    ]);
    expect(statuses).toHaveLength(5);
    expect(parseJson(states.at(-1)!.result)).toEqual({ ok: true });
  });

  test('after the last transition: one message with the final state', async () => {
    const queue = uniqueQueue();
    const created = await enqueueOne(queue);
    await broker.client.cancelTask({ taskId: created.id });
    const states = await collect(broker.client.watchResult({ taskId: created.id }));
    expect(states.map((t) => t.status)).toEqual([TaskStatus.TASK_STATUS_CANCEL]);
  });

  test('transitions racing the subscription are neither lost nor repeated', async () => {
    const queue = uniqueQueue();
    for (let round = 0; round < 20; round++) {
      const created = await enqueueOne(queue);
      // Start watching and move the task through its lifecycle at the same moment.
      const watching = collect(broker.client.watchResult({ taskId: created.id }));
      const { tasks } = await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 1 });
      await broker.client.complete({ completions: [{ taskId: created.id, leaseToken: tasks[0]!.leaseToken, outcome: { $case: 'success', value: {} } }] });
      const statuses = (await watching).map((t) => t.status);
      expect(statuses.at(-1)).toBe(TaskStatus.TASK_STATUS_SUCCESS);
      expect(new Set(statuses).size).toBe(statuses.length);
      const order = [TaskStatus.TASK_STATUS_NEW, TaskStatus.TASK_STATUS_PROCESS, TaskStatus.TASK_STATUS_SUCCESS];
      expect(order.filter((s) => statuses.includes(s))).toEqual(statuses);
    }
  });

  test('an unknown task is NOT_FOUND', async () => {
    await expect(collect(broker.client.watchResult({ taskId: '0190aaaa-0000-7000-8000-000000000000' }))).rejects.toMatchObject({
      code: Status.NOT_FOUND,
    });
  });
});

describe('ListTasks', () => {
  test('filters by queue and status, and pages through every task once', async () => {
    const queue = uniqueQueue();
    const created = (await broker.client.enqueue({ tasks: Array.from({ length: 7 }, (_, i) => spec(queue, { args: json([i]) })) })).tasks;
    await broker.client.cancelTask({ taskId: created[0]!.id });
    await broker.client.cancelTask({ taskId: created[1]!.id });

    const seen: string[] = [];
    let pageToken = '';
    let pages = 0;
    do {
      const page = await broker.client.listTasks({ queue, pageSize: 3, pageToken });
      seen.push(...page.tasks.map((t) => t.id));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(created.map((t) => t.id).sort());

    const cancelled = await broker.client.listTasks({ queue, status: TaskStatus.TASK_STATUS_CANCEL });
    expect(cancelled.tasks.map((t) => t.id)).toEqual([created[0]!.id, created[1]!.id]);
    expect(cancelled.nextPageToken).toBe('');
    const fresh = await broker.client.listTasks({ queue, status: TaskStatus.TASK_STATUS_NEW });
    expect(fresh.tasks.map((t) => t.id)).toEqual(created.slice(2).map((t) => t.id));
    const anyQueue = await broker.client.listTasks({ status: TaskStatus.TASK_STATUS_CANCEL, pageSize: 1000 });
    expect(anyQueue.tasks.map((t) => t.id)).toEqual(expect.arrayContaining([created[0]!.id, created[1]!.id]));
  });
});
