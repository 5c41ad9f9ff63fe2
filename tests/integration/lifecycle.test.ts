/**
 * The task lifecycle through the real broker process: each outcome, priority and FIFO order,
 * long-poll wake-up, delayed tasks, retries with backoff, lease expiry and fencing.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TaskStatus } from '@qtasks/proto';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { json, parseJson, spec, uniqueQueue, workerId } from '../helpers/tasks.js';

let broker: BrokerProcess;
beforeAll(async () => {
  broker = await startBrokerProcess();
});
afterAll(async () => {
  await broker.dispose();
});

/** Leases exactly one task from `queue`, waiting up to 5 s for it. */
async function leaseOne(queue: string, leaseMs = 30_000) {
  const { tasks } = await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 1, waitMs: 5000, leaseMs });
  expect(tasks).toHaveLength(1);
  return tasks[0]!;
}

describe('full lifecycle', () => {
  test('enqueue → lease → success stores the result', async () => {
    const queue = uniqueQueue();
    const { tasks } = await broker.client.enqueue({
      tasks: [spec(queue, { name: 'add', args: json([1, 2]), kwargs: json({ scale: 10 }), tags: ['math'], metadata: { team: 'core' } })],
    });
    const created = tasks[0]!;
    expect(created.status).toBe(TaskStatus.TASK_STATUS_NEW);
    expect(created.attempt).toBe(0);
    expect(created.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    const leased = await leaseOne(queue);
    expect(leased.task!.id).toBe(created.id);
    expect(leased.task!.status).toBe(TaskStatus.TASK_STATUS_PROCESS);
    expect(leased.task!.attempt).toBe(1);
    expect(leased.leaseToken).not.toBe('');
    expect(leased.leaseDeadline!.getTime()).toBeGreaterThan(Date.now());
    expect(parseJson(leased.task!.args)).toEqual([1, 2]);
    expect(parseJson(leased.task!.kwargs)).toEqual({ scale: 10 });

    const { results } = await broker.client.complete({
      completions: [{ taskId: created.id, leaseToken: leased.leaseToken, outcome: { $case: 'success', value: { result: json(30) } } }],
    });
    expect(results[0]!.accepted).toBe(true);
    const { task } = await broker.client.getTask({ taskId: created.id });
    expect(task!.status).toBe(TaskStatus.TASK_STATUS_SUCCESS);
    expect(parseJson(task!.result)).toBe(30);
    expect(task!.finishedAt).toBeInstanceOf(Date);
    expect(task!.tags).toEqual(['math']);
    expect(task!.metadata).toEqual({ team: 'core' });
    expect(task!.queue).toBe(queue);
  });

  test('a non-retryable failure ends in ERROR with the error kept', async () => {
    const queue = uniqueQueue();
    const [created] = (await broker.client.enqueue({ tasks: [spec(queue, { maxRetries: 3 })] })).tasks;
    const leased = await leaseOne(queue);
    const error = { type: 'ValueError', message: 'bad input', traceback: 'Traceback (most recent call last): ...' };
    const { results } = await broker.client.complete({
      completions: [{ taskId: created!.id, leaseToken: leased.leaseToken, outcome: { $case: 'failure', value: { error, retryable: false } } }],
    });
    expect(results[0]!.task!.status).toBe(TaskStatus.TASK_STATUS_ERROR);
    expect(results[0]!.task!.error).toEqual(error);
  });

  test('a worker that reports Cancelled ends the task in CANCEL', async () => {
    const queue = uniqueQueue();
    const [created] = (await broker.client.enqueue({ tasks: [spec(queue)] })).tasks;
    const leased = await leaseOne(queue);
    const { results } = await broker.client.complete({
      completions: [{ taskId: created!.id, leaseToken: leased.leaseToken, outcome: { $case: 'cancelled', value: { reason: 'user gave up' } } }],
    });
    expect(results[0]!.task!.status).toBe(TaskStatus.TASK_STATUS_CANCEL);
    expect(results[0]!.task!.cancelReason).toBe('user gave up');
  });

  test('omit_tasks leaves the tasks out of Complete results, accepted or refused, and records the outcome all the same', async () => {
    const queue = uniqueQueue();
    const [created] = (await broker.client.enqueue({ tasks: [spec(queue)] })).tasks;
    const leased = await leaseOne(queue);
    const success = { $case: 'success' as const, value: { result: json('done') } };

    const accepted = await broker.client.complete({ completions: [{ taskId: created!.id, leaseToken: leased.leaseToken, outcome: success }], omitTasks: true });
    const refused = await broker.client.complete({ completions: [{ taskId: created!.id, leaseToken: leased.leaseToken, outcome: success }], omitTasks: true });

    expect(accepted.results).toEqual([{ taskId: created!.id, accepted: true, task: undefined, reason: '' }]);
    expect(refused.results[0]).toMatchObject({ taskId: created!.id, accepted: false, task: undefined });
    expect(refused.results[0]!.reason).toMatch(/stale lease/);
    const { task } = await broker.client.getTask({ taskId: created!.id });
    expect(task!.status).toBe(TaskStatus.TASK_STATUS_SUCCESS);
    expect(parseJson(task!.result)).toBe('done');
  });

  test('queue defaults to the task name', async () => {
    const name = uniqueQueue('named');
    const [created] = (await broker.client.enqueue({ tasks: [{ name }] })).tasks;
    expect(created!.queue).toBe(name);
    expect(parseJson(created!.args)).toEqual([]);
    expect(parseJson(created!.kwargs)).toEqual({});
    const leased = await leaseOne(name);
    expect(leased.task!.id).toBe(created!.id);
  });
});

describe('ordering', () => {
  test('lower priority number first, FIFO within a priority, across queues', async () => {
    const [q1, q2] = [uniqueQueue(), uniqueQueue()];
    const labels: Array<[string, string, number]> = [
      ['a', q1, 5], ['b', q2, 1], ['c', q1, 5], ['d', q1, 1], ['e', q2, 5], ['f', q2, -3],
    ];
    await broker.client.enqueue({
      tasks: labels.map(([label, queue, priority]) => spec(queue, { priority, args: json([label]) })),
    });
    const { tasks } = await broker.client.lease({ workerId: workerId(), queues: [q1, q2], maxTasks: 10 });
    expect(tasks.map((t) => (parseJson(t.task!.args) as string[])[0])).toEqual(['f', 'b', 'd', 'a', 'c', 'e']);
  });

  test('max_tasks bounds a lease and the rest stays queued', async () => {
    const queue = uniqueQueue();
    await broker.client.enqueue({ tasks: Array.from({ length: 5 }, (_, i) => spec(queue, { args: json([i]) })) });
    const first = await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 3 });
    const second = await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 3 });
    expect(first.tasks.map((t) => parseJson(t.task!.args))).toEqual([[0], [1], [2]]);
    expect(second.tasks.map((t) => parseJson(t.task!.args))).toEqual([[3], [4]]);
  });
});

