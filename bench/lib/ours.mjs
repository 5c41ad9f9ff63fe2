/**
 * Our side of each figure: the `@qtasks/sdk` app (producer and worker in this process) against a
 * real `qtasks-broker` process. Each figure uses its own task name (hence its own queue) and its
 * own app, and a figure that leaves tasks in line (the enqueue figures) purges them at its end,
 * untimed, as BullMQ's side empties Redis after each figure: a broker holding 50,000 tasks no one
 * takes would measure the next figures with its window of records in memory full of them.
 */
import { ClientError, Status } from 'nice-grpc';
import { QTasks } from '@qtasks/sdk';
import { ARGS, countdown, latency, pause, procMemory, rate, sleep, timed } from './util.mjs';

const quiet = { debug() {}, info() {}, warn: (...a) => console.warn(...a), error: (...a) => console.error(...a) };
const ARGS_BYTES = Buffer.from(JSON.stringify(ARGS));
let sequence = 0;

/** An app with one task whose handler is `handler` (trivial by default), run at `concurrency`. */
function appWithTask(broker, { concurrency = 10, handler = () => 1 } = {}) {
  const app = new QTasks({ name: 'bench', broker: broker.address, config: { maxTasksProcess: concurrency }, logger: quiet });
  // The task's queue is its name.
  const queue = `bench.${process.pid}.${sequence++}`;
  const task = app.task({ name: queue }, handler);
  return { app, task, queue };
}

/**
 * Counts the app's RPCs: Enqueue and Complete from the SDK's batchers, Lease by wrapping the
 * connection's `lease`, and the `complete` requests on the worker's Work streams (its outcomes
 * take the stream, and unary Completes only when no stream can carry them). `onComplete` is called
 * once per outcome the broker acknowledged, whichever way it went.
 */
export function instrument(app, onComplete) {
  const conn = app.connection();
  const counts = { lease: 0, leasedTasks: 0, completed: 0 };
  const lease = conn.lease.bind(conn);
  conn.lease = async (request, signal) => {
    counts.lease++;
    const response = await lease(request, signal);
    counts.leasedTasks += response.tasks.length;
    return response;
  };
  const countAcknowledged = (completions) => {
    const complete = completions.add.bind(completions);
    completions.add = (item) =>
      complete(item).then((result) => {
        counts.completed++;
        onComplete?.();
        return result;
      });
  };
  countAcknowledged(conn.completions);
  const sessions = [];
  const work = conn.work.bind(conn);
  conn.work = (...args) => {
    const session = work(...args);
    sessions.push(session);
    countAcknowledged(session.completions);
    return session;
  };
  return () => ({
    ...counts,
    enqueueRpcs: conn.enqueues.rpcCount,
    completeRpcs: conn.completions.rpcCount,
    streamedCompletes: sessions.reduce((sum, session) => sum + session.completions.rpcCount, 0),
  });
}

const addMany = (task, n) => Promise.all(Array.from({ length: n }, () => task.addTask(ARGS)));

/** Removes the tasks a figure left in `queue`'s line, after it was timed. */
async function purgeLeftovers(app, queue) {
  await app.purgeQueue(queue, ['new']);
}

/** 1. `addTask` fired concurrently for n tasks (the SDK coalesces them into batched Enqueues). */
export async function bulkEnqueue(broker, n) {
  const { app, task, queue } = appWithTask(broker);
  const counts = instrument(app);
  const ms = await timed(() => addMany(task, n));
  const rpcs = counts().enqueueRpcs;
  await purgeLeftovers(app, queue);
  await app.close();
  return { rate: rate(n, ms), enqueueRpcs: rpcs };
}

/** 1b. The raw batched Enqueue RPC, 1000 tasks per call, all calls concurrent (no SDK). */
export async function rawEnqueue(broker, n, batch = 1000) {
  const queue = `bench.raw.${process.pid}.${sequence++}`;
  const ms = await timed(() => fill(broker.client, queue, n, Math.ceil(n / batch), batch));
  const app = new QTasks({ name: 'bench', broker: broker.address, logger: quiet });
  await purgeLeftovers(app, queue);
  await app.close();
  return { rate: rate(n, ms) };
}

/** 2. `await addTask()` one after another. */
export async function singleEnqueue(broker, n) {
  const { app, task, queue } = appWithTask(broker);
  await task.addTask(ARGS); // connect first
  const ms = await timed(async () => {
    for (let i = 0; i < n; i++) await task.addTask(ARGS);
  });
  await purgeLeftovers(app, queue);
  await app.close();
  return { rate: rate(n, ms) };
}

/** 3. Drain of a pre-filled queue by the SDK worker at `concurrency`, trivial handler. */
export async function drain(broker, n, concurrency) {
  const { app, task } = appWithTask(broker, { concurrency });
  await addMany(task, n);
  const all = countdown(n);
  const counts = instrument(app, all.tick);
  const ms = await timed(() => {
    app.worker.start();
    return all.done;
  });
  const c = counts();
  await app.close();
  return { rate: rate(n, ms), rpcsPerTask: { lease: c.lease / n, complete: c.completeRpcs / n, 'complete on the stream': c.streamedCompletes / n } };
}

