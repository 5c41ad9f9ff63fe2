/**
 * The ack log of `commit` mode (`ack-log.ts`): its frames read back whole or not at all, it is
 * emptied once what it holds has committed, and the store replays it when it opens, so a task
 * acknowledged before its commit outlives a crash before that commit.
 */
import { existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { NewTask, TaskRecord } from '../domain/task.js';
import { enqueueTask } from '../domain/transitions/enqueue.js';
import { newTask } from '../core/new-task.fixture.js';
import { ACK_LOG_FILE, AckLog, type AckLogFrame } from './ack-log.js';
import { DiskFullError } from './disk-space.js';
import type { EarlyHandoff } from './early-tasks.js';
import { newTaskId } from './ids.js';
import { TaskStore } from './task-store.js';

const dirs: string[] = [];
const cleanups: (() => unknown)[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'qtasks-ack-log-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

let seq = 0;
/** A NEW task record, as an Enqueue makes it. */
function record(overrides: Partial<NewTask> = {}): TaskRecord {
  return enqueueTask({ ...newTask(), args: Buffer.from(`[${seq}]`), ...overrides }, newTaskId(), { nowMs: Date.now(), steadyMs: 0, nextSeq: () => ++seq });
}

/** The ids of the tasks in `frames`, in order. */
const ids = (frames: readonly AckLogFrame[]): string[] => frames.flatMap((frame) => frame.records.map((task) => task.id));
const logBytes = (dir: string): number => statSync(path.join(dir, ACK_LOG_FILE)).size;
const handoff: EarlyHandoff = { ready: () => false, offer: () => false, committed: () => undefined, acknowledged: () => undefined };

async function openStore(dir: string): Promise<TaskStore> {
  const store = await TaskStore.open({ path: dir, durability: 'commit' });
  cleanups.push(() => store.close());
  return store;
}

/**
 * Makes the store's next commit on lmdb-js's writer thread fail as a full map would, storing
 * nothing. (lmdb-js rejects a write of a failed batch with an error whose `commitError` holds the
 * cause.)
 */
function failNextAsyncCommit(store: TaskStore): void {
  const env = (store as unknown as { env: { childTransaction(callback: () => unknown): Promise<unknown> } }).env;
  vi.spyOn(env, 'childTransaction').mockImplementationOnce(() => {
    const cause = Object.assign(new Error('MDB_MAP_FULL: Environment mapsize limit reached'), { code: -30792 });
    return Promise.reject(Object.assign(new Error('Commit failed'), { commitError: Promise.reject(cause) }));
  });
}

describe('AckLog', () => {
  it('reads back the records of each frame, in order, with LSNs that follow the last one committed', async () => {
    const dir = await tempDir();
    const log = AckLog.open(dir, 41);
    const first = [record(), record({ delayMs: 60_000 })];
    const second = [record({ queue: 'other' })];
    expect(log.append(first)).toBe(42);
    expect(log.append(second)).toBe(43);
    log.close();
    const read = AckLog.read(dir);
    expect(read.map((frame) => frame.lsn)).toEqual([42, 43]);
    expect(ids(read)).toEqual([...first, ...second].map((task) => task.id));
    expect(read[0]?.records[1]).toEqual(first[1]);
    expect(read[1]?.records[0]?.args).toEqual(second[0]!.args);
  });

  it('stops at a frame torn or damaged by a power cut: an Enqueue comes back whole or not at all', async () => {
    const dir = await tempDir();
    const log = AckLog.open(dir, 0);
    const kept = [record()];
    log.append(kept);
    const afterFirst = logBytes(dir);
    log.append([record(), record()]);
    log.close();
    const file = path.join(dir, ACK_LOG_FILE);
    const whole = readFileSync(file);

    truncateSync(file, whole.length - 3);
    expect(ids(AckLog.read(dir))).toEqual(kept.map((task) => task.id));

    const damaged = Buffer.from(whole);
    damaged[afterFirst + 20] = damaged[afterFirst + 20]! ^ 0xff;
    writeFileSync(file, damaged);
    expect(ids(AckLog.read(dir))).toEqual(kept.map((task) => task.id));

    expect(AckLog.read(await tempDir())).toEqual([]); // no log at all
  });

  it('stops at a zeroed tail (a power cut after the file grew) and at a break in the LSNs', async () => {
    const dir = await tempDir();
    const first = AckLog.open(dir, 0);
    const kept = [record()];
    first.append(kept);
    first.close();
    const file = path.join(dir, ACK_LOG_FILE);
    writeFileSync(file, Buffer.concat([readFileSync(file), Buffer.alloc(64)]));
    expect(ids(AckLog.read(dir))).toEqual(kept.map((task) => task.id));

    truncateSync(file, logBytes(dir) - 64);
    const after = AckLog.open(dir, 2); // LSN 3 after LSN 1: not what was appended after it
    after.append([record()]);
    after.close();
    expect(AckLog.read(dir).map((frame) => frame.lsn)).toEqual([1]);
  });

  it('is emptied once every write appended to it has committed', async () => {
    const dir = await tempDir();
    const log = AckLog.open(dir, 0);
    cleanups.push(() => log.close());
    log.append([record()]);
    log.append([record()]);
    log.committed();
    expect(logBytes(dir)).toBeGreaterThan(0);
    log.committed();
    expect(logBytes(dir)).toBe(0);
    log.append([record()]);
    expect(AckLog.read(dir)).toHaveLength(1);
  });
});

describe('TaskStore and its ack log (commit mode)', () => {
  it('is kept in commit mode only: a strict store makes none', async () => {
    const dir = await tempDir();
    await (await TaskStore.open({ path: dir, durability: 'strict' })).close();
    expect(existsSync(path.join(dir, ACK_LOG_FILE))).toBe(false);
    await (await TaskStore.open({ path: dir, durability: 'commit' })).close();
    expect(existsSync(path.join(dir, ACK_LOG_FILE))).toBe(true);
  });

  it('acknowledges a lone Enqueue from the log before its commit, and empties the log at the commit', async () => {
    const dir = await tempDir();
    const store = await openStore(dir);
    const { value, committed } = await store.enqueue([newTask(), newTask()], handoff);
    expect(ids(AckLog.read(dir))).toEqual(value.map((task) => task.id));
    expect(store.get(value[0]!.id)?.status).toBe('new');
    expect(await committed).toBe(true);
    expect(logBytes(dir)).toBe(0);
    expect(store.checkInvariants()).toMatchObject({ problems: [], tasks: 2 });
  });

  it('stores, when it opens, the tasks of the writes the log holds past the last LSN committed, and only those', async () => {
    const dir = await tempDir();
    const before = await TaskStore.open({ path: dir, durability: 'commit' });
    const { value: stored, committed } = await before.enqueue([newTask()], handoff);
    expect(await committed).toBe(true); // LSN 1 committed
    await before.close();
    // A log as a crash leaves it: LSN 1 committed (its frame is never replayed: the task it names is
    // not made, as it would not be were it deleted since), LSN 2 acknowledged and not committed.
    const deleted = record();
    const lost = [record(), record({ delayMs: 60_000 })];
    const log = AckLog.open(dir, 0);
    log.append([deleted]);
    log.append(lost);
    log.close();

    const store = await openStore(dir);
    expect(store.get(deleted.id)).toBeUndefined();
    expect(store.get(lost[0]!.id)).toMatchObject({ status: 'new', args: lost[0]!.args });
    expect(store.counts.countsOf('q')).toMatchObject({ new: 3 });
    const leased = store.lease({ workerId: 'w', queues: ['q'], maxTasks: 10, leaseMs: 30_000 }).value;
    expect(leased.map((task) => task.id)).toEqual([stored[0]!.id, lost[0]!.id]);
    expect(store.checkInvariants()).toMatchObject({ problems: [], tasks: 3 });
    expect(logBytes(dir)).toBe(0);
    // The next write acknowledged from the log follows the LSN replayed.
    await store.enqueue([newTask()], handoff);
    expect(AckLog.read(dir).map((frame) => frame.lsn)).toEqual([3]);
  });

  it('commits writes answered one after another in order, in one commit or several, and empties the log after the last', async () => {
    const dir = await tempDir();
    const store = await openStore(dir);
    const answered = await Promise.all([1, 2, 3].map(() => store.enqueue([newTask()], handoff)));
    expect(answered.map((result) => result.committed !== undefined)).toEqual([true, true, true]);
    expect(await Promise.all(answered.map((result) => result.committed))).toEqual([true, true, true]);
    const later = await store.enqueue([newTask()], handoff);
    expect(await later.committed).toBe(true);
    expect(logBytes(dir)).toBe(0);
    expect(store.checkInvariants()).toMatchObject({ problems: [], tasks: 4 });
  });

  it('fails the commit of a write answered after one whose commit failed, and opening again stores both', async () => {
    const dir = await tempDir();
    const store = await TaskStore.open({ path: dir, durability: 'commit' });
    failNextAsyncCommit(store);
    // Both answered before the first commit's failure is known; the second commit would store LSN 2.
    const first = await store.enqueue([newTask()], handoff);
    const second = await store.enqueue([newTask()], handoff);
    expect([await first.committed, await second.committed]).toEqual([false, false]);
    await store.close();

    const reopened = await openStore(dir);
    expect(reopened.get(first.value[0]!.id)?.status).toBe('new');
    expect(reopened.get(second.value[0]!.id)?.status).toBe('new');
  });

  it('goes into a backup, so the copy holds the tasks answered and not yet committed', async () => {
    const dir = await tempDir();
    await (await TaskStore.open({ path: dir, durability: 'commit' })).close();
    const answered = [record()];
    const log = AckLog.open(dir, 0);
    log.append(answered);
    log.close();
    const copy = path.join(await tempDir(), 'copy');
    await TaskStore.backup(dir, copy);
    const restored = await openStore(copy);
    expect(restored.get(answered[0]!.id)?.status).toBe('new');
  });

  it('stops when the commit of an acknowledged Enqueue fails, and stores its tasks when opened again', async () => {
    const dir = await tempDir();
    const store = await TaskStore.open({ path: dir, durability: 'commit' });
    failNextAsyncCommit(store);
    const { value, committed } = await store.enqueue([newTask()], handoff);
    expect(await committed).toBe(false);

    // Acknowledged, so neither taken back nor forgotten; but nothing more is written or handed out.
    expect(store.get(value[0]!.id)?.status).toBe('new');
    const refused = store.enqueue([newTask()], handoff);
    await expect(refused).rejects.toBeInstanceOf(DiskFullError);
    await expect(refused).rejects.toThrow(/could not commit tasks it had acknowledged .*; they are kept in .*ack-log and stored when the broker restarts/);
    expect(store.lease({ workerId: 'w', queues: ['q'], maxTasks: 10, leaseMs: 30_000 }).value).toEqual([]);
    await store.close();

    const reopened = await openStore(dir);
    expect(reopened.get(value[0]!.id)?.status).toBe('new');
    expect(reopened.checkInvariants()).toMatchObject({ problems: [], tasks: 1 });
  });

  it('acknowledges an outcome that ends its task from the log, and stores it when opened again if its commit failed', async () => {
    const dir = await tempDir();
    const store = await TaskStore.open({ path: dir, durability: 'commit' });
    const enqueued = await store.enqueue([newTask(), newTask()], handoff);
    expect(await enqueued.committed).toBe(true);
    const [first, second] = store.lease({ workerId: 'w', queues: ['q'], maxTasks: 2, leaseMs: 30_000 }).value;
    const success = { kind: 'success' as const, result: Buffer.from('"done"') };
    const answered = await store.complete([{ taskId: first!.id, leaseToken: first!.lease!.token, outcome: success }]);
    expect(answered.committed).toBeDefined();
    expect(answered.changed.map((task) => task.status)).toEqual(['success']);
    expect(store.get(first!.id)?.status).toBe('success'); // read from memory before its commit
    expect(await answered.committed).toBe(true);
    expect(logBytes(dir)).toBe(0);

    failNextAsyncCommit(store);
    const lost = await store.complete([{ taskId: second!.id, leaseToken: second!.lease!.token, outcome: { kind: 'failure', error: { type: 'E', message: 'm', traceback: '' }, retryable: false } }]);
    expect(await lost.committed).toBe(false);
    expect(store.get(second!.id)?.status).toBe('error'); // what was answered
    await store.close();

    const reopened = await openStore(dir);
    expect(reopened.get(first!.id)).toMatchObject({ status: 'success', result: success.result });
    expect(reopened.get(second!.id)).toMatchObject({ status: 'error', attempt: 1 });
    expect(reopened.counts.countsOf('q')).toMatchObject({ new: 0, process: 0, success: 1, error: 1 });
    expect(reopened.checkInvariants()).toMatchObject({ problems: [], tasks: 2 });
  });

  it('does not acknowledge from the log an outcome that runs its task again, nor a stale one', async () => {
    const store = await openStore(await tempDir());
    await (await store.enqueue([{ ...newTask(), maxRetries: 1 }], handoff)).committed;
    const [leased] = store.lease({ workerId: 'w', queues: ['q'], maxTasks: 1, leaseMs: 30_000 }).value;
    const stale = await store.complete([{ taskId: leased!.id, leaseToken: 'not-the-token', outcome: { kind: 'success', result: Buffer.from('1') } }]);
    expect(stale.committed).toBeUndefined();
    expect(stale.value[0]).toMatchObject({ accepted: false });
    const retried = await store.complete([{ taskId: leased!.id, leaseToken: leased!.lease!.token, outcome: { kind: 'failure', error: { type: 'E', message: 'm', traceback: '' }, retryable: true } }]);
    expect(retried.committed).toBeUndefined(); // answered at its commit: the task is in line again
    expect(retried.changed.map((task) => task.status)).toEqual(['retry']);
  });

  it('a cancel or a retry whose body runs after an outcome answered from the log sees the task ended', async () => {
    const store = await openStore(await tempDir());
    await (await store.enqueue([newTask(), newTask()], handoff)).committed;
    const [first, second] = store.lease({ workerId: 'w', queues: ['q'], maxTasks: 2, leaseMs: 30_000 }).value;
    // Issued first, its body runs at the end of the turn, after the outcome was answered.
    const cancelled = store.cancel(first!.id, 'too late');
    const succeeded = await store.complete([{ taskId: first!.id, leaseToken: first!.lease!.token, outcome: { kind: 'success', result: Buffer.from('1') } }]);
    await expect(cancelled).rejects.toThrow(/success/);
    const failed = await store.complete([{ taskId: second!.id, leaseToken: second!.lease!.token, outcome: { kind: 'failure', error: { type: 'E', message: 'm', traceback: '' }, retryable: false } }]);
    expect(failed.committed).toBeDefined();
    const retried = await store.retry(second!.id); // what its watchers just heard ended in ERROR
    expect(retried.value.status).toBe('retry');
    expect([await succeeded.committed, await failed.committed]).toEqual([true, true]);
    expect(store.get(first!.id)?.status).toBe('success');
    expect(store.get(second!.id)?.status).toBe('retry');
    expect(store.counts.countsOf('q')).toMatchObject({ new: 0, process: 0, success: 1, error: 0, retry: 1, cancel: 0 });
    expect(store.checkInvariants().problems).toEqual([]);
  });
});

