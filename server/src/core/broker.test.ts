import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { NewTask } from '../domain/task.js';
import { TaskStore } from '../store/task-store.js';
import { Broker } from './broker.js';

let dir: string;
let store: TaskStore;
let broker: Broker;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qtasks-core-'));
  store = await TaskStore.open({ path: dir, durability: 'commit' });
  broker = new Broker(store);
});
afterEach(async () => {
  broker.shutdown();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const newTask = (queue: string): NewTask => ({
  name: 'job',
  queue,
  priority: 0,
  args: Buffer.from('[]'),
  kwargs: Buffer.from('{}'),
  maxRetries: 0,
  backoff: { initialMs: 1000, multiplier: 2, maxMs: 100_000 },
  maxTimeMs: 0,
  delayMs: 0,
  tags: [],
  metadata: {},
});

describe('Broker.lease', () => {
  test('tasks leased for a caller that has gone away are given back at once', async () => {
    const [task] = await broker.enqueue([newTask('q')]);
    const gone = AbortSignal.abort();
    expect(await broker.lease({ workerId: 'w', queues: ['q'], maxTasks: 1, leaseMs: 30_000 }, 0, gone)).toEqual([]);
    expect(store.get(task!.id)).toMatchObject({ status: 'new', attempt: 0 });
    const [again] = await broker.lease({ workerId: 'w2', queues: ['q'], maxTasks: 1, leaseMs: 30_000 }, 0, new AbortController().signal);
    expect(again).toMatchObject({ id: task!.id, attempt: 1, workerId: 'w2' });
  });

  test('a parked lease wakes on enqueue and returns the task', async () => {
    const waiting = broker.lease({ workerId: 'w', queues: ['q2'], maxTasks: 1, leaseMs: 30_000 }, 10_000, new AbortController().signal);
    const [task] = await broker.enqueue([newTask('q2')]);
    expect((await waiting).map((t) => t.id)).toEqual([task!.id]);
  });
});

describe('Broker.watch', () => {
  test('yields each version once, from the current state to the final one', async () => {
    const [task] = await broker.enqueue([newTask('q3')]);
    const seen: string[] = [];
    const watching = (async () => {
      for await (const state of broker.watch(task!.id, new AbortController().signal)) seen.push(`${state.status}@${state.version}`);
    })();
    const [leased] = await broker.lease({ workerId: 'w', queues: ['q3'], maxTasks: 1, leaseMs: 30_000 }, 0, new AbortController().signal);
    await broker.complete([{ taskId: task!.id, leaseToken: leased!.lease!.token, outcome: { kind: 'success', result: Buffer.from('1') } }]);
    await watching;
    expect(seen).toEqual(['new@1', 'process@2', 'success@3']);
  });
});
