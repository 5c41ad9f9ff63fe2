import { describe, expect, test, vi } from 'vitest';
import { OverloadedError } from '../domain/errors.js';
import { TaskStore } from '../store/task-store.js';
import { Broker } from './broker.js';
import type { NewTask } from '../domain/task.js';
import { newTask } from './new-task.fixture.js';
import { useTempBroker } from './temp-broker.fixture.js';

const stay = (): AbortSignal => new AbortController().signal;
/** A Lease of up to `maxTasks` from `queues` that waits up to 10 s. */
const parkLease = (on: Broker, queues: string[], maxTasks = 1): Promise<unknown[]> =>
  on.lease({ workerId: 'w', queues, maxTasks, leaseMs: 30_000 }, 10_000, stay());
/** Lets every parked Lease make its first attempt and park. */
const settle = async (): Promise<void> => {
  await store.enqueue([]);
  await new Promise((resolve) => setImmediate(resolve));
};

let store: TaskStore;
let broker: Broker;
useTempBroker((made) => ({ store, broker } = made));

/** Counts the synchronous commits (`transactionSync`) of `of` from now on. */
function syncCommits(of: TaskStore): { readonly calls: unknown[] } {
  return vi.spyOn((of as unknown as { env: { transactionSync(): unknown } }).env, 'transactionSync').mock;
}

/** Resolves once the store may commit a lone write synchronously again (see store/commits.ts). */
async function syncWindowOver(of: TaskStore): Promise<void> {
  const until = (of as unknown as { commits: { syncDuty: { allowsFromMs: number } } }).commits.syncDuty.allowsFromMs;
  // A timer may fire before its delay by the clock performance.now() reads (libuv times it from
  // the loop's cached start of iteration, stale by a long iteration on a loaded machine; this
  // failed once in CI): wait until the clock the committer reads has passed the window.
  while (performance.now() < until) await new Promise((resolve) => setTimeout(resolve, Math.max(1, until - performance.now() + 1)));
}

