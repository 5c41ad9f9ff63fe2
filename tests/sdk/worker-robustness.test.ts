/**
 * The SDK's worker against the real `qtasks-broker` process: retries, time limits, cancellation,
 * several workers on one queue, a worker process killed mid-task, graceful stop, and a broker
 * that crashes and comes back on the same address. No mocks: every test talks gRPC to a broker.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { TaskStatus, type Task as ProtoTask } from '@qtasks/proto';
import { Status } from 'nice-grpc';
import {
  BrokerCallError,
  QTasks,
  TaskCancelError,
  TaskTimeLimitError,
  statusName,
  type AsyncTask,
  type Logger,
  type QTasksConfig,
  type Task,
} from '@qtasks/sdk';
import { startBrokerProcess, type BrokerClient, type BrokerProcess } from '../helpers/broker-process.js';
import { json } from '../helpers/tasks.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/worker-process.mjs', import.meta.url));
const RUN_FOREVER = fileURLToPath(new URL('./fixtures/run-forever.mjs', import.meta.url));
const FAST: Partial<QTasksConfig> = { leaseMs: 1000, leaseWaitMs: 1000, shutdownGraceMs: 500 };

// ---------------------------------------------------------------------------------------------
// Resources: everything started here is stopped after each test, even when the test fails.

let shared: BrokerProcess;
const brokers: BrokerProcess[] = [];
const apps: QTasks[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  shared = await startBrokerProcess({ args: ['--durability', 'commit'] });
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(apps.splice(0).map((app) => app.close()));
  await Promise.all(brokers.splice(0).map((broker) => broker.dispose()));
});
afterAll(async () => {
  await shared?.dispose();
});

interface LogLine {
  level: keyof Logger;
  message: string;
  details: unknown[];
}

/** An app on `broker` with fast leases, logging into memory. */
function newApp(broker: BrokerProcess | string, config: Partial<QTasksConfig> = {}): { app: QTasks; logs: LogLine[] } {
  const logs: LogLine[] = [];
  const log = (level: keyof Logger) => (message: string, ...details: unknown[]) => void logs.push({ level, message, details });
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const app = new QTasks({ broker: typeof broker === 'string' ? broker : broker.address, config: { ...FAST, ...config }, logger });
  apps.push(app);
  return { app, logs };
}

/** A task name (and so a queue) no other test uses. */
function unique(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
}
function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Rejects after `ms` so that a missing event fails the test quickly instead of hanging it. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A plain timer, for handlers that simulate work and ignore their signal. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * Opens a raw WatchResult stream and waits for its first message (the current state), so that
 * every later transition is known to be seen. `done` resolves to every state, in order.
 */
async function watch(client: BrokerClient, taskId: string): Promise<{ done: Promise<ProtoTask[]> }> {
  const iterator = client.watchResult({ taskId })[Symbol.asyncIterator]();
  const first = await iterator.next();
  const states: ProtoTask[] = [first.value!.task!];
  const done = (async () => {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) states.push(next.value.task!);
    return states;
  })();
  return { done };
}

/** The broker's current record of a task. */
async function brokerTask(client: BrokerClient, taskId: string): Promise<ProtoTask> {
  return (await client.getTask({ taskId })).task!;
}

/** Waits for the task's end status; fails the test if it does not come within `seconds`. */
async function finalOf<R>(task: Task<R>, seconds = 10): Promise<Task<R>> {
  const final = await task.waitResult(seconds);
  if (!final) throw new Error(`task ${task.uuid} (${task.taskName}) did not end within ${seconds} s`);
  return final;
}

// ---------------------------------------------------------------------------------------------

