import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FailedPreconditionError, TaskNotFoundError } from '../domain/errors.js';
import {
  TASK_STATUSES,
  type Completion,
  type LeaseOptions,
  type NewTask,
  type TaskError,
  type TaskOutcome,
  type TaskRecord,
  type TaskStatus,
} from '../domain/task.js';
import { TaskStore } from './task-store.js';
import { settled } from './settled.fixture.js';

// ---------------------------------------------------------------------------------------------
// Fixture: a fresh store in a temporary directory, driven by a fake clock.
// ---------------------------------------------------------------------------------------------

const T0 = 1_700_000_000_000;
const LEASE_MS = 30_000;
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let dir: string;
let now: number;
let store: TaskStore;

function openStore(): Promise<TaskStore> {
  return TaskStore.open({ path: dir, durability: 'commit', clock: () => now });
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'qtasks-store-'));
  now = T0;
  store = await openStore();
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const bytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');
const parse = (data: Uint8Array | undefined): unknown =>
  data === undefined ? undefined : JSON.parse(Buffer.from(data).toString('utf8'));

let taskCounter = 0;

/** A valid NewTask: ready at once, no retries, no time limit. */
/** What a retry of one enqueue sends again: newTask makes every task different, and a key reused for another task is refused. */
const SAME = { name: 'same', args: bytes(['same']), kwargs: bytes({}) } as const;

function newTask(overrides: Partial<NewTask> = {}): NewTask {
  taskCounter += 1;
  return {
    name: `task-${taskCounter}`,
    queue: 'default',
    priority: 0,
    args: bytes([taskCounter, 'x']),
    kwargs: bytes({ n: taskCounter }),
    maxRetries: 0,
    backoff: { initialMs: 1000, multiplier: 2, maxMs: 60_000 },
    maxTimeMs: 0,
    delayMs: 0,
    tags: ['t'],
    metadata: { origin: 'test' },
    ...overrides,
  };
}

async function enqueue(...specs: Partial<NewTask>[]): Promise<TaskRecord[]> {
  return (await store.enqueue(specs.map((spec) => newTask(spec)))).value;
}

async function enqueueOne(spec: Partial<NewTask> = {}): Promise<TaskRecord> {
  return (await enqueue(spec))[0]!;
}

async function lease(options: Partial<LeaseOptions> = {}): Promise<TaskRecord[]> {
  const { value } = await store.lease({ workerId: 'w1', queues: ['default'], maxTasks: 100, leaseMs: LEASE_MS, ...options });
  return value;
}

/** Leases exactly one task and fails the test if there is none. */
async function leaseOne(options: Partial<LeaseOptions> = {}): Promise<TaskRecord> {
  const leased = await lease({ maxTasks: 1, ...options });
  expect(leased).toHaveLength(1);
  return leased[0]!;
}

const ids = (tasks: readonly TaskRecord[]): string[] => tasks.map((task) => task.id);
const names = (tasks: readonly TaskRecord[]): string[] => tasks.map((task) => task.name);
/** The earliest due time of either kind (one fake clock drives wall and steady time here). */
const earliestDue = (of: TaskStore): number | undefined => {
  const { wallMs = Infinity, steadyMs = Infinity } = of.nextDue();
  return Math.min(wallMs, steadyMs) === Infinity ? undefined : Math.min(wallMs, steadyMs);
};

const boom: TaskError = { type: 'ValueError', message: 'boom', traceback: 'Traceback…' };

const outcomes = {
  success: (value: unknown = 'ok'): TaskOutcome => ({ kind: 'success', result: bytes(value) }),
  failure: (retryable = true, error: TaskError = boom): TaskOutcome => ({ kind: 'failure', error, retryable }),
  cancelled: (reason = 'worker stopped'): TaskOutcome => ({ kind: 'cancelled', reason }),
};

function completion(task: TaskRecord, outcome: TaskOutcome, token = task.lease!.token): Completion {
  return { taskId: task.id, leaseToken: token, outcome };
}

async function completeOne(task: TaskRecord, outcome: TaskOutcome, token?: string) {
  const { value } = await settled(store.complete([completion(task, outcome, token)]));
  return value[0]!;
}

function mustGet(taskId: string): TaskRecord {
  const task = store.get(taskId);
  expect(task, `task ${taskId}`).toBeDefined();
  return task!;
}

/** A record with its byte fields decoded, so records read back from LMDB compare by value. */
function comparable(task: TaskRecord | undefined) {
  if (!task) return task;
  return { ...task, args: parse(task.args), kwargs: parse(task.kwargs), result: parse(task.result) };
}

/** Every record as stored on disk (a leased task's record there is as it was before its lease). */
function storedTasks(): TaskRecord[] {
  return Array.from((store as any).tasks.getRange(), ({ value }: { value: TaskRecord }) => value);
}

/** Every task as readers see it (a leased task's record comes from memory). */
function allTasks(): TaskRecord[] {
  return storedTasks().map((task) => store.get(task.id)!);
}

type Entry = { key: (string | number)[]; value: unknown };

function entriesOf(db: any): Entry[] {
  return Array.from(db.getRange(), ({ key, value }: Entry) => ({ key, value }));
}

const byJson = (a: Entry, b: Entry): number => JSON.stringify(a).localeCompare(JSON.stringify(b));

/**
 * Checks that every task owns exactly the index entries its record calls for, and that no index
 * holds anything else; that no record on disk is PROCESS or holds a lease (leases live in
 * memory); and that the ready lines hold exactly the ready tasks no lease holds. Written from
 * the key layout table in keys.ts rather than with `indexEntriesOf`, so a mistake there is
 * caught too.
 */
function expectIndexesConsistent(): void {
  const indexes = (store as any).indexes;
  const leases = (store as any).leases;
  const expected: Record<'delayed' | 'byStatus' | 'expiry', Entry[]> = { delayed: [], byStatus: [], expiry: [] };
  const ready: string[] = [];
  for (const task of storedTasks()) {
    expect(task.lease, `${task.name} (${task.status}) has no lease on disk`).toBeUndefined();
    switch (task.status) {
      case 'new':
      case 'retry':
        if (task.delayed) expected.delayed.push({ key: [task.runAtMs!, task.seq], value: task.id });
        else if (!leases.has(task.id)) ready.push(task.id);
        break;
      case 'process':
        throw new Error(`${task.name} is stored PROCESS`);
      default:
        expected.byStatus.push({ key: [TASK_STATUSES.indexOf(task.status), task.queue, task.finishedAtMs!, task.id], value: true });
        if (task.retentionMs !== undefined) expected.expiry.push({ key: [task.finishedAtMs! + task.retentionMs, task.id], value: task.id });
        expect(task.delayed).toBe(false);
        expect(task.finishedAtMs, `${task.name} (${task.status}) has finishedAtMs`).toBeTypeOf('number');
    }
  }
  for (const name of ['delayed', 'byStatus', 'expiry'] as const) {
    expect(entriesOf(indexes[name]).sort(byJson), `index ${name}`).toEqual(expected[name].sort(byJson));
  }
  const lines: string[] = [];
  (store as any).ready.forEachAfter(undefined, undefined, (entry: { id: string }) => lines.push(entry.id) > 0);
  expect(lines.sort(), 'ready lines').toEqual(ready.sort());
  const tasks = new Map(storedTasks().map((task) => [task.id, task]));
  for (const { key, value } of entriesOf((store as any).idempotency)) {
    const task = tasks.get(value as string);
    expect(task, `idempotency ${JSON.stringify(key)}`).toBeDefined();
    expect([task!.queue, task!.idempotencyKey]).toEqual(key);
  }
}

/** Collects every page of `list` with this filter, checking page sizes and cursors on the way. */
function listAllPages(filter: { queue?: string; status?: TaskStatus }, limit: number): TaskRecord[][] {
  const pages: TaskRecord[][] = [];
  let after: (string | number)[] | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const page = store.list({ ...filter, limit, ...(after ? { after } : {}) });
    pages.push(page.tasks);
    if (!page.next) return pages;
    expect(page.tasks, 'a page with a next cursor is full').toHaveLength(limit);
    after = page.next;
  }
  throw new Error('list never ended');
}