describe('long-poll', () => {
  test('a waiting Lease returns as soon as a task is enqueued', async () => {
    const queue = uniqueQueue();
    const waiting = broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 1, waitMs: 20_000 });
    // Give the Lease time to park; the test does not depend on it having parked.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const [created] = (await broker.client.enqueue({ tasks: [spec(queue)] })).tasks;
    const started = Date.now();
    const { tasks } = await waiting;
    expect(tasks.map((t) => t.task!.id)).toEqual([created!.id]);
    // Far below the 20 s wait: the call was woken, not timed out.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('a Lease with nothing to do returns empty after wait_ms', async () => {
    const { tasks } = await broker.client.lease({ workerId: workerId(), queues: [uniqueQueue()], maxTasks: 1, waitMs: 200 });
    expect(tasks).toEqual([]);
  });
});

describe('delayed tasks', () => {
  test('delay_ms holds a task back until it is due, then wakes a waiting Lease', async () => {
    const queue = uniqueQueue();
    const enqueuedAt = Date.now();
    const [created] = (await broker.client.enqueue({ tasks: [spec(queue, { delayMs: 700 })] })).tasks;
    expect(created!.eta!.getTime()).toBeGreaterThanOrEqual(enqueuedAt + 700);
    const early = await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 1 });
    expect(early.tasks).toEqual([]);
    const { tasks } = await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 1, waitMs: 10_000 });
    expect(tasks.map((t) => t.task!.id)).toEqual([created!.id]);
    expect(Date.now()).toBeGreaterThanOrEqual(created!.eta!.getTime());
  });

  test('an eta in the past is ready at once; an eta in the future is not', async () => {
    const queue = uniqueQueue();
    await broker.client.enqueue({
      tasks: [spec(queue, { eta: new Date(Date.now() + 60_000), args: json(['later']) }), spec(queue, { eta: new Date(Date.now() - 60_000), args: json(['now']) })],
    });
    const { tasks } = await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 10 });
    expect(tasks.map((t) => parseJson(t.task!.args))).toEqual([['now']]);
  });
});

