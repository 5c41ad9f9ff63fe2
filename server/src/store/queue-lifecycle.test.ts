/**
 * What keeps a store runnable for months (issue 12), at the store: retention and its sweep,
 * RetryTask, PurgeQueue, paused queues, and the counts kept with each commit. Every test ends
 * with the store's full invariant check.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IllegalTransitionError } from '../domain/errors.js';
import type { NewTask, TaskOutcome, TaskRecord } from '../domain/task.js';
import type { RetentionPolicy } from './retention.js';
import { TaskStore } from './task-store.js';
import { settled } from './settled.fixture.js';

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;
const RETENTION: RetentionPolicy = { succeededMs: HOUR, failedMs: 2 * HOUR };

let dir: string;
let now: number;
let store: TaskStore;

const open = (retention: RetentionPolicy = RETENTION) => TaskStore.open({ path: dir, durability: 'commit', clock: () => now, retention });

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'qtasks-lifecycle-'));
  now = T0;
  store = await open();
});

afterEach(async () => {
  expect(store.checkInvariants().problems).toEqual([]);
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
function spec(overrides: Partial<NewTask> = {}): NewTask {
  counter++;
  const { args = Buffer.from(`[${counter}]`), ...rest } = overrides;
  return { name: 'job', queue: 'q', priority: 0, args, kwargs: Buffer.from('{}'), maxRetries: 0, backoff: { initialMs: 10, multiplier: 1, maxMs: 10 }, maxTimeMs: 0, delayMs: 0, tags: [], metadata: {}, ...rest };
}

const success: TaskOutcome = { kind: 'success', result: Buffer.from('1') };
const failure: TaskOutcome = { kind: 'failure', error: { type: 'E', message: 'boom', traceback: 'tb' }, retryable: false };

/** Enqueues one task per spec given (one plain task without any). */
async function enqueue(...specs: Partial<NewTask>[]): Promise<TaskRecord[]> {
  return (await store.enqueue((specs.length === 0 ? [{}] : specs).map(spec))).value;
}

/** Leases everything ready in `queue` and gives each the outcome. */
async function runAll(outcome: TaskOutcome, queue = 'q'): Promise<TaskRecord[]> {
  const leased = store.lease({ workerId: 'w', queues: [queue], maxTasks: 1000, leaseMs: 60_000 }).value;
  const { value } = await settled(store.complete(leased.map((task) => ({ taskId: task.id, leaseToken: task.lease!.token, outcome }))));
  return value.map((result) => result.task!);
}

/** Runs the due work as the core's timer would, at the current time. */
async function sweep(): Promise<number> {
  let removed = 0;
  for (let batch; (batch = (await store.sweepExpired(2)).value) > 0; ) removed += batch;
  return removed;
}

describe('retention', () => {
  it('removes a finished task once its status’s retention has passed, with its idempotency key, which can then be used again', async () => {
    const [kept] = await enqueue({ idempotencyKey: 'k' });
    await runAll(success);
    const [failed] = await enqueue();
    await runAll(failure);
    expect(store.nextDue().wallMs).toBe(T0 + HOUR);

    now = T0 + HOUR - 1;
    expect(await sweep()).toBe(0);
    now = T0 + HOUR;
    expect(await sweep()).toBe(1);
    expect(store.get(kept!.id)).toBeUndefined();
    expect(store.get(failed!.id)?.status).toBe('error');
    expect(store.nextDue().wallMs, 'the failure stays its own, longer retention').toBe(T0 + 2 * HOUR);

    const [again] = await enqueue({ idempotencyKey: 'k', args: kept!.args });
    expect(again!.id).not.toBe(kept!.id);
    now = T0 + 2 * HOUR;
    expect(await sweep()).toBe(1);
    expect(store.counts.countsOf('q')).toMatchObject({ new: 1, success: 0, error: 0 });
  });

  it('removes a task with a retention of 0 as it ends: the end is still reported, nothing stays on disk', async () => {
    await store.close();
    store = await open({ succeededMs: 0, failedMs: HOUR });
    const [task] = await enqueue({ idempotencyKey: 'once' });
    const [ended] = await runAll(success);
    expect(ended).toMatchObject({ id: task!.id, status: 'success' });
    expect(store.get(task!.id)).toBeUndefined();
    expect(store.stats().tasks).toBe(0);
    expect(store.nextDue().wallMs, 'nothing left to sweep').toBeUndefined();
    expect((await enqueue({ idempotencyKey: 'once', args: task!.args }))[0]!.id).not.toBe(task!.id);
    expect(store.counts.countsOf('q')).toMatchObject({ new: 1, success: 0 });
  });

  it('lets a task shorten its own retention, never lengthen it', async () => {
    const [short, long] = await enqueue({ retentionMs: 1000 }, { retentionMs: 10 * HOUR });
    await runAll(success);
    now = T0 + 1000;
    expect(await sweep()).toBe(1);
    expect(store.get(short!.id)).toBeUndefined();
    now = T0 + HOUR;
    expect(await sweep()).toBe(1);
    expect(store.get(long!.id)).toBeUndefined();
  });

  it('applies a retention shortened at a restart to the tasks that ended before it', async () => {
    const [task] = await enqueue();
    await runAll(success);
    await store.close();
    store = await open({ succeededMs: 1000, failedMs: 1000 });
    now = T0 + 1000;
    expect(await sweep()).toBe(1);
    expect(store.get(task!.id)).toBeUndefined();
  });
});