describe('Broker.lease', () => {
  test('a parked Lease takes a new task in the same commit as its Enqueue', async () => {
    const leasing = broker.lease({ workerId: 'w', queues: ['handoff'], maxTasks: 1, leaseMs: 30_000 }, 10_000, new AbortController().signal);
    // Parked: its first attempt committed (a write issued after it commits after it) and found
    // the queue empty.
    await store.enqueue([]);
    await new Promise((resolve) => setImmediate(resolve));
    const commitsBefore = store.stats().lastTxnId;

    const [enqueued] = await broker.enqueue([newTask('handoff')]);
    const [leased] = await leasing;

    expect(leased?.id).toBe(enqueued?.id);
    expect(leased?.status).toBe('process');
    // One commit wrote the new task, after its answer (from the ack log), and its lease wrote nothing.
    await store.flushed();
    expect(store.stats().lastTxnId - commitsBefore).toBe(1);
  });

  test('in commit mode a parked Lease gets a lone Enqueue its task before the commit; watchers hear NEW, then PROCESS', async () => {
    const heard: string[] = [];
    broker.onEveryTransition((task) => heard.push(task.status));
    let commitsWhenLeased = -1;
    const leasing = parkLease(broker, ['early']).then((tasks) => ((commitsWhenLeased = sync.calls.length), tasks));
    await settle();
    await syncWindowOver(store);
    heard.length = 0;
    const sync = syncCommits(store);

    const [task] = await broker.enqueue([newTask('early')]);
    const [leased] = await leasing;
    // The lease came back in the Enqueue's turn, before its commit at the end of the turn: the
    // Enqueue, answered from the ack log, commits alone there, not on the writer thread.
    expect(commitsWhenLeased).toBe(0);
    await store.flushed();
    expect(sync.calls).toHaveLength(1);
    expect((leased as { id: string }).id).toBe(task!.id);
    expect(heard).toEqual(['new', 'process']);
    expect((await broker.getTask(task!.id)).status).toBe('process');
  });

  test('a parked Lease with a hand-over gets a lone Enqueue its task within the Enqueue call; watchers hear NEW, then PROCESS, once its push has left', async () => {
    const heard: string[] = [];
    broker.onEveryTransition((task) => heard.push(task.status));
    const handed: string[] = [];
    const leasing = broker.lease({ workerId: 'w', queues: ['handed'], maxTasks: 1, leaseMs: 30_000 }, 10_000, stay(), (tasks) => handed.push(...tasks.map((task) => task.id)));
    await settle();
    heard.length = 0;

    const enqueued = broker.enqueue([newTask('handed')]);
    // Still inside the Enqueue call: the task was leased and handed over synchronously. The rest of
    // the Enqueue waits for the push to leave (TaskStore.letPushesLeave), and so do its states.
    expect(handed).toHaveLength(1);
    expect(heard).toEqual([]);
    const [task] = await enqueued;
    expect(await leasing).toEqual([]); // handed over, not returned
    expect(handed).toEqual([task!.id]);
    expect(heard).toEqual(['new', 'process']);
    expect((await broker.getTask(task!.id)).status).toBe('process');
  });

  test('a hand-over that throws fails the parked Lease, not the Enqueue, and its task goes back in line', async () => {
    const leasing = broker.lease({ workerId: 'w', queues: ['throws'], maxTasks: 1, leaseMs: 30_000 }, 10_000, stay(), () => {
      throw new Error('the stream broke');
    });
    await settle();

    const failed = expect(leasing).rejects.toThrow('the stream broke');
    const [task] = await broker.enqueue([newTask('throws')]);
    await failed;
    await store.flushed();
    expect((await broker.getTask(task!.id)).status).toBe('new');
    const [again] = await parkLease(broker, ['throws']);
    expect((again as { id: string }).id).toBe(task!.id);
  });

  test('an outcome that shares the commit of its early-handed task is heard after the NEW and PROCESS states', async () => {
    const heard: string[] = [];
    broker.onEveryTransition((task) => heard.push(task.status));
    const leasing = parkLease(broker, ['shared']);
    await settle();
    await syncWindowOver(store);
    heard.length = 0;

    const enqueued = broker.enqueue([newTask('shared')]);
    const [leased] = (await leasing) as { id: string; lease: { token: string } }[];
    // Still the Enqueue's turn: the outcome joins its commit.
    const completed = broker.complete([{ taskId: leased!.id, leaseToken: leased!.lease.token, outcome: { kind: 'success', result: Buffer.from('1') } }]);
    await Promise.all([enqueued, completed]);
    expect(heard).toEqual(['new', 'process', 'success']);
  });

  test('with no Lease parked on its queue, an Enqueue is answered from the ack log and commits on the writer thread', async () => {
    const sync = syncCommits(store);
    const env = (store as unknown as { env: { childTransaction(): unknown } }).env;
    const async = vi.spyOn(env, 'childTransaction').mock;
    const [task] = await broker.enqueue([newTask('solo')]);
    // Answered before its commit (store/ack-log.ts), which does not block the event loop for its fsync.
    expect(sync.calls).toHaveLength(0);
    expect(async.calls).toHaveLength(1);
    expect(store.get(task!.id)?.status).toBe('new');
    await store.flushed();
    expect(store.get(task!.id)?.status).toBe('new');
  });

  test('ListTasks right after an Enqueue answered from the ack log lists its task (it waits for that commit)', async () => {
    const [task] = await broker.enqueue([newTask('listed')]);
    expect(store.answeredCommitted()).toBeDefined(); // answered before its commit
    const page = await broker.listTasks({ queue: 'listed', limit: 10 });
    expect(page.tasks.map((listed) => listed.id)).toEqual([task!.id]);
    expect(store.answeredCommitted()).toBeUndefined();
  });

  test('a small outcome that ends its task is answered from the ack log; a retry commits alone first, one over 256 KiB is batched', async () => {
    await broker.enqueue([newTask('done'), newTask('done'), { ...newTask('done'), maxRetries: 1 }]);
    await store.flushed(); // its commit, on the writer thread (store/ack-log.ts), is over
    const [small, big, retried] = await broker.lease({ workerId: 'w', queues: ['done'], maxTasks: 3, leaseMs: 30_000 }, 0, stay());
    await syncWindowOver(store); // the next write may commit alone
    const sync = syncCommits(store);
    const env = (store as unknown as { env: { childTransaction(): unknown } }).env;
    const batched = vi.spyOn(env, 'childTransaction').mock;
    const failure = { kind: 'failure' as const, error: { type: 'E', message: 'm', traceback: '' }, retryable: true };
    await broker.complete([{ taskId: retried!.id, leaseToken: retried!.lease!.token, outcome: failure }]);
    expect(sync.calls, 'a task that runs again waits for its commit, alone').toHaveLength(1);
    await syncWindowOver(store);
    await broker.complete([{ taskId: small!.id, leaseToken: small!.lease!.token, outcome: { kind: 'success', result: Buffer.from('1') } }]);
    expect(store.get(small!.id)?.status).toBe('success');
    const afterSmall = batched.calls.length;
    expect(afterSmall, 'answered, then committed on the writer thread').toBeGreaterThan(1);
    await store.flushed();
    const result = Buffer.alloc(300 * 1024, 0x31);
    await broker.complete([{ taskId: big!.id, leaseToken: big!.lease!.token, outcome: { kind: 'success', result } }]);
    expect(sync.calls, 'the big one went to the writer thread').toHaveLength(1);
    expect(batched.calls.length).toBeGreaterThan(afterSmall);
    expect(store.get(big!.id)?.status).toBe('success');
  });

  test('a Lease whose attempt is in flight (not yet parked) when an Enqueue commits gets the task', async () => {
    const leasing = parkLease(broker, ['race']);
    const [enqueued] = await broker.enqueue([newTask('race')]);
    const [leased] = await leasing;
    expect(leased).toMatchObject({ id: enqueued!.id });
  });

  test('tasks leased for a caller that has gone away are given back at once', async () => {
    const [task] = await broker.enqueue([newTask('q')]);
    const gone = AbortSignal.abort();
    expect(await broker.lease({ workerId: 'w', queues: ['q'], maxTasks: 1, leaseMs: 30_000 }, 0, gone)).toEqual([]);
    expect(store.get(task!.id)).toMatchObject({ status: 'new', attempt: 0 });
    const [again] = await broker.lease({ workerId: 'w2', queues: ['q'], maxTasks: 1, leaseMs: 30_000 }, 0, new AbortController().signal);
    expect(again).toMatchObject({ id: task!.id, attempt: 1, workerId: 'w2' });
  });

  test('a parked lease wakes on enqueue and returns the task', async () => {
    const waiting = broker.lease({ workerId: 'w', queues: ['q2'], maxTasks: 1, leaseMs: 30_000 }, 10_000, new AbortController().signal);
    const [task] = await broker.enqueue([newTask('q2')]);
    expect((await waiting).map((t) => t.id)).toEqual([task!.id]);
  });
});

