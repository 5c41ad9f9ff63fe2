/**
 * A full disk at the store level: the free-space guard (with a fake `statfs`), and LMDB commits
 * failing on a real full filesystem (a small tmpfs; skipped, with the reason, where it cannot be
 * mounted).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, type TestContext } from 'vitest';
import { ResourceExhaustedError } from '../domain/errors.js';
import type { NewTask } from '../domain/task.js';
import { DiskFullError, DiskSpaceGuard, REFRESH_MS } from './disk-space.js';
import { TaskStore } from './task-store.js';

const MiB = 1024 * 1024;

function newTask(payloadBytes = 10): NewTask {
  return {
    name: 'fill',
    queue: 'disk',
    priority: 0,
    args: Buffer.from(JSON.stringify(['x'.repeat(payloadBytes)])),
    kwargs: Buffer.from('{}'),
    maxRetries: 3,
    backoff: { initialMs: 0, multiplier: 2, maxMs: 0 },
    maxTimeMs: 0,
    delayMs: 0,
    tags: [],
    metadata: {},
  };
}

/** A fake `statfs` whose free bytes the test sets, counting its calls. */
function fakeDisk(free: number) {
  const disk = { free, reads: 0, read: async () => (disk.reads++, disk.free) };
  return disk;
}

describe('DiskSpaceGuard', () => {
  it('refuses below the reserve, naming the free bytes and the reserve', async () => {
    const disk = fakeDisk(3 * MiB);
    const guard = new DiskSpaceGuard('/data', 4 * MiB, disk.read, () => 0);
    const refused = await Promise.resolve(guard.check(100)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DiskFullError);
    expect(refused).toBeInstanceOf(ResourceExhaustedError);
    expect((refused as Error).message).toMatch(/3145728 bytes free in \/data, below the reserve of 4194304 bytes \(--min-free-bytes\)/);
  });

  it('reads the disk lazily: at most once per refresh interval while there is room', async () => {
    let now = 0;
    const disk = fakeDisk(100 * MiB);
    const guard = new DiskSpaceGuard('/data', 10 * MiB, disk.read, () => now);
    await guard.check(1000);
    for (let i = 0; i < 100; i++) expect(guard.check(1000)).toBeUndefined(); // decided synchronously
    expect(disk.reads).toBe(1);
    now += REFRESH_MS;
    await guard.check(1000);
    expect(disk.reads).toBe(2);
  });

  it('answers from a reading stale by less than one more interval while the next is read, then waits for it', async () => {
    let now = 0;
    const disk = fakeDisk(100 * MiB);
    const guard = new DiskSpaceGuard('/data', 10 * MiB, disk.read, () => now);
    await guard.check(1000);
    now += REFRESH_MS;
    disk.free = 5 * MiB;
    expect(guard.check(1000)).toBeUndefined(); // admitted at once, the disk read in the background
    expect(guard.check(1000)).toBeUndefined(); // one reading in flight, not two
    expect(disk.reads).toBe(2);
    await new Promise(setImmediate); // the background reading lands: below the reserve
    expect(() => guard.check(1000)).toThrow(DiskFullError);
    now += 2 * REFRESH_MS; // older than two intervals: waited for, never answered stale
    disk.free = 100 * MiB;
    const waited = guard.check(1000);
    expect(waited).toBeInstanceOf(Promise);
    await waited;
    expect(disk.reads).toBe(3);
  });

  it('never answers from a stale reading that showed no room, nor when its read fails', async () => {
    let now = 0;
    const disk = fakeDisk(1 * MiB);
    let failing = false;
    const read = () => (failing ? Promise.reject(new Error('EIO')) : disk.read());
    const guard = new DiskSpaceGuard('/data', 2 * MiB, read, () => now);
    await expect(guard.check(10)).rejects.toBeInstanceOf(DiskFullError);
    now += REFRESH_MS;
    disk.free = 50 * MiB;
    const waited = guard.check(10);
    expect(waited).toBeInstanceOf(Promise); // the refusal is not reused once stale: read again
    await waited;
    now += REFRESH_MS;
    failing = true;
    expect(guard.check(10)).toBeUndefined(); // stale, with room: admitted, its failed read swallowed
    await new Promise(setImmediate);
    now += REFRESH_MS;
    await expect(guard.check(10)).rejects.toThrow('EIO'); // past the second interval: the error is met
  });

  it('reads again early once the writes admitted since use half the room above the reserve', async () => {
    const disk = fakeDisk(20 * MiB);
    const guard = new DiskSpaceGuard('/data', 10 * MiB, disk.read, () => 0);
    await guard.check(0);
    expect(guard.check(4 * MiB)).toBeUndefined();
    disk.free = 9 * MiB; // the disk filled up faster than the refresh interval
    await expect(guard.check(2 * MiB)).rejects.toBeInstanceOf(DiskFullError);
    expect(disk.reads).toBe(2);
  });

  it('keeps a refusal for the refresh interval, then admits again once space is freed', async () => {
    let now = 0;
    const disk = fakeDisk(1 * MiB);
    const guard = new DiskSpaceGuard('/data', 2 * MiB, disk.read, () => now);
    await expect(guard.check(10)).rejects.toBeInstanceOf(DiskFullError);
    expect(() => guard.check(10)).toThrow(DiskFullError); // from the cached reading, no statfs
    expect(disk.reads).toBe(1);
    disk.free = 50 * MiB;
    now += REFRESH_MS;
    await guard.check(10);
    expect(disk.reads).toBe(2);
  });

  it('does not keep a reading begun before invalidate(): it may predate the commit that failed', async () => {
    let now = 0;
    const disk = fakeDisk(100 * MiB);
    const guard = new DiskSpaceGuard('/data', 10 * MiB, disk.read, () => now);
    await guard.check(1000);
    now += REFRESH_MS;
    expect(guard.check(1000)).toBeUndefined(); // stale: a reading of 100 MiB begins in the background
    disk.free = 5 * MiB; // then the disk fills, and a commit fails for it
    guard.invalidate();
    await new Promise(setImmediate); // the old reading lands, and is not kept
    await expect(guard.check(1000)).rejects.toBeInstanceOf(DiskFullError); // read again: 5 MiB
    expect(disk.reads).toBe(3);
  });

  it('decides a check that was waiting for a reading when invalidate() came on a new one', async () => {
    let now = 0;
    const disk = fakeDisk(100 * MiB);
    const guard = new DiskSpaceGuard('/data', 10 * MiB, disk.read, () => now);
    const waiting = guard.check(1000); // reads 100 MiB
    disk.free = 5 * MiB;
    guard.invalidate(); // a commit failed for lack of space meanwhile
    await expect(waiting).rejects.toBeInstanceOf(DiskFullError);
    expect(disk.reads).toBe(2);
  });

  it('reads again after invalidate(), and never with a reserve of 0', async () => {
    const disk = fakeDisk(100 * MiB);
    const guard = new DiskSpaceGuard('/data', MiB, disk.read, () => 0);
    await guard.check(1);
    guard.invalidate();
    await guard.check(1);
    expect(disk.reads).toBe(2);
    const off = new DiskSpaceGuard('/data', 0, disk.read, () => 0);
    expect(off.check(1e12)).toBeUndefined();
    expect(disk.reads).toBe(2);
  });
});

