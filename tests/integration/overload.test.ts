/**
 * Backpressure of the real broker process: when writes pile up, Enqueue is refused at once with
 * RESOURCE_EXHAUSTED and a `retry-after-ms` trailer (the event loop keeps answering other calls),
 * nothing refused is stored, and the SDK's addTask rides it out by waiting and resending.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ClientError, Status, type Metadata } from 'nice-grpc';
import { QTasks } from '@qtasks/sdk';
import { BROKER_BIN, startBrokerProcess, type BrokerClient, type BrokerProcess } from '../helpers/broker-process.js';
import { json, listAllTasks, spec, uniqueQueue } from '../helpers/tasks.js';

/** A tiny limit, so that a burst from one test client certainly piles up. */
const MAX_PENDING_WRITES = 50;
/** Enqueues per burst, and tasks per Enqueue: two fit under the limit, the burst is 8 times it. */
const BURST = 20;
const BATCH = 20;
const ARGS = json(['x'.repeat(190)]);

let broker: BrokerProcess;
beforeAll(async () => {
  broker = await startBrokerProcess({ args: ['--max-pending-writes', String(MAX_PENDING_WRITES)] });
});
afterAll(async () => {
  await broker?.dispose();
});

interface Outcome {
  request: number;
  ok: boolean;
  error?: ClientError;
  retryAfter?: string;
}

/** Sends BURST Enqueues at once, each tagged with its request number in the task metadata. */
async function burst(client: BrokerClient, queue: string, round: number): Promise<Outcome[]> {
  return Promise.all(
    Array.from({ length: BURST }, async (_, i): Promise<Outcome> => {
      const request = round * BURST + i;
      let trailer: Metadata | undefined;
      const tasks = Array.from({ length: BATCH }, () => spec(queue, { args: ARGS, metadata: { request: String(request) } }));
      try {
        await client.enqueue({ tasks }, { onTrailer: (received) => (trailer = received) });
        return { request, ok: true };
      } catch (error) {
        if (!(error instanceof ClientError)) throw error;
        return { request, ok: false, error, retryAfter: trailer?.get('retry-after-ms') as string | undefined };
      }
    }),
  );
}


describe('backpressure on Enqueue', () => {
  test('a burst gets RESOURCE_EXHAUSTED with a retry-after-ms trailer, other calls still answer, and nothing refused is stored', async () => {
    const queue = uniqueQueue('overload');
    const {
      tasks: [probe],
    } = await broker.client.enqueue({ tasks: [spec(uniqueQueue('probe'))] });
    const outcomes: Outcome[] = [];
    // Bursts until one is refused: the refusal depends on how requests meet commits, so it is
    // waited for, not assumed (in practice the first burst already has many).
    for (let round = 0; round < 20 && !outcomes.some((o) => !o.ok); round++) {
      const sending = burst(broker.client, queue, round);
      // The event loop is not blocked: a read answers while the burst is being handled.
      const read = await broker.client.getTask({ taskId: probe!.id }, { signal: AbortSignal.timeout(10_000) });
      expect(read.task?.id).toBe(probe!.id);
      outcomes.push(...(await sending));
    }
    const refused = outcomes.filter((o) => !o.ok);
    const accepted = outcomes.filter((o) => o.ok);
    expect(refused.length).toBeGreaterThan(0);
    expect(accepted.length).toBeGreaterThan(0);
    for (const { error, retryAfter } of refused) {
      expect(error!.code).toBe(Status.RESOURCE_EXHAUSTED);
      expect(error!.details).toMatch(/^the broker is overloaded: \d+ task writes are in flight \(limit 50\); nothing was stored, retry in \d+ ms$/);
      expect(retryAfter).toMatch(/^\d+$/);
      expect(Number(retryAfter)).toBeGreaterThan(0);
      expect(error!.details).toContain(`retry in ${retryAfter} ms`);
    }
    // Exactly the accepted requests are stored, each whole; no task of a refused one is.
    const stored = new Map<string, number>();
    for (const task of await listAllTasks(broker.client, queue)) stored.set(task.metadata.request!, (stored.get(task.metadata.request!) ?? 0) + 1);
    expect([...stored.keys()].sort()).toEqual(accepted.map((o) => String(o.request)).sort());
    for (const count of stored.values()) expect(count).toBe(BATCH);
  });

  test("the SDK's addTask calls under the same burst all succeed, resent after the hint", async () => {
    // One Enqueue per BATCH addTask calls, SDK_BURST of them at once: five times the raw burst, so
    // that the limit is passed however the stream's requests are spread over turns of the broker's
    // event loop (a write committing alone at the end of a turn is not counted in flight).
    const SDK_BURST = 5 * BURST;
    const app = new QTasks({ broker: broker.address, config: { batchSize: BATCH } });
    try {
      const name = uniqueQueue('overload-sdk');
      const created = await Promise.all(Array.from({ length: SDK_BURST * BATCH }, (_, i) => app.addTask(name, [i, 'x'.repeat(180)])));
      expect(created.every((task) => task.status === 'new')).toBe(true);
      expect(new Set(created.map((task) => task.uuid)).size).toBe(SDK_BURST * BATCH);
      expect(app.connection().enqueues.retryCount).toBeGreaterThan(0);
      expect(await listAllTasks(broker.client, name)).toHaveLength(SDK_BURST * BATCH);
    } finally {
      await app.close();
    }
  });

  test('leases, heartbeats and outcomes are never refused for overload', async () => {
    const queue = uniqueQueue('overload-drain');
    await broker.client.enqueue({ tasks: Array.from({ length: BATCH }, () => spec(queue)) });
    const workerCalls: Promise<unknown>[] = [];
    const sending = burst(broker.client, uniqueQueue('overload-noise'), 0);
    for (let i = 0; i < 5; i++) {
      workerCalls.push(
        (async () => {
          const { tasks } = await broker.client.lease({ workerId: `w${i}`, queues: [queue], maxTasks: BATCH / 5, leaseMs: 30_000 });
          if (tasks.length === 0) return 0;
          const items = tasks.map((t) => ({ taskId: t.task!.id, leaseToken: t.leaseToken }));
          await broker.client.heartbeat({ items });
          const { results } = await broker.client.complete({
            completions: items.map((item) => ({ ...item, outcome: { $case: 'success' as const, value: { result: json(1) } } })),
          });
          expect(results.every((result) => result.accepted)).toBe(true);
          return tasks.length;
        })(),
      );
    }
    const leased = (await Promise.all(workerCalls)) as number[];
    expect(leased.reduce((a, b) => a + b, 0)).toBe(BATCH);
    await sending;
  });
});

test('--max-pending-writes and QTASKS_BROKER_MAX_PENDING_WRITES take a positive integer', () => {
  const badFlag = spawnSync(process.execPath, [BROKER_BIN, '--max-pending-writes', '0'], { encoding: 'utf8' });
  expect(badFlag.status).toBe(2);
  expect(badFlag.stderr).toContain('--max-pending-writes: must be a positive integer, got "0"');
  const badEnv = spawnSync(process.execPath, [BROKER_BIN], { encoding: 'utf8', env: { ...process.env, QTASKS_BROKER_MAX_PENDING_WRITES: 'lots' } });
  expect(badEnv.status).toBe(2);
  expect(badEnv.stderr).toContain('QTASKS_BROKER_MAX_PENDING_WRITES: must be a positive integer, got "lots"');
  expect(spawnSync(process.execPath, [BROKER_BIN, '--help'], { encoding: 'utf8' }).stdout).toContain('--max-pending-writes N');
});