describe('Broker.watch', () => {
  test('yields each version once, from the current state to the final one', async () => {
    const [task] = await broker.enqueue([newTask('q3')]);
    const seen: string[] = [];
    const watching = (async () => {
      for await (const state of broker.watch(task!.id, new AbortController().signal)) seen.push(`${state.status}@${state.version}`);
    })();
    const [leased] = await broker.lease({ workerId: 'w', queues: ['q3'], maxTasks: 1, leaseMs: 30_000 }, 0, new AbortController().signal);
    await broker.complete([{ taskId: task!.id, leaseToken: leased!.lease!.token, outcome: { kind: 'success', result: Buffer.from('1') } }]);
    await watching;
    expect(seen).toEqual(['new@1', 'process@2', 'success@3']);
  });
});

describe('Broker.enqueue under overload', () => {
  test('refuses at once, with a retry hint, while the writes in flight would pass the limit', async () => {
    const limited = new Broker(store, { maxPendingWrites: 3 });
    // A batch over the limit is admitted when nothing is in flight, so it can always go through;
    // its payloads are too big for a synchronous commit (or the ack log): it goes to the writer thread.
    const heavy = (): NewTask => ({ ...newTask('o'), args: Buffer.from(JSON.stringify(['x'.repeat(80_000)])) });
    const big = limited.enqueue([heavy(), heavy(), heavy(), heavy()]);
    expect(store.pendingWrites).toBe(4);
    const refused = limited.enqueue([newTask('o')]);
    await expect(refused).rejects.toBeInstanceOf(OverloadedError);
    await expect(refused).rejects.toMatchObject({ retryAfterMs: expect.any(Number), message: expect.stringMatching(/overloaded.*retry in \d+ ms/) });
    // Leases are never refused: they drain the queue (this one parks until the batch commits).
    const leasing = limited.lease({ workerId: 'w', queues: ['o'], maxTasks: 1, leaseMs: 30_000 }, 10_000, new AbortController().signal);
    expect(await big).toHaveLength(4);
    expect(await leasing).toHaveLength(1);
    expect(store.pendingWrites).toBe(0);
    expect(store.stats()).toMatchObject({ tasks: 4, ready: 3, leased: 1, pendingWrites: 0 });
    await expect(limited.enqueue([newTask('o'), newTask('o')])).resolves.toHaveLength(2);
    limited.shutdown();
  });
});