// ---------------------------------------------------------------------------------------------
// enqueue
// ---------------------------------------------------------------------------------------------

describe('opening', () => {
  it('opens an existing data directory whose name has a dot in it (`mktemp -d`), and keeps what it stored', async () => {
    // lmdb-js takes a path with an extension for a database file unless told otherwise.
    const dotted = await mkdtemp(path.join(os.tmpdir(), 'qtasks-store.data-'));
    try {
      let dottedStore = await TaskStore.open({ path: dotted, durability: 'commit', clock: () => now });
      const [task] = (await dottedStore.enqueue([newTask()])).value;
      await dottedStore.close();
      dottedStore = await TaskStore.open({ path: dotted, durability: 'commit', clock: () => now });
      expect(dottedStore.get(task!.id)?.status).toBe('new');
      await dottedStore.close();
    } finally {
      await rm(dotted, { recursive: true, force: true });
    }
  });
});

describe('enqueue', () => {
  it('stores every task of a batch as NEW, attempt 0, readable with get', async () => {
    const { value, changed } = await store.enqueue([newTask({ name: 'a' }), newTask({ name: 'b' }), newTask({ name: 'c' })]);

    expect(names(value)).toEqual(['a', 'b', 'c']);
    expect(ids(changed)).toEqual(ids(value));
    for (const task of value) {
      expect(task).toMatchObject({ status: 'new', attempt: 0, delayed: false, cancelRequested: false, createdAtMs: T0, updatedAtMs: T0 });
      expect(task.lease).toBeUndefined();
      expect(comparable(store.get(task.id))).toEqual(comparable(task));
    }
    expect(allTasks()).toHaveLength(3);
    expectIndexesConsistent();
  });

  it('keeps payloads and settings exactly as given', async () => {
    const spec = newTask({
      name: 'mail.send',
      queue: 'mail',
      priority: 7,
      args: bytes([1, 'deux', { three: 3 }]),
      kwargs: bytes({ to: 'ünïcødé@example.org', emoji: '📬' }),
      maxRetries: 4,
      backoff: { initialMs: 250, multiplier: 1.5, maxMs: 4000 },
      maxTimeMs: 9000,
      tags: ['a', 'b'],
      metadata: { tenant: 'acme', trace: 'xyz' },
    });
    const [task] = (await store.enqueue([spec])).value;

    const stored = mustGet(task!.id);
    expect(parse(stored.args)).toEqual([1, 'deux', { three: 3 }]);
    expect(parse(stored.kwargs)).toEqual({ to: 'ünïcødé@example.org', emoji: '📬' });
    expect(stored).toMatchObject({
      name: 'mail.send',
      queue: 'mail',
      priority: 7,
      maxRetries: 4,
      backoff: { initialMs: 250, multiplier: 1.5, maxMs: 4000 },
      maxTimeMs: 9000,
      tags: ['a', 'b'],
      metadata: { tenant: 'acme', trace: 'xyz' },
    });
  });

  it('gives UUIDv7 ids that sort in creation order, within and across batches', async () => {
    const first = await enqueue(...Array.from({ length: 30 }, () => ({})));
    const second = await enqueue(...Array.from({ length: 5 }, () => ({})));
    const all = [...ids(first), ...ids(second)];

    for (const id of all) expect(id).toMatch(UUID_V7);
    expect(new Set(all).size).toBe(all.length);
    expect([...all].sort()).toEqual(all);
    // The unfiltered list walks the tasks database in key order, which must be creation order.
    expect(ids(store.list({ limit: 100 }).tasks)).toEqual(all);
  });

  it('returns the task already holding an idempotency key in the same queue', async () => {
    const first = await enqueueOne({ idempotencyKey: 'order-42', ...SAME });
    const { value, changed } = await store.enqueue([newTask({ idempotencyKey: 'order-42', ...SAME, delayMs: 5000 })]);

    expect(value[0]!.id).toBe(first.id);
    expect(value[0]!.delayed).toBe(false);
    expect(changed).toEqual([]);
    expect(allTasks()).toHaveLength(1);
    expectIndexesConsistent();
  });

  it('returns the first task for a key repeated within one batch', async () => {
    const { value, changed } = await store.enqueue([
      newTask({ idempotencyKey: 'k', ...SAME, name: 'first' }),
      newTask({ name: 'other' }),
      newTask({ idempotencyKey: 'k', ...SAME, name: 'first' }),
    ]);

    expect(names(value)).toEqual(['first', 'other', 'first']);
    expect(value[2]!.id).toBe(value[0]!.id);
    expect(names(changed)).toEqual(['first', 'other']);
    expect(allTasks()).toHaveLength(2);
    expectIndexesConsistent();
  });

  it('returns the key holder even after it has finished', async () => {
    const first = await enqueueOne({ idempotencyKey: 'k', ...SAME });
    await completeOne(await leaseOne(), outcomes.success());

    const again = await enqueueOne({ idempotencyKey: 'k', ...SAME });
    expect(again.id).toBe(first.id);
    expect(again.status).toBe('success');
    expect(await lease()).toEqual([]);
  });

  it('returns the first task for a key sent by two enqueues sharing one commit', async () => {
    const [a, b] = await Promise.all([
      store.enqueue([newTask({ idempotencyKey: 'k', ...SAME })]),
      store.enqueue([newTask({ idempotencyKey: 'k', ...SAME })]),
    ]);
    expect(b.value[0]!.id).toBe(a.value[0]!.id);
    expect(allTasks()).toHaveLength(1);
    expectIndexesConsistent();
  });

  it('refuses the same key with other args, and stores nothing of the batch', async () => {
    const first = await enqueueOne({ idempotencyKey: 'k', ...SAME });
    const batch = [newTask({ idempotencyKey: 'fresh' }), newTask({ idempotencyKey: 'k', ...SAME, args: bytes(['other']) })];

    await expect(store.enqueue(batch)).rejects.toThrow(/^tasks\[1\]\.idempotency_key: "k" is already used .* another args/);
    expect(allTasks().map((t) => t.id)).toEqual([first.id]);
    // The key of the refused batch's first task was rolled back with it.
    expect((await enqueueOne({ idempotencyKey: 'fresh' })).id).not.toBe(first.id);
    expect(allTasks()).toHaveLength(2);
    expectIndexesConsistent();
  });

  it('stores nothing for an empty batch', async () => {
    const { value, changed } = await store.enqueue([]);
    expect(value).toEqual([]);
    expect(changed).toEqual([]);
    expect(allTasks()).toEqual([]);
  });

  it('gives a new task for the same idempotency key in another queue', async () => {
    const a = await enqueueOne({ queue: 'a', idempotencyKey: 'k' });
    const b = await enqueueOne({ queue: 'b', idempotencyKey: 'k' });

    expect(b.id).not.toBe(a.id);
    expect(b.queue).toBe('b');
    expect(allTasks()).toHaveLength(2);
    expectIndexesConsistent();
  });
});

// ---------------------------------------------------------------------------------------------
// lease
// ---------------------------------------------------------------------------------------------

