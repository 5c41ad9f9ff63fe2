/**
 * The SDK's operator verbs against the real `qtasks-broker` process: `app.retry`, pausing and
 * resuming a queue, `app.purgeQueue`, `app.listQueues`, queue limits, and the `limitKey` and
 * `retention` options carried onto the stored task.
 */
import { TEST_STORE } from '../helpers/test-store.js';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Status } from 'nice-grpc';
import { describe, expect, test } from 'vitest';
import { BrokerCallError, MAX_RETENTION_SECONDS, QTasks, TaskUsageError, type PurgeableStatus } from '@qtasks/sdk';
import { uname, useBrokerWithApps } from '../helpers/sdk-app.js';

const env = useBrokerWithApps();
const newApp = (): QTasks => env.newApp();

/** What a call that must fail rejected with. */
async function rejectionOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  throw new Error('the call succeeded');
}

describe('pauseQueue and resumeQueue', () => {
  test('a running worker gets nothing from a paused queue, and gets the task once it is resumed', async () => {
    const app = newApp();
    const name = uname('paused');
    let runs = 0;
    const job = app.task({ name }, async (n: number) => {
      runs++;
      return n * 2;
    });
    const paused = await app.pauseQueue(name);
    expect(paused).toMatchObject({ name, paused: true });
    app.worker.start();

    const queued = await job.addTask([21]);
    await sleep(600);
    expect(runs).toBe(0);
    expect((await app.get(queued.uuid))?.status).toBe('new');
    const listed = (await app.listQueues()).find((q) => q.name === name);
    expect(listed).toMatchObject({ paused: true, counts: { new: 1, process: 0 } });

    const resumed = await app.resumeQueue(name);
    expect(resumed).toMatchObject({ name, paused: false });
    const done = await queued.waitResult(10);
    expect(done?.status).toBe('success');
    expect(done?.returning).toBe(42);
    expect(runs).toBe(1);
  });

  test('a bad queue name is refused by the broker, naming the field', async () => {
    const error = await rejectionOf(newApp().pauseQueue(''));
    expect(error).toBeInstanceOf(BrokerCallError);
    expect((error as BrokerCallError).code).toBe(Status.INVALID_ARGUMENT);
    expect((error as BrokerCallError).details).toMatch(/^queue: /);
  });
});

describe('app.retry', () => {
  test('runs a failed task again under the same uuid, with the failed attempt in its history', async () => {
    const app = newApp();
    let runs = 0;
    const flaky = app.task({ name: uname('flaky') }, async () => {
      runs++;
      if (runs === 1) throw new RangeError('first run fails');
      return 'ok';
    });
    app.worker.start();
    const failed = await flaky.addTask([], { timeout: 10 });
    expect(failed).toMatchObject({ status: 'error', attempt: 1, attemptsBeforeRetry: 0, history: [{ attempt: 1, status: 'error' }] });

    const retried = await app.retry(failed!.uuid);
    expect(retried.uuid).toBe(failed!.uuid);
    expect(retried.status).toBe('retry'); // the reply is the task as the retry left it
    expect(retried.attemptsBeforeRetry).toBe(1);

    const done = await retried.waitResult(10);
    expect(done).toMatchObject({ uuid: failed!.uuid, status: 'success', returning: 'ok', attempt: 2, attemptsBeforeRetry: 1 });
    expect(done!.history).toHaveLength(1);
    expect(done!.history[0]).toMatchObject({ attempt: 1, status: 'error', error: { type: 'RangeError', message: 'first run fails' } });
    expect(done!.history[0]!.endedAt).toBeInstanceOf(Date);
    expect(done!.history[0]!.workerId).toBe(app.worker.id);
    expect(runs).toBe(2);
  });

  test('refuses a task that succeeded (FAILED_PRECONDITION) and an unknown one (NOT_FOUND)', async () => {
    const app = newApp();
    const ok = app.task({ name: uname('ok') }, () => 1);
    app.worker.start();
    const done = await ok.addTask([], { timeout: 10 });
    expect(done?.status).toBe('success');
    const refused = await rejectionOf(app.retry(done!.uuid));
    expect(refused).toBeInstanceOf(BrokerCallError);
    expect((refused as BrokerCallError).code).toBe(Status.FAILED_PRECONDITION);
    const unknown = await rejectionOf(app.retry(randomUUID()));
    expect((unknown as BrokerCallError).code).toBe(Status.NOT_FOUND);
    expect((await app.get(done!.uuid))?.status).toBe('success');
  });
});