describe('TaskStore below its free-space reserve', () => {
  let dir: string;
  let store: TaskStore | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses enqueue, stores nothing, and keeps leasing, completing and reading; admits again once space is freed', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'qtasks-disk-'));
    let now = 1_700_000_000_000;
    const disk = fakeDisk(100 * MiB);
    store = await TaskStore.open({ path: dir, durability: 'commit', clock: () => now, minFreeBytes: 64 * MiB, readFreeBytes: disk.read });
    const [held] = (await store.enqueue([newTask(), newTask()])).value;

    disk.free = 10 * MiB;
    now += 2 * REFRESH_MS; // too old to admit from while the next reading is taken
    await expect(store.enqueue([newTask()])).rejects.toThrow(/10485760 bytes free .* below the reserve of 67108864 bytes/);
    expect(store.list({ limit: 10 }).tasks).toHaveLength(2);

    const leased = (await store.lease({ workerId: 'w', queues: ['disk'], maxTasks: 1, leaseMs: 30_000 })).value;
    expect(leased.map((t) => t.id)).toEqual([held!.id]);
    const done = await store.complete([{ taskId: held!.id, leaseToken: leased[0]!.lease!.token, outcome: { kind: 'success', result: Buffer.from('1') } }]);
    expect(done.value[0]!.accepted).toBe(true);
    expect(store.get(held!.id)!.status).toBe('success');

    disk.free = 80 * MiB;
    now += REFRESH_MS;
    expect((await store.enqueue([newTask()])).value).toHaveLength(1);
    expect(store.checkInvariants().problems).toEqual([]);
  });
});

/** Mounts a tmpfs of `bytes` on a new directory; undefined (with why) where that is not allowed. */
function mountTmpfs(dir: string, bytes: number): string | undefined {
  if (process.platform !== 'linux') return `tmpfs needs Linux (this is ${process.platform})`;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `cannot mount a tmpfs here (${String((error as { stderr?: Buffer }).stderr ?? error).trim()}); needs root`;
  }
}