describe('lease', () => {
  it('returns [] from an empty or unknown queue', async () => {
    expect(await lease()).toEqual([]);
    await enqueueOne({ queue: 'other' });
    expect(await lease({ queues: ['default', 'nowhere'] })).toEqual([]);
  });

  it('leases lower priority numbers first, FIFO within a priority', async () => {
    // 10 vs 9 and 2 vs 10 catch a priority compared as text.
    await enqueue(
      { name: 'p5-a', priority: 5 },
      { name: 'p10-a', priority: 10 },
      { name: 'p1-a', priority: 1 },
      { name: 'p9-a', priority: 9 },
      { name: 'p5-b', priority: 5 },
      { name: 'p1-b', priority: 1 },
      { name: 'p2-a', priority: 2 },
      { name: 'p10-b', priority: 10 },
    );
    await enqueue({ name: 'p1-c', priority: 1 });

    expect(names(await lease())).toEqual(['p1-a', 'p1-b', 'p1-c', 'p2-a', 'p5-a', 'p5-b', 'p9-a', 'p10-a', 'p10-b']);
  });

  it('orders negative and extreme int32 priorities numerically', async () => {
    await enqueue(
      { name: 'max', priority: 2 ** 31 - 1 },
      { name: 'zero', priority: 0 },
      { name: 'minus-1', priority: -1 },
      { name: 'min', priority: -(2 ** 31) },
      { name: 'minus-10', priority: -10 },
      { name: 'plus-1', priority: 1 },
    );
    expect(names(await lease())).toEqual(['min', 'minus-10', 'minus-1', 'zero', 'plus-1', 'max']);
  });

  it('stays FIFO past nine, ninety-nine and more tasks of one priority', async () => {
    const enqueued = await enqueue(...Array.from({ length: 120 }, () => ({ priority: 3 })));
    const leased = await lease({ maxTasks: 200 });
    expect(ids(leased)).toEqual(ids(enqueued));
  });

  it('merges several queues by priority, then FIFO, whatever the queue', async () => {
    // "mail" is a prefix of "mail-bulk": a prefix scan must not mix them up.
    await enqueue({ name: 'bulk-1', queue: 'mail-bulk', priority: 2 });
    await enqueue({ name: 'mail-1', queue: 'mail', priority: 2 });
    await enqueue({ name: 'sms-1', queue: 'sms', priority: 1 });
    await enqueue({ name: 'bulk-2', queue: 'mail-bulk', priority: 0 });
    await enqueue({ name: 'mail-2', queue: 'mail', priority: 2 });
    await enqueue({ name: 'sms-2', queue: 'sms', priority: 2 });

    expect(names(await lease({ queues: ['mail', 'mail-bulk', 'sms'] }))).toEqual([
      'bulk-2',
      'sms-1',
      'bulk-1',
      'mail-1',
      'mail-2',
      'sms-2',
    ]);
  });

  it('picks the best maxTasks across queues, leaving the rest ready', async () => {
    await enqueue({ name: 'a-p3', queue: 'a', priority: 3 }, { name: 'a-p1', queue: 'a', priority: 1 });
    await enqueue({ name: 'b-p2', queue: 'b', priority: 2 }, { name: 'b-p0', queue: 'b', priority: 0 });
    await enqueue({ name: 'c-p1', queue: 'c', priority: 1 });

    expect(names(await lease({ queues: ['a', 'b', 'c'], maxTasks: 2 }))).toEqual(['b-p0', 'a-p1']);
    expect(names(await lease({ queues: ['a', 'b', 'c'], maxTasks: 2 }))).toEqual(['c-p1', 'b-p2']);
    expect(names(await lease({ queues: ['a', 'b', 'c'], maxTasks: 2 }))).toEqual(['a-p3']);
  });

  it('keeps queues with names beyond U+00FF apart', async () => {
    // keys.ts: a string sentinel would not bound such names; the prefix scan must still hold.
    await enqueue({ name: 'mailbox', queue: '📬' }, { name: 'mailbox-2', queue: '📬📬' }, { name: 'cjk', queue: '队列' });
    await enqueue({ name: 'ascii', queue: 'z' });

    expect(names(await lease({ queues: ['📬'] }))).toEqual(['mailbox']);
    expect(names(await lease({ queues: ['队列', '📬📬'] }))).toEqual(['mailbox-2', 'cjk']);
    expect(names(await lease({ queues: ['z'] }))).toEqual(['ascii']);
    expect(names(store.list({ queue: '📬', limit: 10 }).tasks)).toEqual(['mailbox']);
    expectIndexesConsistent();
  });

  it('leases only from the queues asked for', async () => {
    await enqueue({ name: 'mail', queue: 'mail' }, { name: 'mail-bulk', queue: 'mail-bulk' }, { name: 'sms', queue: 'sms' });

    expect(names(await lease({ queues: ['mail'] }))).toEqual(['mail']);
    expect(names(await lease({ queues: ['sms', 'mail'] }))).toEqual(['sms']);
    expect(mustGet(allTasks().find((task) => task.name === 'mail-bulk')!.id).status).toBe('new');
  });

  it('respects maxTasks', async () => {
    const enqueued = await enqueue({}, {}, {}, {}, {});

    const first = await lease({ maxTasks: 2, queues: ['default', 'other'] });
    const second = await lease({ maxTasks: 2 });
    const third = await lease({ maxTasks: 2 });
    const fourth = await lease({ maxTasks: 2 });

    expect([first.length, second.length, third.length, fourth.length]).toEqual([2, 2, 1, 0]);
    expect(ids([...first, ...second, ...third])).toEqual(ids(enqueued));
    expectIndexesConsistent();
  });

  it('makes a leased task PROCESS, attempt 1, with a token and a deadline of now + leaseMs', async () => {
    const enqueued = await enqueueOne();
    now += 1234;
    const { value, changed } = await store.lease({ workerId: 'worker-7', queues: ['default'], maxTasks: 5, leaseMs: 15_000 });

    expect(value).toHaveLength(1);
    const task = value[0]!;
    expect(task).toMatchObject({
      id: enqueued.id,
      status: 'process',
      attempt: 1,
      workerId: 'worker-7',
      startedAtMs: T0 + 1234,
      updatedAtMs: T0 + 1234,
      version: enqueued.version + 1,
    });
    expect(task.lease!.token).toMatch(/^[A-Za-z0-9_-]{12,}$/);
    expect(task.lease!.deadlineMs).toBe(T0 + 1234 + 15_000);
    expect(task.lease!.leaseMs).toBe(15_000);
    expect(task.lease!.timeLimitAtMs).toBeUndefined();
    expect(ids(changed)).toEqual([task.id]);
    expect(comparable(store.get(task.id))).toEqual(comparable(task));
    expectIndexesConsistent();
  });

  it('gives every leased task its own token', async () => {
    await enqueue(...Array.from({ length: 20 }, () => ({})));
    const tokens = (await lease()).map((task) => task.lease!.token);
    expect(new Set(tokens).size).toBe(20);
  });

  it('never leases a leased task again', async () => {
    const [a, b] = await enqueue({}, {});
    const first = await lease({ maxTasks: 1 });
    const second = await lease({ maxTasks: 5 });
    const third = await lease({ maxTasks: 5 });

    expect(ids(first)).toEqual([a!.id]);
    expect(ids(second)).toEqual([b!.id]);
    expect(third).toEqual([]);
  });

  it('never leases one task twice when two leases share a commit', async () => {
    await enqueue({}, {}, {});
    // Issued in the same event turn, both run in one write transaction.
    const [x, y] = await Promise.all([
      store.lease({ workerId: 'x', queues: ['default'], maxTasks: 2, leaseMs: LEASE_MS }),
      store.lease({ workerId: 'y', queues: ['default'], maxTasks: 2, leaseMs: LEASE_MS }),
    ]);
    const all = [...ids(x.value), ...ids(y.value)];
    expect(all).toHaveLength(3);
    expect(new Set(all).size).toBe(3);
    expectIndexesConsistent();
  });

  it('caps the deadline at the time limit when maxTimeMs is shorter than the lease', async () => {
    await enqueueOne({ maxTimeMs: 5000 });
    const task = await leaseOne({ leaseMs: 60_000 });
    expect(task.lease).toMatchObject({ deadlineMs: T0 + 5000, timeLimitAtMs: T0 + 5000, leaseMs: 60_000 });
  });
});

// ---------------------------------------------------------------------------------------------
// delayed tasks: delayMs, runAtMs, promoteDue, nextDue
// ---------------------------------------------------------------------------------------------

