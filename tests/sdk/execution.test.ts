/**
 * How the SDK's worker executes tasks, against the real `qtasks-broker` process: handlers (sync,
 * async, generators), kwargs, echo and `ctx`, decode, middlewares, executors, extra options,
 * concurrency, priority order and unknown task names.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { TaskStatus } from '@qtasks/proto';
import {
  AsyncTaskExecutor,
  QTasks,
  TaskContext,
  TaskMiddleware,
  isAsyncTask,
  type AsyncTask,
  type Logger,
  type QTasksConfig,
  type Task,
} from '@qtasks/sdk';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { parseJson } from '../helpers/tasks.js';

let broker: BrokerProcess;
beforeAll(async () => {
  broker = await startBrokerProcess();
});
afterAll(async () => {
  await broker.dispose();
});

const apps: QTasks[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** A new app on the test broker whose logs are kept (and kept off the console). */
function newApp(config: Partial<QTasksConfig> = {}): { app: QTasks; logs: string[] } {
  const logs: string[] = [];
  const keep = (level: string) => (message: string) => void logs.push(`${level} ${message}`);
  const logger: Logger = { debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') };
  const app = new QTasks({ broker: broker.address, config: { shutdownGraceMs: 500, ...config }, logger });
  apps.push(app);
  return { app, logs };
}

/** A task name (and so a queue) no other test uses. */
function uname(label: string): string {
  return `${label}-${randomUUID()}`;
}

/** A promise the test resolves when it wants to. */
interface Gate<T = void> {
  promise: Promise<T>;
  open(value: T): void;
}
function gate<T = void>(): Gate<T> {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

/** Settles like `promise`, or fails after `ms` naming what was awaited (a broken SDK must not hang the test). */
function within<T>(promise: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('handlers and results', () => {
  test('sync and async handlers succeed; undefined is stored as null; a BigInt result fails only its task', async () => {
    const { app, logs } = newApp();
    const syncAdd = app.task({ name: uname('sync-add') }, (a: number, b: number) => a + b);
    const asyncMul = app.task({ name: uname('async-mul') }, async (a: number, b: number) => {
      await Promise.resolve();
      return a * b;
    });
    const nothing = app.task({ name: uname('nothing') }, (): void => undefined);
    const asyncNothing = app.task({ name: uname('async-nothing') }, async (): Promise<void> => {});
    const big = app.task({ name: uname('big') }, () => 10n);
    const throws = app.task({ name: uname('throws') }, () => {
      throw new RangeError('out of range');
    });
    app.worker.start();

    const s = await syncAdd.addTask([2, 3], { timeout: 10 });
    expect(s?.status).toBe('success');
    expect(s?.returning).toBe(5);
    expect(s?.attempt).toBe(1);
    expect(s?.workerId).toBe(app.worker.id);

    const m = await asyncMul.addTask([4, 5], { timeout: 10 });
    expect(m?.status).toBe('success');
    expect(m?.returning).toBe(20);

    const n = await nothing.addTask([], { timeout: 10 });
    expect(n?.status).toBe('success');
    expect(n?.returning).toBeNull();
    const an = await asyncNothing.addTask([], { timeout: 10 });
    expect(an?.status).toBe('success');
    expect(an?.returning).toBeNull();

    const b = await big.addTask([], { timeout: 10 });
    expect(b?.status).toBe('error');
    expect(b?.returning).toBeUndefined();
    expect(b?.error?.type).toBe('TypeError');
    expect(b?.error?.message).toMatch(/not JSON-serializable/);
    expect(b?.error?.message).toMatch(/BigInt/);
    expect(logs.some((line) => line.startsWith('error') && line.includes(b!.uuid))).toBe(true);

    const t = await throws.addTask([], { timeout: 10 });
    expect(t?.status).toBe('error');
    expect(t?.error?.type).toBe('RangeError');
    expect(t?.error?.message).toBe('out of range');
    expect(t?.traceback).toMatch(/RangeError: out of range/);

    // The worker survived both failures and runs the next task.
    expect(app.worker.state).toBe('running');
    const again = await syncAdd.addTask([10, 20], { timeout: 10 });
    expect(again?.status).toBe('success');
    expect(again?.returning).toBe(30);
  });

  test('kwargs reach the handler as one extra, last argument; without kwargs it gets only the args', async () => {
    const { app } = newApp();
    const seen = app.task({ name: uname('seen') }, (...all: unknown[]) => all);
    const scaled = app.task({ name: uname('scaled') }, (x: number, kwargs?: { scale?: number }) => x * (kwargs?.scale ?? 1));
    app.worker.start();

    const withKwargs = await seen.addTask([1], { kwargs: { scale: 3 }, timeout: 10 });
    expect(withKwargs?.status).toBe('success');
    expect(withKwargs?.kwargs).toEqual({ scale: 3 });
    expect(withKwargs?.returning).toEqual([1, { scale: 3 }]);

    const without = await seen.addTask([1, 2], { timeout: 10 });
    expect(without?.returning).toEqual([1, 2]);
    const emptyKwargs = await seen.addTask([1, 2], { kwargs: {}, timeout: 10 });
    expect(emptyKwargs?.returning).toEqual([1, 2]);

    expect((await scaled.addTask([7], { kwargs: { scale: 3 }, timeout: 10 }))?.returning).toBe(21);
    expect((await scaled.addTask([7], { timeout: 10 }))?.returning).toBe(7);
  });

  test('decode: the decoded value is what is stored', async () => {
    const { app } = newApp();
    const wrapped = app.task({ name: uname('decode'), decode: (r: unknown) => ({ wrapped: r }) }, (a: number) => a + 1);
    const asyncDecode = app.task(
      { name: uname('decode-async'), decode: async (r: string) => r.toUpperCase() },
      async (s: string) => `${s}!`,
    );
    app.worker.start();

    const t = await wrapped.addTask([6], { timeout: 10 });
    expect(t?.status).toBe('success');
    expect(t?.returning).toEqual({ wrapped: 7 });
    expect((await app.get(t!.uuid))?.returning).toEqual({ wrapped: 7 });
    expect((await asyncDecode.addTask(['hey'], { timeout: 10 }))?.returning).toBe('HEY!');
  });
});

describe('echo and ctx', () => {
  test('an echo task gets its handle as self, with a ctx that reads tasks and enqueues others', async () => {
    const { app, logs } = newApp();
    const otherName = uname('echo-other');
    const echoName = uname('echo');
    const other = app.task({ name: otherName }, (x: number) => x + 100);
    const echo = app.task({ name: echoName, echo: true }, async (self: AsyncTask<[doneUuid: string]>, doneUuid: string) => {
      const ctx = self.ctx!;
      const meta = await ctx.getMetadata();
      const fetched = await ctx.getTask(doneUuid);
      const missing = await ctx.getTask(randomUUID());
      // addTask is typed by this task's own args; enqueuing another task takes a cast.
      const selfForOther = self as unknown as AsyncTask<[number]>;
      const child = await selfForOther.addTask([5], { taskName: otherName, timeout: 10 });
      const queued = await selfForOther.addTask([6], { taskName: otherName });
      ctx.logger.info('hello from the echo task');
      return {
        isHandle: isAsyncTask(self),
        selfName: self.taskName,
        isContext: ctx instanceof TaskContext,
        taskId: ctx.taskId,
        taskName: ctx.taskName,
        attempt: ctx.attempt,
        signal: ctx.signal instanceof AbortSignal && !ctx.signal.aborted,
        logger: typeof ctx.logger.info === 'function',
        config: ctx.getConfig() === app.config,
        meta: { uuid: meta?.uuid, status: meta?.status, args: meta?.args, attempt: meta?.attempt },
        fetched: { uuid: fetched?.uuid, status: fetched?.status, returning: fetched?.returning },
        missing,
        child: { status: child?.status, returning: child?.returning, taskName: child?.taskName, uuid: child?.uuid },
        queued: { status: queued?.status, taskName: queued?.taskName, uuid: queued?.uuid },
      };
    });
    app.worker.start();

    const done = await other.addTask([1], { timeout: 10 });
    expect(done?.returning).toBe(101);
    const created = await echo.addTask([done!.uuid]);
    const t = await created.waitResult(10);
    expect(t?.status).toBe('success');
    const r = t!.returning!;
    expect(r).toMatchObject({
      isHandle: true,
      selfName: echoName,
      isContext: true,
      taskId: created.uuid,
      taskName: echoName,
      attempt: 1,
      signal: true,
      logger: true,
      config: true,
      meta: { uuid: created.uuid, status: 'process', args: [done!.uuid], attempt: 1 },
      fetched: { uuid: done!.uuid, status: 'success', returning: 101 },
      missing: null,
      child: { status: 'success', returning: 105, taskName: otherName },
      queued: { status: 'new', taskName: otherName },
    });
    const child = r.child as { uuid: string };
    const queued = r.queued as { uuid: string };
    expect(new Set([created.uuid, done!.uuid, child.uuid, queued.uuid]).size).toBe(4);
    // The task the echo task enqueued without waiting runs too.
    const queuedDone = await app.waitForResult(queued.uuid, 10);
    expect(queuedDone?.status).toBe('success');
    expect(queuedDone?.returning).toBe(106);
    // ctx.logger names the task.
    expect(logs).toContain(`info [${echoName}:${created.uuid}] hello from the echo task`);
  });

  test('self.ctx.cancel(reason) ends the task in cancel with that reason', async () => {
    const { app } = newApp();
    const name = uname('cancel-self');
    let after = false;
    const cancels = app.task({ name, echo: true }, (self: AsyncTask<[reason: string]>, reason: string) => {
      if (reason) self.ctx!.cancel(reason);
      self.ctx!.cancel();
      after = true;
    });
    app.worker.start();

    const t = await cancels.addTask(['why'], { timeout: 10 });
    expect(t?.status).toBe('cancel');
    expect(t?.cancelReason).toBe('why');
    expect(t?.returning).toBeUndefined();
    expect(t?.attempt).toBe(1);
    expect(after).toBe(false);
    const d = await cancels.addTask([''], { timeout: 10 });
    expect(d?.status).toBe('cancel');
    expect(d?.cancelReason).toBe(`${name}.cancel`);
  });
});

describe('generator tasks', () => {
  test('an async generator: mapped items are the result, and each is published as progress while it runs', async () => {
    const { app } = newApp();
    const steps = [gate(), gate(), gate()];
    const gen = app.task({ name: uname('agen'), generateHandler: (v: number) => v * 10 }, async function* (n: number) {
      for (let i = 0; i < n; i++) {
        await steps[i]!.promise;
        yield i;
      }
    });
    app.worker.start();
    const created = await gen.addTask([3]);

    // Watch it with the raw client; every state the watcher sees is recorded.
    const states: { status: TaskStatus; progress: unknown }[] = [];
    const waiters = new Set<() => void>();
    const abort = new AbortController();
    const watching = (async () => {
      for await (const { task } of broker.client.watchResult({ taskId: created.uuid }, { signal: abort.signal })) {
        states.push({ status: task!.status, progress: task!.progress.length > 0 ? parseJson(task!.progress) : undefined });
        for (const check of waiters) check();
      }
    })();
    watching.catch(() => undefined); // awaited below; aborted (and so rejected) only if the test fails first
    /** Resolves once a state the watcher saw matches. */
    const seen = (predicate: (state: (typeof states)[number]) => boolean, what: string): Promise<void> =>
      within(
        new Promise<void>((resolve) => {
          const check = (): void => {
            if (!states.some(predicate)) return;
            waiters.delete(check);
            resolve();
          };
          waiters.add(check);
          check();
        }),
        what,
      );
    try {
      // Progress values appear one by one while the task is still running.
      await seen((s) => s.status === TaskStatus.TASK_STATUS_PROCESS, 'the task to run');
      for (let i = 0; i < 3; i++) {
        steps[i]!.open();
        await seen((s) => s.status === TaskStatus.TASK_STATUS_PROCESS && s.progress === i * 10, `progress ${i * 10} while running`);
        if (i === 1) {
          const mid = await app.get(created.uuid);
          expect(mid?.status).toBe('process');
          expect(mid?.progress).toBe(10);
        }
      }
      await within(watching, 'the watch to end');
    } finally {
      abort.abort();
    }
    const final = await created.waitResult(10);
    expect(final?.status).toBe('success');
    expect(final?.returning).toEqual([0, 10, 20]);
    expect(final?.progress).toBe(20);
    expect(states.at(-1)?.status).toBe(TaskStatus.TASK_STATUS_SUCCESS);
    const distinct = states.map((s) => s.progress).filter((p, i, all) => p !== undefined && p !== all[i - 1]);
    expect(distinct).toEqual([0, 10, 20]);
  });

  test('a sync generator works too (with an async generateHandler, and without one)', async () => {
    const { app } = newApp();
    const mapped = app.task({ name: uname('sgen'), generateHandler: async (v: number) => v * 10 }, function* (n: number) {
      for (let i = 0; i < n; i++) yield i;
    });
    const plain = app.task({ name: uname('sgen-plain') }, function* () {
      yield 'a';
      yield { b: 1 };
    });
    const empty = app.task({ name: uname('agen-empty') }, async function* () {});
    app.worker.start();

    const t = await mapped.addTask([3], { timeout: 10 });
    expect(t?.status).toBe('success');
    expect(t?.returning).toEqual([0, 10, 20]);
    expect(t?.progress).toBe(20);
    const p = await plain.addTask([], { timeout: 10 });
    expect(p?.returning).toEqual(['a', { b: 1 }]);
    expect(p?.progress).toEqual({ b: 1 });
    const e = await empty.addTask([], { timeout: 10 });
    expect(e?.status).toBe('success');
    expect(e?.returning).toEqual([]);
    expect(e?.progress).toBeUndefined();
  });
});

describe('middlewares and executors', () => {
  test('middlewaresBefore change the args, middlewaresAfter the result, in the order given', async () => {
    const { app } = newApp();
    const calls: string[] = [];
    class AddOne extends TaskMiddleware {
      call(): void {
        calls.push(`addOne:${this.executor.taskFunc.name}`);
        this.executor.args = (this.executor.args as number[]).map((x) => x + 1);
      }
    }
    class Double extends TaskMiddleware {
      async call(): Promise<void> {
        await Promise.resolve();
        calls.push('double');
        this.executor.args = (this.executor.args as number[]).map((x) => x * 2);
      }
    }
    class AddKwargs extends TaskMiddleware {
      call(): void {
        this.executor.kwargs = { ...this.executor.kwargs, from: 'middleware' };
      }
    }
    class Show extends TaskMiddleware {
      call(): void {
        calls.push('show');
        this.executor.result = `r=${JSON.stringify(this.executor.result)}`;
      }
    }
    class Bang extends TaskMiddleware {
      call(): void {
        calls.push('bang');
        this.executor.result = `${String(this.executor.result)}!`;
      }
    }
    const handler = (...args: unknown[]) => {
      calls.push('handler');
      return args;
    };
    const addThenDouble = app.task({ name: uname('mw-ad'), middlewaresBefore: [AddOne, Double], middlewaresAfter: [Show, Bang] }, handler);
    const doubleThenAdd = app.task({ name: uname('mw-da'), middlewaresBefore: [Double, AddOne], middlewaresAfter: [Bang, Show] }, handler);
    const withKwargs = app.task({ name: uname('mw-kw'), middlewaresBefore: [AddKwargs] }, (...args: unknown[]) => args);
    const decoded = app.task(
      { name: uname('mw-decode'), middlewaresAfter: [Bang], decode: (r: string) => ({ decoded: r }) },
      () => 'x',
    );
    app.worker.start();

    const ad = await addThenDouble.addTask([1, 2], { timeout: 10 });
    expect(ad?.status).toBe('success');
    expect(ad?.returning).toBe('r=[4,6]!');
    expect(calls).toEqual([`addOne:${addThenDouble.taskName}`, 'double', 'handler', 'show', 'bang']);
    // The task's stored args are not changed by the middlewares.
    expect(ad?.args).toEqual([1, 2]);

    calls.length = 0;
    const da = await doubleThenAdd.addTask([1, 2], { timeout: 10 });
    expect(da?.returning).toBe('r="3,5!"');
    expect(calls).toEqual(['double', `addOne:${doubleThenAdd.taskName}`, 'handler', 'bang', 'show']);

    expect((await withKwargs.addTask([1], { timeout: 10 }))?.returning).toEqual([1, { from: 'middleware' }]);
    expect((await withKwargs.addTask([1], { kwargs: { a: 2 }, timeout: 10 }))?.returning).toEqual([1, { a: 2, from: 'middleware' }]);
    // After-middlewares run before decode.
    expect((await decoded.addTask([], { timeout: 10 }))?.returning).toEqual({ decoded: 'x!' });
  });

  test('a middleware that throws fails the task (and the handler does not run)', async () => {
    const { app } = newApp();
    let ran = false;
    class Boom extends TaskMiddleware {
      call(): void {
        throw new RangeError('boom in middleware');
      }
    }
    class AsyncBoom extends TaskMiddleware {
      async call(): Promise<void> {
        await Promise.resolve();
        throw new Error('late boom');
      }
    }
    const before = app.task({ name: uname('mw-boom'), middlewaresBefore: [Boom] }, () => {
      ran = true;
      return 1;
    });
    const after = app.task({ name: uname('mw-late-boom'), middlewaresAfter: [AsyncBoom] }, () => 1);
    app.worker.start();

    const t = await before.addTask([], { timeout: 10 });
    expect(t?.status).toBe('error');
    expect(t?.error?.type).toBe('RangeError');
    expect(t?.error?.message).toBe('boom in middleware');
    expect(ran).toBe(false);
    const a = await after.addTask([], { timeout: 10 });
    expect(a?.status).toBe('error');
    expect(a?.error?.message).toBe('late boom');
    expect(app.worker.state).toBe('running');
  });

  test('a task uses the AsyncTaskExecutor subclass given as executor', async () => {
    const { app } = newApp();
    const made: string[] = [];
    class Wrapping extends AsyncTaskExecutor {
      override async afterExecute(): Promise<void> {
        made.push(this.task.uuid);
        this.result = { value: this.result, by: 'Wrapping', taskName: this.ctx.taskName };
      }
    }
    class Decoding extends AsyncTaskExecutor {
      override async decode(): Promise<unknown> {
        return `decoded:${JSON.stringify(this.result)}`;
      }
    }
    const wrapped = app.task({ name: uname('exec-wrap'), executor: Wrapping }, (a: number, b: number) => a - b);
    const decoding = app.task({ name: uname('exec-decode'), executor: Decoding }, (a: number) => [a]);
    const plain = app.task({ name: uname('exec-plain') }, (a: number) => a);
    app.worker.start();

    const w = await wrapped.addTask([5, 3], { timeout: 10 });
    expect(w?.status).toBe('success');
    expect(w?.returning).toEqual({ value: 2, by: 'Wrapping', taskName: wrapped.taskName });
    expect(made).toEqual([w!.uuid]);
    expect((await decoding.addTask([9], { timeout: 10 }))?.returning).toBe('decoded:[9]');
    // Other tasks keep the default executor.
    expect((await plain.addTask([4], { timeout: 10 }))?.returning).toBe(4);
    expect(made).toHaveLength(1);
  });

  test('options the SDK does not know are kept as extra', () => {
    const { app } = newApp();
    const name = uname('extra');
    const handle = app.task({ name, foo: 'bar', priority: 3 }, () => 1);
    expect(app.tasks.get(name)!.extra).toEqual({ foo: 'bar' });
    expect(app.worker.tasks.get(name)!.extra).toEqual({ foo: 'bar' });
    expect(handle.extra).toEqual({ foo: 'bar' });
    expect(handle.priority).toBe(3);
    const none = app.task({ name: uname('no-extra') }, () => 1);
    expect(none.extra).toEqual({});
  });
});

/**
 * A handler that holds every run until `release` opens, counting how many run at once; `twoRunning`
 * opens when two do.
 */
function holdingHandler() {
  const hold = {
    release: gate(),
    twoRunning: gate(),
    started: [] as number[],
    running: 0,
    maxRunning: 0,
    handler: async (i: number): Promise<number> => {
      hold.running++;
      hold.maxRunning = Math.max(hold.maxRunning, hold.running);
      hold.started.push(i);
      if (hold.running === 2) hold.twoRunning.open();
      await hold.release.promise;
      hold.running--;
      return i;
    },
  };
  return hold;
}

/** Resolves once the count of `queue`'s tasks in `status` satisfies `wanted` (the broker is asked every 20 ms). */
function untilTaskCount(queue: string, status: TaskStatus, wanted: (count: number) => boolean, what: string): Promise<void> {
  return within(
    (async () => {
      while (!wanted((await broker.client.listTasks({ queue, status })).tasks.length)) await new Promise((r) => setTimeout(r, 20));
    })(),
    what,
  );
}

describe('scheduling', () => {
  test('maxTasksProcess bounds how many tasks run at once', async () => {
    const { app } = newApp({ maxTasksProcess: 2, prefetchTasks: 0 });
    const name = uname('conc');
    const hold = holdingHandler();
    const { release, started, twoRunning } = hold;
    const held = app.task({ name }, hold.handler);
    app.worker.start();
    const created = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => held.addTask([i])));

    await within(twoRunning.promise, 'two tasks to run');
    expect(app.worker.runningCount).toBe(2);
    // While two are held, the broker has handed out exactly two: the rest are still new.
    const inProcess = await broker.client.listTasks({ queue: name, status: TaskStatus.TASK_STATUS_PROCESS });
    const stillNew = await broker.client.listTasks({ queue: name, status: TaskStatus.TASK_STATUS_NEW });
    expect(inProcess.tasks).toHaveLength(2);
    expect(stillNew.tasks).toHaveLength(4);
    expect(started).toHaveLength(2);

    release.open();
    const results = await Promise.all(created.map((t) => t.waitResult(10)));
    expect(results.map((t) => t?.status)).toEqual(Array(6).fill('success'));
    expect(results.map((t) => t?.returning)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(hold.maxRunning).toBe(2);
    expect([...started].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  test('prefetchTasks: tasks leased ahead wait in hand, start as slots free, and never exceed the slots', async () => {
    const { app } = newApp({ maxTasksProcess: 2, prefetchTasks: 2 });
    const name = uname('prefetch');
    const hold = holdingHandler();
    const { release, started, twoRunning } = hold;
    const held = app.task({ name }, hold.handler);
    const created = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => held.addTask([i])));
    app.worker.start();

    await within(twoRunning.promise, 'two tasks to run');
    // Two run and two more are held in hand (leased, not started); the rest wait in the broker.
    await untilTaskCount(name, TaskStatus.TASK_STATUS_PROCESS, (n) => n >= 4, 'four tasks to be leased');
    const stillNew = await broker.client.listTasks({ queue: name, status: TaskStatus.TASK_STATUS_NEW });
    expect(stillNew.tasks).toHaveLength(2);
    expect(started).toEqual([0, 1]);
    expect(app.worker.runningCount).toBe(2);

    release.open();
    const results = await Promise.all(created.map((t) => t.waitResult(10)));
    expect(results.map((t) => t?.status)).toEqual(Array(6).fill('success'));
    expect(hold.maxRunning).toBe(2);
    // Held tasks start in lease order: priority, then FIFO.
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
  });

  test('prefetchTasks: on stop, tasks held in hand go back to the queue at once, their attempt not counted', async () => {
    const { app } = newApp({ maxTasksProcess: 1, prefetchTasks: 2, shutdownGraceMs: 5000 });
    const name = uname('prefetch-stop');
    const release = gate();
    const firstRunning = gate();
    const started: number[] = [];
    const held = app.task({ name }, async (i: number) => {
      started.push(i);
      firstRunning.open();
      await release.promise;
      return i;
    });
    const created = await Promise.all([0, 1, 2].map((i) => held.addTask([i])));
    app.worker.start();
    await within(firstRunning.promise, 'the first task to run');
    await untilTaskCount(name, TaskStatus.TASK_STATUS_PROCESS, (n) => n >= 3, 'three tasks to be leased');

    const stopping = app.worker.stop();
    // The two held tasks are released while the running one still has its grace period.
    await untilTaskCount(name, TaskStatus.TASK_STATUS_NEW, (n) => n >= 2, 'the held tasks to go back');
    // The three addTask calls may travel in two Enqueue calls, committed in either order, so
    // which task runs is not fixed: the one that started.
    const states = await Promise.all(created.map((t) => app.get(t.uuid)));
    expect(started).toHaveLength(1);
    const runningIndex = started[0]!;
    expect(states[runningIndex]?.status).toBe('process');
    const heldBack = states.filter((_, i) => i !== runningIndex);
    expect(heldBack.map((t) => [t?.status, t?.attempt])).toEqual([['new', 0], ['new', 0]]);
    release.open();
    await stopping;
    expect(started).toEqual([runningIndex]);
    expect((await app.get(created[runningIndex]!.uuid))?.status).toBe('success');
  });

  test('prefetchTasks: a task with a time limit is never held in hand (its limit runs from the lease)', async () => {
    const { app } = newApp({ maxTasksProcess: 1, prefetchTasks: 2 });
    const name = uname('prefetch-maxtime');
    const release = gate();
    const firstRunning = gate();
    const limited = app.task({ name, maxTime: 30 }, async (i: number) => {
      firstRunning.open();
      await release.promise;
      return i;
    });
    const created = await Promise.all([0, 1, 2].map((i) => limited.addTask([i])));
    app.worker.start();
    await within(firstRunning.promise, 'the first task to run');
    // The worker leased all three (two to hold in hand) and gave the two back at once.
    await untilTaskCount(name, TaskStatus.TASK_STATUS_PROCESS, (n) => n <= 1, 'tasks leased ahead to go back');
    const waiting = (await broker.client.listTasks({ queue: name, status: TaskStatus.TASK_STATUS_NEW })).tasks;
    expect(waiting.map((t) => t.attempt)).toEqual([0, 0]);

    release.open();
    const results = await Promise.all(created.map((t) => t.waitResult(10)));
    expect(results.map((t) => t?.status)).toEqual(['success', 'success', 'success']);
    expect(results.map((t) => t?.attempt)).toEqual([1, 1, 1]);
  });

  test('tasks run in priority order, lowest first', async () => {
    const { app } = newApp({ maxTasksProcess: 1 });
    const order: number[] = [];
    const byPriority = app.task({ name: uname('prio') }, (p: number) => {
      order.push(p);
      return p;
    });
    const priorities = [5, 1, 3, 0, 2, 4, -1];
    const created: Task[] = [];
    for (const p of priorities) created.push(await byPriority.addTask([p], { priority: p }));
    expect(created.map((t) => t.priority)).toEqual(priorities);
    app.worker.start();

    const results = await Promise.all(created.map((t) => t.waitResult(10)));
    expect(results.map((t) => t?.status)).toEqual(Array(priorities.length).fill('success'));
    expect(order).toEqual([-1, 0, 1, 2, 3, 4, 5]);
  });

  test('an unknown task name leased by the worker ends in error TaskNotRegistered, and the worker goes on', async () => {
    const { app } = newApp();
    const known = app.task({ name: uname('known') }, (x: number) => x * 2);
    app.worker.start();

    const t = await app.addTask('nope', [1], { queue: known.taskName, timeout: 10 });
    expect(t?.status).toBe('error');
    expect(t?.taskName).toBe('nope');
    expect(t?.error?.type).toBe('TaskNotRegistered');
    expect(t?.error?.message).toMatch(/nope/);
    expect(t?.attempt).toBe(1);
    expect(t?.workerId).toBe(app.worker.id);

    const k = await known.addTask([21], { timeout: 10 });
    expect(k?.status).toBe('success');
    expect(k?.returning).toBe(42);
  });
});
