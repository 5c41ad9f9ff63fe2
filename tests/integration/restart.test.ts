/**
 * Durability across a crash: the broker is SIGKILLed and started again on the same data
 * directory, and every acknowledged write must still be there.
 */
import { TEST_STORE } from '../helpers/test-store.js';
import { afterEach, describe, expect, test } from 'vitest';
import { TaskStatus, type Task } from '@qtasks/proto';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { json, listAllTasks, parseJson, spec, uniqueQueue, workerId } from '../helpers/tasks.js';

const brokers: BrokerProcess[] = [];
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.dispose()));
});

async function start(args?: string[]): Promise<BrokerProcess> {
  const broker = await startBrokerProcess({ args });
  brokers.push(broker);
  return broker;
}

async function restart(broker: BrokerProcess): Promise<BrokerProcess> {
  const next = await broker.restart();
  brokers.push(next);
  return next;
}

// LMDB keeps leases in memory: a crash gives the leased task back. On PostgreSQL a lease outlives
// its broker, and another (or the restarted one) reaps it at its deadline: the test after these.
describe.skipIf(TEST_STORE === 'postgres').each([['strict'], ['commit']])('SIGKILL and restart (durability %s)', (durability) => {
  test('keeps every acknowledged task, outcome and order', async () => {
    let broker = await start(['--durability', durability]);
    const queue = uniqueQueue();
    const created = (await broker.client.enqueue({ tasks: Array.from({ length: 6 }, (_, i) => spec(queue, { args: json([i]), maxRetries: 2 })) })).tasks;
    // Due well after the restart and the enqueue after it (a loaded machine may take seconds), yet within the last Lease's wait.
    const delayed = (await broker.client.enqueue({ tasks: [spec(queue, { delayMs: 5000, args: json(['delayed']) })] })).tasks[0]!;
    const { tasks: leased } = await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 2, leaseMs: 1000 });
    expect(leased.map((t) => parseJson(t.task!.args))).toEqual([[0], [1]]);
    await broker.client.complete({
      completions: [{ taskId: leased[0]!.task!.id, leaseToken: leased[0]!.leaseToken, outcome: { $case: 'success', value: { result: json('done') } } }],
    });
    await broker.client.cancelTask({ taskId: created[5]!.id });

    broker = await restart(broker);

    const after = async (task: Task) => (await broker.client.getTask({ taskId: task.id })).task!;
    expect((await after(created[0]!)).status).toBe(TaskStatus.TASK_STATUS_SUCCESS);
    expect(parseJson((await after(created[0]!)).result)).toBe('done');
    // Leases live in memory: the task leased at the crash is ready again, its attempt not counted.
    expect(await after(created[1]!)).toMatchObject({ status: TaskStatus.TASK_STATUS_NEW, attempt: 0 });
    expect((await after(created[5]!)).status).toBe(TaskStatus.TASK_STATUS_CANCEL);
    expect((await after(delayed)).status).toBe(TaskStatus.TASK_STATUS_NEW);

    // A task enqueued after the restart still runs after the older ones (the FIFO sequence continues).
    await broker.client.enqueue({ tasks: [spec(queue, { args: json(['after restart']) })] });
    const { tasks: next } = await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 5 });
    expect(next.map((t) => parseJson(t.task!.args))).toEqual([[1], [2], [3], [4], ['after restart']]);
    expect(next[0]!.task!.attempt).toBe(1);

    // The delayed task comes due.
    const { tasks: due } = await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 2, waitMs: 10_000 });
    expect(due.map((t) => t.task!.id)).toEqual([delayed.id]);
  });
});

test.runIf(TEST_STORE === 'postgres')('on PostgreSQL, SIGKILL and restart keep every acknowledged task and outcome; a lease outlives the broker and is reaped at its deadline, the attempt counted', async () => {
  let broker = await start();
  const queue = uniqueQueue();
  const created = (await broker.client.enqueue({ tasks: Array.from({ length: 4 }, (_, i) => spec(queue, { args: json([i]), maxRetries: 2 })) })).tasks;
  const { tasks: leased } = await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 2, leaseMs: 5000 }); // outlives a restart on a loaded machine
  await broker.client.complete({
    completions: [{ taskId: leased[0]!.task!.id, leaseToken: leased[0]!.leaseToken, outcome: { $case: 'success', value: { result: json('done') } } }],
  });
  await broker.client.cancelTask({ taskId: created[3]!.id });

  broker = await restart(broker);

  const after = async (task: Task) => (await broker.client.getTask({ taskId: task.id })).task!;
  expect(await after(created[0]!)).toMatchObject({ status: TaskStatus.TASK_STATUS_SUCCESS });
  expect(parseJson((await after(created[0]!)).result)).toBe('done');
  expect((await after(created[3]!)).status).toBe(TaskStatus.TASK_STATUS_CANCEL);
  // The lease is in the database: still held, its token still good until its deadline.
  expect(await after(created[1]!)).toMatchObject({ status: TaskStatus.TASK_STATUS_PROCESS, attempt: 1 });
  const { tasks: next } = await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 5 });
  expect(next.map((t) => parseJson(t.task!.args))).toEqual([[2]]);
  // Its deadline passes: reaped into RETRY, and leased again as the attempt after the one lost.
  const { tasks: reaped } = await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 1, waitMs: 15_000 });
  expect(reaped.map((t) => [t.task!.id, t.task!.attempt, t.task!.status])).toEqual([[created[1]!.id, 2, TaskStatus.TASK_STATUS_PROCESS]]);
});

test('SIGKILL in the middle of a stream of enqueues loses no acknowledged task', async () => {
  let broker = await start();
  const queue = uniqueQueue();
  const acknowledged: string[] = [];
  let refused = 0;
  // 40 producers, each enqueueing batches of 5 back to back, until the broker dies under them.
  const producers = Array.from({ length: 40 }, async (_, producer) => {
    for (let batch = 0; ; batch++) {
      try {
        const { tasks } = await broker.client.enqueue({ tasks: Array.from({ length: 5 }, (_, i) => spec(queue, { args: json([producer, batch, i]) })) });
        acknowledged.push(...tasks.map((t) => t.id));
      } catch {
        refused++;
        return;
      }
    }
  });
  while (acknowledged.length < 500) await new Promise((resolve) => setTimeout(resolve, 5));
  broker = await restart(broker);
  await Promise.all(producers);
  expect(refused).toBe(40);

  const listed = new Set((await listAllTasks(broker.client, queue)).map((task) => task.id));
  const lost = acknowledged.filter((id) => !listed.has(id));
  expect(lost).toEqual([]);
  expect(listed.size).toBeGreaterThanOrEqual(acknowledged.length);
  // Whole batches only: an Enqueue is atomic.
  expect(listed.size % 5).toBe(0);
});