describe('retries', () => {
  const failure = (message: string) => ({ $case: 'failure' as const, value: { error: { type: 'Flaky', message, traceback: '' }, retryable: true } });

  test('a retryable failure goes to RETRY, waits its backoff, and can then succeed', async () => {
    const queue = uniqueQueue();
    const [created] = (await broker.client.enqueue({
      tasks: [spec(queue, { maxRetries: 2, retryBackoff: { initialMs: 1500, multiplier: 2, maxMs: 4000 } })],
    })).tasks;
    const first = await leaseOne(queue);
    const failedAt = Date.now();
    const { results } = await broker.client.complete({ completions: [{ taskId: created!.id, leaseToken: first.leaseToken, outcome: failure('first') }] });
    const retrying = results[0]!.task!;
    expect(retrying.status).toBe(TaskStatus.TASK_STATUS_RETRY);
    expect(retrying.error!.message).toBe('first');
    expect(retrying.eta!.getTime()).toBeGreaterThanOrEqual(failedAt + 1500 - 50);
    // Not ready during its backoff (1.5 s: room for a loaded machine between the two calls).
    expect((await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 1 })).tasks).toEqual([]);

    const second = await leaseOne(queue);
    expect(second.task!.attempt).toBe(2);
    expect(second.task!.status).toBe(TaskStatus.TASK_STATUS_PROCESS);
    expect(parseJson(second.task!.args)).toEqual([1, 2]);
    const done = await broker.client.complete({
      completions: [{ taskId: created!.id, leaseToken: second.leaseToken, outcome: { $case: 'success', value: { result: json('ok') } } }],
    });
    expect(done.results[0]!.task!.status).toBe(TaskStatus.TASK_STATUS_SUCCESS);
  });

  test('retries run out into ERROR', async () => {
    const queue = uniqueQueue();
    const [created] = (await broker.client.enqueue({
      tasks: [spec(queue, { maxRetries: 1, retryBackoff: { initialMs: 0, multiplier: 1, maxMs: 0 } })],
    })).tasks;
    const statuses: TaskStatus[] = [];
    for (let attempt = 1; attempt <= 2; attempt++) {
      const leased = await leaseOne(queue);
      expect(leased.task!.attempt).toBe(attempt);
      const { results } = await broker.client.complete({ completions: [{ taskId: created!.id, leaseToken: leased.leaseToken, outcome: failure(`attempt ${attempt}`) }] });
      statuses.push(results[0]!.task!.status);
    }
    expect(statuses).toEqual([TaskStatus.TASK_STATUS_RETRY, TaskStatus.TASK_STATUS_ERROR]);
    const { task } = await broker.client.getTask({ taskId: created!.id });
    expect(task!.error!.message).toBe('attempt 2');
    expect(task!.attempt).toBe(2);
  });
});

describe('lease expiry and fencing', () => {
  test('an expired lease is redelivered with a new token, and the stale token is refused', async () => {
    const queue = uniqueQueue();
    const [created] = (await broker.client.enqueue({ tasks: [spec(queue, { maxRetries: 1 })] })).tasks;
    const first = await leaseOne(queue, 1000);
    // Nobody heartbeats: the broker's timer reaps the lease and a waiting Lease gets the task.
    const second = await leaseOne(queue);
    expect(second.task!.id).toBe(created!.id);
    expect(second.task!.attempt).toBe(2);
    expect(second.task!.error!.type).toBe('LeaseExpired');
    expect(second.leaseToken).not.toBe(first.leaseToken);

    const stale = await broker.client.complete({
      completions: [{ taskId: created!.id, leaseToken: first.leaseToken, outcome: { $case: 'success', value: { result: json('late') } } }],
    });
    expect(stale.results[0]!.accepted).toBe(false);
    expect(stale.results[0]!.reason).toMatch(/stale lease/);
    const heartbeat = await broker.client.heartbeat({ items: [{ taskId: created!.id, leaseToken: first.leaseToken }] });
    expect(heartbeat.results[0]!.ok).toBe(false);

    const { task } = await broker.client.getTask({ taskId: created!.id });
    expect(task!.status).toBe(TaskStatus.TASK_STATUS_PROCESS);
    expect(task!.result).toHaveLength(0);
  });

  test('a lease with no retries left expires into ERROR LeaseExpired', async () => {
    const queue = uniqueQueue();
    const [created] = (await broker.client.enqueue({ tasks: [spec(queue)] })).tasks;
    await leaseOne(queue, 1000);
    const stream = broker.client.watchResult({ taskId: created!.id });
    let last;
    for await (const { task } of stream) last = task;
    expect(last!.status).toBe(TaskStatus.TASK_STATUS_ERROR);
    expect(last!.error!.type).toBe('LeaseExpired');
  });

  test('max_time_ms fails an attempt that runs too long with TimeLimitExceeded', async () => {
    const queue = uniqueQueue();
    const [created] = (await broker.client.enqueue({ tasks: [spec(queue, { maxTimeMs: 500 })] })).tasks;
    const leased = await leaseOne(queue, 60_000);
    // The deadline runs on the broker's steady clock and is told on its wall clock: equal up to
    // the rounding of the two readings.
    expect(leased.leaseDeadline!.getTime() - leased.task!.startedAt!.getTime()).toBeCloseTo(500, -1);
    let last;
    for await (const { task } of broker.client.watchResult({ taskId: created!.id })) last = task;
    expect(last!.status).toBe(TaskStatus.TASK_STATUS_ERROR);
    expect(last!.error!.type).toBe('TimeLimitExceeded');
  });

  test('heartbeats keep a lease alive past its first deadline', async () => {
    const queue = uniqueQueue();
    const [created] = (await broker.client.enqueue({ tasks: [spec(queue)] })).tasks;
    const leased = await leaseOne(queue, 1000);
    let deadline = leased.leaseDeadline!.getTime();
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 400));
      const { results } = await broker.client.heartbeat({ items: [{ taskId: created!.id, leaseToken: leased.leaseToken }], extendMs: 1000 });
      expect(results[0]!.ok).toBe(true);
      expect(results[0]!.leaseDeadline!.getTime()).toBeGreaterThan(deadline);
      deadline = results[0]!.leaseDeadline!.getTime();
    }
    const { results } = await broker.client.complete({
      completions: [{ taskId: created!.id, leaseToken: leased.leaseToken, outcome: { $case: 'success', value: { result: json(null) } } }],
    });
    expect(results[0]!.accepted).toBe(true);
    expect(results[0]!.task!.attempt).toBe(1);
  });

  test('one stale item in a Complete batch does not stop the others', async () => {
    const queue = uniqueQueue();
    const created = (await broker.client.enqueue({ tasks: [spec(queue), spec(queue)] })).tasks;
    const { tasks } = await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 2 });
    const { results } = await broker.client.complete({
      completions: [
        { taskId: tasks[0]!.task!.id, leaseToken: 'not-the-token', outcome: { $case: 'success', value: {} } },
        { taskId: tasks[1]!.task!.id, leaseToken: tasks[1]!.leaseToken, outcome: { $case: 'success', value: {} } },
        { taskId: '00000000-0000-7000-8000-000000000000', leaseToken: 'x', outcome: { $case: 'success', value: {} } },
      ],
    });
    expect(results.map((r) => r.accepted)).toEqual([false, true, false]);
    // An unknown task is refused like any stale token: a refusal says nothing of other tasks.
    expect(results[2]!.reason).toBe(results[0]!.reason);
    expect(results[1]!.task!.status).toBe(TaskStatus.TASK_STATUS_SUCCESS);
    expect(parseJson(results[1]!.task!.result)).toBeNull();
    const { task } = await broker.client.getTask({ taskId: created[0]!.id });
    expect(task!.status).toBe(TaskStatus.TASK_STATUS_PROCESS);
  });
});

