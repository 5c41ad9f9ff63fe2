/**
 * Tasks handed out before their enqueue commits (`early-tasks.ts`), at the store: in `commit` mode
 * a lone enqueue's ready tasks are leasable in the caller's turn, their leases are reported after
 * the commit, and nothing else changes. (A commit that fails takes them back: disk-space.test.ts,
 * on a real full disk.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LeaseOptions, NewTask } from '../domain/task.js';
import type { Durability } from './commits.js';
import { TaskStore } from './task-store.js';

const dirs: string[] = [];
const stores: TaskStore[] = [];

async function openStore(durability: Durability): Promise<TaskStore> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'qtasks-early-'));
  dirs.push(dir);
  const store = await TaskStore.open({ path: dir, durability });
  stores.push(store);
  return store;
}

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

function newTask(overrides: Partial<NewTask> = {}): NewTask {
  return {
    name: 'early',
    queue: 'q',
    priority: 0,
    args: Buffer.from('[1]'),
    kwargs: Buffer.from('{}'),
    maxRetries: 0,
    backoff: { initialMs: 1000, multiplier: 2, maxMs: 60_000 },
    maxTimeMs: 0,
    delayMs: 0,
    tags: [],
    metadata: {},
    ...overrides,
  };
}

const leaseOptions: LeaseOptions = { workerId: 'w', queues: ['q'], maxTasks: 10, leaseMs: 30_000 };

describe('tasks handed out before their commit', () => {
  it('in commit mode, a lone enqueue puts its ready tasks in line at once; their leases are reported after the commit', async () => {
    const store = await openStore('commit');
    const woken: [string, number][] = [];
    const enqueued = store.enqueue([newTask(), newTask({ delayMs: 60_000 })], (counts) => woken.push(...counts));
    // Still the caller's turn: the commit has not run.
    expect(woken).toEqual([['q', 1]]);
    const leased = store.lease(leaseOptions);
    expect(leased.value.map((task) => task.status)).toEqual(['process']);
    expect(leased.changed).toEqual([]); // heard of after the task's NEW state
    expect(store.counts.countsOf('q')).toMatchObject({ new: 0, process: 1 });

    const { value, changed, early } = await enqueued;
    expect(value.map((task) => task.status)).toEqual(['new', 'new']);
    expect(changed.map((task) => task.id)).toEqual(value.map((task) => task.id));
    expect(early?.leased).toEqual(leased.value);
    expect(early?.ids).toEqual(new Set([value[0]!.id])); // the delayed one waited for its commit
    expect(store.get(value[0]!.id)?.status).toBe('process');
    expect(store.counts.countsOf('q')).toMatchObject({ new: 1, process: 1 });

    // The lease is a lease like any other: its outcome commits.
    const [result] = (await store.complete([{ taskId: value[0]!.id, leaseToken: leased.value[0]!.lease!.token, outcome: { kind: 'success', result: Buffer.from('1') } }])).value;
    expect(result).toMatchObject({ accepted: true });
    expect(store.get(value[0]!.id)?.status).toBe('success');
    expect(store.checkInvariants().problems).toEqual([]);
  });

  it('a task not leased before its commit is leased after it, once, from its line', async () => {
    const store = await openStore('commit');
    const { value, early } = await store.enqueue([newTask(), newTask()], () => undefined);
    expect(early?.leased).toEqual([]);
    expect(store.counts.countsOf('q')).toMatchObject({ new: 2 });
    const leased = store.lease(leaseOptions);
    expect(leased.value.map((task) => task.id)).toEqual(value.map((task) => task.id));
    expect(leased.changed).toEqual(leased.value);
    expect(store.lease(leaseOptions).value).toEqual([]);
    expect(store.checkInvariants().problems).toEqual([]);
  });

  it('strict mode, and a batch with an idempotency key, wait for the commit', async () => {
    const strict = await openStore('strict');
    const woken: unknown[] = [];
    const inStrict = strict.enqueue([newTask()], (counts) => woken.push(counts));
    expect(strict.lease(leaseOptions).value).toEqual([]);
    expect((await inStrict).early).toBeUndefined();

    const commit = await openStore('commit');
    const keyed = commit.enqueue([newTask(), newTask({ idempotencyKey: 'k' })], (counts) => woken.push(counts));
    expect(commit.lease(leaseOptions).value).toEqual([]);
    expect((await keyed).early).toBeUndefined();
    expect(woken).toEqual([]);
    expect(commit.lease(leaseOptions).value).toHaveLength(2);
  });

  it('a write that is not lone (an async commit in flight) waits for its commit', async () => {
    const store = await openStore('commit');
    // A batch of unknown size goes to lmdb-js's writer thread: the next write joins it.
    const inFlight = store.promoteDue(10);
    const woken: unknown[] = [];
    const enqueued = store.enqueue([newTask()], (counts) => woken.push(counts));
    expect(store.lease(leaseOptions).value).toEqual([]);
    await inFlight;
    expect((await enqueued).early).toBeUndefined();
    expect(woken).toEqual([]);
  });
});