/** 4. Producing and consuming at once: addTask in chunks of 1000 while a c=50 worker runs. */
export async function endToEnd(broker, n, chunk = 1000) {
  const { app, task } = appWithTask(broker, { concurrency: 50 });
  const all = countdown(n);
  const counts = instrument(app, all.tick);
  app.worker.start();
  await sleep(200);
  const ms = await timed(async () => {
    for (let sent = 0; sent < n; sent += chunk) await addMany(task, Math.min(chunk, n - sent));
    await all.done;
  });
  const c = counts();
  await app.close();
  return { rate: rate(n, ms), rpcsPerTask: { lease: c.lease / n, complete: c.completeRpcs / n, 'complete on the stream': c.streamedCompletes / n, enqueue: c.enqueueRpcs / n } };
}

/**
 * 5. Idle latency: addTask call → handler start, sequential, worker c=1 idle-waiting, 2 ms between
 * tasks; the first `warmup` tasks, untimed, follow one another without the pause.
 */
export async function idleLatency(broker, n, warmup = 20) {
  let started;
  const { app, task } = appWithTask(broker, { concurrency: 1, handler: () => (started(performance.now()), 1) });
  app.worker.start();
  await sleep(200);
  const samples = [];
  for (let i = 0; i < warmup + n; i++) {
    const handlerStart = new Promise((resolve) => (started = resolve));
    const t0 = performance.now();
    const added = task.addTask(ARGS);
    const t1 = await handlerStart;
    await added;
    if (i >= warmup) samples.push(t1 - t0);
    await pause(i >= warmup ? 2 : 0);
  }
  await app.close();
  return latency(samples);
}

/** 6. `addTask(args, { timeout })` round trip (enqueue, run, result back), sequential, worker c=1. */
export async function roundTrip(broker, n, warmup = 20) {
  const { app, task } = appWithTask(broker, { concurrency: 1 });
  app.worker.start();
  await sleep(200);
  const samples = [];
  for (let i = 0; i < warmup + n; i++) {
    const t0 = performance.now();
    const done = await task.addTask(ARGS, { timeout: 30 });
    if (done?.status !== 'success') throw new Error(`round trip ended ${done?.status}`);
    if (i >= warmup) samples.push(performance.now() - t0);
  }
  await app.close();
  return latency(samples);
}

/**
 * Enqueues n tasks on `queue` from `lanes` concurrent lanes of `batch`-task Enqueues; a refusal
 * for overload is waited out (its retry-after-ms) and the same batch sent again.
 */
async function fill(client, queue, n, lanes, batch) {
  let remaining = n;
  const lane = async () => {
    while (remaining > 0) {
      const count = Math.min(batch, remaining);
      remaining -= count;
      const tasks = Array.from({ length: count }, () => ({ name: queue, queue, args: ARGS_BYTES, kwargs: Buffer.from('{}') }));
      for (;;) {
        let trailer;
        try {
          await client.enqueue({ tasks }, { onTrailer: (t) => (trailer = t) });
          break;
        } catch (error) {
          const hint = Number(trailer?.get('retry-after-ms'));
          if (!(error instanceof ClientError) || error.code !== Status.RESOURCE_EXHAUSTED || !Number.isFinite(hint)) throw error;
          await sleep(hint * (1 + Math.random() / 2));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, Math.ceil(n / batch)) }, lane));
}

/** Sequential single-task Lease (no wait) + Complete round trips; Lease timed alone. */
async function leaseProbe(client, queue, samples) {
  await fill(client, queue, samples + 20, 1, 1000);
  const times = [];
  for (let i = 0; i < samples + 20; i++) {
    const t0 = performance.now();
    const { tasks } = await client.lease({ workerId: 'bench-probe', queues: [queue], maxTasks: 1, waitMs: 0, leaseMs: 60_000 });
    const t1 = performance.now();
    if (tasks.length !== 1) throw new Error(`lease returned ${tasks.length} tasks`);
    await client.complete({ completions: [{ taskId: tasks[0].task.id, leaseToken: tasks[0].leaseToken, outcome: { $case: 'success', value: { result: Buffer.from('1') } } }] });
    if (i >= 20) times.push(t1 - t0);
  }
  return latency(times);
}

/** The queue figure 7 fills. */
const MILLION_QUEUE = `bench.million.${process.pid}`;

/**
 * 7. A restart on the store figure 7 filled: the broker SIGKILLed, then the time from spawning a
 * new one on the same data directory to its first Lease that returns a task. Returns the new broker
 * (the caller stops it).
 */
export async function restartToFirstTask(broker, start) {
  await broker.crash();
  const t0 = performance.now();
  const next = await start(broker.dataDir);
  for (;;) {
    const { tasks } = await next.client.lease({ workerId: 'bench-restart', queues: [MILLION_QUEUE], maxTasks: 1, waitMs: 0, leaseMs: 60_000 });
    if (tasks.length === 1) return { ms: performance.now() - t0, broker: next };
  }
}

/** 7. Broker heap and RSS with `n` queued tasks, and Lease latency then vs with an empty queue. */
export async function million(broker, n, samples = 500) {
  const queue = MILLION_QUEUE;
  const emptyLease = await leaseProbe(broker.client, queue, samples);
  const fillMs = await timed(() => fill(broker.client, queue, n, 16, 1000));
  const fullLease = await leaseProbe(broker.client, queue, samples);
  const stats = await broker.stats();
  const mem = await procMemory(broker.pid);
  return { fillRate: rate(n, fillMs), heapUsed: stats.memory.heapUsed, heapTotal: stats.memory.heapTotal, rss: mem.rss, rssAnon: mem.anon, rssFile: mem.file, ready: stats.ready, emptyLease, fullLease };
}
