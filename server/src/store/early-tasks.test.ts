/**
 * Tasks handed out before their enqueue commits (`early-tasks.ts`), at the store: in `commit` mode
 * a lone enqueue's ready tasks are leasable in the caller's turn, the enqueue is acknowledged from
 * the ack log before its commit (`ack-log.ts`), their leases are reported after the commit, and
 * nothing else changes. (A commit that fails takes them back: disk-space.test.ts,
 * on a real full disk.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LeaseOptions, NewTask, TaskRecord } from '../domain/task.js';
import type { Durability } from './commits.js';
import type { EarlyBatch, EarlyHandoff } from './early-tasks.js';
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

/**
 * A handoff that records what it is told: the queues woken, then each commit's states in the order
 * heard. `workerWaits`: whether a worker wakes for the tasks (then the enqueue is not answered
 * from the ack log).
 */
function recordingHandoff(workerWaits = false): EarlyHandoff & { woken: [string, number][]; heard: string[] } {
  const woken: [string, number][] = [];
  const heard: string[] = [];
  return {
    woken,
    heard,
    ready: (counts) => (woken.push(...counts), workerWaits),
    committed: (changed: readonly TaskRecord[], batch: EarlyBatch) => heard.push(...[...changed, ...batch.leased].map((task) => task.status)),
  };
}

describe('tasks handed out before their commit', () => {
  it('in commit mode, a lone enqueue puts its ready tasks in line at once; their leases are reported after the commit', async () => {
    const store = await openStore('commit');
    const handoff = recordingHandoff();
    const enqueued = store.enqueue([newTask(), newTask({ delayMs: 60_000 })], handoff);
    // Still the caller's turn: the commit has not run.
    expect(handoff.woken).toEqual([['q', 1]]);
    const leased = store.lease(leaseOptions);
    expect(leased.value.map((task) => task.status)).toEqual(['process']);
    expect(leased.changed).toEqual([]); // heard of after the task's NEW state
    expect(store.counts.countsOf('q')).toMatchObject({ new: 0, process: 1 });

    const { value, changed, early, committed } = await enqueued;
    // Answered from the ack log before the commit (no worker woke): its states are heard at the commit.
    expect(value.map((task) => task.status)).toEqual(['new', 'new']);
    expect(changed).toEqual([]);
    expect(handoff.heard).toEqual([]);
    expect(store.get(value[1]!.id)?.status).toBe('new'); // readable meanwhile
    expect(await committed).toBe(true);
    expect(early?.leased).toEqual(leased.value);
    expect(early?.ids).toEqual(new Set([value[0]!.id])); // the delayed one waited for its commit
    expect(handoff.heard).toEqual(['new', 'new', 'process']);
    expect(store.get(value[0]!.id)?.status).toBe('process');
    expect(store.counts.countsOf('q')).toMatchObject({ new: 1, process: 1 });

    // The lease is a lease like any other: its outcome commits.
    const [result] = (await store.complete([{ taskId: value[0]!.id, leaseToken: leased.value[0]!.lease!.token, outcome: { kind: 'success', result: Buffer.from('1') } }])).value;
    expect(result).toMatchObject({ accepted: true });
    expect(store.get(value[0]!.id)?.status).toBe('success');
    expect(store.checkInvariants().problems).toEqual([]);
  });

  it('progress reported before the commit is heard after it, after the lease', async () => {
    const store = await openStore('commit');
    const handoff = recordingHandoff();
    const enqueued = store.enqueue([newTask()], handoff);
    const [leased] = store.lease(leaseOptions).value;
    const progress = store.reportProgress([{ taskId: leased!.id, leaseToken: leased!.lease!.token, progress: Buffer.from('{"done":1}') }]);
    expect(progress.value).toEqual([{ taskId: leased!.id, ok: true }]);
    expect(progress.changed).toEqual([]);
    await (await enqueued).committed;
    expect(handoff.heard).toEqual(['new', 'process', 'process']);
    // Once committed, progress is heard at once again.
    expect(store.reportProgress([{ taskId: leased!.id, leaseToken: leased!.lease!.token, progress: Buffer.from('{"done":2}') }]).changed).toHaveLength(1);
  });

  it('a task not leased before its commit is leased after it, once, from its line', async () => {
    const store = await openStore('commit');
    const { value, early, committed } = await store.enqueue([newTask(), newTask()], recordingHandoff());
    await committed;
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
    const handoff = recordingHandoff();
    const inStrict = strict.enqueue([newTask()], handoff);
    expect(strict.lease(leaseOptions).value).toEqual([]);
    expect((await inStrict).early).toBeUndefined();

    const commit = await openStore('commit');
    const keyed = commit.enqueue([newTask(), newTask({ idempotencyKey: 'k' })], handoff);
    expect(commit.lease(leaseOptions).value).toEqual([]);
    expect((await keyed).early).toBeUndefined();
    expect(handoff.woken).toEqual([]);
    expect(commit.lease(leaseOptions).value).toHaveLength(2);
  });

  it('an Enqueue that wakes a worker is handed out at once and answered at its commit, not from the ack log', async () => {
    const store = await openStore('commit');
    const handoff = recordingHandoff(true);
    const enqueued = store.enqueue([newTask()], handoff);
    expect(handoff.woken).toEqual([['q', 1]]);
    const [leased] = store.lease(leaseOptions).value;
    const { value, changed, committed } = await enqueued;
    expect(committed).toBeUndefined();
    expect(changed.map((task) => task.id)).toEqual([leased!.id]);
    expect(handoff.heard).toEqual(['new', 'process']);
    expect(value[0]!.id).toBe(leased!.id);
  });

  it('an Enqueue issued while many writes are in flight shares their commit: neither answered from the ack log nor handed out before it', async () => {
    const store = await openStore('commit');
    // A write of unknown size goes to lmdb-js's writer thread, counted as 100 writes in flight.
    const inFlight = store.promoteDue(100);
    const handoff = recordingHandoff();
    const enqueued = store.enqueue([newTask()], handoff);
    expect(store.lease(leaseOptions).value).toEqual([]);
    await inFlight;
    const { early, committed } = await enqueued;
    expect(early).toBeUndefined();
    expect(committed).toBeUndefined();
    expect(handoff.woken).toEqual([]);
  });

  it("an outcome that shares the enqueue's commit is stored, and heard of after the NEW and PROCESS states", async () => {
    const store = await openStore('commit');
    const handoff = recordingHandoff();
    const enqueued = store.enqueue([newTask()], handoff);
    const [leased] = store.lease(leaseOptions).value;
    // Issued in the same turn: its body runs after the enqueue's, in the same commit.
    const completed = store.complete([{ taskId: leased!.id, leaseToken: leased!.lease!.token, outcome: { kind: 'success', result: Buffer.from('1') } }]);
    const order: string[] = [];
    const told = handoff.committed;
    handoff.committed = (changed, batch) => (order.push('handoff'), told(changed, batch));
    await Promise.all([enqueued.then(() => order.push('enqueue')), completed.then(({ value }) => order.push(`complete ${value[0]!.accepted}`))]);
    // The enqueue was acknowledged from the ack log; the handoff heard its states as the commit
    // settled, before the outcome's caller resumed.
    expect(handoff.heard).toEqual(['new', 'process']);
    expect(order).toEqual(['enqueue', 'handoff', 'complete true']);
    expect(store.get(leased!.id)?.status).toBe('success');
    expect(store.counts.countsOf('q')).toMatchObject({ new: 0, process: 0, success: 1 });
    expect(store.checkInvariants().problems).toEqual([]);
  });
});
