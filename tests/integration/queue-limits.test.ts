/**
 * Queue limits hold across workers (issue 12): two SDK worker processes with 25 slots each take
 * tasks from one queue, and the broker's own record of each task's run (leased at `started_at`,
 * ended at `finished_at`) shows no moment with more running than the limits allow.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, test } from 'vitest';
import type { Task } from '@qtasks/proto';
import { startBrokerProcess, type BrokerClient, type BrokerProcess } from '../helpers/broker-process.js';
import { sleep } from '../helpers/crash.js';
import { listAllTasks, uniqueQueue } from '../helpers/tasks.js';

const WORKER = fileURLToPath(new URL('./fixtures/quick-worker.mjs', import.meta.url));

const brokers: BrokerProcess[] = [];
const workers: ChildProcess[] = [];
afterEach(async () => {
  for (const worker of workers.splice(0)) worker.kill('SIGKILL');
  await Promise.all(brokers.splice(0).map((b) => b.dispose()));
});

/** Starts a worker process with `concurrency` slots and waits until it says it is ready. */
async function startWorker(broker: string, taskName: string, concurrency: number): Promise<void> {
  const child = spawn(process.execPath, [WORKER, broker, taskName, String(concurrency)], { stdio: ['ignore', 'pipe', 'inherit'] });
  workers.push(child);
  const lines = createInterface({ input: child.stdout! });
  await once(lines, 'line');
}

/** Enqueues `count` tasks of `queue` in batches of 1000, the nth with the limit key `keyOf(n)`. */
async function enqueueMany(client: BrokerClient, queue: string, count: number, keyOf: (n: number) => string): Promise<void> {
  for (let start = 0; start < count; start += 1000) {
    const size = Math.min(1000, count - start);
    await client.enqueue({ tasks: Array.from({ length: size }, (_, i) => ({ name: queue, limitKey: keyOf(start + i) })) });
  }
}

/** Resolves once `count` tasks of `queue` have succeeded (its counts are kept with each commit). */
async function succeeded(client: BrokerClient, queue: string, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const info = (await client.listQueues({})).queues.find((q) => q.name === queue);
    if (info && info.counts!.success >= count) return;
    await sleep(100);
  }
  throw new Error(`fewer than ${count} tasks of ${queue} succeeded in ${timeoutMs} ms`);
}

/** The most runs that overlap at one moment: a run is [started_at, finished_at), one ending as another starts is no overlap. */
function mostAtOnce(tasks: readonly Task[]): number {
  const edges = tasks.flatMap((t) => [
    { at: t.startedAt!.getTime(), delta: 1 },
    { at: t.finishedAt!.getTime(), delta: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let running = 0;
  let most = 0;
  for (const edge of edges) most = Math.max(most, (running += edge.delta));
  return most;
}

test('a queue-wide and a per-key limit hold under 50 worker slots in two processes, over 10,000 tasks', async () => {
  const broker = await startBrokerProcess({ args: ['--durability', 'commit'] });
  brokers.push(broker);
  const queue = uniqueQueue('limited');
  await broker.client.setQueueLimits({ queue, limits: { maxRunning: 12, maxRunningPerKey: 2 } });
  await Promise.all([startWorker(broker.address, queue, 25), startWorker(broker.address, queue, 25)]);

  await enqueueMany(broker.client, queue, 10_000, (n) => `tenant-${n % 10}`);
  // 24–55 s on PostgreSQL under CI's load (each limited lease takes the queue's advisory lock).
  await succeeded(broker.client, queue, 10_000, 300_000);

  const tasks = await listAllTasks(broker.client, queue);
  expect(tasks).toHaveLength(10_000);
  expect(tasks.every((t) => t.attempt === 1), 'a limit takes no attempt').toBe(true);
  const most = mostAtOnce(tasks);
  expect(most).toBeLessThanOrEqual(12);
  // Ten tenants at 2 each could run 20: the queue-wide 12 is what held them, and it was reached.
  expect(most).toBeGreaterThanOrEqual(8);
  for (let tenant = 0; tenant < 10; tenant++) {
    expect(mostAtOnce(tasks.filter((t) => t.limitKey === `tenant-${tenant}`)), `tenant-${tenant}`).toBeLessThanOrEqual(2);
  }
}, 360_000);

test('a rate limit of 40 per second lets 400 (±10 %) start over 10 seconds', async () => {
  const broker = await startBrokerProcess({ args: ['--durability', 'commit'] });
  brokers.push(broker);
  const queue = uniqueQueue('rated');
  await broker.client.setQueueLimits({ queue, limits: { maxRunning: 0, maxRunningPerKey: 0, rate: { count: 40, periodMs: 1000 } } });
  await Promise.all([startWorker(broker.address, queue, 25), startWorker(broker.address, queue, 25)]);
  await enqueueMany(broker.client, queue, 600, () => '');
  await succeeded(broker.client, queue, 440, 30_000);

  const starts = (await listAllTasks(broker.client, queue)).flatMap((t) => (t.startedAt ? [t.startedAt.getTime()] : [])).sort((a, b) => a - b);
  const first = starts[0]!;
  const inTenSeconds = starts.filter((at) => at < first + 10_000).length;
  expect(inTenSeconds).toBeGreaterThanOrEqual(360);
  expect(inTenSeconds).toBeLessThanOrEqual(440);
}, 60_000);

test('a per-key rate of 20 per second holds for each key: 100 (±10 %) of each start over 5 seconds', async () => {
  const broker = await startBrokerProcess({ args: ['--durability', 'commit'] });
  brokers.push(broker);
  const queue = uniqueQueue('keyed');
  await broker.client.setQueueLimits({ queue, limits: { maxRunning: 0, maxRunningPerKey: 0, ratePerKey: { count: 20, periodMs: 1000 } } });
  await startWorker(broker.address, queue, 25);
  await enqueueMany(broker.client, queue, 300, (n) => `key-${n % 2}`);
  await succeeded(broker.client, queue, 220, 30_000);

  const tasks = await listAllTasks(broker.client, queue);
  const first = Math.min(...tasks.flatMap((t) => (t.startedAt ? [t.startedAt.getTime()] : [])));
  for (const key of ['key-0', 'key-1']) {
    const starts = tasks.filter((t) => t.limitKey === key && t.startedAt && t.startedAt.getTime() < first + 5000).length;
    expect(starts, key).toBeGreaterThanOrEqual(90);
    expect(starts, key).toBeLessThanOrEqual(110);
  }
}, 60_000);
