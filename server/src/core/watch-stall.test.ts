import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ResourceExhaustedError } from '../domain/errors.js';
import type { TaskRecord } from '../domain/task.js';
import { TaskStore } from '../store/task-store.js';
import { Broker } from './broker.js';
import { newTask } from './new-task.fixture.js';

let dir: string;
let store: TaskStore;
let broker: Broker;
let now = Date.UTC(2030, 0, 1);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qtasks-watch-'));
  store = await TaskStore.open({ path: dir, durability: 'commit', clock: () => now });
  broker = new Broker(store, { clock: () => now, watchStallMs: 1000 });
});
afterEach(async () => {
  broker.shutdown();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** A leased task, and a way to publish progress transitions on it. */
async function runningTask(): Promise<{ task: TaskRecord; progress: (n: number) => Promise<void> }> {
  const [task] = await broker.enqueue([newTask()]);
  // Answered from the ack log: let its commit run, so that progress is heard at once.
  await store.flushed();
  const [leased] = await broker.lease({ workerId: 'w', queues: ['q'], maxTasks: 1, leaseMs: 3_600_000 }, 0, new AbortController().signal);
  const progress = async (n: number): Promise<void> => {
    await broker.reportProgress([{ taskId: task!.id, leaseToken: leased!.lease!.token, progress: Buffer.from(String(n)) }]);
  };
  return { task: leased!, progress };
}

describe('Broker.watch and a client that stops reading', () => {
  test('states waiting for a client that took none for watchStallMs are dropped, and the stream ends RESOURCE_EXHAUSTED', async () => {
    const { task, progress } = await runningTask();
    const stream = broker.watch(task.id, new AbortController().signal);
    expect((await stream.next()).value).toMatchObject({ id: task.id, status: 'process' });
    // The client asks for nothing more; states pile up for it.
    await progress(1);
    await progress(2);
    expect((await broker.stats()).watchedTasks).toBe(1);
    now += 1001;
    await progress(3);
    // Dropped at once: nothing is kept for it any more.
    expect((await broker.stats()).watchedTasks).toBe(0);
    await expect(stream.next()).rejects.toBeInstanceOf(ResourceExhaustedError);
    // Watching anew starts from the current state.
    const again = broker.watch(task.id, new AbortController().signal);
    expect((await again.next()).value).toMatchObject({ progress: Buffer.from('3') });
    await again.return();
  });

  test('a client that keeps reading is never dropped, however slowly time passes', async () => {
    const { task, progress } = await runningTask();
    const stream = broker.watch(task.id, new AbortController().signal);
    await stream.next();
    for (let n = 1; n <= 5; n++) {
      const next = stream.next();
      now += 5000;
      await progress(n);
      expect((await next).value).toMatchObject({ progress: Buffer.from(String(n)) });
    }
    await stream.return();
    expect((await broker.stats()).watchedTasks).toBe(0);
  });

  test('a burst of states for a client that is waiting for them is all delivered', async () => {
    const { task } = await runningTask();
    const stream = broker.watch(task.id, new AbortController().signal);
    await stream.next();
    now += 60_000; // long idle: the client was waiting, not stalled
    const next = stream.next();
    const items = Array.from({ length: 500 }, (_, i) => ({ taskId: task.id, leaseToken: task.lease!.token, progress: Buffer.from(String(i)) }));
    await broker.reportProgress(items);
    const seen = [(await next).value as TaskRecord];
    for (let i = 1; i < 500; i++) seen.push((await stream.next()).value as TaskRecord);
    expect(seen.map((t) => t.progress!.toString())).toEqual(items.map((i) => i.progress.toString()));
    await stream.return();
  });
});
