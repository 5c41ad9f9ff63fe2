/**
 * graphile-worker's side of `npm run bench -- --store postgres`: issue 8's figures for the peer
 * issue 14 compares with, on a database of the same cluster as ours, in this process (producer
 * and worker pool together, as our SDK side runs). graphile-worker 0.17.3 is pinned: 0.18 needs
 * Node 22. Its options are its defaults (pool max(10, c + 2), as its docs advise; per-job logs
 * off), and the drain at 50 is also run with the batching its performance page documents
 * (`localQueue` of 51, `completeJobBatchDelay` 0), the "tuned" figure issue 14 aims to beat.
 *
 * A job counts as done when its `job:complete` event fires and, at the end of a figure, the jobs
 * table is empty: graphile deletes a completed job without waiting for it, so the clock stops
 * only once every DELETE has landed. Between figures, untimed, the table is checked empty and
 * `VACUUM ANALYZE`d (the counterpart of our purge and of BullMQ's obliterate).
 */
import { Logger, makeWorkerUtils, run } from 'graphile-worker';
import postgres from 'postgres';
import { ARGS, countdown, latency, rate, sleep, timed } from './util.mjs';

const TASK = 'bench';
const PAYLOAD = { args: ARGS };
const silent = new Logger(() => () => undefined);
/** The batching graphile documents for throughput (worker.graphile.org/docs/performance#batching). */
const TUNED = { worker: { localQueue: { size: 51 }, completeJobBatchDelay: 0 } };

/** graphile-worker on the database at `url`: its schema migrated, and one function per figure. */
export async function graphileOn(url) {
  const utils = await makeWorkerUtils({ connectionString: url, logger: silent });
  await utils.migrate();
  const sql = postgres(url, { max: 1, onnotice: () => undefined });

  /** Waits (polling, outside any figure's hot path) until graphile's last fire-and-forget DELETE landed. */
  async function tableEmpty() {
    while ((await sql`SELECT count(*)::int AS n FROM graphile_worker._private_jobs`)[0].n > 0) await sleep(5);
  }
  async function addJobs(n) {
    await utils.addJobs(Array.from({ length: n }, () => ({ identifier: TASK, payload: PAYLOAD })));
  }
  /** A worker pool at `concurrency`, whose handler calls `onJob`; `done` counts `job:complete`. */
  async function pool(concurrency, onJob = () => undefined, preset = undefined) {
    const runner = await run({
      connectionString: url,
      concurrency,
      maxPoolSize: Math.max(10, concurrency + 2),
      noHandleSignals: true,
      logger: silent,
      taskList: { [TASK]: async () => onJob() },
      ...(preset ? { preset } : {}),
    });
    return runner;
  }
  async function settle() {
    await tableEmpty();
    await sql`VACUUM ANALYZE graphile_worker._private_jobs`;
  }
  async function drain(n, concurrency, preset) {
    await addJobs(n);
    const all = countdown(n);
    let runner;
    const ms = await timed(async () => {
      runner = await pool(concurrency, undefined, preset);
      runner.events.on('job:complete', all.tick);
      await all.done;
      await tableEmpty();
    });
    await runner.stop();
    await settle();
    return { rate: rate(n, ms) };
  }

  return {
    /** 1. One `addJobs` call of n jobs (one statement, one commit). */
    async bulk(n) {
      const ms = await timed(() => addJobs(n));
      await sql`DELETE FROM graphile_worker._private_jobs`;
      await settle();
      return { rate: rate(n, ms) };
    },
    /** 3. Drain of a pre-filled queue at `concurrency`, graphile's defaults, or `tuned` batching. */
    drain: (n, concurrency, tuned = false) => drain(n, concurrency, tuned ? TUNED : undefined),
    /** 4. `addJobs` in chunks of 1000 while a c=50 pool runs. */
    async endToEnd(n, chunk = 1000) {
      const all = countdown(n);
      const runner = await pool(50);
      runner.events.on('job:complete', all.tick);
      await sleep(200);
      const ms = await timed(async () => {
        for (let sent = 0; sent < n; sent += chunk) await addJobs(Math.min(chunk, n - sent));
        await all.done;
        await tableEmpty();
      });
      await runner.stop();
      await settle();
      return { rate: rate(n, ms) };
    },
    /** 5. Idle latency: `addJob` call → handler start, sequential, a c=1 pool idle on LISTEN. */
    async idleLatency(n, warmup = 20) {
      let started;
      const runner = await pool(1, () => started(performance.now()));
      await sleep(200);
      const samples = [];
      for (let i = 0; i < warmup + n; i++) {
        const handlerStart = new Promise((resolve) => (started = resolve));
        const t0 = performance.now();
        const added = utils.addJob(TASK, PAYLOAD);
        const t1 = await handlerStart;
        await added;
        if (i >= warmup) samples.push(t1 - t0);
        await sleep(2);
      }
      await runner.stop();
      await settle();
      return latency(samples);
    },
    async close() {
      await utils.release();
      await sql.end();
    },
  };
}
