/**
 * A full disk: the broker's data directory on a small tmpfs. Below its free-space reserve the
 * broker refuses new tasks with RESOURCE_EXHAUSTED and keeps serving reads, leases, heartbeats
 * and completions of the tasks it holds; when LMDB itself runs out of space (no reserve), the
 * commit fails with RESOURCE_EXHAUSTED and the process lives on. Either way it works again once
 * space is freed, loses no acknowledged task, stops cleanly and passes `--check`.
 *
 * Mounting needs root (CI runs as root); where it fails, these tests are skipped with the reason,
 * and `server/src/store/disk-space.test.ts` covers the same code at the store level.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test, type TestContext } from 'vitest';
import { TaskStatus } from '@qtasks/proto';
import { Status } from 'nice-grpc';
import { startBrokerProcess, type BrokerClient, type BrokerProcess } from '../helpers/broker-process.js';
import { checkDataDir, sleep } from '../helpers/crash.js';
import { listAllTasks } from '../helpers/tasks.js';
import { mountTmpfs, type Tmpfs } from '../helpers/tmpfs.js';
import { json, spec, uniqueQueue, workerId } from '../helpers/tasks.js';

const MiB = 1024 * 1024;
/** The guard re-reads the free space after this long (server/src/store/disk-space.ts). */
const REFRESH_MS = 500;

let broker: BrokerProcess | undefined;
let tmpfs: Tmpfs | undefined;
afterEach(async () => {
  await broker?.dispose();
  broker = undefined;
  await tmpfs?.unmount();
  tmpfs = undefined;
});

/** A mounted tmpfs of `bytes`, or the test is skipped with the reason. */
async function tmpfsOrSkip(ctx: TestContext, bytes: number): Promise<Tmpfs> {
  const mounted = await mountTmpfs(bytes);
  if (typeof mounted === 'string') {
    console.warn(`[disk-full] skipped: ${mounted}`);
    ctx.skip(mounted);
  }
  tmpfs = mounted as Tmpfs;
  return tmpfs;
}

/** The gRPC code and message of a failed call, or 'OK'. */
async function outcome(call: Promise<unknown>): Promise<{ code: Status | 'OK'; details: string }> {
  try {
    await call;
    return { code: 'OK', details: '' };
  } catch (error) {
    return { code: (error as { code: Status }).code, details: (error as { details?: string }).details ?? String(error) };
  }
}

/** Enqueues `count` tasks of `bytes` each in one call; their ids, or the failure. */
async function enqueue(client: BrokerClient, queue: string, count: number, bytes = 10_000) {
  const { tasks } = await client.enqueue({ tasks: Array.from({ length: count }, () => spec(queue, { args: json(['x'.repeat(bytes)]), maxRetries: 5 })) });
  return tasks.map((task) => task.id);
}

/** Sends the same Enqueue until `accept(result)` holds, for at most `ms`; returns the last outcome. */
async function enqueueUntil(client: BrokerClient, queue: string, accept: (result: { code: Status | 'OK'; details: string }) => boolean, acked: string[], ms = 5000) {
  const deadline = Date.now() + ms;
  for (;;) {
    let ids: string[] = [];
    const result = await outcome(enqueue(client, queue, 1).then((got) => (ids = got)));
    acked.push(...ids);
    if (accept(result) || Date.now() > deadline) return result;
    await sleep(50);
  }
}

describe('the free-space reserve', () => {
  test('--min-free-bytes: a bad value stops the broker naming it; a reserve larger than the disk refuses Enqueue, nothing else', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'qtasks-reserve-'));
    const bad = await startBrokerProcess({ dataDir, env: { QTASKS_BROKER_MIN_FREE_BYTES: '1GB' } }).catch((error: Error) => error);
    await rm(dataDir, { recursive: true, force: true });
    expect(String(bad)).toMatch(/exited \(2\)[\s\S]*QTASKS_BROKER_MIN_FREE_BYTES: must be a non-negative integer, got "1GB"/);
    broker = await startBrokerProcess({ args: ['--min-free-bytes', String(2 ** 52)] }); // 4 PiB: no disk here has that free
    const queue = uniqueQueue('reserve');
    const refused = await outcome(enqueue(broker.client, queue, 1));
    expect(refused.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(refused.details).toMatch(/disk is nearly full: \d+ bytes free in .*, below the reserve of 4503599627370496 bytes/);
    expect((await listAllTasks(broker.client, queue)).length).toBe(0);
    expect((await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 1 })).tasks).toEqual([]);
  });
});

