/**
 * Running the broker for months (issue 12), end to end against the real `qtasks-broker`:
 * retention, pause and resume, RetryTask, PurgeQueue, ListQueues and the refusals of bad input.
 */
import { TEST_STORE } from '../helpers/test-store.js';
import { Status } from 'nice-grpc';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { TaskStatus } from '@qtasks/proto';
import { startBrokerProcess, type BrokerClient, type BrokerProcess } from '../helpers/broker-process.js';
import { sleep } from '../helpers/crash.js';
import { json, parseJson, spec, uniqueQueue, workerId } from '../helpers/tasks.js';

const brokers: BrokerProcess[] = [];
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.dispose()));
});

async function start(args: string[] = []): Promise<BrokerProcess> {
  const broker = await startBrokerProcess({ args });
  brokers.push(broker);
  return broker;
}

/** Leases what `queue` has ready (up to 100) and ends each with a success or a non-retryable failure. */
async function runAll(client: BrokerClient, queue: string, outcome: 'success' | 'failure'): Promise<string[]> {
  const { tasks } = await client.lease({ workerId: workerId(), queues: [queue], maxTasks: 100 });
  await client.complete({
    completions: tasks.map((t) => ({
      taskId: t.task!.id,
      leaseToken: t.leaseToken,
      outcome: outcome === 'success' ? { $case: 'success' as const, value: { result: json('ok') } } : { $case: 'failure' as const, value: { error: { type: 'E', message: 'boom', traceback: '' }, retryable: false } },
    })),
  });
  return tasks.map((t) => t.task!.id);
}

/** The gRPC status code of a call that must fail. */
async function codeOf(call: Promise<unknown>): Promise<Status> {
  try {
    await call;
  } catch (error) {
    return (error as { code: Status }).code;
  }
  throw new Error('the call succeeded');
}

describe('retention', () => {
  test('removes a finished task and its idempotency key once its retention passes; the key can then be used again', async () => {
    const { client } = await start(['--retain-succeeded', '300ms', '--durability', 'commit']);
    const queue = uniqueQueue();
    const [first] = (await client.enqueue({ tasks: [spec(queue, { idempotencyKey: 'nightly' })] })).tasks;
    await runAll(client, queue, 'success');
    expect((await client.getTask({ taskId: first!.id })).task!.status).toBe(TaskStatus.TASK_STATUS_SUCCESS);
    // The same key, still held by the finished task, returns that task.
    expect((await client.enqueue({ tasks: [spec(queue, { idempotencyKey: 'nightly' })] })).tasks[0]!.id).toBe(first!.id);

    // Removed by the sweep once its retention (300 ms) passed: polled, on a loaded machine it may take longer.
    await vi.waitFor(async () => expect(await codeOf(client.getTask({ taskId: first!.id }))).toBe(Status.NOT_FOUND), { timeout: 10_000, interval: 50 });
    const [second] = (await client.enqueue({ tasks: [spec(queue, { idempotencyKey: 'nightly' })] })).tasks;
    expect(second!.id).not.toBe(first!.id);
  });

  test('with a retention of 0, a watcher still sees the end of a task that is gone at once', async () => {
    const { client } = await start(['--retain-succeeded', '0']);
    const queue = uniqueQueue();
    const [task] = (await client.enqueue({ tasks: [spec(queue)] })).tasks;
    const states: TaskStatus[] = [];
    const watching = (async () => {
      for await (const { task: state } of client.watchResult({ taskId: task!.id })) states.push(state!.status);
    })();
    await sleep(100);
    await runAll(client, queue, 'success');
    await watching;
    expect(states.at(-1)).toBe(TaskStatus.TASK_STATUS_SUCCESS);
    // On PostgreSQL the row stays a few seconds (REMOVED_AT_END_GRACE_MS), for other brokers' watchers.
    const goneBy = Date.now() + (TEST_STORE === 'postgres' ? 10_000 : 0);
    const stored = () => client.getTask({ taskId: task!.id }).then(() => true, () => false);
    while ((await stored()) && Date.now() < goneBy) await sleep(200);
    expect(await codeOf(client.getTask({ taskId: task!.id }))).toBe(Status.NOT_FOUND);
  });

  test('refuses a negative retention_ms, naming the field, and stores nothing', async () => {
    const { client } = await start();
    const queue = uniqueQueue();
    await expect(client.enqueue({ tasks: [spec(queue, { retentionMs: -1 })] })).rejects.toThrow(/tasks\[0\]\.retention_ms/);
    expect((await client.listQueues({})).queues.find((q) => q.name === queue)).toBeUndefined();
  });
});

describe('pause and resume', () => {
  test('a paused queue takes tasks and hands none out, stays paused across a SIGKILL, and a resume wakes a waiting worker', async () => {
    let broker = await start();
    const queue = uniqueQueue();
    const paused = await broker.client.pauseQueue({ queue });
    expect(paused.queue).toMatchObject({ name: queue, paused: true });
    await broker.client.enqueue({ tasks: [spec(queue)] });
    expect((await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 1, waitMs: 200 })).tasks).toEqual([]);

    broker = await broker.restart();
    brokers.push(broker);
    const [info] = (await broker.client.listQueues({})).queues.filter((q) => q.name === queue);
    expect(info).toMatchObject({ paused: true, counts: expect.objectContaining({ new: 1 }) });

    const waiting = broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 1, waitMs: 10_000 });
    await sleep(200);
    await broker.client.resumeQueue({ queue });
    expect((await waiting).tasks).toHaveLength(1);
  });

  test('refuses a bad queue name, naming the field', async () => {
    const { client } = await start();
    await expect(client.pauseQueue({ queue: '' })).rejects.toThrow(/queue: must not be empty/);
  });
});

