/**
 * The PostgreSQL store's verbs (`server/src/store/postgres/pg-task-store.ts`) on a real PostgreSQL
 * made by the test run, a fresh database per test; several stores on one database stand for
 * several brokers.
 */
import { afterEach, describe, expect, it, vi, type TestContext } from 'vitest';
import { newTask } from '../../server/src/core/new-task.fixture.js';
import { AlreadyExistsError, IllegalTransitionError } from '../../server/src/domain/errors.js';
import { STALE_LEASE } from '../../server/src/domain/transitions/lease-fence.js';
import type { NewTask, TaskRecord } from '../../server/src/domain/task.js';
import type { EarlyBatch, EarlyHandoff } from '../../server/src/store/early-tasks.js';
import type { WriteResult } from '../../server/src/store/task-store.js';
import { PgTaskStore, REMOVED_AT_END_GRACE_MS, type PgTaskStoreOptions } from '../../server/src/store/postgres/pg-task-store.js';
import { usePostgresDatabases } from '../helpers/postgres-databases.js';

const databases = usePostgresDatabases();
const opened: PgTaskStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});

/** `count` stores ("brokers") on one fresh database, or none when the test skips. */
async function stores(ctx: TestContext, count = 1, options: Partial<PgTaskStoreOptions> = {}): Promise<PgTaskStore[]> {
  if (databases.skipReason) ctx.skip(databases.skipReason);
  const { url } = await databases.fresh();
  const made = await Promise.all(Array.from({ length: count }, () => PgTaskStore.open({ url, poolSize: 4, ...options })));
  opened.push(...made);
  return made;
}

const task = (overrides: Partial<NewTask> = {}): NewTask => ({ ...newTask('q'), ...overrides });
const lease = (store: PgTaskStore, maxTasks = 10, queues = ['q']) => store.lease({ workerId: 'w', queues, maxTasks, leaseMs: 30_000 });
const success = (leased: TaskRecord, token = leased.lease!.token) => ({ taskId: leased.id, leaseToken: token, outcome: { kind: 'success' as const, result: Buffer.from('42') } });