describe('delayed tasks', () => {
  it('are not leasable until promoteDue runs after their runAtMs', async () => {
    const task = await enqueueOne({ delayMs: 5000 });
    expect(task).toMatchObject({ status: 'new', delayed: true, runAtMs: T0 + 5000 });
    expect(await lease()).toEqual([]);

    now = T0 + 4999;
    expect((await store.promoteDue(100)).value).toBe(0);
    expect(await lease()).toEqual([]);

    now = T0 + 6000;
    // Time passing is not enough: the task moves only when promoteDue runs.
    expect(await lease()).toEqual([]);
    const promoted = await store.promoteDue(100);
    expect(promoted.value).toBe(1);
    expect(promoted.changed.map((t) => [t.id, t.delayed, t.status])).toEqual([[task.id, false, 'new']]);
    expectIndexesConsistent();

    const leased = await leaseOne();
    expect(leased.id).toBe(task.id);
    expect(leased.attempt).toBe(1);
    expectIndexesConsistent();
  });

  it('does not lease a task cancelled in the commit that promoted it (the records held in memory follow the last write)', async () => {
    const task = await enqueueOne({ delayMs: 5000 });
    now = T0 + 6000;
    // One turn: both writes commit together, the cancel's body reading the promoted record.
    const [promoted, cancelled] = await Promise.all([store.promoteDue(100), store.cancel(task.id, 'changed my mind')]);
    expect(promoted.value).toBe(1);
    expect(cancelled.value.status).toBe('cancel');
    expect(await lease()).toEqual([]);
    expect(store.get(task.id)?.status).toBe('cancel');
    expectIndexesConsistent();
  });

  it('does not lease again a task whose outcome and cancel request committed together', async () => {
    await enqueueOne();
    const leased = await leaseOne();
    // The cancel request is issued first, the outcome second: on disk the task ends in success.
    // (The outcome is answered from the ack log before the cancel's body runs, at the end of the
    // turn: the cancel then finds the task ended, and is refused.)
    const [cancelled, completed] = await Promise.allSettled([
      store.cancel(leased.id, 'too late'),
      settled(store.complete([{ taskId: leased.id, leaseToken: leased.lease!.token, outcome: outcomes.success() }])),
    ]);
    expect(cancelled).toMatchObject({ status: 'rejected', reason: { name: 'IllegalTransitionError' } });
    expect(completed).toMatchObject({ status: 'fulfilled', value: { value: [{ accepted: true }] } });
    expect(store.get(leased.id)?.status).toBe('success');
    expect(await lease()).toEqual([]);
    expect(store.checkInvariants().problems).toEqual([]);
  });

  it('promotes a task exactly at its runAtMs', async () => {
    await enqueueOne({ delayMs: 5000 });
    now = T0 + 5000;
    expect((await store.promoteDue(100)).value).toBe(1);
    expect(await lease()).toHaveLength(1);
  });

  it('use runAtMs, when given, instead of delayMs', async () => {
    const future = await enqueueOne({ name: 'future', runAtMs: T0 + 10_000, delayMs: 0 });
    const past = await enqueueOne({ name: 'past', runAtMs: T0 - 10_000, delayMs: 60_000 });

    expect(future).toMatchObject({ delayed: true, runAtMs: T0 + 10_000 });
    expect(past).toMatchObject({ delayed: false, runAtMs: T0 - 10_000 });
    expect(names(await lease())).toEqual(['past']);

    now = T0 + 10_000;
    await store.promoteDue(100);
    expect(names(await lease())).toEqual(['future']);
  });

  it('promote in runAtMs order and no more than the limit', async () => {
    await enqueue({ name: 'c', delayMs: 3000 }, { name: 'a', delayMs: 1000 }, { name: 'b', delayMs: 2000 }, { name: 'late', delayMs: 99_000 });
    now = T0 + 5000;

    expect((await store.promoteDue(2)).value).toBe(2);
    expect(names(await lease())).toEqual(['a', 'b']);
    expect((await store.promoteDue(2)).value).toBe(1);
    expect(names(await lease())).toEqual(['c']);
    expect((await store.promoteDue(2)).value).toBe(0);
    expectIndexesConsistent();
  });

  it('keep their priority against tasks that were ready before them', async () => {
    await enqueueOne({ name: 'urgent-later', priority: 0, delayMs: 1000 });
    await enqueue({ name: 'normal-1', priority: 5 }, { name: 'normal-2', priority: 5 });
    now = T0 + 1000;
    await store.promoteDue(100);
    expect(names(await lease())).toEqual(['urgent-later', 'normal-1', 'normal-2']);
  });

  it('nextDue reports the earliest delayed runAt or lease deadline', async () => {
    expect(earliestDue(store)).toBeUndefined();

    await enqueueOne({ name: 'delayed', delayMs: 10_000 });
    expect(earliestDue(store)).toBe(T0 + 10_000);

    await enqueueOne({ name: 'ready' });
    const leased = await leaseOne({ leaseMs: 3000 });
    expect(earliestDue(store)).toBe(T0 + 3000);

    await enqueueOne({ name: 'sooner', delayMs: 2000 });
    expect(earliestDue(store)).toBe(T0 + 2000);
    expect(store.nextDue()).toEqual({ wallMs: T0 + 2000, steadyMs: T0 + 3000 });

    now = T0 + 2000;
    await store.promoteDue(100);
    expect(earliestDue(store)).toBe(T0 + 3000);

    await completeOne(leased, outcomes.success());
    expect(earliestDue(store)).toBe(T0 + 10_000);

    now = T0 + 10_000;
    await store.promoteDue(100);
    // What is left to do: remove the task that ended at T0 + 2000, a day later (the default retention).
    expect(earliestDue(store)).toBe(T0 + 2000 + 86_400_000);
  });

  it('nextDue follows a heartbeat that moves the only deadline', async () => {
    await enqueueOne();
    const task = await leaseOne({ leaseMs: 3000 });
    await store.heartbeat([{ taskId: task.id, leaseToken: task.lease!.token }], 50_000);
    expect(earliestDue(store)).toBe(T0 + 50_000);
  });
});

// ---------------------------------------------------------------------------------------------
// heartbeat
// ---------------------------------------------------------------------------------------------