describe('RetryTask', () => {
  test('runs a failed task again, with the same id, its old error kept in the history', async () => {
    const { client } = await start();
    const queue = uniqueQueue();
    const [task] = (await client.enqueue({ tasks: [spec(queue)] })).tasks;
    await runAll(client, queue, 'failure');
    const { task: retried } = await client.retryTask({ taskId: task!.id });
    expect(retried).toMatchObject({ id: task!.id, status: TaskStatus.TASK_STATUS_RETRY, attemptsBeforeRetry: 1 });
    expect(await runAll(client, queue, 'success')).toEqual([task!.id]);
    const { task: done } = await client.getTask({ taskId: task!.id });
    expect(done).toMatchObject({ status: TaskStatus.TASK_STATUS_SUCCESS, attempt: 2 });
    expect(done!.history.map((h) => [h.attempt, h.status, h.error?.message])).toEqual([[1, TaskStatus.TASK_STATUS_ERROR, 'boom']]);
    expect(parseJson(done!.result)).toBe('ok');
  });

  test('refuses a task that succeeded or is running (FAILED_PRECONDITION), and an unknown one (NOT_FOUND)', async () => {
    const { client } = await start();
    const queue = uniqueQueue();
    const [done, running] = (await client.enqueue({ tasks: [spec(queue), spec(queue)] })).tasks;
    const { tasks } = await client.lease({ workerId: workerId(), queues: [queue], maxTasks: 1 });
    await client.complete({ completions: [{ taskId: tasks[0]!.task!.id, leaseToken: tasks[0]!.leaseToken, outcome: { $case: 'success', value: { result: json(1) } } }] });
    await client.lease({ workerId: workerId(), queues: [queue], maxTasks: 1 });
    expect(await codeOf(client.retryTask({ taskId: done!.id }))).toBe(Status.FAILED_PRECONDITION);
    expect(await codeOf(client.retryTask({ taskId: running!.id }))).toBe(Status.FAILED_PRECONDITION);
    expect(await codeOf(client.retryTask({ taskId: '0190a8a0-0000-7000-8000-000000000000' }))).toBe(Status.NOT_FOUND);
    expect((await client.getTask({ taskId: done!.id })).task!.status).toBe(TaskStatus.TASK_STATUS_SUCCESS);
  });
});

describe('PurgeQueue and ListQueues', () => {
  test('purges the statuses asked, counts them, and ListQueues shows the counts kept with each commit', async () => {
    const { client } = await start();
    const queue = uniqueQueue();
    await client.enqueue({ tasks: [spec(queue), spec(queue), spec(queue)] });
    await runAll(client, queue, 'failure');
    await client.enqueue({ tasks: [spec(queue), spec(queue)] });
    const [before] = (await client.listQueues({})).queues.filter((q) => q.name === queue);
    expect(before).toMatchObject({ counts: { new: 2, process: 0, retry: 0, success: 0, error: 3, cancel: 0 }, completedLastMinute: 3, paused: false });
    expect(before!.oldestReadyAgeMs).toBeGreaterThanOrEqual(0);

    expect((await client.purgeQueue({ queue, statuses: [TaskStatus.TASK_STATUS_ERROR] })).purged).toBe(3);
    const [after] = (await client.listQueues({})).queues.filter((q) => q.name === queue);
    expect(after!.counts).toMatchObject({ new: 2, error: 0 });
    await expect(client.purgeQueue({ queue, statuses: [TaskStatus.TASK_STATUS_PROCESS] })).rejects.toThrow(/statuses\[0\]: running tasks are never purged/);
  });

  test('lists every failed task of a queue since a time in one call', async () => {
    const { client } = await start();
    const queue = uniqueQueue();
    await client.enqueue({ tasks: [spec(queue)] });
    await runAll(client, queue, 'failure');
    const since = new Date();
    await sleep(5);
    await client.enqueue({ tasks: [spec(queue), spec(queue)] });
    const recent = await runAll(client, queue, 'failure');
    const { tasks } = await client.listTasks({ queue, status: TaskStatus.TASK_STATUS_ERROR, finishedAfter: since });
    expect(tasks.map((t) => t.id).sort()).toEqual(recent.sort());
    await expect(client.listTasks({ queue, finishedAfter: since })).rejects.toThrow(/finished_after: needs a status filter/);
  });
});

describe('queue limits', () => {
  test('are stored and read back; a negative one is refused, naming the field, and changes nothing', async () => {
    const { client } = await start();
    const queue = uniqueQueue();
    const limits = { maxRunning: 5, rate: { count: 10, periodMs: 1000 }, maxRunningPerKey: 1, ratePerKey: undefined };
    expect((await client.setQueueLimits({ queue, limits })).limits).toMatchObject({ maxRunning: 5, maxRunningPerKey: 1, rate: { count: 10, periodMs: 1000 } });
    await expect(client.setQueueLimits({ queue, limits: { ...limits, maxRunning: -1 } })).rejects.toThrow(/limits\.max_running: /);
    await expect(client.setQueueLimits({ queue, limits: { ...limits, rate: { count: 3, periodMs: 0 } } })).rejects.toThrow(/limits\.rate\.period_ms/);
    expect((await client.getQueueLimits({ queue })).limits).toMatchObject({ maxRunning: 5, maxRunningPerKey: 1 });
  });
});
