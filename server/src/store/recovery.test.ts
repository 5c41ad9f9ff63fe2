import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { afterEach, beforeEach, expect, test } from 'vitest';
import type { TransitionContext } from '../domain/transitions/context.js';
import { enqueueTask } from '../domain/transitions/enqueue.js';
import { finish } from '../domain/transitions/finish.js';
import { leaseTask } from '../domain/transitions/lease.js';
import type { NewTask } from '../domain/task.js';
import { newTaskId } from './ids.js';
import { TaskStore } from './task-store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qtasks-recovery-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const spec: NewTask = {
  name: 'job', queue: 'q', priority: 0, args: Buffer.from('[]'), kwargs: Buffer.from('{}'), maxRetries: 1,
  backoff: { initialMs: 1000, multiplier: 2, maxMs: 0 }, maxTimeMs: 0, delayMs: 0, tags: [], metadata: {},
};

/** Writes a store the way layout version 1 did: leases and ready order indexed on disk. */
async function writeVersion1Store(): Promise<{ waiting: string; running: string; done: string }> {
  let seq = 0;
  const at: TransitionContext = { nowMs: Date.now(), steadyMs: performance.now(), nextSeq: () => ++seq };
  const waiting = enqueueTask(spec, newTaskId(), at);
  const running = leaseTask(enqueueTask(spec, newTaskId(), at), { workerId: 'w', leaseMs: 30_000, token: 'tok' }, at);
  const done = finish(enqueueTask(spec, newTaskId(), at), 'success', at.nowMs, { result: Buffer.from('1') });
  const env = open({ path: dir, noSubdir: false, maxDbs: 16 });
  const tasks = env.openDB('tasks', {});
  const ready = env.openDB('ready', {});
  const leases = env.openDB('leases', {});
  const byStatus = env.openDB('by_status', {});
  const meta = env.openDB('meta', {});
  await env.transaction(() => {
    for (const task of [waiting, running, done]) tasks.put(task.id, task);
    ready.put(['q', 0, waiting.seq], waiting.id);
    leases.put([running.lease!.deadlineMs, running.id], running.id);
    byStatus.put([0, 'q', waiting.id], true);
    byStatus.put([1, 'q', running.id], true);
    byStatus.put([3, 'q', done.id], true);
    meta.put('seq', 40);
    meta.put('schemaVersion', 1);
  });
  await env.close();
  return { waiting: waiting.id, running: running.id, done: done.id };
}

test('a version 1 store is upgraded when it opens: its leases given back, its disk indexes of ready and leased tasks removed', async () => {
  const ids = await writeVersion1Store();
  const store = await TaskStore.open({ path: dir, durability: 'commit' });
  try {
    expect(store.checkInvariants().problems).toEqual([]);
    expect(store.get(ids.running)).toMatchObject({ status: 'new', attempt: 0 });
    expect(store.stats()).toMatchObject({ tasks: 3, ready: 2, leased: 0 });
    const leased = store.lease({ workerId: 'w2', queues: ['q'], maxTasks: 10, leaseMs: 30_000 }).value;
    expect(leased.map((task) => task.id)).toEqual([ids.waiting, ids.running]);
    const [enqueued] = (await store.enqueue([spec])).value;
    expect(enqueued!.seq, 'the FIFO counter continues from version 1’s').toBeGreaterThan(40);
    const raw = (store as unknown as { env: { openDB(name: string, o: object): { getKeys(): Iterable<unknown> } } }).env;
    expect([...raw.openDB('ready', {}).getKeys()]).toEqual([]);
    expect([...raw.openDB('leases', {}).getKeys()]).toEqual([]);
  } finally {
    await store.close();
  }
  const reopened = await TaskStore.open({ path: dir, durability: 'commit' });
  expect(reopened.list({ status: 'success', limit: 10 }).tasks.map((task) => task.id)).toEqual([ids.done]);
  await reopened.close();
});

test('a version 2 store (records as msgpack maps) opens as it is: its records read back and are served, new ones are rows', async () => {
  let seq = 0;
  const at: TransitionContext = { nowMs: Date.now(), steadyMs: performance.now(), nextSeq: () => ++seq };
  const waiting = enqueueTask(spec, newTaskId(), at);
  const done = finish(enqueueTask(spec, newTaskId(), at), 'success', at.nowMs, { result: Buffer.from('1') });
  const env = open({ path: dir, noSubdir: false, maxDbs: 16 });
  const tasks = env.openDB('tasks', { useRecords: false, encoder: { skipValues: [undefined] } } as object);
  await env.transaction(() => {
    for (const task of [waiting, done]) tasks.put(task.id, task);
    env.openDB('by_status', {}).put([3, 'q', done.id], true);
    env.openDB('meta', {}).put('schemaVersion', 2);
  });
  await env.close();

  // `--check` reads it as it is, without upgrading it (it has no `expiry` or `queues` yet).
  const readOnly = await TaskStore.open({ path: dir, readOnly: true });
  expect(readOnly.checkInvariants()).toMatchObject({ problems: [], tasks: 2 });
  await readOnly.close();

  const store = await TaskStore.open({ path: dir, durability: 'commit' });
  try {
    expect(store.checkInvariants().problems).toEqual([]);
    expect(store.get(done.id)).toMatchObject({ status: 'success', result: Buffer.from('1') });
    // Its ended-index entry was re-keyed by end time (layout version 4), so a list since then finds it.
    expect(store.list({ status: 'success', queue: 'q', finishedAfterMs: done.finishedAtMs!, limit: 10 }).tasks.map((t) => t.id)).toEqual([done.id]);
    expect(store.list({ status: 'success', queue: 'q', finishedAfterMs: done.finishedAtMs! + 1, limit: 10 }).tasks).toEqual([]);
    const [leased] = store.lease({ workerId: 'w', queues: ['q'], maxTasks: 10, leaseMs: 30_000 }).value;
    expect(leased).toMatchObject({ id: waiting.id, status: 'process', args: Buffer.from('[]') });
    await store.complete([{ taskId: waiting.id, leaseToken: leased!.lease!.token, outcome: { kind: 'success', result: Buffer.from('2') } }]);
    const raw = (store as unknown as { env: { openDB(name: string, o: object): { get(key: string): unknown; getBinary(key: string): Uint8Array } } }).env;
    expect(raw.openDB('meta', {}).get('schemaVersion')).toBe(4);
    expect(raw.openDB('tasks', {}).getBinary(waiting.id)[0], 'rewritten as a row (a msgpack array)').toBeGreaterThanOrEqual(0x90);
  } finally {
    await store.close();
  }
});