describe('heartbeat', () => {
  it('extends the deadline to now + extendMs without a visible transition', async () => {
    await enqueueOne();
    const task = await leaseOne({ leaseMs: 10_000 });
    now = T0 + 4000;

    const [result] = await store.heartbeat([{ taskId: task.id, leaseToken: task.lease!.token }], 20_000);

    expect(result).toMatchObject({ taskId: task.id, ok: true, cancelRequested: false, leaseDeadlineMs: T0 + 24_000 });
    expect(result!.reason).toBeUndefined();
    const stored = mustGet(task.id);
    expect(stored.lease).toMatchObject({ token: task.lease!.token, deadlineMs: T0 + 24_000, leaseMs: 10_000 });
    expect(stored.version).toBe(task.version);
    expect(stored.status).toBe('process');
    expectIndexesConsistent();

    // The old deadline has passed but the extended one has not: nothing to reap.
    now = T0 + 15_000;
    expect((await store.reapExpiredLeases(100)).value).toBe(0);
    expect(mustGet(task.id).status).toBe('process');
  });

  it('sets the deadline from now even when that is sooner than the current one', async () => {
    // The proto: extend_ms is the "new lease length from now".
    await enqueueOne();
    const task = await leaseOne({ leaseMs: 60_000 });
    now = T0 + 1000;

    const [result] = await store.heartbeat([{ taskId: task.id, leaseToken: task.lease!.token }], 5000);

    expect(result!.leaseDeadlineMs).toBe(T0 + 6000);
    expect(earliestDue(store)).toBe(T0 + 6000);
    expectIndexesConsistent();
  });

  it('extends by the lease’s own length when extendMs is 0', async () => {
    await enqueueOne();
    const task = await leaseOne({ leaseMs: 7000 });
    now = T0 + 5000;

    const [result] = await store.heartbeat([{ taskId: task.id, leaseToken: task.lease!.token }], 0);

    expect(result).toMatchObject({ ok: true, leaseDeadlineMs: T0 + 12_000 });
    expect(mustGet(task.id).lease!.deadlineMs).toBe(T0 + 12_000);
  });

  it('refuses a wrong token and leaves the lease alone', async () => {
    await enqueueOne();
    const task = await leaseOne();
    const before = mustGet(task.id);

    const [result] = await store.heartbeat([{ taskId: task.id, leaseToken: 'not-the-token' }], 60_000);

    expect(result).toMatchObject({ taskId: task.id, ok: false });
    expect(result!.reason).toEqual(expect.any(String));
    expect(result!.leaseDeadlineMs).toBeUndefined();
    expect(comparable(mustGet(task.id))).toEqual(comparable(before));
  });

  it('refuses an expired lease even before it is reaped', async () => {
    await enqueueOne();
    const task = await leaseOne({ leaseMs: 10_000 });
    now = T0 + 10_001;

    const [result] = await store.heartbeat([{ taskId: task.id, leaseToken: task.lease!.token }], 60_000);

    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/expired/) });
    expect(mustGet(task.id).lease!.deadlineMs).toBe(T0 + 10_000);
  });

  it('refuses an unknown task', async () => {
    const [result] = await store.heartbeat([{ taskId: '01890000-0000-7000-8000-000000000000', leaseToken: 'x' }], 1000);
    expect(result).toMatchObject({ taskId: '01890000-0000-7000-8000-000000000000', ok: false, reason: expect.any(String) });
  });

  it('refuses a task that is not PROCESS', async () => {
    const task = await enqueueOne();
    const [result] = await store.heartbeat([{ taskId: task.id, leaseToken: 'x' }], 1000);
    expect(result).toMatchObject({ ok: false, reason: expect.any(String) });
  });

  it('answers each item of a batch on its own', async () => {
    await enqueue({}, {});
    const [a, b] = await lease();
    now = T0 + 1000;

    const results = await store.heartbeat(
      [
        { taskId: a!.id, leaseToken: a!.lease!.token },
        { taskId: b!.id, leaseToken: 'stale' },
      ],
      5000,
    );

    expect(results.map((r) => r.ok)).toEqual([true, false]);
    expect(mustGet(a!.id).lease!.deadlineMs).toBe(T0 + 6000);
    expect(mustGet(b!.id).lease!.deadlineMs).toBe(T0 + LEASE_MS);
    expectIndexesConsistent();
  });

  it('reports cancelRequested after a PROCESS task is cancelled', async () => {
    await enqueueOne();
    const task = await leaseOne();
    const item = { taskId: task.id, leaseToken: task.lease!.token };

    expect((await store.heartbeat([item], 0))[0]!.cancelRequested).toBe(false);
    await store.cancel(task.id, 'user asked');
    const [result] = await store.heartbeat([item], 0);

    expect(result).toMatchObject({ ok: true, cancelRequested: true });
  });

  it('never moves the deadline past the time limit when maxTimeMs is set', async () => {
    await enqueueOne({ maxTimeMs: 20_000 });
    const task = await leaseOne({ leaseMs: 5000 });
    expect(task.lease).toMatchObject({ deadlineMs: T0 + 5000, timeLimitAtMs: T0 + 20_000 });
    const item = { taskId: task.id, leaseToken: task.lease!.token };

    now = T0 + 4000;
    expect((await store.heartbeat([item], 0))[0]!.leaseDeadlineMs).toBe(T0 + 9000);

    now = T0 + 8000;
    expect((await store.heartbeat([item], 60_000))[0]!.leaseDeadlineMs).toBe(T0 + 20_000);
    expect(mustGet(task.id).lease!.deadlineMs).toBe(T0 + 20_000);

    now = T0 + 19_000;
    expect((await store.heartbeat([item], 0))[0]!.leaseDeadlineMs).toBe(T0 + 20_000);
    expectIndexesConsistent();
  });
});

// ---------------------------------------------------------------------------------------------
// complete
// ---------------------------------------------------------------------------------------------

describe('complete', () => {
  it('records a success with its result and finishedAtMs, and drops the lease', async () => {
    await enqueueOne();
    const task = await leaseOne();
    now = T0 + 2500;

    const { value, changed } = await store.complete([completion(task, outcomes.success({ answer: 42 }))]);

    expect(value[0]).toMatchObject({ taskId: task.id, accepted: true });
    const stored = mustGet(task.id);
    expect(stored).toMatchObject({ status: 'success', finishedAtMs: T0 + 2500, updatedAtMs: T0 + 2500, attempt: 1, version: task.version + 1 });
    expect(parse(stored.result)).toEqual({ answer: 42 });
    expect(stored.lease).toBeUndefined();
    expect(comparable(value[0]!.task)).toEqual(comparable(stored));
    expect(ids(changed)).toEqual([task.id]);
    expect(await lease()).toEqual([]);
    expectIndexesConsistent();
  });

  it('schedules a retryable failure as RETRY after the backoff: initialMs, ×multiplier, capped at maxMs', async () => {
    const enqueued = await enqueueOne({
      args: bytes(['keep', 'me']),
      kwargs: bytes({ also: 'me' }),
      maxRetries: 10,
      backoff: { initialMs: 1000, multiplier: 3, maxMs: 5000 },
    });
    const expectedDelays = [1000, 3000, 5000, 5000];

    for (const [i, delayMs] of expectedDelays.entries()) {
      const task = await leaseOne();
      expect(task.attempt).toBe(i + 1);
      const failedAt = now;
      const error = { type: 'IOError', message: `attempt ${i + 1}`, traceback: '' };
      const result = await completeOne(task, outcomes.failure(true, error));

      expect(result.accepted).toBe(true);
      const stored = mustGet(task.id);
      expect(stored).toMatchObject({ status: 'retry', attempt: i + 1, delayed: true, runAtMs: failedAt + delayMs, error });
      expect(stored.lease).toBeUndefined();
      expect(stored.finishedAtMs).toBeUndefined();
      expect(parse(stored.args)).toEqual(['keep', 'me']);
      expect(parse(stored.kwargs)).toEqual({ also: 'me' });
      expectIndexesConsistent();

      // Not leasable during the backoff, leasable after promoteDue at its end.
      now = failedAt + delayMs - 1;
      await store.promoteDue(100);
      expect(await lease()).toEqual([]);
      now = failedAt + delayMs;
      expect((await store.promoteDue(100)).value).toBe(1);
    }
    const last = await leaseOne();
    expect(last.id).toBe(enqueued.id);
    expect(last.attempt).toBe(expectedDelays.length + 1);
    expect(parse(last.args)).toEqual(['keep', 'me']);
  });

  it('makes a RETRY with no backoff ready at once', async () => {
    await enqueueOne({ maxRetries: 1, backoff: { initialMs: 0, multiplier: 2, maxMs: 0 } });
    const task = await leaseOne();
    await completeOne(task, outcomes.failure(true));

    expect(mustGet(task.id)).toMatchObject({ status: 'retry', delayed: false });
    expect((await leaseOne()).attempt).toBe(2);
    expectIndexesConsistent();
  });

  it('ends a non-retryable failure in ERROR with the error stored, retries left or not', async () => {
    await enqueueOne({ maxRetries: 5 });
    const task = await leaseOne();
    now = T0 + 10;

    await completeOne(task, outcomes.failure(false));

    expect(mustGet(task.id)).toMatchObject({ status: 'error', error: boom, finishedAtMs: T0 + 10, attempt: 1 });
    now = T0 + 1_000_000;
    await store.promoteDue(100);
    expect(await lease()).toEqual([]);
    expectIndexesConsistent();
  });

  it('ends a failure on the last allowed attempt in ERROR', async () => {
    await enqueueOne({ maxRetries: 1, backoff: { initialMs: 100, multiplier: 2, maxMs: 0 } });
    const first = await leaseOne();
    await completeOne(first, outcomes.failure(true));
    expect(mustGet(first.id).status).toBe('retry');

    now += 100;
    await store.promoteDue(100);
    const second = await leaseOne();
    expect(second.attempt).toBe(2);
    const lastError = { type: 'KeyError', message: 'second', traceback: '' };
    await completeOne(second, outcomes.failure(true, lastError));

    expect(mustGet(first.id)).toMatchObject({ status: 'error', error: lastError, attempt: 2 });
    expectIndexesConsistent();
  });

  it('ends a failure in ERROR at once when maxRetries is 0', async () => {
    await enqueueOne({ maxRetries: 0 });
    const task = await leaseOne();
    await completeOne(task, outcomes.failure(true));
    expect(mustGet(task.id).status).toBe('error');
  });

  it('ends a cancelled outcome in CANCEL with its reason', async () => {
    await enqueueOne({ maxRetries: 3 });
    const task = await leaseOne();
    await completeOne(task, outcomes.cancelled('self-cancel'));

    expect(mustGet(task.id)).toMatchObject({ status: 'cancel', cancelReason: 'self-cancel', finishedAtMs: T0 });
    expect(await lease()).toEqual([]);
    expectIndexesConsistent();
  });

  it('refuses a stale token and changes nothing', async () => {
    await enqueueOne();
    const task = await leaseOne();
    const before = mustGet(task.id);

    const { value, changed } = await store.complete([completion(task, outcomes.success(), 'forged-token')]);

    expect(value[0]).toMatchObject({ taskId: task.id, accepted: false, reason: expect.any(String) });
    expect(changed).toEqual([]);
    expect(comparable(mustGet(task.id))).toEqual(comparable(before));
    expectIndexesConsistent();
  });

  it('refuses an outcome after the lease expired, even before it is reaped', async () => {
    await enqueueOne();
    const task = await leaseOne({ leaseMs: 1000 });
    now = T0 + 1001;

    const result = await completeOne(task, outcomes.success());

    expect(result).toMatchObject({ accepted: false, reason: expect.stringMatching(/expired/) });
    expect(mustGet(task.id).status).toBe('process');
  });

  it('refuses an outcome for a task that already ended', async () => {
    await enqueueOne();
    const task = await leaseOne();
    await completeOne(task, outcomes.success('first'));

    const again = await completeOne(task, outcomes.failure(false));

    expect(again).toMatchObject({ accepted: false, reason: expect.any(String) });
    expect(again.task, 'a refusal carries no task').toBeUndefined();
    expect(mustGet(task.id).status).toBe('success');
    expect(parse(mustGet(task.id).result)).toBe('first');
  });

  it('refuses an unknown task', async () => {
    const { value } = await store.complete([
      { taskId: '01890000-0000-7000-8000-000000000000', leaseToken: 'x', outcome: outcomes.success() },
    ]);
    expect(value[0]).toMatchObject({ accepted: false, reason: expect.any(String) });
    expect(value[0]!.task).toBeUndefined();
  });

  it('refuses a bad item of a batch and accepts the others', async () => {
    await enqueue({}, {}, {});
    const [a, b, c] = await lease();

    const { value, changed } = await store.complete([
      completion(a!, outcomes.success('a')),
      completion(b!, outcomes.success('b'), 'stale'),
      completion(c!, outcomes.failure(false)),
    ]);

    expect(value.map((r) => r.accepted)).toEqual([true, false, true]);
    expect(ids(changed)).toEqual([a!.id, c!.id]);
    expect([a, b, c].map((t) => mustGet(t!.id).status)).toEqual(['success', 'process', 'error']);
    expect(mustGet(b!.id).lease!.token).toBe(b!.lease!.token);
    expectIndexesConsistent();
  });

  it('refuses the second completion of the same task within one batch', async () => {
    await enqueueOne({ maxRetries: 3, backoff: { initialMs: 0, multiplier: 1, maxMs: 0 } });
    const task = await leaseOne();

    const { value } = await store.complete([completion(task, outcomes.failure(true)), completion(task, outcomes.success('late'))]);

    expect(value.map((r) => r.accepted)).toEqual([true, false]);
    const stored = mustGet(task.id);
    expect(stored.status).toBe('retry');
    expect(stored.result).toBeUndefined();
    expectIndexesConsistent();
  });
});