describe('RetryTask', () => {
  it('runs an ERROR task again with the same id and a fresh budget, its failure kept in the history', async () => {
    const [task] = await enqueue();
    await runAll(failure);
    const { value: retried, changed } = await store.retry(task!.id);
    expect(retried).toMatchObject({ id: task!.id, status: 'retry', attemptsBeforeRetry: 1, finishedAtMs: undefined });
    expect(changed.map((t) => t.status)).toEqual(['retry']);
    const [ended] = await runAll(success);
    expect(ended).toMatchObject({ id: task!.id, status: 'success', attempt: 2 });
    expect(ended!.history).toEqual([expect.objectContaining({ attempt: 1, status: 'error', error: expect.objectContaining({ message: 'boom' }) })]);
    expect(store.counts.countsOf('q')).toMatchObject({ success: 1, error: 0, retry: 0 });
  });

  it('refuses a task that succeeded or is running, and changes nothing', async () => {
    const [done, running] = await enqueue({}, {});
    const leased = store.lease({ workerId: 'w', queues: ['q'], maxTasks: 1, leaseMs: 60_000 }).value;
    await settled(store.complete([{ taskId: leased[0]!.id, leaseToken: leased[0]!.lease!.token, outcome: success }]));
    store.lease({ workerId: 'w', queues: ['q'], maxTasks: 1, leaseMs: 60_000 });
    await expect(store.retry(done!.id)).rejects.toBeInstanceOf(IllegalTransitionError);
    await expect(store.retry(running!.id)).rejects.toThrow(/is process: only a task that ended in error or cancel/);
    expect(store.get(done!.id)?.status).toBe('success');
  });
});

describe('PurgeQueue', () => {
  it('removes the tasks of one queue in the statuses asked, never a running one nor another queue’s', async () => {
    await enqueue({}, {});
    await runAll(success);
    const [waiting, delayed, running] = await enqueue({}, { delayMs: 5000 }, {});
    await enqueue({ queue: 'other' });
    const [leased] = store.lease({ workerId: 'w', queues: ['q'], maxTasks: 1, leaseMs: 60_000 }).value;
    expect(leased!.id).toBe(waiting!.id);

    const cursor = { tried: new Set<string>() };
    const { value: firstBatch, changed } = await store.purge('q', ['new', 'success'], 3, cursor);
    expect(firstBatch).toEqual({ removed: 3, done: false });
    expect(changed.filter((t) => t.status === 'cancel').map((t) => t.cancelReason), 'a waiting task is seen to end').toEqual(expect.arrayContaining(['purged']));
    expect((await store.purge('q', ['new', 'success'], 3, cursor)).value).toEqual({ removed: 1, done: false });
    expect((await store.purge('q', ['new', 'success'], 3, cursor)).value).toEqual({ removed: 0, done: true });
    expect(store.get(delayed!.id)).toBeUndefined();
    expect(store.get(running!.id)).toBeUndefined();
    expect(store.get(waiting!.id)?.status).toBe('process');
    expect(store.counts.countsOf('q')).toMatchObject({ new: 0, process: 1, success: 0 });
    expect(store.counts.countsOf('other')).toMatchObject({ new: 1 });
  });
});

describe('paused queues', () => {
  it('hand out nothing while paused, still take tasks, and stay paused across a reopen', async () => {
    await store.settings.setPaused('q', true);
    await enqueue();
    expect(store.lease({ workerId: 'w', queues: ['q', 'free'], maxTasks: 10, leaseMs: 60_000 }).value).toEqual([]);
    await store.close();
    store = await open();
    expect(store.settings.isPaused('q')).toBe(true);
    expect(store.lease({ workerId: 'w', queues: ['q'], maxTasks: 10, leaseMs: 60_000 }).value).toEqual([]);
    await store.settings.setPaused('q', false);
    expect(store.lease({ workerId: 'w', queues: ['q'], maxTasks: 10, leaseMs: 60_000 }).value).toHaveLength(1);
  });
});