describe('PgTaskStore', () => {
  it('stores what it serves: a task reads back as it was enqueued', async (ctx) => {
    const [store] = await stores(ctx);
    const { value: [stored], changed } = await store!.enqueue([task({ args: Buffer.from('[1,2]'), tags: ['a'], metadata: { k: 'v' } })]);
    expect(changed).toEqual([stored]);
    expect(await store!.get(stored!.id)).toEqual(stored);
    expect(await store!.get('0190f5c2-0000-7000-8000-00000000ffff')).toBeUndefined();
  });

  it('leases best first: lowest priority, then the oldest in line; each task once', async (ctx) => {
    const [store] = await stores(ctx);
    const { value: enqueued } = await store!.enqueue([task({ priority: 5 }), task({ priority: 1 }), task({ priority: 5 }), task({ queue: 'other' })]);
    const first = await lease(store!, 2);
    expect(first.value.map((t) => t.id)).toEqual([enqueued[1]!.id, enqueued[0]!.id]);
    expect(first.value.every((t) => t.status === 'process' && t.lease !== undefined && t.attempt === 1)).toBe(true);
    expect((await lease(store!)).value.map((t) => t.id)).toEqual([enqueued[2]!.id]);
    expect((await lease(store!)).value).toEqual([]);
    expect((await store!.get(enqueued[1]!.id))?.status).toBe('process');
  });

  it('three brokers leasing at once from one database never take the same task', async (ctx) => {
    const brokers = await stores(ctx, 3);
    await brokers[0]!.enqueue(Array.from({ length: 300 }, () => task()));
    const taken: string[] = [];
    await Promise.all(
      brokers.map(async (broker) => {
        for (;;) {
          const { value } = await lease(broker, 7);
          if (value.length === 0) return;
          taken.push(...value.map((t) => t.id));
        }
      }),
    );
    expect(taken).toHaveLength(300);
    expect(new Set(taken).size).toBe(300);
  });

  it('an outcome is fenced by its lease token: a stale one and an expired one are refused, per item', async (ctx) => {
    let nowMs = Date.now();
    const [store] = await stores(ctx, 1, { now: () => nowMs });
    await store!.enqueue([task(), task()]);
    const [a, b] = (await lease(store!)).value;

    const { value, changed } = await store!.complete([success(a!), success(b!, 'not-the-token')]);
    expect(value.map((r) => r.accepted)).toEqual([true, false]);
    expect(value[1]!.reason).toBe(STALE_LEASE);
    expect(changed.map((t) => t.status)).toEqual(['success']);
    expect(await store!.get(a!.id)).toMatchObject({ status: 'success', result: Buffer.from('42') });

    nowMs += 30_001;
    const late = await store!.complete([success(b!)]);
    expect(late.value[0]).toMatchObject({ accepted: false, reason: 'lease expired' });
    expect((await store!.get(b!.id))?.status).toBe('process');
  });

  it('a retryable failure puts the task back, delayed by its backoff; a task kept 0 ms stays a grace for other brokers\' watchers, then is swept', async (ctx) => {
    let nowMs = Date.now();
    const [store] = await stores(ctx, 1, { now: () => nowMs });
    const { value: [retried, gone] } = await store!.enqueue([task({ maxRetries: 1 }), task({ retentionMs: 0 })]);
    const leased = (await lease(store!)).value;
    const byId = new Map(leased.map((t) => [t.id, t]));
    const failure = { kind: 'failure' as const, error: { type: 'E', message: 'boom', traceback: '' }, retryable: true };
    await store!.complete([
      { taskId: retried!.id, leaseToken: byId.get(retried!.id)!.lease!.token, outcome: failure },
      success(byId.get(gone!.id)!),
    ]);
    expect(await store!.get(retried!.id)).toMatchObject({ status: 'retry', delayed: true, attempt: 1 });
    expect((await lease(store!)).value).toEqual([]); // waiting out its backoff
    expect((await store!.get(gone!.id))?.status).toBe('success');
    expect(store!.expiresAtMs((await store!.get(gone!.id))!)).toBe(nowMs + REMOVED_AT_END_GRACE_MS);
    nowMs += REMOVED_AT_END_GRACE_MS - 1;
    expect((await store!.sweepExpired(10)).value).toBe(0);
    nowMs += 1;
    expect((await store!.sweepExpired(10)).value).toBe(1);
    expect(await store!.get(gone!.id)).toBeUndefined();
  });

  it('an idempotency key returns the task that holds it; the same key with another task stores nothing of the batch', async (ctx) => {
    const [store, other] = await stores(ctx, 2);
    const { value: [first] } = await store!.enqueue([task({ idempotencyKey: 'k' })]);
    // Through another broker: the database, not a broker's memory, holds the key.
    const again = await other!.enqueue([task({ idempotencyKey: 'k' }), task()]);
    expect(again.value[0]!.id).toBe(first!.id);
    expect(again.changed).toHaveLength(1);

    const refused = other!.enqueue([task(), task({ idempotencyKey: 'k', args: Buffer.from('[2]') })]);
    await expect(refused).rejects.toBeInstanceOf(AlreadyExistsError);
    await expect(refused).rejects.toThrow(/^tasks\[1\]\.idempotency_key: "k" is already used in queue "q" by task .*, with another args/);
    expect((await lease(store!, 100)).value).toHaveLength(2); // the first and the one stored with the retry
  });

  it('a heartbeat moves the deadline in the row, and says when the task was asked to cancel', async (ctx) => {
    let nowMs = Date.now();
    const [store] = await stores(ctx, 1, { now: () => nowMs });
    await store!.enqueue([task()]);
    const [leased] = (await lease(store!)).value;
    nowMs += 20_000;
    const [beat] = await store!.heartbeat([{ taskId: leased!.id, leaseToken: leased!.lease!.token }, { taskId: leased!.id, leaseToken: 'stale' }], 0);
    expect(beat).toMatchObject({ ok: true, cancelRequested: false, leaseDeadlineMs: nowMs + 30_000 });
    expect((await store!.get(leased!.id))?.lease?.deadlineMs).toBe(nowMs + 30_000);

    await store!.cancel(leased!.id, 'enough');
    nowMs += 20_000; // past the first deadline, within the extended one
    const [asked] = await store!.heartbeat([{ taskId: leased!.id, leaseToken: leased!.lease!.token }], 0);
    expect(asked).toMatchObject({ ok: true, cancelRequested: true });
    expect((await store!.reportProgress([{ taskId: leased!.id, leaseToken: leased!.lease!.token, progress: Buffer.from('{"n":1}') }])).value).toEqual([{ taskId: leased!.id, ok: true }]);
    expect((await store!.get(leased!.id))?.progress).toEqual(Buffer.from('{"n":1}'));
  });

  it('cancel ends a waiting task at once and refuses an unknown one', async (ctx) => {
    const [store] = await stores(ctx);
    const { value: [waiting] } = await store!.enqueue([task()]);
    expect((await store!.cancel(waiting!.id, 'no longer needed')).value).toMatchObject({ status: 'cancel', cancelReason: 'no longer needed' });
    expect((await store!.cancel(waiting!.id, 'again')).changed).toEqual([]);
    await expect(store!.cancel('0190f5c2-0000-7000-8000-00000000ffff', 'x')).rejects.toThrow(/not found/);
    expect((await lease(store!)).value).toEqual([]);
  });

  it('a lease held through a broker that went away is reaped by another at its deadline; the late outcome is refused', async (ctx) => {
    let nowMs = Date.now();
    const [gone, survivor] = await stores(ctx, 2, { now: () => nowMs });
    await gone!.enqueue([task({ maxRetries: 1 }), task()]);
    const leased = (await lease(gone!)).value;
    expect((await survivor!.reapExpiredLeases(100)).value).toBe(0); // not yet
    nowMs += 30_000;
    const reaped = await survivor!.reapExpiredLeases(100);
    expect(reaped.value).toBe(2);
    expect(reaped.changed.map((t) => [t.status, t.error?.type]).sort()).toEqual([['error', 'LeaseExpired'], ['retry', 'LeaseExpired']]);
    expect((await gone!.complete(leased.map((t) => success(t)))).value.map((r) => r.accepted)).toEqual([false, false]);
    expect((await lease(survivor!)).value).toHaveLength(1); // the one with a retry left
  });

  it('a delayed task waits for its time, then is put in line by whichever broker promotes it', async (ctx) => {
    let nowMs = Date.now();
    const [store] = await stores(ctx, 1, { now: () => nowMs });
    const { value: [delayed] } = await store!.enqueue([task({ delayMs: 5_000 })]);
    expect(await store!.promoteDue(100)).toMatchObject({ value: 0 });
    expect((await lease(store!)).value).toEqual([]);
    nowMs += 5_000;
    expect((await store!.promoteDue(100)).value).toBe(1);
    expect((await lease(store!)).value.map((t) => t.id)).toEqual([delayed!.id]);
  });

  it("one broker hears another's writes at their commit: tasks ready by queue, tasks moved by version; nothing of a write rolled back", async (ctx) => {
    const [a, b] = await stores(ctx, 2);
    const heard: string[] = [];
    const stop = await b!.listen({
      ready: (queue, count) => heard.push(`ready ${queue} ${count}`),
      changed: (tasks) => heard.push(...tasks.map((t) => `changed ${t.taskId} v${t.version}`)),
    });
    const { value: enqueued } = await a!.enqueue([task(), task(), task({ queue: 'other', idempotencyKey: 'k' })]);
    const [first, second] = enqueued;
    await expect(a!.enqueue([task({ queue: 'other', idempotencyKey: 'k', args: Buffer.from('[9]') })])).rejects.toThrow(/idempotency_key/);
    const [leased] = (await lease(a!, 1)).value;
    await vi.waitFor(() => expect(heard.filter((line) => line.startsWith('changed'))).toHaveLength(4));
    expect(heard.slice(0, 2)).toEqual(['ready q 2', 'ready other 1']);
    expect(heard).toContain(`changed ${first!.id} v${first!.version}`);
    expect(heard).toContain(`changed ${leased!.id} v${leased!.version}`);
    expect(leased!.id).toBe(first!.id);
    expect(heard).not.toContain(`changed ${second!.id} v${second!.version + 1}`);
    // The refused enqueue's task was never heard of.
    const ids = new Set(enqueued.map((t) => t.id));
    expect(heard.filter((line) => line.startsWith('changed')).every((line) => ids.has(line.split(' ')[1]!))).toBe(true);
    await stop();
  });

  it('an id that is no UUID names no task: unknown to get and cancel, refused per item in a batch', async (ctx) => {
    const [store] = await stores(ctx);
    await store!.enqueue([task()]);
    const [leased] = (await lease(store!)).value;
    expect(await store!.get('nope')).toBeUndefined();
    await expect(store!.cancel('nope', 'x')).rejects.toThrow('task nope not found');
    const { value } = await store!.complete([{ ...success(leased!), taskId: 'nope' }, success(leased!)]);
    expect(value.map((r) => [r.accepted, r.reason])).toEqual([[false, STALE_LEASE], [true, undefined]]);
  });

  it('a pause holds for every broker on the database; resuming wakes the brokers for its ready tasks', async (ctx) => {
    const [a, b] = await stores(ctx, 2);
    await a!.enqueue([task(), task({ queue: 'open' })]);
    await a!.setPaused('q', true);
    expect(await b!.isPaused('q')).toBe(true);
    expect((await lease(b!)).value).toEqual([]);
    expect((await lease(b!, 10, ['q', 'open'])).value.map((t) => t.queue)).toEqual(['open']);

    const ready: string[] = [];
    const stop = await a!.listen({ ready: (queue, count) => ready.push(`${queue} ${count}`), changed: () => undefined });
    await b!.setPaused('q', false);
    await vi.waitFor(() => expect(ready).toEqual(['q 1']));
    expect((await lease(a!)).value).toHaveLength(1);
    await stop();
  });

  it('retry runs an ended task again; the sweep removes ended tasks whose retention ran out, and only those', async (ctx) => {
    let nowMs = Date.now();
    const [store] = await stores(ctx, 1, { now: () => nowMs, retention: { succeededMs: 60_000, failedMs: 120_000 } });
    const { value: [failed, succeeded] } = await store!.enqueue([task(), task()]);
    const leased = new Map((await lease(store!)).value.map((t) => [t.id, t]));
    const failure = { kind: 'failure' as const, error: { type: 'E', message: 'boom', traceback: '' }, retryable: false };
    await store!.complete([{ taskId: failed!.id, leaseToken: leased.get(failed!.id)!.lease!.token, outcome: failure }, success(leased.get(succeeded!.id)!)]);
    await expect(store!.retry(succeeded!.id)).rejects.toBeInstanceOf(IllegalTransitionError);

    nowMs += 60_000;
    expect((await store!.sweepExpired(100)).value).toBe(1);
    expect(await store!.get(succeeded!.id)).toBeUndefined();
    expect((await store!.get(failed!.id))?.status).toBe('error'); // kept 120 s
    expect((await store!.retry(failed!.id)).value).toMatchObject({ status: 'retry', delayed: false });
    nowMs += 120_000;
    expect((await store!.sweepExpired(100)).value).toBe(0); // running again: not ended, not swept
    expect((await store!.get(failed!.id))?.status).toBe('retry');
  });

  it('lists by queue and status in id order, page by page, and refuses a cursor it did not make', async (ctx) => {
    const [store] = await stores(ctx);
    const { value: enqueued } = await store!.enqueue([task(), task(), task(), task({ queue: 'other' })]);
    const [leased] = (await lease(store!, 1)).value;
    const inQueue = enqueued.filter((t) => t.queue === 'q').map((t) => t.id);

    const first = await store!.list({ queue: 'q', limit: 2 });
    expect(first.tasks.map((t) => t.id)).toEqual(inQueue.slice(0, 2));
    const second = await store!.list({ queue: 'q', limit: 2, after: first.next });
    expect(second).toEqual({ tasks: [expect.objectContaining({ id: inQueue[2] })] });
    expect((await store!.list({ status: 'process', limit: 10 })).tasks.map((t) => t.id)).toEqual([leased!.id]);
    expect((await store!.list({ limit: 10 })).tasks).toHaveLength(4);
    await expect(store!.list({ limit: 10, after: ['nope'] })).rejects.toThrow(/^page_token: /);
  });

  it('lists ended tasks of a status in the order they ended, since a time, page by page', async (ctx) => {
    let nowMs = Date.now();
    const [store] = await stores(ctx, 1, { now: () => nowMs });
    await store!.enqueue([task(), task(), task()]);
    const leased = (await lease(store!)).value;
    // They end in reverse order of their ids, a second apart.
    for (const t of [...leased].reverse()) {
      nowMs += 1000;
      await store!.complete([success(t)]);
    }
    const endOrder = [...leased].reverse().map((t) => t.id);
    const first = await store!.list({ queue: 'q', status: 'success', limit: 2 });
    expect(first.tasks.map((t) => t.id)).toEqual(endOrder.slice(0, 2));
    expect((await store!.list({ queue: 'q', status: 'success', limit: 2, after: first.next })).tasks.map((t) => t.id)).toEqual(endOrder.slice(2));
    expect((await store!.list({ queue: 'q', status: 'success', limit: 10, finishedAfterMs: nowMs - 1000 })).tasks.map((t) => t.id)).toEqual(endOrder.slice(1));
  });

  /** A hand-over as the core runs it: each queue woken has one parked worker, which leases at once. */
  function parkedWorkers(store: PgTaskStore) {
    const leases: Promise<WriteResult<TaskRecord[]>>[] = [];
    const told: { changed: TaskRecord[]; batch: EarlyBatch }[] = [];
    const handoff: EarlyHandoff = {
      ready: () => {
        throw new Error('the PostgreSQL store offers its tasks instead');
      },
      offer: (readyCounts) => {
        for (const queue of readyCounts.keys()) leases.push(store.lease({ workerId: 'parked', queues: [queue], maxTasks: 1, leaseMs: 30_000 }) as Promise<WriteResult<TaskRecord[]>>);
        return true;
      },
      committed: (changed, batch) => void told.push({ changed: [...changed], batch }),
      acknowledged: () => {
        throw new Error('no ack log on PostgreSQL');
      },
    };
    return { handoff, told, leased: async () => (await Promise.all(leases)).flatMap((result) => result.value) };
  }

  it('an Enqueue leases its ready tasks to the parked workers in its own statement, and tells of both at its commit', async (ctx) => {
    const [store] = await stores(ctx);
    const parked = parkedWorkers(store!);
    const { value: enqueued, changed, early } = await store!.enqueue([task(), task()], parked.handoff);
    const leased = await parked.leased();
    // One worker, one slot: the first task, stored leased; the reply says what was enqueued.
    expect(leased.map((t) => t.id)).toEqual([enqueued[0]!.id]);
    expect(leased[0]).toMatchObject({ status: 'process', workerId: 'parked', attempt: 1 });
    expect(enqueued.map((t) => t.status)).toEqual(['new', 'new']);
    expect(await store!.get(enqueued[0]!.id)).toEqual(leased[0]);
    expect((await store!.get(enqueued[1]!.id))?.status).toBe('new');
    // Told at the commit: the NEW states, then the lease, once (the lease itself tells nothing).
    expect(parked.told).toEqual([{ changed: enqueued, batch: early }]);
    expect(early).toMatchObject({ ids: new Set([enqueued[0]!.id]), leased });
    expect(changed).toEqual(enqueued);
    // The other is in line as any task.
    expect((await lease(store!)).value.map((t) => t.id)).toEqual([enqueued[1]!.id]);
    await store!.complete([success(leased[0]!)]);
    expect((await store!.get(enqueued[0]!.id))?.status).toBe('success');
  });

  it('an Enqueue hands out nothing of a paused or limited queue, and nothing if its insert fails', async (ctx) => {
    const [store] = await stores(ctx);
    await store!.setPaused('paused', true);
    await store!.setQueueLimits('limited', { maxRunning: 5, maxRunningPerKey: 0 });
    const parked = parkedWorkers(store!);
    const { value: enqueued, early } = await store!.enqueue([task({ queue: 'paused' }), task({ queue: 'limited' }), task({ queue: 'q', delayMs: 60_000 })], parked.handoff);
    expect(await parked.leased()).toEqual([]);
    expect(early).toBeUndefined();
    expect((await store!.getMany(enqueued.map((t) => t.id))).map((t) => t.status)).toEqual(['new', 'new', 'new']);
    // A queue name PostgreSQL cannot store (a NUL byte): the insert fails, and the parked worker gets nothing.
    const failing = parkedWorkers(store!);
    await expect(store!.enqueue([task({ queue: 'bad\u0000queue' })], failing.handoff)).rejects.toThrow();
    expect(await failing.leased()).toEqual([]);
    expect(failing.told).toEqual([]);
  });

  it('a lease over several queues takes the best of them all; what it locked and left is announced ready again', async (ctx) => {
    const [a, b] = await stores(ctx, 2);
    const { value: enqueued } = await a!.enqueue([task({ queue: 'x', priority: 3 }), task({ queue: 'y', priority: 1 }), task({ queue: 'x', priority: 2 }), task({ queue: 'y', priority: 4 })]);
    const ready: string[] = [];
    // Announced to every broker (origin `*`), the leasing one's parked workers too: the enqueue's own
    // notifications (origin: store a) may still arrive after this listener joins, and are not these.
    const stop = await b!.listen({ ready: (queue, count, origin) => origin === '*' && ready.push(`${queue} ${count}`), changed: () => undefined });
    const { value } = await lease(a!, 2, ['x', 'y']);
    expect(value.map((t) => t.priority)).toEqual([1, 2]);
    // Each queue locked its best two; the two not leased went back at the commit, and were told.
    await vi.waitFor(() => expect(ready.sort()).toEqual(['x 1', 'y 1']));
    expect((await lease(b!, 10, ['x', 'y'])).value.map((t) => t.id).sort()).toEqual([enqueued[0]!.id, enqueued[3]!.id].sort());
    await stop();
  });
});
