/**
 * Backups of a data directory taken while the broker runs under load. `qtasks-broker --backup`
 * (LMDB's hot copy, under one read transaction) gives a copy that passes `--check` and that a
 * broker serves, holding every task acknowledged before the backup started.
 *
 * A plain recursive file copy of a live data directory is *not* safe: in a measurement here
 * about a third of such copies were torn (pages of the copied snapshot overwritten by later
 * commits while the copy ran; see the README). `QTASKS_MEASURE_PLAIN_COPY=N` measures N plain
 * copies and prints how many `--check` found inconsistent; it asserts only that a copy `--check`
 * passes holds every acknowledged task.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, test } from 'vitest';
import { TaskStatus } from '@qtasks/proto';
import { BROKER_BIN, startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { checkDataDir, intFromEnv, seededRandom, sleep } from '../helpers/crash.js';
import { listAllTasks } from '../helpers/tasks.js';
import { json, spec, uniqueQueue, workerId } from '../helpers/tasks.js';

const run = promisify(execFile);
const PLAIN_COPIES = intFromEnv('QTASKS_MEASURE_PLAIN_COPY', 0);

const brokers: BrokerProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((broker) => broker.dispose()));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A broker under a steady load of producers and workers; `acknowledged` grows as Enqueues are answered. */
async function loadedBroker() {
  const broker = await startBrokerProcess();
  brokers.push(broker);
  const queue = uniqueQueue('backup');
  const acknowledged = new Set<string>();
  let running = true;
  const random = seededRandom(7);
  const producers = Array.from({ length: 4 }, async () => {
    while (running) {
      await sleep(random.int(5, 30));
      const { tasks } = await broker.client.enqueue({ tasks: Array.from({ length: 50 }, (_, i) => spec(queue, { args: json([i, 'x'.repeat(random.int(10, 500))]), maxRetries: 3 })) });
      for (const task of tasks) acknowledged.add(task.id);
    }
  });
  // The workers take less than the producers add (at most 50 tasks each per 10 ms), so that every
  // copy holds ready tasks for the restored broker to serve, however fast the broker drains.
  const workers = Array.from({ length: 2 }, async () => {
    const id = workerId();
    while (running) {
      await sleep(10);
      const { tasks } = await broker.client.lease({ workerId: id, queues: [queue], maxTasks: 50, waitMs: 100 });
      if (tasks.length === 0) continue;
      await broker.client.complete({
        completions: tasks.map((t) => ({ taskId: t.task!.id, leaseToken: t.leaseToken, outcome: { $case: 'success' as const, value: { result: json(1) } } })),
      });
    }
  });
  while (acknowledged.size < 2000) await sleep(20);
  return {
    broker,
    queue,
    acknowledged,
    async stop() {
      running = false;
      await Promise.all([...producers, ...workers]);
    },
  };
}

/** A new directory for a copy, removed after the test. */
async function copyDir(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `qtasks-${label}-`));
  dirs.push(dir);
  return join(dir, 'data');
}

describe('backups under load', () => {
  test('qtasks-broker --backup: every copy is consistent, and a broker on it serves every task acknowledged before it started', async () => {
    const load = await loadedBroker();
    const copies: { dir: string; before: string[] }[] = [];
    for (let i = 0; i < 3; i++) {
      await sleep(200);
      const dir = await copyDir('backup');
      const before = [...load.acknowledged];
      await run(process.execPath, [BROKER_BIN, '--backup', dir, '--data-dir', load.broker.dataDir]);
      copies.push({ dir, before });
    }
    await load.stop();
    console.log(`[backup] ${copies.length} backups under load; ${load.acknowledged.size} tasks acknowledged in all`);

    for (const { dir, before } of copies) {
      const check = await checkDataDir(dir);
      expect(check.report?.problems).toEqual([]);
      expect(check.exitCode).toBe(0);
      const restored = await startBrokerProcess({ dataDir: dir });
      brokers.push(restored);
      const stored = new Set((await listAllTasks(restored.client, load.queue)).map((task) => task.id));
      expect(before.filter((id) => !stored.has(id))).toEqual([]);
      // It serves the copy: the tasks left in it can be leased and finished.
      const { tasks } = await restored.client.lease({ workerId: workerId(), queues: [load.queue], maxTasks: 5, waitMs: 2000 });
      expect(tasks.length).toBeGreaterThan(0);
      const done = await restored.client.complete({
        completions: tasks.map((t) => ({ taskId: t.task!.id, leaseToken: t.leaseToken, outcome: { $case: 'success' as const, value: { result: json('restored') } } })),
      });
      expect(done.results.every((r) => r.accepted && r.task!.status === TaskStatus.TASK_STATUS_SUCCESS)).toBe(true);
      await restored.stop();
    }
  });

  test('--backup refuses a destination that is not empty, and a directory without a store', async () => {
    const broker = await startBrokerProcess();
    brokers.push(broker);
    await broker.client.enqueue({ tasks: [spec(uniqueQueue())] });
    const dir = await copyDir('backup');
    await run(process.execPath, [BROKER_BIN, '--backup', dir, '--data-dir', broker.dataDir]);
    await expect(run(process.execPath, [BROKER_BIN, '--backup', dir, '--data-dir', broker.dataDir])).rejects.toMatchObject({ stderr: expect.stringMatching(/is not empty/) });
    await expect(run(process.execPath, [BROKER_BIN, '--backup', await copyDir('x'), '--data-dir', await copyDir('none')])).rejects.toMatchObject({
      stderr: expect.stringMatching(/holds no store/),
    });
  });

  test.runIf(PLAIN_COPIES > 0)(`measure: ${PLAIN_COPIES} plain recursive copies of a live data directory`, { timeout: 60_000 + PLAIN_COPIES * 5000 }, async () => {
    const load = await loadedBroker();
    let inconsistent = 0;
    const reasons = new Map<string, number>();
    for (let i = 0; i < PLAIN_COPIES; i++) {
      await sleep(100);
      const dir = await copyDir('plain');
      const before = [...load.acknowledged];
      await cp(load.broker.dataDir, dir, { recursive: true });
      const check = await checkDataDir(dir);
      if (check.exitCode !== 0) {
        inconsistent++;
        const reason = (check.report?.problems[0] ?? check.stderr.split('\n').find((line) => line.trim()) ?? 'no report').slice(0, 80);
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        continue;
      }
      const restored = await startBrokerProcess({ dataDir: dir });
      brokers.push(restored);
      const stored = new Set((await listAllTasks(restored.client, load.queue)).map((task) => task.id));
      expect(before.filter((id) => !stored.has(id))).toEqual([]);
      await restored.dispose();
    }
    await load.stop();
    console.log(`[backup] plain copies of a live data directory: ${inconsistent} of ${PLAIN_COPIES} inconsistent`, Object.fromEntries(reasons));
  });
});