describe('a full disk', () => {
  test('below the reserve: Enqueue is refused, held tasks are served and finished; freeing space reopens it', async (ctx) => {
    const disk = await tmpfsOrSkip(ctx, 16 * MiB);
    broker = await startBrokerProcess({ dataDir: `${disk.dir}/data`, args: ['--min-free-bytes', String(4 * MiB)] });
    const queue = uniqueQueue('disk');
    const acked = await enqueue(broker.client, queue, 10);
    const { tasks: held } = await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 4, leaseMs: 60_000 });
    expect(held).toHaveLength(4);

    await disk.fill(2 * MiB);
    const refused = await enqueueUntil(broker.client, queue, (r) => r.code !== 'OK', acked, REFRESH_MS * 4);
    expect(refused.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(refused.details).toMatch(/disk is nearly full: \d+ bytes free in .*, below the reserve of 4194304 bytes \(--min-free-bytes\)/);

    // Everything but new work goes on: reads, heartbeats, completions, leases of held tasks.
    expect((await broker.client.getTask({ taskId: acked[0]! })).task!.id).toBe(acked[0]);
    expect((await listAllTasks(broker.client, queue)).length).toBe(acked.length);
    const beat = await broker.client.heartbeat({ items: held.map((t) => ({ taskId: t.task!.id, leaseToken: t.leaseToken })) });
    expect(beat.results.every((r) => r.ok)).toBe(true);
    const done = await broker.client.complete({
      completions: held.map((t) => ({ taskId: t.task!.id, leaseToken: t.leaseToken, outcome: { $case: 'success' as const, value: { result: json('done on a full disk') } } })),
    });
    expect(done.results.map((r) => r.accepted)).toEqual([true, true, true, true]);
    const { tasks: more } = await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 2 });
    expect(more).toHaveLength(2);
    expect((await outcome(enqueue(broker.client, queue, 1))).code).toBe(Status.RESOURCE_EXHAUSTED);

    // Freed space is seen within the guard's refresh interval.
    await disk.empty();
    const reopened = await enqueueUntil(broker.client, queue, (r) => r.code === 'OK', acked, REFRESH_MS * 4);
    expect(reopened.code).toBe('OK');

    const stored = new Set((await listAllTasks(broker.client, queue)).map((t) => t.id));
    expect(acked.filter((id) => !stored.has(id))).toEqual([]);
    for (const t of held) expect((await broker.client.getTask({ taskId: t.task!.id })).task!.status).toBe(TaskStatus.TASK_STATUS_SUCCESS);
    expect(await broker.stop('SIGTERM')).toBe(0);
    const check = await checkDataDir(`${disk.dir}/data`);
    expect(check.report?.problems).toEqual([]);
    expect(check.exitCode).toBe(0);
  });

  test('no reserve: LMDB runs out of space mid-commit; the call fails with RESOURCE_EXHAUSTED, the broker lives on and recovers', async (ctx) => {
    const disk = await tmpfsOrSkip(ctx, 8 * MiB);
    broker = await startBrokerProcess({ dataDir: `${disk.dir}/data`, args: ['--min-free-bytes', '0'] });
    const queue = uniqueQueue('disk');
    const acked = await enqueue(broker.client, queue, 5);
    const { tasks: held } = await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 2, leaseMs: 60_000 });

    await disk.fill(0);
    let failed: { code: Status | 'OK'; details: string } | undefined;
    for (let i = 0; i < 50 && !failed; i++) {
      const result = await outcome(enqueue(broker.client, queue, 20, 50_000).then((ids) => acked.push(...ids)));
      if (result.code !== 'OK') failed = result;
    }
    expect(failed?.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(failed?.details).toMatch(/disk is full \(\d+ bytes free in .*\): the write was not stored/);
    expect(broker.child.exitCode).toBeNull();
    expect((await broker.client.getTask({ taskId: acked[2]! })).task!.status).toBe(TaskStatus.TASK_STATUS_NEW);

    // More room (the filesystem grown in place): the broker goes on where it was.
    await disk.resize(64 * MiB);
    const done = await broker.client.complete({
      completions: held.map((t) => ({ taskId: t.task!.id, leaseToken: t.leaseToken, outcome: { $case: 'success' as const, value: { result: json('after the disk filled') } } })),
    });
    expect(done.results.every((r) => r.accepted)).toBe(true);
    acked.push(...(await enqueue(broker.client, queue, 20, 50_000)));

    const stored = new Set((await listAllTasks(broker.client, queue)).map((t) => t.id));
    expect(acked.filter((id) => !stored.has(id))).toEqual([]);
    expect(await broker.stop('SIGTERM')).toBe(0);
    const check = await checkDataDir(`${disk.dir}/data`);
    expect(check.report?.problems).toEqual([]);
    expect(check.exitCode).toBe(0);
  });
});