describe('progress and release', () => {
  test('each progress report reaches a watcher as its own state, fenced by the lease token', async () => {
    const queue = uniqueQueue();
    const [created] = (await broker.client.enqueue({ tasks: [spec(queue)] })).tasks;
    const leased = await leaseOne(queue);
    const progress: unknown[] = [];
    const watching = (async () => {
      for await (const { task } of broker.client.watchResult({ taskId: created!.id })) {
        if (task!.progress.length > 0) progress.push(parseJson(task!.progress));
      }
    })();
    const item = (value: unknown) => ({ taskId: created!.id, leaseToken: leased.leaseToken, progress: json(value) });
    const { results } = await broker.client.reportProgress({ items: [item(1), item({ step: 2 }), { ...item(3), leaseToken: 'stale' }] });
    expect(results.map((r) => r.ok)).toEqual([true, true, false]);
    await broker.client.complete({ completions: [{ taskId: created!.id, leaseToken: leased.leaseToken, outcome: { $case: 'success', value: { result: json([1, 2]) } } }] });
    await watching;
    // The final state still carries the last progress; the two reports each came once before it.
    expect(progress).toEqual([1, { step: 2 }, { step: 2 }]);
    await expect(broker.client.reportProgress({ items: [{ ...item(1), progress: Buffer.from('not json') }] })).rejects.toMatchObject({
      details: expect.stringMatching(/^items\[0\]\.progress: is not valid JSON/),
    });
  });

  test('a released task is ready again at once, in its old place in line, and the attempt does not count', async () => {
    const queue = uniqueQueue();
    const [created] = (await broker.client.enqueue({ tasks: [spec(queue)] })).tasks;
    const first = await leaseOne(queue);
    // Enqueued after it: the task given back goes ahead of it again, not behind.
    await broker.client.enqueue({ tasks: [spec(queue)] });
    const { results } = await broker.client.complete({ completions: [{ taskId: created!.id, leaseToken: first.leaseToken, outcome: { $case: 'released', value: {} } }] });
    expect(results[0]!.task).toMatchObject({ status: TaskStatus.TASK_STATUS_NEW, attempt: 0 });
    const again = await leaseOne(queue);
    expect(again.task).toMatchObject({ id: created!.id, attempt: 1 });
    expect(again.leaseToken).not.toBe(first.leaseToken);
  });
});