describe('retries', () => {
  test('fails twice, succeeds on attempt 3 with unchanged args; a watcher sees each retry', async () => {
    const { app } = newApp(shared);
    const seen: { attempt: number; args: unknown[] }[] = [];
    const flaky = app.task(
      { name: unique('flaky'), retry: 2, retryBackoff: { initialMs: 0 }, echo: true },
      async (self: AsyncTask, ...args: any[]) => {
        const attempt = self.ctx!.attempt;
        seen.push({ attempt, args: structuredClone(args) });
        (args[1] as { list: number[] }).list.push(99); // a handler that mutates its args must not change the next attempt's
        if (attempt < 3) throw new Error(`attempt ${attempt} fails`);
        return { sum: (args[0] as number) + (args[1] as { list: number[] }).list.length };
      },
    );
    const args = [1, { list: [2, 3] }, 'x'];
    const created = await flaky.addTask(args, { kwargs: { k: 'v' } });
    const watcher = await watch(shared.client, created.uuid);

    app.worker.start();
    const final = await finalOf(created);

    expect(final.status).toBe('success');
    expect(final.attempt).toBe(3);
    expect(final.returning).toEqual({ sum: 1 + 3 });
    expect(final.args).toEqual(args);
    expect(final.kwargs).toEqual({ k: 'v' });
    expect(seen).toEqual([1, 2, 3].map((attempt) => ({ attempt, args: [...args, { k: 'v' }] })));

    const states = await within(watcher.done, 5000, 'the watch stream to end');
    expect(states.map((s) => statusName(s.status))).toEqual(['new', 'process', 'retry', 'process', 'retry', 'process', 'success']);
    const retries = states.filter((s) => s.status === TaskStatus.TASK_STATUS_RETRY);
    expect(retries.map((s) => [s.attempt, s.error?.message])).toEqual([
      [1, 'attempt 1 fails'],
      [2, 'attempt 2 fails'],
    ]);
    for (const state of states) expect(JSON.parse(Buffer.from(state.args).toString())).toEqual(args);
  });

  test('always throwing with retry: 1 ends in error after 2 attempts, with type, message and stack', async () => {
    const { app } = newApp(shared);
    class PaymentDeclined extends Error {}
    const stacks: string[] = [];
    const charge = app.task({ name: unique('charge'), retry: 1, retryBackoff: { initialMs: 0 } }, async function chargeCard(amount: number) {
      const error = new PaymentDeclined(`card declined for ${amount}`);
      stacks.push(error.stack!);
      throw error;
    });
    app.worker.start();
    const final = (await charge.addTask([42], { timeout: 10 }))!;

    expect(final.status).toBe('error');
    expect(final.attempt).toBe(2);
    expect(stacks).toHaveLength(2);
    expect(final.error?.type).toBe('PaymentDeclined');
    expect(final.error?.message).toBe('card declined for 42');
    expect(final.error?.traceback).toBe(stacks[1]);
    expect(final.error?.traceback).toContain('chargeCard');
    expect(final.traceback).toBe(stacks[1]);
  });

  test('retryOnExc: only the listed error classes (and their subclasses) are retried', async () => {
    const { app } = newApp(shared);
    class TooBig extends RangeError {}
    const runs = new Map<string, number>();
    const picky = app.task(
      { name: unique('picky'), retry: 2, retryOnExc: [RangeError], retryBackoff: { initialMs: 0 }, echo: true },
      async (self: AsyncTask, kind: string) => {
        runs.set(kind, (runs.get(kind) ?? 0) + 1);
        if (kind === 'type') throw new TypeError('wrong type');
        if (kind === 'always-range') throw new TooBig('always too big');
        if (self.ctx!.attempt < 3) throw new RangeError('out of range');
        return 'ok';
      },
    );
    app.worker.start();
    const [typeTask, rangeTask, alwaysRange] = (await Promise.all(
      ['type', 'range', 'always-range'].map(async (kind) => (await picky.addTask([kind], { timeout: 10 }))!),
    )) as [Task, Task, Task];

    expect([typeTask.status, typeTask.attempt, typeTask.error?.type, runs.get('type')]).toEqual(['error', 1, 'TypeError', 1]);
    expect([rangeTask.status, rangeTask.attempt, rangeTask.returning, runs.get('range')]).toEqual(['success', 3, 'ok', 3]);
    expect([alwaysRange.status, alwaysRange.attempt, alwaysRange.error?.type, runs.get('always-range')]).toEqual(['error', 3, 'TooBig', 3]);
  });
});

