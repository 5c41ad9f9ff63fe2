/**
 * Steps of the wall clock (NTP, `date -s`) while leases run: lease deadlines follow the steady
 * clock, so a live lease stays alive and a dead one expires on time, whichever way the wall
 * clock jumps. The real broker process under libfaketime: tests/integration/clock-steps.test.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { systemClock, type Clock } from '../domain/clock.js';
import { TaskStore } from '../store/task-store.js';
import { Broker } from './broker.js';
import { newTask } from './new-task.fixture.js';

const HOUR_MS = 3_600_000;
let dir: string;
let store: TaskStore;
let broker: Broker;
/** How far the fake wall clock is from the real one; the steady clock is the real one. */
let wallStepMs = 0;

beforeEach(async () => {
  wallStepMs = 0;
  const real = systemClock();
  const clock: Clock = { wallMs: () => real.wallMs() + wallStepMs, steadyMs: () => real.steadyMs() };
  dir = await mkdtemp(join(tmpdir(), 'qtasks-clock-'));
  store = await TaskStore.open({ path: dir, durability: 'commit', clock });
  broker = new Broker(store, { clock });
});
afterEach(async () => {
  broker.shutdown();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const leaseOne = async (leaseMs: number) => {
  const [task] = await broker.lease({ workerId: 'w', queues: ['q'], maxTasks: 1, leaseMs }, 0, new AbortController().signal);
  return task!;
};

test('a step of the wall clock 2 h forward leaves a live lease alive: heartbeat and outcome are accepted', async () => {
  await broker.enqueue([newTask('q')]);
  const leased = await leaseOne(5_000);
  wallStepMs = 2 * HOUR_MS;

  const [beat] = await broker.heartbeat([{ taskId: leased.id, leaseToken: leased.lease!.token }], 5_000);
  expect(beat).toMatchObject({ ok: true });
  // Clients are told the deadline on the wall clock as it reads now.
  expect(Math.abs(broker.wallTimeOf(beat!.leaseDeadlineMs!) - (Date.now() + wallStepMs + 5_000))).toBeLessThan(1_000);

  const [done] = await broker.complete([{ taskId: leased.id, leaseToken: leased.lease!.token, outcome: { kind: 'success', result: Buffer.from('1') } }]);
  expect(done).toMatchObject({ accepted: true, task: { status: 'success' } });
});

test("a step of the wall clock 1 h back leaves a dead worker's lease to expire on time", async () => {
  const [task] = await broker.enqueue([newTask('q')]);
  await leaseOne(300);
  const leasedAt = performance.now();
  wallStepMs = -HOUR_MS;

  let last = task!;
  for await (const state of broker.watch(task!.id, new AbortController().signal)) last = state;

  expect(last).toMatchObject({ status: 'error', error: { type: 'LeaseExpired' } });
  // Expired on the steady clock, not an hour later.
  expect(performance.now() - leasedAt).toBeLessThan(HOUR_MS / 2);
});
