/**
 * The worker's pipelining, against the real `qtasks-broker` process: a slot is held by a running
 * handler only, so the next task starts while the previous outcome's Complete is still
 * unanswered; the task stays tracked until the broker acknowledges it (heartbeats renew its
 * lease, a graceful stop waits for it), also when the broker leases the same task again in the
 * meantime.
 *
 * Nothing here is timed. The tests hold outcomes with a gate wrapped around the completions
 * batchers (`holdCompletes`), and watch the heartbeats the worker sends (`recordHeartbeats`), on
 * both ways they can go: the Work stream and the unary calls (`everyRoute`); every wait is for an
 * event, bounded by `within` so that a broken worker fails the test instead of hanging it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { TaskStatus } from '@qtasks/proto';
import { QTasks, type AsyncTask, type Logger, type QTasksConfig } from '@qtasks/sdk';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';

/** Short leases, so that a lease not renewed would run out within the test. */
const FAST: Partial<QTasksConfig> = { leaseMs: 1000, leaseWaitMs: 1000, shutdownGraceMs: 300, maxTasksProcess: 1 };

let broker: BrokerProcess;
const apps: QTasks[] = [];
/** Gates still holding outcomes: opened after each test, so that a failed test's apps can close. */
const heldGates: Gate[] = [];
beforeAll(async () => {
  broker = await startBrokerProcess({ args: ['--durability', 'commit'] });
});
afterEach(async () => {
  for (const held of heldGates.splice(0)) held.open();
  await Promise.all(apps.splice(0).map((app) => app.close()));
});
afterAll(async () => {
  await broker?.dispose();
});

/** An app with fast leases and one slot, whose warnings and errors are kept. */
function newApp(config: Partial<QTasksConfig> = {}): { app: QTasks; problems: string[] } {
  const problems: string[] = [];
  const keep = (level: string) => (message: string) => void problems.push(`${level} ${message}`);
  const logger: Logger = { debug: () => undefined, info: () => undefined, warn: keep('warn'), error: keep('error') };
  const app = new QTasks({ broker: broker.address, config: { ...FAST, ...config }, logger });
  apps.push(app);
  return { app, problems };
}

function unique(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

interface Gate {
  promise: Promise<void>;
  open(): void;
}
function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Rejects after `ms` so that a missing event fails the test quickly instead of hanging it. */
function within<T>(promise: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** True once `promise` has settled (checked after the pending callbacks have run). */
async function hasSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

/** The two ways a worker reports: the connection's unary calls, and each Work stream it opens. */
type ReportRoute = Pick<ReturnType<QTasks['connection']>, 'completions' | 'heartbeat'>;

/** Runs `patch` on the unary route now and on the route of every Work stream the worker opens from now on. */
function everyRoute(app: QTasks, patch: (route: ReportRoute) => void): void {
  const conn = app.connection();
  patch(conn);
  const work = conn.work.bind(conn);
  conn.work = (...args) => {
    const session = work(...args);
    patch(session);
    return session;
  };
}

/**
 * Holds the outcomes of the tasks in `taskIds` until `release` opens: `before` keeps the outcome
 * from the broker (the lease must stay alive meanwhile); `after` sends it and holds the answer
 * (the broker has committed it, the worker does not know yet). `handedOver` resolves once the
 * worker has handed the first held outcome to the batcher, `allAnswered` once the held ones
 * have been answered.
 */
function holdCompletes(app: QTasks, taskIds: () => string[], where: 'before' | 'after') {
  const release = gate();
  heldGates.push(release);
  const handedOver = gate();
  const allAnswered = gate();
  const unanswered = new Set<string>();
  everyRoute(app, ({ completions }) => {
    const add = completions.add.bind(completions);
    completions.add = (item) => {
      if (!taskIds().includes(item.taskId!)) return add(item);
      unanswered.add(item.taskId!);
      handedOver.open();
      const answered = where === 'before' ? release.promise.then(() => add(item)) : add(item).then((result) => release.promise.then(() => result));
      return answered.finally(() => {
        unanswered.delete(item.taskId!);
        if (unanswered.size === 0) allAnswered.open();
      });
    };
  });
  return { release: release.open, handedOver: handedOver.promise, allAnswered: allAnswered.promise, unanswered };
}

/** Every heartbeat's task ids, in order; `waitFor(n, id)` resolves once n heartbeats named `id`. */
function recordHeartbeats(app: QTasks) {
  const beats: string[][] = [];
  const waiters: { id: string; count: number; resolve(): void }[] = [];
  const countOf = (id: string): number => beats.filter((ids) => ids.includes(id)).length;
  everyRoute(app, (route) => {
    const heartbeat = route.heartbeat.bind(route);
    route.heartbeat = async (request) => {
      const response = await heartbeat(request);
      beats.push((request.items ?? []).map((item) => item.taskId!));
      for (const waiter of waiters.splice(0)) {
        if (countOf(waiter.id) >= waiter.count) waiter.resolve();
        else waiters.push(waiter);
      }
      return response;
    };
  });
  return {
    countOf,
    waitFor: (count: number, id: string): Promise<void> =>
      countOf(id) >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ id, count, resolve })),
  };
}