// ---------------------------------------------------------------------------------------------
// cancel
// ---------------------------------------------------------------------------------------------

describe('cancel', () => {
  it('cancels a NEW task at once, and it is never leased', async () => {
    const task = await enqueueOne();
    now = T0 + 50;

    const { value, changed } = await store.cancel(task.id, 'not needed');

    expect(value).toMatchObject({ id: task.id, status: 'cancel', cancelReason: 'not needed', finishedAtMs: T0 + 50, version: task.version + 1 });
    expect(ids(changed)).toEqual([task.id]);
    expect(mustGet(task.id).status).toBe('cancel');
    expect(await lease()).toEqual([]);
    expectIndexesConsistent();
  });

  it('cancels a delayed task, which promoteDue then skips', async () => {
    const task = await enqueueOne({ delayMs: 1000 });
    await store.cancel(task.id, 'nope');
    now = T0 + 5000;

    expect((await store.promoteDue(100)).value).toBe(0);
    expect(await lease()).toEqual([]);
    // Nothing left to run: only its removal, once the failed tasks' retention (7 days) has passed.
    expect(earliestDue(store)).toBe(T0 + 7 * 86_400_000);
    expectIndexesConsistent();
  });

  it('cancels a RETRY task waiting for its backoff', async () => {
    await enqueueOne({ maxRetries: 2 });
    const task = await leaseOne();
    await completeOne(task, outcomes.failure(true));

    expect((await store.cancel(task.id, 'give up')).value.status).toBe('cancel');
    now += 1_000_000;
    await store.promoteDue(100);
    expect(await lease()).toEqual([]);
    expectIndexesConsistent();
  });

  it('marks a PROCESS task cancelRequested and leaves it PROCESS', async () => {
    await enqueueOne();
    const task = await leaseOne();

    const { value, changed } = await store.cancel(task.id, 'stop it');

    expect(value).toMatchObject({ status: 'process', cancelRequested: true, cancelReason: 'stop it', version: task.version + 1 });
    expect(value.lease).toEqual(task.lease);
    expect(ids(changed)).toEqual([task.id]);
    expect(mustGet(task.id)).toMatchObject({ status: 'process', cancelRequested: true });
    expectIndexesConsistent();
  });

  it('leaves a PROCESS task already asked to cancel unchanged', async () => {
    await enqueueOne();
    const task = await leaseOne();
    const first = (await store.cancel(task.id, 'first')).value;

    const { value, changed } = await store.cancel(task.id, 'second');

    expect(value.version).toBe(first.version);
    expect(value.cancelReason).toBe('first');
    expect(changed).toEqual([]);
  });

  // broker.proto, CancelTask: CANCEL once the worker reports `Cancelled` or a `Failure`.
  it.each([
    ['a retryable failure with retries left', outcomes.failure(true)],
    ['a non-retryable failure', outcomes.failure(false)],
    ['a cancelled outcome', outcomes.cancelled('')],
  ])('ends a PROCESS task asked to cancel in CANCEL when its worker reports %s', async (_label, outcome) => {
    await enqueueOne({ maxRetries: 3 });
    const task = await leaseOne();
    await store.cancel(task.id, 'user asked');

    const result = await completeOne(task, outcome);

    expect(result.accepted).toBe(true);
    expect(mustGet(task.id)).toMatchObject({ status: 'cancel', cancelReason: 'user asked' });
    now += 1_000_000;
    await store.promoteDue(100);
    expect(await lease()).toEqual([]);
    expectIndexesConsistent();
  });

  it('keeps a success reported after a cancel request, since the work was done', async () => {
    // broker.proto, CancelTask: "A `Success` reported anyway is kept".
    await enqueueOne();
    const task = await leaseOne();
    await store.cancel(task.id, 'user asked');

    expect((await completeOne(task, outcomes.success('done anyway'))).accepted).toBe(true);

    const stored = mustGet(task.id);
    expect(stored).toMatchObject({ status: 'success', cancelRequested: true });
    expect(parse(stored.result)).toBe('done anyway');
    expectIndexesConsistent();
  });

  it('ends a PROCESS task asked to cancel in CANCEL when its lease is reaped', async () => {
    await enqueueOne({ maxRetries: 3 });
    const task = await leaseOne({ leaseMs: 1000 });
    await store.cancel(task.id, 'user asked');
    now = T0 + 1000;

    expect((await store.reapExpiredLeases(100)).value).toBe(1);

    expect(mustGet(task.id)).toMatchObject({ status: 'cancel', cancelReason: 'user asked' });
    expect(await lease()).toEqual([]);
    expectIndexesConsistent();
  });

  it('returns a CANCEL task unchanged', async () => {
    const task = await enqueueOne();
    const cancelled = (await store.cancel(task.id, 'first')).value;
    now = T0 + 999;

    const { value, changed } = await store.cancel(task.id, 'second');

    expect(comparable(value)).toEqual(comparable(cancelled));
    expect(changed).toEqual([]);
    expect(comparable(mustGet(task.id))).toEqual(comparable(cancelled));
  });

  it('refuses to cancel a SUCCESS task with FailedPreconditionError and changes nothing', async () => {
    await enqueueOne();
    const task = await leaseOne();
    await completeOne(task, outcomes.success());
    const before = mustGet(task.id);

    await expect(store.cancel(task.id, 'too late')).rejects.toBeInstanceOf(FailedPreconditionError);
    expect(comparable(mustGet(task.id))).toEqual(comparable(before));
  });

  it('refuses to cancel an ERROR task with FailedPreconditionError', async () => {
    await enqueueOne();
    await completeOne(await leaseOne(), outcomes.failure(false));
    const [task] = allTasks();

    await expect(store.cancel(task!.id, 'too late')).rejects.toBeInstanceOf(FailedPreconditionError);
    expect(mustGet(task!.id).status).toBe('error');
  });

  it('throws TaskNotFoundError for an unknown id', async () => {
    const error = await store.cancel('01890000-0000-7000-8000-000000000000', 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskNotFoundError);
    expect((error as TaskNotFoundError).taskId).toBe('01890000-0000-7000-8000-000000000000');
  });

  it('a refused cancel does not undo other writes sharing its commit', async () => {
    await enqueueOne();
    const done = await leaseOne();
    await completeOne(done, outcomes.success());

    // Issued in one event turn, these run in one write transaction.
    const [refused, enqueued] = await Promise.allSettled([store.cancel(done.id, 'x'), store.enqueue([newTask({ name: 'survivor' })])]);

    expect(refused.status).toBe('rejected');
    expect(enqueued.status).toBe('fulfilled');
    expect(names(await lease())).toEqual(['survivor']);
    expectIndexesConsistent();
  });
});

