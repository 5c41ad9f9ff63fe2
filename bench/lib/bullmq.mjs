/**
 * BullMQ's side of each figure, as the reference measured it: producer and Worker in this
 * process, jobs with `removeOnComplete`, one queue per figure, redis FLUSHALL between figures.
 */
import { Queue, QueueEvents, Worker } from 'bullmq';
import { ARGS, countdown, latency, pause, procMemory, rate, sleep, timed } from './util.mjs';

const JOB_OPTS = { removeOnComplete: true, removeOnFail: true };
let sequence = 0;

/** Runs `fn(queue, name)` on a fresh queue, then closes it and empties redis. */
async function withQueue(redis, fn) {
  const name = `bench-${process.pid}-${sequence++}`;
  const queue = new Queue(name, { connection: redis.connection });
  await queue.waitUntilReady();
  try {
    return await fn(queue, name);
  } finally {
    await queue.close();
    await redis.admin.flushall();
  }
}

const jobs = (n) => Array.from({ length: n }, () => ({ name: 'bench', data: ARGS, opts: JOB_OPTS }));

/** A Worker with a trivial handler (or `handler`), not yet running. */
function worker(redis, name, concurrency, handler = async () => 1) {
  return new Worker(name, handler, { connection: redis.connection, concurrency, autorun: false });
}

/** 1. `queue.addBulk` of n jobs, one call. */
export const bulkEnqueue = (redis, n) =>
  withQueue(redis, async (queue) => ({ rate: rate(n, await timed(() => queue.addBulk(jobs(n)))) }));

/** 2. `await queue.add()` one at a time. */
export const singleEnqueue = (redis, n) =>
  withQueue(redis, async (queue) => {
    const ms = await timed(async () => {
      for (let i = 0; i < n; i++) await queue.add('bench', ARGS, JOB_OPTS);
    });
    return { rate: rate(n, ms) };
  });

/** 3. Drain of a pre-filled queue by a Worker at `concurrency`. */
export const drain = (redis, n, concurrency) =>
  withQueue(redis, async (queue, name) => {
    for (let sent = 0; sent < n; sent += 5000) await queue.addBulk(jobs(Math.min(5000, n - sent)));
    const w = worker(redis, name, concurrency);
    const all = countdown(n);
    w.on('completed', all.tick);
    const ms = await timed(() => {
      void w.run();
      return all.done;
    });
    await w.close();
    return { rate: rate(n, ms) };
  });

/** 4. addBulk in chunks of 1000 while a c=50 Worker runs; time until all completed. */
export const endToEnd = (redis, n, chunk = 1000) =>
  withQueue(redis, async (queue, name) => {
    const w = worker(redis, name, 50);
    const all = countdown(n);
    w.on('completed', all.tick);
    void w.run();
    await w.waitUntilReady();
    await sleep(200);
    const ms = await timed(async () => {
      for (let sent = 0; sent < n; sent += chunk) await queue.addBulk(jobs(Math.min(chunk, n - sent)));
      await all.done;
    });
    await w.close();
    return { rate: rate(n, ms) };
  });

/** 5. Idle latency: `queue.add()` call → handler start, sequential, Worker c=1 idle, 2 ms between jobs (see ours.mjs). */
export const idleLatency = (redis, n, warmup = 20) =>
  withQueue(redis, async (queue, name) => {
    let started;
    const w = worker(redis, name, 1, async () => (started(performance.now()), 1));
    void w.run();
    await w.waitUntilReady();
    await sleep(200);
    const samples = [];
    for (let i = 0; i < warmup + n; i++) {
      const handlerStart = new Promise((resolve) => (started = resolve));
      const t0 = performance.now();
      const added = queue.add('bench', ARGS, JOB_OPTS);
      const t1 = await handlerStart;
      await added;
      if (i >= warmup) samples.push(t1 - t0);
      await pause(i >= warmup ? 2 : 0);
    }
    await w.close();
    return latency(samples);
  });

/** 6. `queue.add()` then `job.waitUntilFinished(queueEvents)`, sequential, Worker c=1. */
export const roundTrip = (redis, n, warmup = 20) =>
  withQueue(redis, async (queue, name) => {
    const events = new QueueEvents(name, { connection: redis.connection });
    await events.waitUntilReady();
    const w = worker(redis, name, 1);
    void w.run();
    await w.waitUntilReady();
    await sleep(200);
    const samples = [];
    for (let i = 0; i < warmup + n; i++) {
      const t0 = performance.now();
      // Kept a moment (the last 1000): waitUntilFinished reads the finished job, and a job removed
      // at once on completion makes it fail with "Missing key".
      const job = await queue.add('bench', ARGS, { removeOnComplete: { count: 1000 }, removeOnFail: true });
      await job.waitUntilFinished(events, 30_000);
      if (i >= warmup) samples.push(performance.now() - t0);
    }
    await w.close();
    await events.close();
    return latency(samples);
  });

/** Sequential `getNextJob` (no blocking) + `moveToCompleted`: BullMQ's Lease + Complete. */
async function fetchProbe(queue, w, samples) {
  await queue.addBulk(jobs(samples + 20));
  const token = 'bench-probe';
  const times = [];
  for (let i = 0; i < samples + 20; i++) {
    const t0 = performance.now();
    const job = await w.getNextJob(token, { block: false });
    const t1 = performance.now();
    if (!job) throw new Error('getNextJob returned nothing');
    await job.moveToCompleted('1', token, false);
    if (i >= 20) times.push(t1 - t0);
  }
  return latency(times);
}

/** 7. redis-server memory with n queued jobs, and fetch latency then vs with an empty queue. */
export const million = (redis, n, samples = 500) =>
  withQueue(redis, async (queue, name) => {
    const w = new Worker(name, null, { connection: redis.connection, autorun: false });
    await w.waitUntilReady();
    const emptyLease = await fetchProbe(queue, w, samples);
    const fillMs = await timed(async () => {
      const lanes = Array.from({ length: 4 }, async (_, lane) => {
        for (let sent = lane * 5000; sent < n; sent += 20_000) await queue.addBulk(jobs(Math.min(5000, n - sent)));
      });
      await Promise.all(lanes);
    });
    const fullLease = await fetchProbe(queue, w, samples);
    const info = await redis.admin.info('memory');
    const field = (key) => Number(new RegExp(`^${key}:(\\d+)`, 'm').exec(info)?.[1]);
    const mem = await procMemory(redis.pid);
    const waiting = await queue.getWaitingCount();
    await w.close();
    return { fillRate: rate(n, fillMs), usedMemory: field('used_memory'), usedMemoryRss: field('used_memory_rss'), rss: mem.rss, waiting, emptyLease, fullLease };
  });
