import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import type { NewTask } from '../domain/task.js';
import { TaskStore } from './task-store.js';

let dir: string;
let store: TaskStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qtasks-inv-'));
  store = await TaskStore.open({ path: dir, durability: 'commit' });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const spec = (overrides: Partial<NewTask> = {}): NewTask => ({
  name: 'job', queue: 'q', priority: 0, args: Buffer.from('[]'), kwargs: Buffer.from('{}'), maxRetries: 1,
  backoff: { initialMs: 1000, multiplier: 2, maxMs: 0 }, maxTimeMs: 0, delayMs: 0, tags: [], metadata: {}, ...overrides,
});

test('a store moved through every status is consistent, with counts per status', async () => {
  await store.enqueue([spec(), spec({ delayMs: 60_000 }), spec({ idempotencyKey: 'k' }), spec(), spec()]);
  const leased = (await store.lease({ workerId: 'w', queues: ['q'], maxTasks: 3, leaseMs: 30_000 })).value;
  await store.complete([
    { taskId: leased[0]!.id, leaseToken: leased[0]!.lease!.token, outcome: { kind: 'success', result: Buffer.from('1') } },
    { taskId: leased[1]!.id, leaseToken: leased[1]!.lease!.token, outcome: { kind: 'failure', error: { type: 'E', message: '', traceback: '' }, retryable: true } },
  ]);
  const report = store.checkInvariants();
  expect(report.problems).toEqual([]);
  expect(report.tasks).toBe(5);
  // On disk, the task still leased is NEW: leases live in memory.
  expect(report.byStatus).toEqual({ new: 3, process: 0, retry: 1, success: 1, error: 0, cancel: 0 });
});

test('a missing or orphaned index entry is reported', async () => {
  const [task] = (await store.enqueue([spec({ delayMs: 60_000 })])).value;
  const delayed = (store as unknown as { indexes: { delayed: { getKeys(): Iterable<unknown[]>; remove(key: unknown): Promise<boolean>; put(key: unknown, value: unknown): Promise<boolean> } } }).indexes.delayed;
  const [key] = [...delayed.getKeys()];
  await delayed.remove(key);
  await delayed.put([1, 999_999], 'no-such-task');
  const problems = store.checkInvariants().problems;
  expect(problems).toEqual([
    expect.stringContaining(`task ${task!.id} (new) is missing its delayed entry`),
    expect.stringContaining('delayed holds [1,999999], which no task calls for'),
  ]);
});