// ---------------------------------------------------------------------------------------------
// reapExpiredLeases
// ---------------------------------------------------------------------------------------------

describe('reapExpiredLeases', () => {
  it('leaves leases whose deadline has not passed', async () => {
    await enqueueOne({ maxRetries: 1 });
    const task = await leaseOne({ leaseMs: 1000 });
    now = T0 + 999;

    expect((await store.reapExpiredLeases(100)).value).toBe(0);
    expect(mustGet(task.id).status).toBe('process');
  });

  it('sends an expired task with retries left back to ready as RETRY (LeaseExpired), with a new token', async () => {
    await enqueueOne({ maxRetries: 2 });
    const first = await leaseOne({ leaseMs: 1000, workerId: 'slow' });
    now = T0 + 1500;

    const { value, changed } = await store.reapExpiredLeases(100);

    expect(value).toBe(1);
    expect(ids(changed)).toEqual([first.id]);
    const stored = mustGet(first.id);
    expect(stored).toMatchObject({ status: 'retry', delayed: false, attempt: 1, error: { type: 'LeaseExpired' } });
    expect(stored.lease).toBeUndefined();
    expectIndexesConsistent();

    const second = await leaseOne({ workerId: 'fast' });
    expect(second.id).toBe(first.id);
    expect(second.attempt).toBe(2);
    expect(second.lease!.token).not.toBe(first.lease!.token);

    // The slow worker comes back with its old token: fenced off.
    const [beat] = await store.heartbeat([{ taskId: first.id, leaseToken: first.lease!.token }], 0);
    expect(beat!.ok).toBe(false);
    const late = await completeOne(first, outcomes.success('stale'));
    expect(late.accepted).toBe(false);
    expect(mustGet(first.id)).toMatchObject({ status: 'process', attempt: 2, workerId: 'fast' });

    expect((await completeOne(second, outcomes.success('fresh'))).accepted).toBe(true);
    expect(parse(mustGet(first.id).result)).toBe('fresh');
    expectIndexesConsistent();
  });

  it('fails an expired task with no retries left in ERROR (LeaseExpired)', async () => {
    await enqueueOne({ maxRetries: 0 });
    const task = await leaseOne({ leaseMs: 1000 });
    now = T0 + 1000;

    expect((await store.reapExpiredLeases(100)).value).toBe(1);

    expect(mustGet(task.id)).toMatchObject({ status: 'error', error: { type: 'LeaseExpired' }, finishedAtMs: T0 + 1000 });
    expect(await lease()).toEqual([]);
    expectIndexesConsistent();
  });

  it('records TimeLimitExceeded when the attempt ran out of maxTimeMs', async () => {
    await enqueueOne({ maxTimeMs: 5000, maxRetries: 0 });
    const task = await leaseOne({ leaseMs: 60_000 });
    now = T0 + 5000;

    await store.reapExpiredLeases(100);

    expect(mustGet(task.id)).toMatchObject({ status: 'error', error: { type: 'TimeLimitExceeded' } });
    expectIndexesConsistent();
  });

  it('records TimeLimitExceeded for a task heartbeated up to its time limit, and retries it', async () => {
    await enqueueOne({ maxTimeMs: 12_000, maxRetries: 1 });
    const task = await leaseOne({ leaseMs: 5000 });
    const item = { taskId: task.id, leaseToken: task.lease!.token };
    for (const at of [4000, 8000, 11_000]) {
      now = T0 + at;
      expect((await store.heartbeat([item], 0))[0]!.ok).toBe(true);
    }
    now = T0 + 12_000;

    await store.reapExpiredLeases(100);

    expect(mustGet(task.id)).toMatchObject({ status: 'retry', error: { type: 'TimeLimitExceeded' } });
    const retry = await leaseOne({ leaseMs: 5000 });
    expect(retry.lease!.timeLimitAtMs).toBe(T0 + 12_000 + 12_000);
  });

  it('records LeaseExpired when a lease with a time limit runs out before the limit', async () => {
    await enqueueOne({ maxTimeMs: 60_000, maxRetries: 0 });
    const task = await leaseOne({ leaseMs: 1000 });
    now = T0 + 1000;

    await store.reapExpiredLeases(100);

    expect(mustGet(task.id).error!.type).toBe('LeaseExpired');
  });

  it('reaps in deadline order and no more than the limit', async () => {
    await enqueue({ name: 'long' }, { name: 'short' }, { name: 'mid' });
    const long = await leaseOne({ leaseMs: 3000 });
    const short = await leaseOne({ leaseMs: 1000 });
    const mid = await leaseOne({ leaseMs: 2000 });
    now = T0 + 10_000;

    expect((await store.reapExpiredLeases(2)).changed.map((t) => t.name)).toEqual([short.name, mid.name]);
    expect(mustGet(long.id).status).toBe('process');
    expect((await store.reapExpiredLeases(2)).value).toBe(1);
    expectIndexesConsistent();
  });
});

// ---------------------------------------------------------------------------------------------
// list
// ---------------------------------------------------------------------------------------------