describe('Broker: idle workers never block producers', () => {
  test('parked Leases of max_tasks 1000 count for nothing against Enqueue admission', async () => {
    const limited = new Broker(store, { maxPendingWrites: 500 });
    const stop = new AbortController();
    let leased = 0;
    let allLeased!: () => void;
    const everyTaskLeased = new Promise<void>((resolve) => (allLeased = resolve));
    // Ten idle workers, each leasing again as soon as its Lease returns, as the SDK does.
    const workers = Array.from({ length: 10 }, async () => {
      while (!stop.signal.aborted) {
        const tasks = await limited.lease({ workerId: 'w', queues: ['idle'], maxTasks: 1000, leaseMs: 30_000 }, 10_000, stop.signal);
        leased += tasks.length;
        if (leased === 200) allLeased();
      }
    });
    await settle();
    const refused: unknown[] = [];
    for (let wave = 0; wave < 20; wave++) {
      const results = await Promise.allSettled(Array.from({ length: 10 }, () => limited.enqueue([newTask('idle')])));
      refused.push(...results.filter((result) => result.status === 'rejected'));
    }
    expect(refused).toEqual([]);
    await everyTaskLeased;
    stop.abort();
    await Promise.all(workers);
    limited.shutdown();
  });

  test('an Enqueue of one task wakes one of 50 parked Leases, not all of them', async () => {
    const parked = Array.from({ length: 50 }, () => parkLease(broker, ['many']));
    await settle();
    const leaseCalls = vi.spyOn(store, 'lease');
    await broker.enqueue([newTask('many')]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(leaseCalls.mock.calls.length).toBeLessThanOrEqual(2);
    broker.shutdown();
    expect((await Promise.all(parked)).flat()).toHaveLength(1);
  });

  test('a woken Lease that took another queue\'s task passes the wake on, so no task is stranded', async () => {
    // W waits on [a, b] and is woken for a's task, but takes b's (older) task: V, parked on a
    // only and woken by no signal, must still get a's.
    const w = parkLease(broker, ['a', 'b']);
    const v = parkLease(broker, ['a']);
    await settle();
    const [forB, forA] = await broker.enqueue([{ ...newTask('b') }, { ...newTask('a') }]);
    expect((await w).map((task) => (task as { id: string }).id)).toEqual([forB!.id]);
    expect((await v).map((task) => (task as { id: string }).id)).toEqual([forA!.id]);
  });

  test('an Enqueue of ready tasks runs no due work', async () => {
    const [task] = await broker.enqueue([newTask('due')]);
    await broker.lease({ workerId: 'w', queues: ['due'], maxTasks: 1, leaseMs: 30_000 }, 0, stay());
    expect(store.get(task!.id)?.status).toBe('process');
    const promote = vi.spyOn(store, 'promoteDue');
    const reap = vi.spyOn(store, 'reapExpiredLeases');
    const parked = parkLease(broker, ['due']);
    for (let i = 0; i < 100; i++) await broker.enqueue([newTask('due')]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(promote).not.toHaveBeenCalled();
    expect(reap).not.toHaveBeenCalled();
    await parked;
  });
});