describe('time limits and cancellation', () => {
  test('maxTime: the attempt fails with TimeLimitExceeded at once and its signal aborts', async () => {
    const { app } = newApp(shared);
    let startedAt = 0;
    let abortedAt = 0;
    let abortReason: unknown;
    const slow = app.task({ name: unique('slow'), maxTime: 0.3, echo: true }, async (self: AsyncTask) => {
      startedAt = Date.now();
      self.ctx!.signal.addEventListener('abort', () => {
        abortedAt = Date.now();
        abortReason = self.ctx!.signal.reason;
      });
      await delay(5000); // ignores its signal: the worker must not wait for it
      return 'too late';
    });
    app.worker.start();
    const t0 = Date.now();
    const final = (await slow.addTask([], { timeout: 10 }))!;
    const elapsed = Date.now() - t0;

    expect(final.status).toBe('error');
    expect(final.attempt).toBe(1);
    expect(final.error?.type).toBe('TimeLimitExceeded');
    expect(final.error?.message).toContain('0.3 seconds');
    // The worker reported it, before the broker's own backstop (maxTime + 2 s = 2.3 s).
    expect(elapsed).toBeLessThan(2200);
    expect(abortReason).toBeInstanceOf(TaskTimeLimitError);
    expect(abortedAt - startedAt).toBeGreaterThanOrEqual(250);
    expect(abortedAt - startedAt).toBeLessThan(1000);
  });

  test('a cancel is pushed over the Work stream: it reaches the handler long before the next heartbeat', async () => {
    // A 60 s lease: the first heartbeat goes out after 20 s, so only a push can be this quick.
    const { app } = newApp(shared, { leaseMs: 60_000 });
    const started = deferred();
    const aborted = deferred();
    const waiter = app.task({ name: unique('pushed-cancel'), echo: true }, async (self: AsyncTask) => {
      self.ctx!.signal.addEventListener('abort', () => aborted.resolve(), { once: true });
      started.resolve();
      await aborted.promise;
      return 'should not be kept';
    });
    app.worker.start();
    const created = await waiter.addTask([]);
    await within(started.promise, 5000, 'the task to start');
    await app.cancel(created.uuid, 'pushed');
    await within(aborted.promise, 5000, 'the cancel to reach the handler');
    expect((await finalOf(created, 5)).status).toBe('cancel');
  });

  test('cancel of a running task aborts its signal within a heartbeat and ends it in cancel', async () => {
    const { app } = newApp(shared);
    const started = deferred();
    let abortedAt = 0;
    let abortReason: unknown;
    const waiter = app.task({ name: unique('waiter'), echo: true }, async (self: AsyncTask) => {
      const signal = self.ctx!.signal;
      started.resolve();
      await new Promise<void>((resolve) =>
        signal.addEventListener(
          'abort',
          () => {
            abortedAt = Date.now();
            abortReason = signal.reason;
            resolve();
          },
          { once: true },
        ),
      );
      return 'should not be kept';
    });
    app.worker.start();
    const created = await waiter.addTask([]);
    await within(started.promise, 5000, 'the task to start');

    const cancelAt = Date.now();
    const requested = await app.cancel(created.uuid, 'stop');
    expect(requested.status).toBe('process');
    expect(requested.cancelRequested).toBe(true);
    const final = await finalOf(created, 5);

    expect(final.status).toBe('cancel');
    expect(final.cancelReason).toBe('stop');
    expect(abortReason).toBeInstanceOf(TaskCancelError);
    // Far sooner than any heartbeat (the first would be 20 s in), with room for a loaded machine.
    expect(abortedAt - cancelAt).toBeLessThan(5000);
    expect(app.worker.state).toBe('running');
  });
});