describe('queue counts', () => {
  it('follow every commit and lease, and are rebuilt the same from the records at a reopen', async () => {
    await enqueue({}, {}, {}, { delayMs: 1000 });
    const [first] = store.lease({ workerId: 'w', queues: ['q'], maxTasks: 1, leaseMs: 60_000 }).value;
    await settled(store.complete([{ taskId: first!.id, leaseToken: first!.lease!.token, outcome: failure }]));
    store.lease({ workerId: 'w', queues: ['q'], maxTasks: 1, leaseMs: 60_000 });
    const expected = { new: 2, process: 1, retry: 0, success: 0, error: 1, cancel: 0 };
    expect(store.counts.countsOf('q')).toEqual(expected);
    expect(store.counts.endedLastMinute('q')).toBe(1);
    await store.close();
    store = await open();
    // The lease died with the process: its task is NEW again.
    expect(store.counts.countsOf('q')).toEqual({ ...expected, new: 3, process: 0 });
  });
});

describe('ListTasks since a time', () => {
  it('lists the tasks of a queue that ended in a status since T, in the order they ended', async () => {
    await enqueue({}, {});
    const [first] = await runAll(failure);
    now = T0 + 1000;
    await enqueue({}, {});
    const later = await runAll(failure);
    const page = store.list({ queue: 'q', status: 'error', finishedAfterMs: T0 + 1000, limit: 10 });
    expect(page.tasks.map((t) => t.id).sort()).toEqual(later.map((t) => t.id).sort());
    expect(store.list({ queue: 'q', status: 'error', limit: 10 }).tasks[0]!.finishedAtMs).toBe(first!.finishedAtMs);
  });
});

describe('queue limits at dispatch', () => {
  const leaseAll = (queues = ['q']) => store.lease({ workerId: 'w', queues, maxTasks: 100, leaseMs: 60_000 }).value;
  const finish = (tasks: readonly TaskRecord[]) => settled(store.complete(tasks.map((t) => ({ taskId: t.id, leaseToken: t.lease!.token, outcome: success }))));
  const keysOf = (tasks: readonly TaskRecord[]) => tasks.map((t) => `${t.limitKey}${JSON.parse(Buffer.from(t.args).toString())[0]}`);

  it('holds the queue to its running maximum, and lets the next task start when one ends; no attempt is taken', async () => {
    await store.setQueueLimits('q', { maxRunning: 2, maxRunningPerKey: 0 });
    const all = await enqueue({}, {}, {}, {}, {});
    const first = leaseAll(['q', 'other']);
    expect(first).toHaveLength(2);
    expect(leaseAll()).toEqual([]);
    expect(store.get(all[2]!.id)).toMatchObject({ status: 'new', attempt: 0 });
    await finish(first.slice(0, 1));
    expect(store.gate.takeWoken(), 'the waiting workers of the queue are woken').toEqual(['q']);
    expect(leaseAll().map((t) => t.id)).toEqual([all[2]!.id]);
  });

  it('lets other keys pass a key at its limit, and keeps each key’s tasks in order', async () => {
    await store.setQueueLimits('q', { maxRunning: 0, maxRunningPerKey: 1 });
    await enqueue({ limitKey: 'a', args: Buffer.from('[1]') }, { limitKey: 'a', args: Buffer.from('[2]') }, { limitKey: 'a', args: Buffer.from('[3]') }, { limitKey: 'b', args: Buffer.from('[1]') }, { limitKey: 'b', args: Buffer.from('[2]') });
    const first = leaseAll();
    expect(keysOf(first)).toEqual(['a1', 'b1']);
    expect(store.list({ queue: 'q', status: 'new', limit: 10 }).tasks, 'held tasks are still listed').toHaveLength(3);
    await finish(first.filter((t) => t.limitKey === 'a'));
    expect(keysOf(leaseAll())).toEqual(['a2']);
    await store.close();
    store = await open();
    // After a restart nothing runs (b1's lease died with the process): each key starts its first task in line.
    expect(keysOf(leaseAll())).toEqual(['a2', 'b1']);
  });

  it('holds a key to its rate, and the due timer’s release lets the next ones start when the window moves on', async () => {
    await store.setQueueLimits('q', { maxRunning: 0, maxRunningPerKey: 0, ratePerKey: { count: 2, periodMs: 1000 } });
    await enqueue(...Array.from({ length: 5 }, () => ({ limitKey: 'k' })));
    expect(leaseAll()).toHaveLength(2);
    expect(leaseAll()).toHaveLength(0);
    expect(store.gate.takeRateRefused()).toBe(true);
    expect(store.nextLimitOpeningMs()).toBe(T0 + 1000);
    now = T0 + 1000;
    store.releaseLimited();
    expect(store.gate.takeWoken()).toEqual(['q']);
    expect(leaseAll()).toHaveLength(2);
  });

  it('holds the queue to its rate', async () => {
    await store.setQueueLimits('q', { maxRunning: 0, maxRunningPerKey: 0, rate: { count: 3, periodMs: 500 } });
    await enqueue({}, {}, {}, {}, {});
    expect(leaseAll()).toHaveLength(3);
    now = T0 + 499;
    expect(leaseAll()).toHaveLength(0);
    expect(store.nextLimitOpeningMs()).toBe(T0 + 500);
    now = T0 + 500;
    expect(leaseAll()).toHaveLength(2);
  });
});