describe('list', () => {
  /** 12 tasks in two queues and five statuses. */
  async function seed(): Promise<TaskRecord[]> {
    await enqueue(
      ...Array.from({ length: 7 }, (_, i) => ({ name: `a${i}`, queue: 'a', maxRetries: 1, backoff: { initialMs: 100, multiplier: 1, maxMs: 0 } })),
      ...Array.from({ length: 5 }, (_, i) => ({ name: `b${i}`, queue: 'b' })),
    );
    // a3 stays PROCESS.
    const [a0, a1, a2] = await lease({ queues: ['a'], maxTasks: 4 });
    const [b0] = await lease({ queues: ['b'], maxTasks: 1 });
    await store.complete([
      completion(a0!, outcomes.success()),
      completion(a1!, outcomes.failure(true)),
      completion(a2!, outcomes.failure(false)),
      completion(b0!, outcomes.success()),
    ]);
    await store.cancel(allTasks().find((t) => t.name === 'b4')!.id, 'x');
    return allTasks();
  }

  const matching = (all: TaskRecord[], filter: { queue?: string; status?: TaskStatus }): string[] =>
    ids(all.filter((t) => (filter.queue === undefined || t.queue === filter.queue) && (filter.status === undefined || t.status === filter.status))).sort();

  it('without a filter lists every task in creation order', async () => {
    const all = await seed();
    const page = store.list({ limit: 100 });
    expect(ids(page.tasks)).toEqual(ids(all));
    expect(page.tasks).toHaveLength(12);
    expect(page.next).toBeUndefined();
  });

  it('filters by queue', async () => {
    const all = await seed();
    const page = store.list({ queue: 'b', limit: 100 });
    expect(ids(page.tasks).sort()).toEqual(matching(all, { queue: 'b' }));
    expect(page.tasks.every((t) => t.queue === 'b')).toBe(true);
    expect(page.tasks).toHaveLength(5);
  });

  it('filters by status', async () => {
    const all = await seed();
    const page = store.list({ status: 'success', limit: 100 });
    expect(ids(page.tasks).sort()).toEqual(matching(all, { status: 'success' }));
    expect(names(page.tasks).sort()).toEqual(['a0', 'b0']);
    // a4–a6 and b1–b3.
    expect(store.list({ status: 'new', limit: 100 }).tasks).toHaveLength(6);
  });

  it('filters by queue and status', async () => {
    await seed();
    expect(names(store.list({ queue: 'a', status: 'new', limit: 100 }).tasks).sort()).toEqual(['a4', 'a5', 'a6']);
    expect(names(store.list({ queue: 'a', status: 'retry', limit: 100 }).tasks)).toEqual(['a1']);
    expect(names(store.list({ queue: 'a', status: 'process', limit: 100 }).tasks)).toEqual(['a3']);
    expect(names(store.list({ queue: 'b', status: 'cancel', limit: 100 }).tasks)).toEqual(['b4']);
    expect(store.list({ queue: 'b', status: 'error', limit: 100 }).tasks).toEqual([]);
    expect(store.list({ queue: 'nope', limit: 100 }).tasks).toEqual([]);
  });

  const filters: { queue?: string; status?: TaskStatus }[] = [
    {},
    { queue: 'a' },
    { queue: 'b' },
    { status: 'new' },
    { status: 'success' },
    { queue: 'a', status: 'new' },
  ];

  it.each(filters.flatMap((filter) => [1, 2, 3, 5, 12, 13].map((limit) => [JSON.stringify(filter), limit, filter] as const)))(
    'pages with filter %s and limit %i visit every task exactly once',
    async (_label, limit, filter) => {
      const all = await seed();
      const expected = matching(all, filter);

      const pages = listAllPages(filter, limit);
      const seen = ids(pages.flat());

      expect(seen.sort()).toEqual(expected);
      expect(pages).toHaveLength(Math.max(1, Math.ceil(expected.length / limit)));
    },
  );

  it('returns an empty last page without a cursor on an empty store', () => {
    expect(store.list({ limit: 10 })).toEqual({ tasks: [] });
    expect(store.list({ queue: 'x', limit: 10 })).toEqual({ tasks: [] });
  });
});

// ---------------------------------------------------------------------------------------------
// index invariants over a mixed workload
// ---------------------------------------------------------------------------------------------

describe('index invariants', () => {
  it('hold after a mixed sequence of every verb', async () => {
    await enqueue(
      { queue: 'q1', priority: 2, maxRetries: 2, backoff: { initialMs: 500, multiplier: 2, maxMs: 0 } },
      { queue: 'q1', priority: 1, maxRetries: 0 },
      { queue: 'q2', priority: 1, delayMs: 2000 },
      { queue: 'q2', priority: 3, maxTimeMs: 4000, maxRetries: 1 },
      { queue: 'q2', priority: 0, idempotencyKey: 'once', ...SAME },
      { queue: 'q2', priority: 0, idempotencyKey: 'once', ...SAME },
    );
    expectIndexesConsistent();

    const leased = await lease({ queues: ['q1', 'q2'], maxTasks: 3, leaseMs: 3000 });
    expectIndexesConsistent();
    await store.complete([completion(leased[0]!, outcomes.failure(true)), completion(leased[1]!, outcomes.success())]);
    expectIndexesConsistent();
    await store.cancel(leased[2]!.id, 'stop');
    expectIndexesConsistent();

    now = T0 + 2500;
    await store.promoteDue(100);
    expectIndexesConsistent();
    const more = await lease({ queues: ['q1', 'q2'], maxTasks: 10, leaseMs: 3000 });
    expectIndexesConsistent();
    await store.heartbeat(more.map((t) => ({ taskId: t.id, leaseToken: t.lease!.token })), 10_000);
    expectIndexesConsistent();

    now = T0 + 100_000;
    await store.reapExpiredLeases(100);
    expectIndexesConsistent();
    await store.promoteDue(100);
    expectIndexesConsistent();

    const statuses = new Set(allTasks().map((t) => t.status));
    expect(statuses.size).toBeGreaterThanOrEqual(3);
  });
});

// ---------------------------------------------------------------------------------------------
// durability across reopen
// ---------------------------------------------------------------------------------------------

describe('reopen', () => {
  async function reopen(): Promise<void> {
    await store.close();
    store = await openStore();
  }

  it('keeps every stored task across a reopen; a lease does not survive it, nor count as an attempt', async () => {
    await enqueue({ name: 'waiting' }, { name: 'running' }, { name: 'later', delayMs: 5000 });
    const running = await leaseOne();
    const stored = storedTasks().map(comparable);

    await reopen();

    expect(storedTasks().map(comparable)).toEqual(stored);
    expect(mustGet(running.id)).toMatchObject({ status: 'new', attempt: 0 });
    expect(mustGet(running.id).lease).toBeUndefined();
    expect(earliestDue(store)).toBe(T0 + 5000);
    expectIndexesConsistent();
    // The lease taken before the reopen is gone: its outcome is refused, and the task runs again.
    expect((await completeOne(running, outcomes.success())).accepted).toBe(false);
    expect(names(await lease())).toEqual(['waiting', 'running']);
  });

  it('ends in CANCEL, at the reopen, a task asked to cancel while its lease was held', async () => {
    await enqueueOne({ name: 'asked' });
    const running = await leaseOne();
    await store.cancel(running.id, 'stop it');

    await reopen();

    expect(mustGet(running.id)).toMatchObject({ status: 'cancel', cancelReason: 'stop it' });
    expect(await lease()).toEqual([]);
    expectIndexesConsistent();
  });

  it('continues the FIFO sequence: a task enqueued after a reopen runs after older ones', async () => {
    await enqueue({ name: 'old-1', priority: 4 }, { name: 'old-2', priority: 4 });
    await reopen();
    await enqueue({ name: 'new-1', priority: 4 }, { name: 'new-2', priority: 4 });
    await reopen();
    await enqueue({ name: 'newest', priority: 4 });

    expectIndexesConsistent();
    expect(names(await lease())).toEqual(['old-1', 'old-2', 'new-1', 'new-2', 'newest']);
  });

  it('refuses a data directory written by a newer schema', async () => {
    await (store as any).meta.put('schemaVersion', 999);
    await store.close();
    await expect(openStore()).rejects.toThrow(/newer broker/);

    // The refused directory stays behind; give afterEach a fresh store to close.
    const refusedDir = dir;
    dir = await mkdtemp(path.join(os.tmpdir(), 'qtasks-store-'));
    store = await openStore();
    await rm(refusedDir, { recursive: true, force: true });
  });

  it('in strict mode, durable() resolves and the tasks survive a reopen', async () => {
    await store.close();
    store = await TaskStore.open({ path: dir, durability: 'strict', clock: () => now });
    expect(store.durability).toBe('strict');
    const task = await enqueueOne();
    await store.durable();
    await reopen();
    expect(mustGet(task.id).status).toBe('new');
  });

  it('keeps idempotency keys across a reopen', async () => {
    const first = await enqueueOne({ idempotencyKey: 'k', ...SAME });
    await reopen();
    expect((await enqueueOne({ idempotencyKey: 'k', ...SAME })).id).toBe(first.id);
  });
});