describe('several workers', () => {
  test('two workers share one queue of 200 tasks: each task runs exactly once, both work', async () => {
    const name = unique('shared-queue');
    const runs = new Map<string, number>();
    const ranBy = new Map<string, string>();
    const workers = ['a', 'b'].map((label) => {
      const { app } = newApp(shared, { maxTasksProcess: 5 });
      app.task({ name, echo: true }, async (self: AsyncTask, i: number) => {
        const id = self.ctx!.taskId;
        runs.set(id, (runs.get(id) ?? 0) + 1);
        ranBy.set(id, app.worker.id);
        await delay(3);
        return i;
      });
      return { label, app };
    });
    for (const { app } of workers) app.worker.start();
    const producer = workers[0]!.app;

    const created = await Promise.all(Array.from({ length: 200 }, (_, i) => producer.addTask(name, [i])));
    const finals = await Promise.all(created.map((task) => finalOf(task, 20)));

    expect(finals.filter((t) => t.status !== 'success')).toEqual([]);
    expect(finals.map((t) => t.returning)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(finals.every((t) => t.attempt === 1)).toBe(true);
    expect(runs.size).toBe(200);
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
    const perWorker = workers.map(({ app }) => finals.filter((t) => t.workerId === app.worker.id).length);
    expect(perWorker[0]! + perWorker[1]!).toBe(200);
    expect(perWorker[0]).toBeGreaterThan(0);
    expect(perWorker[1]).toBeGreaterThan(0);
    for (const t of finals) expect(ranBy.get(t.uuid)).toBe(t.workerId);
  });
});

describe('crashes and stops', () => {
  test('a worker process SIGKILLed mid-task: another worker runs it after the lease deadline; the dead lease is fenced', async () => {
    const name = unique('crashy');
    const { app } = newApp(shared);
    const runs: number[] = [];
    const crashy = app.task({ name, retry: 1, echo: true }, async (self: AsyncTask) => {
      runs.push(self.ctx!.attempt);
      return 'done by the survivor';
    });

    const child = spawn(process.execPath, [FIXTURE, shared.address, name], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let childStderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (childStderr += chunk));
    const events: Record<string, any>[] = [];
    const waiting: { match: (e: Record<string, any>) => boolean; resolve: (e: Record<string, any>) => void }[] = [];
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const event = JSON.parse(line) as Record<string, any>;
      events.push(event);
      for (const w of waiting.filter((w) => w.match(event))) w.resolve(event);
    });
    const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(String(signal ?? code))));
    const next = (kind: string, ms = 5000): Promise<Record<string, any>> => {
      const found = events.find((e) => e.event === kind);
      if (found) return Promise.resolve(found);
      const d = deferred<Record<string, any>>();
      waiting.push({ match: (e) => e.event === kind, resolve: d.resolve });
      return within(
        Promise.race([d.promise, exited.then((how) => Promise.reject(new Error(`the worker process exited (${how}):\n${childStderr}`)))]),
        ms,
        `"${kind}" from the worker process\n${childStderr}`,
      );
    };

    const { workerId: deadWorkerId } = await next('ready');
    const created = await crashy.addTask([]);
    const leased = await next('leased');
    const started = await next('started');
    expect([leased.taskId, started.taskId, started.attempt]).toEqual([created.uuid, created.uuid, 1]);

    // Heartbeats keep the lease alive past leaseMs (1 s) while the worker lives.
    await delay(1500);
    const alive = await brokerTask(shared.client, created.uuid);
    expect([statusName(alive.status), alive.attempt, alive.workerId]).toEqual(['process', 1, deadWorkerId]);

    const watcher = await watch(shared.client, created.uuid);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const killedAt = Date.now();
    app.worker.start();
    const final = await finalOf(created, 10);

    expect(final.status).toBe('success');
    expect(final.returning).toBe('done by the survivor');
    expect(final.attempt).toBe(2);
    expect(final.workerId).toBe(app.worker.id);
    expect(final.workerId).not.toBe(deadWorkerId);
    expect(runs).toEqual([2]);
    expect(Date.now() - killedAt).toBeLessThan(6000); // about one lease (1 s), not the broker's defaults (30 s)
    const states = await within(watcher.done, 5000, 'the watch stream to end');
    const retry = states.find((s) => s.status === TaskStatus.TASK_STATUS_RETRY);
    expect(retry?.error?.type).toBe('LeaseExpired');

    // The dead worker's lease token is refused: its outcome and its heartbeat change nothing.
    const { results } = await shared.client.complete({
      completions: [{ taskId: created.uuid, leaseToken: leased.leaseToken, outcome: { $case: 'success', value: { result: json('zombie') } } }],
    });
    expect(results[0]!.accepted).toBe(false);
    expect(results[0]!.reason).toMatch(/stale|expired/);
    const beat = await shared.client.heartbeat({ items: [{ taskId: created.uuid, leaseToken: leased.leaseToken }] });
    expect(beat.results[0]!.ok).toBe(false);
    const after = (await app.get(created.uuid))!;
    expect([after.status, after.returning]).toEqual(['success', 'done by the survivor']);
  });

  test('graceful stop: a task within the grace completes, a longer one is given back and runs elsewhere', async () => {
    const name = unique('graceful');
    const { app: first } = newApp(shared, { shutdownGraceMs: 500 });
    const started = new Map<number, Deferred>([
      [200, deferred()],
      [3000, deferred()],
    ]);
    let slowSignal: AbortSignal | undefined;
    first.task({ name, echo: true }, async (self: AsyncTask, ms: number) => {
      if (ms === 3000) slowSignal = self.ctx!.signal;
      started.get(ms)!.resolve();
      await delay(ms); // ignores its signal
      return `first worker after ${ms} ms`;
    });
    const quick = await first.addTask(name, [200]);
    const slow = await first.addTask(name, [3000]);
    first.worker.start();
    await within(Promise.all([...started.values()].map((d) => d.promise)), 5000, 'both tasks to start');

    const t0 = Date.now();
    await first.worker.stop();
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(450);
    expect(took).toBeLessThan(2900); // not the slow task's 3 s: its run was cut at the grace
    expect(first.worker.state).toBe('stopped');
    expect(first.worker.runningCount).toBe(0);

    const quickAfter = (await first.get(quick.uuid))!;
    expect([quickAfter.status, quickAfter.attempt, quickAfter.returning]).toEqual(['success', 1, 'first worker after 200 ms']);
    const slowAfter = (await first.get(slow.uuid))!;
    expect([slowAfter.status, slowAfter.attempt]).toEqual(['new', 0]); // Released: the attempt does not count
    expect(slowSignal?.aborted).toBe(true);
    expect((slowSignal?.reason as Error).name).toBe('WorkerStoppingError');

    const { app: second } = newApp(shared);
    second.task({ name }, async (ms: number) => `second worker, not ${ms} ms`);
    second.worker.start();
    const final = await finalOf(slow, 5);
    expect([final.status, final.attempt, final.returning, final.workerId]).toEqual(['success', 1, 'second worker, not 3000 ms', second.worker.id]);

    // An idle worker stops at once: its waiting Lease is cancelled, not waited out (leaseWaitMs is 1 s).
    const idleStop = Date.now();
    await second.worker.stop();
    expect(Date.now() - idleStop).toBeLessThan(900);
  });

  test('a broker SIGKILLed and restarted on the same address: the worker reconnects, every task completes', async () => {
    const broker = await startBrokerProcess();
    brokers.push(broker);
    const { app, logs } = newApp(broker, { maxTasksProcess: 10 });
    const gate = deferred();
    const started = new Map<number, Deferred>([0, 1, 2].map((i) => [i, deferred()]));
    const runsPerArg = new Map<number, number>();
    const work = app.task({ name: unique('survivor'), retry: 3, retryBackoff: { initialMs: 0 } }, async (i: number) => {
      runsPerArg.set(i, (runsPerArg.get(i) ?? 0) + 1);
      started.get(i)?.resolve();
      if (i < 3) await gate.promise; // running across the crash
      return i * 10;
    });
    app.worker.start();
    const before = await Promise.all([0, 1, 2].map((i) => work.addTask([i])));
    const dueDuringCrash = await work.addTask([3], { delay: 0.5 });
    // Three tasks run, and the worker's next Lease (7 free slots) is waiting in the broker.
    await within(Promise.all([...started.values()].map((d) => d.promise)), 5000, 'the first tasks to start');

    const restarted = await broker.restart(undefined, { samePort: true });
    brokers.push(restarted);
    expect(restarted.address).toBe(broker.address);
    gate.resolve();

    // Enqueue through the same app (its channel reconnects); addTask does not retry by itself,
    // so retry on transient errors, with an idempotency key so that a retry cannot duplicate.
    const enqueueAfterCrash = async (i: number): Promise<Task<number>> => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await work.addTask([i], { idempotencyKey: `after-crash-${i}` });
        } catch (error) {
          if (!(error instanceof BrokerCallError && error.transient) || attempt >= 50) throw error;
          await delay(100);
        }
      }
    };
    const after = await Promise.all(Array.from({ length: 6 }, (_, i) => enqueueAfterCrash(100 + i)));
    const all = [...before, dueDuringCrash, ...after];
    const finals = await Promise.all(all.map((task) => finalOf(task, 15)));

    expect(finals.map((t) => [t.status, t.returning])).toEqual(all.map((t) => ['success', (t.args[0] as number) * 10]));
    for (const t of finals) expect(runsPerArg.get(t.args[0] as number)).toBeGreaterThanOrEqual(1);
    expect(app.worker.state).toBe('running');
    const warnings = logs.filter((l) => l.level === 'warn').map((l) => l.message);
    expect(warnings.some((m) => /the Work stream failed; opening another/.test(m)), warnings.join('\n')).toBe(true);
    // And the restarted broker is the one that holds them all.
    for (const t of finals) expect(statusName((await brokerTask(restarted.client, t.uuid)).status)).toBe('success');
  });

  test('runForever in its own process: SIGTERM stops it cleanly and gives the running task back', async () => {
    const name = unique('run-forever');
    const child = spawn(process.execPath, [RUN_FOREVER, shared.address, name], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const events = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const next = async (): Promise<{ event: string; taskId?: string }> => JSON.parse(((await events.next()).value as string) ?? '{}');
    expect((await next()).event).toBe('ready');
    const { app } = newApp(shared);
    const queued = await app.addTask(name, []);
    expect(await next()).toEqual({ event: 'started', taskId: queued.uuid });

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect((await next()).event).toBe('stopped');
    expect(await exited).toBe(0);
    const after = await app.get(queued.uuid);
    expect([after?.status, after?.attempt]).toEqual(['new', 0]);
  });

  test('a frozen broker (SIGSTOP): calls fail with DEADLINE_EXCEEDED instead of hanging, and work resumes after SIGCONT', async () => {
    const broker = await startBrokerProcess();
    brokers.push(broker);
    const { app } = newApp(broker, { callTimeoutMs: 500 });
    const echo = app.task({ name: unique('frozen') }, async (x: number) => x);
    const queued = await echo.addTask([1]);
    broker.child.kill('SIGSTOP');
    try {
      const started = Date.now();
      await expect(app.get(queued.uuid)).rejects.toMatchObject({ code: Status.DEADLINE_EXCEEDED });
      await expect(echo.addTask([2])).rejects.toBeInstanceOf(BrokerCallError);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      broker.child.kill('SIGCONT');
    }
    app.worker.start();
    expect((await queued.waitResult(10))?.returning).toBe(1);
  });

  test('a task handed out again to the same worker (its lease lapsed while a sync task blocked the loop) keeps its lease', async () => {
    // leaseWaitMs > leaseMs: the worker's Lease is still parked in the broker when the blocked
    // attempt's lease runs out, so the broker hands the task straight back to this same worker.
    const { app, logs } = newApp(shared, { leaseWaitMs: 5000 });
    const attempts: number[] = [];
    const signals = new Map<number, AbortSignal>();
    const hog = app.task({ name: unique('hog'), retry: 3, retryBackoff: { initialMs: 0 }, echo: true }, (self: AsyncTask) => {
      const { attempt, signal } = self.ctx!;
      attempts.push(attempt);
      signals.set(attempt, signal);
      if (attempt === 1) {
        const until = Date.now() + 1300; // blocks the event loop past the 1 s lease: no heartbeat can go out
        while (Date.now() < until);
        return 'blocked run';
      }
      return delay(1500).then(() => `attempt ${attempt}`); // longer than the lease: lives on heartbeats
    });
    app.worker.start();
    const final = (await hog.addTask([], { timeout: 10 }))!;

    expect([final.status, final.attempt, final.returning]).toEqual(['success', 2, 'attempt 2']);
    expect(attempts).toEqual([1, 2]);
    expect(signals.get(2)?.aborted).toBe(false);
    expect(logs.some((l) => /refused the outcome|outcome is dropped/.test(l.message))).toBe(true); // the blocked run's result is not kept
  });

  test('a task that throws never takes the worker down', async () => {
    const { app, logs } = newApp(shared);
    const name = unique('thrower');
    const thrower = app.task({ name }, (kind: string): unknown => {
      switch (kind) {
        case 'sync':
          throw new Error('sync boom');
        case 'reject-string':
          return Promise.reject('a string, not an Error');
        case 'null':
          throw null;
        case 'bigint':
          return 1n; // a result JSON cannot encode
        default:
          return `ran ${kind}`;
      }
    });
    app.worker.start();
    const outcomes: [string, number, string | undefined][] = [];
    for (const kind of ['sync', 'reject-string', 'null', 'bigint', 'after']) {
      const final = (await thrower.addTask([kind], { timeout: 10 }))!;
      outcomes.push([final.status, final.attempt, final.status === 'success' ? (final.returning as string) : final.error?.type]);
    }
    // A task name this worker does not know, in its queue: a non-retryable error, and the worker goes on.
    const stranger = (await app.addTask(unique('stranger'), [], { queue: name, timeout: 10 }))!;
    const last = (await thrower.addTask(['last'], { timeout: 10 }))!;

    expect(outcomes).toEqual([
      ['error', 1, 'Error'],
      ['error', 1, 'String'], // a thrown non-Error is typed by its constructor
      ['error', 1, 'Error'],
      ['error', 1, 'TypeError'],
      ['success', 1, 'ran after'],
    ]);
    expect([stranger.status, stranger.error?.type]).toEqual(['error', 'TaskNotRegistered']);
    expect([last.status, last.returning]).toEqual(['success', 'ran last']);
    expect(app.worker.state).toBe('running');
    expect(logs.filter((l) => l.level === 'error' && /failed: /.test(l.message))).toHaveLength(5);
  });
});
