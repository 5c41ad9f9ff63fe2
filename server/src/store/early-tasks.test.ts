/**
 * Tasks handed out before their enqueue commits (`early-tasks.ts`), at the store: in `commit` mode
 * a lone enqueue's ready tasks are leasable in the caller's turn. Answered from the ack log
 * (`ack-log.ts`), the enqueue is heard of at once; otherwise at its commit, and the leases taken
 * of its tasks meanwhile after it. Nothing else changes. (A commit that fails takes them back: disk-space.test.ts,
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
 * A handoff that records what it is told, as the broker hears it: the queues woken, then the
 * states published, in order (an Enqueue answered from the ack log is published as it is
 * answered; any other at its commit, with the leases taken of it meanwhile).
 */
function recordingHandoff(): EarlyHandoff & { woken: [string, number][]; heard: string[] } {
  const woken: [string, number][] = [];
  const heard: string[] = [];
  return {
    woken,
    heard,
    ready: (counts) => (woken.push(...counts), true),
    offer: () => false,
    acknowledged: (tasks, batch) => heard.push(...[...tasks, ...batch.leased.splice(0)].map((task) => task.status)),
    committed: (changed: readonly TaskRecord[], batch: EarlyBatch) =>
      heard.push(...[...(batch.acknowledged ? [] : changed), ...batch.leased].map((task) => task.status)),
  };
}

/** Until the check phase of this turn: the pushes written in it have left (see TaskStore.letPushesLeave). */
const pushesLeft = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Leaves the store without room in its ack log, as a full one would: Enqueues wait for their commit. */
function withoutAckLog(store: TaskStore): TaskStore {
  (store as unknown as { ackLog: undefined }).ackLog = undefined;
  return store;
}