describe('queue limits at dispatch: what a review found', () => {
  const leaseAll = (maxTasks = 100) => store.lease({ workerId: 'w', queues: ['q'], maxTasks, leaseMs: 60_000 }).value;
  const finish = (tasks: readonly TaskRecord[]) => settled(store.complete(tasks.map((t) => ({ taskId: t.id, leaseToken: t.lease!.token, outcome: success }))));

  it('holds at most 1,000 tasks aside per lease call, and lifting the limit puts a long backlog back in line, in order', async () => {
    await store.setQueueLimits('q', { maxRunning: 0, maxRunningPerKey: 1 });
    const noisy = await enqueue(...Array.from({ length: 2500 }, () => ({ limitKey: 'noisy' })));
    const [quiet] = await enqueue({ limitKey: 'quiet' });
    expect(leaseAll().map((t) => t.id)).toEqual([noisy[0]!.id]);
    expect(store.gate.takeHoldCapHit(), 'the call stopped at the cap').toBe(true);
    expect(leaseAll()).toEqual([]);
    expect(leaseAll().map((t) => t.id), 'the quiet key passes the noisy backlog').toEqual([quiet!.id]);
    expect(store.list({ queue: 'q', status: 'new', limit: 1000 }).tasks).toHaveLength(1000);
    await store.setQueueLimits('q', { maxRunning: 0, maxRunningPerKey: 0 });
    expect(leaseAll(3).map((t) => t.id)).toEqual(noisy.slice(1, 4).map((t) => t.id));
  });

  it('takes a cancelled task out of the held ones, so that the key’s next task gets its room', async () => {
    await store.setQueueLimits('q', { maxRunning: 0, maxRunningPerKey: 1 });
    const [a1, a2, a3] = await enqueue({ limitKey: 'a' }, { limitKey: 'a' }, { limitKey: 'a' });
    const running = leaseAll();
    expect(running.map((t) => t.id)).toEqual([a1!.id]);
    await store.cancel(a2!.id, 'not needed');
    await finish(running);
    expect(leaseAll().map((t) => t.id)).toEqual([a3!.id]);
  });

  it('asks for the timer when the tasks it lets through fill a key’s rate window while others wait', async () => {
    await store.setQueueLimits('q', { maxRunning: 0, maxRunningPerKey: 0, ratePerKey: { count: 2, periodMs: 1000 } });
    await enqueue(...Array.from({ length: 5 }, () => ({ limitKey: 'k' })));
    expect(leaseAll()).toHaveLength(2);
    store.gate.takeRateRefused();
    now = T0 + 1000;
    store.releaseLimited();
    expect(leaseAll()).toHaveLength(2);
    expect(store.gate.takeRateRefused(), 'one task still waits on the full window').toBe(true);
    expect(store.nextLimitOpeningMs()).toBe(T0 + 2000);
  });

  it('applies two changes of a queue’s settings made at once, both', async () => {
    await Promise.all([store.settings.setPaused('q', true), store.setQueueLimits('q', { maxRunning: 3, maxRunningPerKey: 0 })]);
    await store.close();
    store = await open();
    expect([store.settings.isPaused('q'), store.settings.limitsOf('q').maxRunning]).toEqual([true, 3]);
  });

  it('purges a long held backlog whole', async () => {
    await store.setQueueLimits('q', { maxRunning: 0, maxRunningPerKey: 1 });
    await enqueue(...Array.from({ length: 1200 }, () => ({ limitKey: 'k' })));
    leaseAll();
    const cursor = { tried: new Set<string>() };
    let removed = 0;
    for (let batch; !(batch = (await store.purge('q', ['new'], 500, cursor)).value).done; ) removed += batch.removed;
    expect(removed).toBe(1199);
    expect(store.counts.countsOf('q')).toMatchObject({ new: 0, process: 1 });
  });
});