describe('listQueues and purgeQueue', () => {
  test('lists a queue with its counts by status; a purge removes the statuses asked and the counts follow', async () => {
    const app = newApp();
    // No worker runs this name: its tasks stay `new` unless cancelled.
    const name = uname('counted');
    const [a, , c] = await Promise.all([app.addTask(name), app.addTask(name), app.addTask(name)]);
    await app.cancel(a!.uuid, 'not needed');
    await sleep(60);

    const queues = await app.listQueues();
    expect(queues.map((q) => q.name)).toEqual([...queues.map((q) => q.name)].sort());
    const info = queues.find((q) => q.name === name);
    expect(info).toMatchObject({
      name,
      paused: false,
      counts: { new: 2, process: 0, retry: 0, success: 0, error: 0, cancel: 1 },
      limits: { maxRunning: 0, rate: undefined, maxRunningPerKey: 0, ratePerKey: undefined },
      completedLastMinute: 1,
    });
    expect(info!.oldestReadyAgeMs).toBeGreaterThanOrEqual(30);

    expect(await app.purgeQueue(name, ['cancel'])).toBe(1);
    expect(await app.get(a!.uuid)).toBeNull();
    expect((await app.get(c!.uuid))?.status).toBe('new');
    expect((await app.listQueues()).find((q) => q.name === name)?.counts).toMatchObject({ new: 2, cancel: 0 });
    // A wait for a task that is purged before it ends does not hang: the broker ends its watch,
    // today with the task as `cancel` (reason `purged`); the contract's comment says NOT_FOUND,
    // which the SDK turns into `null`.
    const waiting = c!.waitResult(20);
    await sleep(100);
    const purgedAt = Date.now();
    expect(await app.purgeQueue(name, ['new', 'retry'])).toBe(2);
    const ended = await waiting;
    expect(Date.now() - purgedAt).toBeLessThan(5000);
    if (ended !== null) expect(ended).toMatchObject({ uuid: c!.uuid, status: 'cancel', cancelReason: 'purged' });
    expect(await app.get(c!.uuid)).toBeNull();
    expect((await app.listQueues()).find((q) => q.name === name)?.counts.new ?? 0).toBe(0);
  });

  test('running tasks are refused by the broker by name; an unknown status name by the SDK', async () => {
    const app = newApp();
    const name = uname('purge-bad');
    await app.addTask(name);
    const running = await rejectionOf(app.purgeQueue(name, ['process' as PurgeableStatus]));
    expect(running).toBeInstanceOf(BrokerCallError);
    expect((running as BrokerCallError).code).toBe(Status.INVALID_ARGUMENT);
    expect((running as BrokerCallError).details).toMatch(/^statuses\[0\]: /);
    const unknown = await rejectionOf(app.purgeQueue(name, ['new', 'done' as PurgeableStatus]));
    expect(unknown).toBeInstanceOf(TaskUsageError);
    expect(String(unknown)).toMatch(/statuses\[1\].*"done"/);
    expect((await app.listQueues()).find((q) => q.name === name)?.counts.new).toBe(1);
  });
});

describe('setQueueLimits and getQueueLimits', () => {
  test('round trip; a negative limit is refused naming the field and changes nothing; {} removes them', async () => {
    const app = newApp();
    const name = uname('limited');
    const limits = { maxRunning: 5, rate: { count: 10, periodMs: 1000 }, maxRunningPerKey: 1, ratePerKey: { count: 2, periodMs: 60_000 } };
    expect(await app.setQueueLimits(name, limits)).toEqual(limits);
    expect(await app.getQueueLimits(name)).toEqual(limits);
    expect((await app.listQueues()).find((q) => q.name === name)?.limits).toEqual(limits);

    const negative = await rejectionOf(app.setQueueLimits(name, { ...limits, maxRunningPerKey: -1 }));
    expect(negative).toBeInstanceOf(BrokerCallError);
    expect((negative as BrokerCallError).code).toBe(Status.INVALID_ARGUMENT);
    expect((negative as BrokerCallError).details).toMatch(/^limits\.max_running_per_key: /);
    const noPeriod = await rejectionOf(app.setQueueLimits(name, { rate: { count: 3, periodMs: 0 } }));
    expect((noPeriod as BrokerCallError).details).toMatch(/^limits\.rate\.period_ms: /);
    const fraction = await rejectionOf(app.setQueueLimits(name, { maxRunning: 1.5 }));
    expect(fraction).toBeInstanceOf(TaskUsageError);
    expect(String(fraction)).toMatch(/limits\.maxRunning/);
    expect(await app.getQueueLimits(name)).toEqual(limits);

    // A partial set replaces the whole: what is left out is removed.
    expect(await app.setQueueLimits(name, { maxRunning: 2 })).toEqual({ maxRunning: 2, rate: undefined, maxRunningPerKey: 0, ratePerKey: undefined });
    expect(await app.setQueueLimits(name, {})).toEqual({ maxRunning: 0, rate: undefined, maxRunningPerKey: 0, ratePerKey: undefined });
    expect(await app.getQueueLimits(uname('never-set'))).toEqual({ maxRunning: 0, rate: undefined, maxRunningPerKey: 0, ratePerKey: undefined });
  });
});