/** The ids of the tasks the worker gives back (`released` outcomes); `waitFor(n)` resolves once n went out. */
function recordReleases(app: QTasks) {
  const ids: string[] = [];
  const waiters: { count: number; resolve(): void }[] = [];
  everyRoute(app, ({ completions }) => {
    const add = completions.add.bind(completions);
    completions.add = (item) => {
      if (item.outcome?.$case === 'released') {
        ids.push(item.taskId!);
        for (const waiter of waiters.splice(0)) (ids.length >= waiter.count ? waiter.resolve() : waiters.push(waiter));
      }
      return add(item);
    };
  });
  return {
    ids,
    waitFor: (count: number): Promise<void> => (ids.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve }))),
  };
}

async function brokerStatus(taskId: string): Promise<{ status: TaskStatus; attempt: number }> {
  const { task } = await broker.client.getTask({ taskId });
  return { status: task!.status, attempt: task!.attempt };
}

describe('a slot is held by a running handler only', () => {
  test('with one slot, the next handler starts while the previous Complete is unanswered', async () => {
    const { app, problems } = newApp();
    const started: number[] = [];
    const secondStarted = gate();
    const work = app.task({ name: unique('pipelined') }, (n: number) => {
      started.push(n);
      if (n === 2) secondStarted.open();
      return n * 10;
    });
    const [first, second] = [await work.addTask([1]), await work.addTask([2])];
    const held = holdCompletes(app, () => [first.uuid], 'before');
    app.worker.start();

    await within(secondStarted.promise, 'the second handler to start');
    // The first outcome is still with the worker (the broker has not seen it): no slot was kept for it.
    expect(held.unanswered.has(first.uuid)).toBe(true);
    expect(started).toEqual([1, 2]);
    expect((await brokerStatus(first.uuid)).status).toBe(TaskStatus.TASK_STATUS_PROCESS);

    held.release();
    const results = await Promise.all([first, second].map((task) => within(task.waitResult(10), 'the results')));
    expect(results.map((task) => [task?.status, task?.returning, task?.attempt])).toEqual([
      ['success', 10, 1],
      ['success', 20, 1],
    ]);
    expect(problems).toEqual([]);
  });
});

describe('a task awaiting the acknowledgement of its outcome stays tracked', () => {
  test('heartbeats renew its lease past leaseMs, so the late Complete is accepted', async () => {
    const { app, problems } = newApp();
    const work = app.task({ name: unique('renewed') }, (n: number) => n + 1);
    const task = await work.addTask([1]);
    const held = holdCompletes(app, () => [task.uuid], 'before');
    const heartbeats = recordHeartbeats(app);
    app.worker.start();

    await within(held.handedOver, 'the outcome to be handed over');
    expect(app.worker.runningCount).toBe(0); // the handler is done: its slot is free
    // Four beats a third of the lease apart span more than the whole lease.
    await within(heartbeats.waitFor(4, task.uuid), 'four heartbeats that renew the held task');
    expect(held.unanswered.has(task.uuid)).toBe(true);

    held.release();
    const final = await within(task.waitResult(10), 'the result');
    expect([final?.status, final?.returning, final?.attempt]).toEqual(['success', 2, 1]);
    expect(problems).toEqual([]); // no lease lost, no refused outcome
  });

  test('a graceful stop waits for unacknowledged outcomes, past the grace period', async () => {
    const { app, problems } = newApp();
    const work = app.task({ name: unique('stop-waits') }, (n: number) => n * 2);
    const task = await work.addTask([21]);
    const held = holdCompletes(app, () => [task.uuid], 'before');
    const heartbeats = recordHeartbeats(app);
    app.worker.start();
    await within(held.handedOver, 'the outcome to be handed over');

    const stopped = app.worker.stop();
    // Two beats after the stop began: longer than the grace (300 ms), and the lease is still renewed.
    const beatsBefore = heartbeats.countOf(task.uuid);
    await within(heartbeats.waitFor(beatsBefore + 2, task.uuid), 'heartbeats while stopping');
    expect(await hasSettled(stopped)).toBe(false);
    expect(app.worker.state).toBe('stopping');

    held.release();
    await within(stopped, 'the stop');
    expect(app.worker.state).toBe('stopped');
    expect(held.unanswered.size).toBe(0);
    const after = (await app.get(task.uuid))!;
    expect([after.status, after.returning, after.attempt]).toEqual(['success', 42, 1]); // reported, not given back
    expect(problems).toEqual([]);
  });

  test('the broker leasing the same task again while its last outcome is unanswered', async () => {
    const { app } = newApp();
    const attempts: AbortSignal[] = [];
    const secondAttempt = gate();
    const finishSecond = gate();
    const flaky = app.task({ name: unique('again'), retry: 1, retryBackoff: { initialMs: 0 }, echo: true }, async (self: AsyncTask) => {
      attempts.push(self.ctx!.signal);
      if (self.ctx!.attempt === 1) throw new Error('first attempt fails');
      secondAttempt.open();
      await finishSecond.promise;
      return 'second attempt';
    });
    const task = await flaky.addTask([]);
    // The broker commits the failure (and makes the retry ready at once); its answer is held.
    const held = holdCompletes(app, () => (attempts.length === 1 ? [task.uuid] : []), 'after');
    const heartbeats = recordHeartbeats(app);
    app.worker.start();

    await within(secondAttempt.promise, 'the second attempt to start while the first outcome is unanswered');
    expect(held.unanswered.has(task.uuid)).toBe(true);
    held.release();
    await within(held.allAnswered, 'the first answer');

    // The first run's acknowledgement must not untrack the second: its lease is still renewed.
    const beats = heartbeats.countOf(task.uuid);
    await within(heartbeats.waitFor(beats + 2, task.uuid), 'heartbeats for the second attempt');
    expect(attempts[1]!.aborted).toBe(false);
    expect(app.worker.runningCount).toBe(1);

    finishSecond.open();
    const final = await within(task.waitResult(10), 'the result');
    expect([final?.status, final?.returning, final?.attempt]).toEqual(['success', 'second attempt', 2]);
    await within(app.worker.stop(), 'the stop');
  });
});