describe('tasks handed out before their commit', () => {
  it('in commit mode, a lone enqueue puts its ready tasks in line at once, answered from the ack log and heard of as answered', async () => {
    const store = await openStore('commit');
    const handoff = recordingHandoff();
    const enqueued = store.enqueue([newTask(), newTask({ delayMs: 60_000 })], handoff);
    // Still the caller's turn: the woken worker leases the task (its push leaves at the end of
    // the turn); the rest of the enqueue, and what is heard of it, waits for the push to leave.
    expect(handoff.woken).toEqual([['q', 1]]);
    const leased = store.lease(leaseOptions);
    expect(leased.value.map((task) => task.status)).toEqual(['process']);
    expect(leased.changed).toEqual([]); // heard of after the task's NEW state
    expect(handoff.heard).toEqual([]);
    expect(store.counts.countsOf('q')).toMatchObject({ new: 0, process: 1 });

    const { value, changed, early, committed } = await enqueued;
    expect(handoff.heard).toEqual(['new', 'new', 'process']); // as it was answered, before the commit
    expect(value.map((task) => task.status)).toEqual(['new', 'new']);
    expect(changed).toEqual([]);
    expect(store.get(value[1]!.id)?.status).toBe('new'); // readable before the commit
    expect(await committed).toBe(true);
    expect(early?.acknowledged).toBe(true);
    expect(early?.ids).toEqual(new Set([value[0]!.id])); // the delayed one waited for its commit
    expect(handoff.heard).toEqual(['new', 'new', 'process']); // nothing twice
    expect(store.get(value[0]!.id)?.status).toBe('process');
    expect(store.counts.countsOf('q')).toMatchObject({ new: 1, process: 1 });

    // The lease is a lease like any other: its outcome is stored.
    const completed = await store.complete([{ taskId: value[0]!.id, leaseToken: leased.value[0]!.lease!.token, outcome: { kind: 'success', result: Buffer.from('1') } }]);
    expect(completed.value[0]).toMatchObject({ accepted: true });
    expect(store.get(value[0]!.id)?.status).toBe('success');
    await completed.committed;
    expect(store.checkInvariants().problems).toEqual([]);
  });

  it('without room in the ack log, an enqueue handed out early is answered at its commit and its leases are heard after it', async () => {
    const store = withoutAckLog(await openStore('commit'));
    const handoff = recordingHandoff();
    const enqueued = store.enqueue([newTask()], handoff);
    expect(handoff.woken).toEqual([['q', 1]]);
    const leased = store.lease(leaseOptions);
    expect(leased.changed).toEqual([]); // heard of after the task's NEW state
    expect(handoff.heard).toEqual([]);
    const { value, changed, early, committed } = await enqueued;
    expect(committed).toBeUndefined();
    expect(early?.acknowledged).toBe(false);
    expect(early?.leased).toEqual(leased.value);
    expect(changed.map((task) => task.id)).toEqual([value[0]!.id]);
    expect(handoff.heard).toEqual(['new', 'process']);
  });

  it('progress reported before the commit of an enqueue not answered from the ack log is heard after it, after the lease', async () => {
    const store = withoutAckLog(await openStore('commit'));
    const handoff = recordingHandoff();
    const enqueued = store.enqueue([newTask()], handoff);
    const [leased] = store.lease(leaseOptions).value;
    const progress = store.reportProgress([{ taskId: leased!.id, leaseToken: leased!.lease!.token, progress: Buffer.from('{"done":1}') }]);
    expect(progress.value).toEqual([{ taskId: leased!.id, ok: true }]);
    expect(progress.changed).toEqual([]);
    await enqueued;
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

  it('an Enqueue that wakes a worker is answered from the ack log too', async () => {
    const store = await openStore('commit');
    const handoff = recordingHandoff();
    const enqueued = store.enqueue([newTask()], handoff);
    const [leased] = store.lease(leaseOptions).value;
    const { value, changed, committed } = await enqueued;
    expect(committed).toBeDefined();
    expect(changed).toEqual([]);
    expect(handoff.heard).toEqual(['new', 'process']); // the lease, taken before the answer, after the NEW state
    expect(value[0]!.id).toBe(leased!.id);
    expect(await committed).toBe(true);
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

  it("an outcome reported once the push has left, before the enqueue's commit, is answered from the ack log too, and commits after it", async () => {
    const store = await openStore('commit');
    const handoff = recordingHandoff();
    const enqueued = store.enqueue([newTask()], handoff);
    const [leased] = store.lease(leaseOptions).value;
    await pushesLeft();
    const completed = await store.complete([{ taskId: leased!.id, leaseToken: leased!.lease!.token, outcome: { kind: 'success', result: Buffer.from('1') } }]);
    expect(completed.changed.map((task) => task.status)).toEqual(['success']);
    expect(store.get(leased!.id)?.status).toBe('success'); // before either commit
    expect([await (await enqueued).committed, await completed.committed]).toEqual([true, true]);
    expect(store.get(leased!.id)?.status).toBe('success');
    expect(store.counts.countsOf('q')).toMatchObject({ new: 0, process: 0, success: 1 });
    expect(store.checkInvariants().problems).toEqual([]);
  });

  it("writes issued before the push has left wait for the enqueue's: an outcome, and another Enqueue's LSN, come after it", async () => {
    const store = await openStore('commit');
    const enqueued = store.enqueue([newTask()], recordingHandoff());
    const [leased] = store.lease(leaseOptions).value;
    expect(store.pendingWrites).toBe(1); // waiting for the push, it counts as a write in flight
    // Still the caller's turn. No worker answers this fast over a network, but the store must not
    // care: the outcome's body runs after the record's, and another Enqueue (that woke no worker)
    // appends to the ack log after the first, whose write was issued first.
    const completing = store.complete([{ taskId: leased!.id, leaseToken: leased!.lease!.token, outcome: { kind: 'success', result: Buffer.from('1') } }]);
    const other = store.enqueue([newTask({ queue: 'other' })], { ...recordingHandoff(), ready: () => false });
    expect(store.pendingWrites).toBe(3);
    const [first, completed, second] = await Promise.all([enqueued, completing, other]);
    expect(completed.value[0]).toMatchObject({ accepted: true });
    expect([await first.committed, await second.committed]).toEqual([true, true]);
    expect(store.get(leased!.id)?.status).toBe('success');
    expect(store.get(second.value[0]!.id)?.status).toBe('new');
    expect(store.checkInvariants().problems).toEqual([]);
  });

  it('an Enqueue a listener issues as an earlier one is answered, its push leaving, takes its LSN ahead of those still waiting', async () => {
    const store = await openStore('commit');
    let third: ReturnType<TaskStore['enqueue']> | undefined;
    const reentrant = { ...recordingHandoff(), acknowledged: () => void (third ??= store.enqueue([newTask()], recordingHandoff())) };
    const first = store.enqueue([newTask()], reentrant);
    const second = store.enqueue([newTask({ queue: 'other' })], { ...recordingHandoff(), ready: () => false });
    const answered = [...(await Promise.all([first, second])), await third!];
    expect(await Promise.all(answered.map((result) => result.committed))).toEqual([true, true, true]);
    expect(store.checkInvariants()).toMatchObject({ problems: [], tasks: 3 });
  });

  it("without room in the ack log, an outcome that shares the enqueue's commit is heard of after the NEW and PROCESS states", async () => {
    const store = withoutAckLog(await openStore('commit'));
    const handoff = recordingHandoff();
    const enqueued = store.enqueue([newTask()], handoff);
    const [leased] = store.lease(leaseOptions).value;
    // Issued in the same turn: its body runs after the enqueue's, in the same commit.
    const completed = store.complete([{ taskId: leased!.id, leaseToken: leased!.lease!.token, outcome: { kind: 'success', result: Buffer.from('1') } }]);
    const order: string[] = [];
    const told = handoff.committed;
    handoff.committed = (changed, batch) => (order.push('handoff'), told(changed, batch));
    await Promise.all([enqueued.then(() => order.push('enqueue')), completed.then(({ value }) => order.push(`complete ${value[0]!.accepted}`))]);
    // The handoff heard the enqueue's states as the commit settled, before the outcome's caller resumed.
    expect(handoff.heard).toEqual(['new', 'process']);
    expect(order[0]).toBe('handoff');
    expect(order.slice(1).sort()).toEqual(['complete true', 'enqueue']);
    expect(store.get(leased!.id)?.status).toBe('success');
    expect(store.counts.countsOf('q')).toMatchObject({ new: 0, process: 0, success: 1 });
    expect(store.checkInvariants().problems).toEqual([]);
  });
});