describe('TaskStore on a full disk (a real tmpfs)', () => {
  let dir: string;
  let mounted = false;
  afterEach(async () => {
    if (mounted) execFileSync('umount', [dir]);
    mounted = false;
    await rm(dir, { recursive: true, force: true });
  });
  /** Mounts a 4 MiB tmpfs on `dir`, or skips the test with the reason. */
  async function mountOrSkip(ctx: TestContext): Promise<void> {
    dir = await mkdtemp(path.join(os.tmpdir(), 'qtasks-tmpfs-'));
    const cannot = mountTmpfs(dir, 4 * MiB);
    if (cannot) ctx.skip(cannot);
    mounted = true;
  }

  it('a commit that finds no space fails its batch with DiskFullError; the store stays usable and consistent', async (ctx: TestContext) => {
    await mountOrSkip(ctx);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const dataDir = path.join(dir, 'data');
    // strict: acknowledgements wait for the flush, which lmdb-js never resolves for a failed commit.
    const store = await TaskStore.open({ path: dataDir, durability: 'strict', minFreeBytes: 0 });
    try {
      await writeFile(path.join(dir, 'filler'), Buffer.alloc(MiB));
      const stored: string[] = [];
      let failure: unknown;
      while (failure === undefined) {
        try {
          const { value } = await store.enqueue(Array.from({ length: 5 }, () => newTask(20_000)));
          await store.durable();
          stored.push(...value.map((t) => t.id));
        } catch (error) {
          failure = error;
        }
      }
      expect(failure).toBeInstanceOf(DiskFullError);
      expect((failure as Error).message).toMatch(/the broker's disk is full \(\d+ bytes free in .*\): the write was not stored/);

      // A write that commits, then one that fails while the first waits for its flush: the
      // wait ends (by an explicit fsync) instead of hanging on the failed batch's flush.
      await rm(path.join(dir, 'filler'));
      const small = await store.enqueue([newTask()]);
      stored.push(small.value[0]!.id);
      await writeFile(path.join(dir, 'filler'), Buffer.alloc(4 * MiB)).catch(() => undefined); // fills what is left
      const big = store.enqueue(Array.from({ length: 20 }, () => newTask(50_000)));
      const flushed = store.durable();
      await expect(big).rejects.toBeInstanceOf(DiskFullError);
      await expect(within(flushed, 5000)).resolves.toBe('done');

      // Reads go on; the held tasks can still be leased once there is room for a commit.
      expect(store.get(stored[0]!)?.status).toBe('new');
      await rm(path.join(dir, 'filler'));
      const again = await store.enqueue([newTask()]);
      stored.push(again.value[0]!.id);
      await store.durable();
      const leased = (await store.lease({ workerId: 'w', queues: ['disk'], maxTasks: 3, leaseMs: 30_000 })).value;
      expect(leased).toHaveLength(3);
      const report = store.checkInvariants();
      expect(report.problems).toEqual([]);
      expect(report.tasks).toBe(stored.length);
      expect(stored.every((id) => store.get(id) !== undefined)).toBe(true);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await within(store.close(), 5000);
    }
  });

  it('takes a task handed out before its commit back when the commit fails: out of its line, its lease ended, its outcome refused', async (ctx: TestContext) => {
    await mountOrSkip(ctx);
    const store = await TaskStore.open({ path: path.join(dir, 'data'), durability: 'commit', minFreeBytes: 0 });
    try {
      await writeFile(path.join(dir, 'filler'), Buffer.alloc(4 * MiB)).catch(() => undefined); // fills what is left
      const lease = { workerId: 'w', queues: ['disk'], maxTasks: 10, leaseMs: 30_000 };
      // The ack log's append fails on this full disk (store/ack-log.ts), so the Enqueue waits for its
      // commit, its tasks handed out before it.
      const enqueued = store.enqueue([newTask(60_000), newTask(60_000)], { ready: () => true, offer: () => false, committed: () => undefined, acknowledged: () => undefined });
      // Both in line before the commit; one is leased, one waits.
      const [leased] = store.lease({ ...lease, maxTasks: 1 }).value;
      expect(store.counts.countsOf('disk')).toMatchObject({ new: 1, process: 1 });
      await expect(enqueued).rejects.toBeInstanceOf(DiskFullError);

      expect(store.counts.countsOf('disk')).toMatchObject({ new: 0, process: 0 });
      expect(store.get(leased!.id)).toBeUndefined();
      const [refused] = (await store.complete([{ taskId: leased!.id, leaseToken: leased!.lease!.token, outcome: { kind: 'success', result: Buffer.from('1') } }])).value;
      expect(refused).toMatchObject({ accepted: false });
      expect(store.lease(lease).value).toEqual([]);
      expect(store.checkInvariants()).toMatchObject({ problems: [], tasks: 0 });
    } finally {
      await within(store.close(), 5000);
    }
  });
});

/** 'done' if `promise` settles within `ms`, else 'timed out'. */
async function within(promise: Promise<unknown>, ms: number): Promise<'done' | 'timed out'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timed out'>((resolve) => (timer = setTimeout(() => resolve('timed out'), ms)));
  try {
    return await Promise.race([promise.then(() => 'done' as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