describe('a worker whose tasks turn slow', () => {
  /** The queue's counts as the broker keeps them (a task pushed to a worker counts as PROCESS). */
  async function countsOf(queue: string): Promise<{ new: number; process: number; success: number }> {
    const info = (await broker.client.listQueues({})).queues.find((q) => q.name === queue);
    return { new: info?.counts?.new ?? 0, process: info?.counts?.process ?? 0, success: info?.counts?.success ?? 0 };
  }

  /** Resolves once `check` holds for the queue's counts (read after each broker answer, no timer between). */
  async function countsReach(queue: string, check: (counts: Awaited<ReturnType<typeof countsOf>>) => boolean): Promise<void> {
    while (!check(await countsOf(queue))) await new Promise((resolve) => setImmediate(resolve));
  }

  // On PostgreSQL this failed twice in CI's loaded runs: a quick task given back (a stale hand in a
  // stalled moment) went behind the slow ones, whose gates never open, and never ran. A released
  // task now keeps its place in line (domain/transitions/release.ts); a failure says the counts.
  test('gives back what it holds past prefetchTasks once a task has waited in hand 200 ms, while its one slot stays taken', async () => {
    // A floor of 2 in hand.
    const { app, problems } = newApp({ leaseMs: 30_000, prefetchTasks: 2 });
    const queue = unique('hand');
    const quick = app.task({ name: unique('quick'), queue }, () => 1);
    const gates = Array.from({ length: 200 }, () => gate());
    heldGates.push(...gates);
    const slow = app.task({ name: unique('slow'), queue }, async (n: number) => {
      await gates[n]!.promise;
      return n;
    });
    // Quick tasks first, slow ones behind them, each waiting for its gate: the quick ones' pace
    // makes the worker hold many in hand, and when the first slow one takes the slot, its hand
    // holds the others.
    await Promise.all(Array.from({ length: 2000 }, () => quick.addTask()));
    const slowIds = new Set((await Promise.all(gates.map((_, n) => slow.addTask([n])))).map((task) => task.uuid));
    // The give-backs are watched as they go out (a `released` outcome each), not in the counts:
    // a hand lives 200 ms, which a poll of the counts can miss on a loaded machine.
    const released = recordReleases(app);
    app.worker.start();
    await within(released.waitFor(4), 'the worker to give back at least 4 of its hand', 20_000);
    // Nothing freed the slot: the deadline of the oldest task in hand did, and the worker keeps
    // the floor and its running task, and takes no more.
    let seen = await countsOf(queue);
    await within(
      countsReach(queue, (c) => ((seen = c), c.success === 2000 && c.process <= 1 + 2)),
      'the counts to show the hand given back',
    ).catch((error: Error) => {
      throw new Error(`${error.message}: last counts ${JSON.stringify(seen)}, ${released.ids.length} given back (${released.ids.filter((id) => !slowIds.has(id)).length} of them quick)`);
    });
    const counts = await countsOf(queue);
    expect(counts.new).toBeGreaterThanOrEqual(200 - (1 + 2));
    expect(released.ids.every((id) => slowIds.has(id))).toBe(true);
    for (const open of gates) open.open();
    expect(problems).toEqual([]);
  });
});