describe('limitKey and retention', () => {
  test('the task options and the per-call options are carried onto the stored task, retention in seconds', async () => {
    const app = newApp();
    const name = uname('keyed');
    const keyed = app.task({ name, limitKey: 'tenant-a', retention: 3600 }, () => 1);
    expect(keyed.limitKey).toBe('tenant-a');
    expect(keyed.retention).toBe(3600);

    const byTask = await keyed.addTask([]);
    expect(byTask).toMatchObject({ limitKey: 'tenant-a', retention: 3600 });
    expect(await app.get(byTask.uuid)).toMatchObject({ limitKey: 'tenant-a', retention: 3600, history: [], attemptsBeforeRetry: 0 });

    const byCall = await keyed.addTask([], { limitKey: 'tenant-b', retention: 1.5 });
    expect(await app.get(byCall.uuid)).toMatchObject({ limitKey: 'tenant-b', retention: 1.5 });
    // On the wire: milliseconds.
    expect((await env.broker.client.getTask({ taskId: byCall.uuid })).task).toMatchObject({ limitKey: 'tenant-b', retentionMs: 1500 });

    const none = await keyed.addTask([], { limitKey: '' });
    expect(await app.get(none.uuid)).toMatchObject({ limitKey: undefined, retention: 3600 });
    const foreign = await app.addTask(uname('foreign'), [], { limitKey: 'tenant-c' });
    expect(await app.get(foreign.uuid)).toMatchObject({ limitKey: 'tenant-c', retention: undefined });
    expect(foreign.toJSON()).toMatchObject({ limitKey: 'tenant-c', retention: undefined, history: [], attemptsBeforeRetry: 0 });
  });

  test('retention 0 removes the task as it ends; its waiter still gets the end', async () => {
    const app = newApp();
    const gone = app.task({ name: uname('gone'), retention: 0 }, () => 'done');
    app.worker.start();
    const done = await gone.addTask([], { timeout: 10 });
    expect(done).toMatchObject({ status: 'success', returning: 'done', retention: 0 });
    // On PostgreSQL the row stays a few seconds (REMOVED_AT_END_GRACE_MS), for other brokers' watchers.
    const goneBy = Date.now() + (TEST_STORE === 'postgres' ? 10_000 : 0);
    while ((await app.get(done!.uuid)) !== null && Date.now() < goneBy) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await app.get(done!.uuid)).toBeNull();
  });

  test('a retention the contract cannot carry is refused by the SDK; a bad limitKey by the broker, naming the field', async () => {
    const app = newApp();
    expect(() => app.task({ name: uname('neg'), retention: -1 }, () => 1)).toThrow(TaskUsageError);
    expect(() => app.task({ name: uname('neg'), retention: -1 }, () => 1)).toThrow(/retention/);
    const name = uname('too-long');
    expect(() => app.task({ name, retention: MAX_RETENTION_SECONDS + 1 }, () => 1)).toThrow(/retention/);
    const tooLong = await rejectionOf(app.addTask(name, [], { retention: 30 * 86_400 }));
    expect(tooLong).toBeInstanceOf(TaskUsageError);
    expect(String(tooLong)).toMatch(/retention/);
    expect((await app.addTask(name, [], { retention: MAX_RETENTION_SECONDS })).retention).toBe(MAX_RETENTION_SECONDS);

    const badKey = await rejectionOf(app.addTask(name, [], { limitKey: 'k'.repeat(300) }));
    expect(badKey).toBeInstanceOf(BrokerCallError);
    expect((badKey as BrokerCallError).code).toBe(Status.INVALID_ARGUMENT);
    expect((badKey as BrokerCallError).details).toMatch(/limit_key/);
  });
});
