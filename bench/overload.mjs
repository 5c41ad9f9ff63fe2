#!/usr/bin/env node
/**
 * `npm run bench:overload`: producers faster than workers, measured on the real broker process.
 *
 * For each durability mode (commit, then strict) it starts `qtasks-broker` on a fresh temporary
 * data directory, fills one queue to 1,000,000 tasks (~200-byte args) with batched Enqueues from
 * several concurrent lanes (resending after `retry-after-ms` when the broker pushes back), and:
 *
 * - samples the broker's RSS from /proc/PID/status (anonymous memory and file-backed LMDB pages
 *   separately) and its V8 heap from the JSON line it prints on SIGUSR2;
 * - measures, at queue depths 0, 10k, 100k and 1M, sequential single-task Lease and Complete
 *   round trips (p50/p99), with the backlog left in place;
 * - measures the same Lease+Complete probe while the producers are saturating the broker.
 *
 * This is a benchmark, not a test: it asserts nothing, it prints tables. Options:
 *   --tasks N          tasks to fill to (default 1000000); depths above N are skipped
 *   --modes a,b        durability modes (default commit,strict)
 *   --lanes N          concurrent Enqueue lanes (default 16: 16,000 tasks in flight, over the
 *                      broker's default --max-pending-writes, so that it has to push back)
 *   --batch N          tasks per Enqueue (default 1000)
 *   --samples N        Lease+Complete round trips per depth (default 1000)
 *   --max-pending-writes N   passed to the broker (default: the broker's default)
 *   --json FILE        also write the raw results as JSON
 */
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { ClientError, Status } from 'nice-grpc';
import { startBroker } from './lib/broker.mjs';
import { environment, procMemory, sleep } from './lib/util.mjs';


const { values: opts } = parseArgs({
  options: {
    tasks: { type: 'string', default: '1000000' },
    modes: { type: 'string', default: 'commit,strict' },
    lanes: { type: 'string', default: '16' },
    batch: { type: 'string', default: '1000' },
    samples: { type: 'string', default: '1000' },
    'max-pending-writes': { type: 'string' },
    json: { type: 'string' },
  },
});
const TOTAL = Number(opts.tasks);
const LANES = Number(opts.lanes);
const BATCH = Number(opts.batch);
const SAMPLES = Number(opts.samples);
const DEPTHS = [0, 10_000, 100_000, 1_000_000].filter((depth) => depth <= TOTAL);
const QUEUE = 'bench-overload';
/** ~200 bytes of args: a JSON array holding one string. */
const ARGS = Buffer.from(JSON.stringify(['x'.repeat(196)]));
const KWARGS = Buffer.from('{}');

const mib = (bytes) => (bytes / 1024 / 1024).toFixed(0);
const fmt = (n) => n.toLocaleString('en-US');

/** Samples RSS every 200 ms until stopped; keeps the peaks. */
function rssSampler(pid) {
  const peak = { rss: 0, anon: 0, file: 0 };
  let running = true;
  const done = (async () => {
    while (running) {
      const mem = await procMemory(pid).catch(() => undefined);
      if (mem) for (const key of Object.keys(peak)) peak[key] = Math.max(peak[key], mem[key]);
      await sleep(200);
    }
  })();
  return {
    peak,
    async stop() {
      running = false;
      await done;
    },
  };
}

/**
 * Enqueues `count` tasks from LANES concurrent lanes of BATCH-task Enqueues. A refusal for
 * overload is waited out (its retry-after-ms plus jitter) and the same batch sent again.
 */
async function fill(client, count, counters) {
  let remaining = count;
  const lane = async () => {
    while (remaining > 0) {
      const n = Math.min(BATCH, remaining);
      remaining -= n;
      const tasks = Array.from({ length: n }, () => ({ name: 'bench.task', queue: QUEUE, args: ARGS, kwargs: KWARGS }));
      for (;;) {
        let trailer;
        try {
          await client.enqueue({ tasks }, { onTrailer: (t) => (trailer = t) });
          counters.enqueued += n;
          counters.rpcs++;
          break;
        } catch (error) {
          const hint = Number(trailer?.get('retry-after-ms'));
          if (!(error instanceof ClientError) || error.code !== Status.RESOURCE_EXHAUSTED || !Number.isFinite(hint)) throw error;
          counters.refused++;
          counters.maxHintMs = Math.max(counters.maxHintMs, hint);
          await sleep(hint * (1 + Math.random() / 2));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: LANES }, lane));
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
function summary(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] };
}

/** One Lease (max_tasks 1, no wait) and one Complete, timed separately. */
async function leaseAndComplete(client, workerId) {
  const t0 = performance.now();
  const { tasks } = await client.lease({ workerId, queues: [QUEUE], maxTasks: 1, waitMs: 0, leaseMs: 60_000 });
  const t1 = performance.now();
  if (tasks.length !== 1) throw new Error(`lease returned ${tasks.length} tasks`);
  const { results } = await client.complete({
    completions: [{ taskId: tasks[0].task.id, leaseToken: tasks[0].leaseToken, outcome: { $case: 'success', value: { result: Buffer.from('1') } } }],
  });
  const t2 = performance.now();
  if (!results[0].accepted) throw new Error(`complete refused: ${results[0].reason}`);
  return { leaseMs: t1 - t0, completeMs: t2 - t1, totalMs: t2 - t0 };
}

/** SAMPLES sequential Lease+Complete round trips, with SAMPLES extra tasks enqueued first so the backlog stays at its depth. */
async function probeAtDepth(client) {
  await fill(client, SAMPLES, { enqueued: 0, rpcs: 0, refused: 0, maxHintMs: 0 });
  for (let i = 0; i < 50; i++) await leaseAndComplete(client, 'bench-warmup').catch(() => undefined);
  await fill(client, 50, { enqueued: 0, rpcs: 0, refused: 0, maxHintMs: 0 });
  const lease = [];
  const total = [];
  for (let i = 0; i < SAMPLES; i++) {
    const r = await leaseAndComplete(client, 'bench-probe');
    lease.push(r.leaseMs);
    total.push(r.totalMs);
  }
  return { lease: summary(lease), total: summary(total) };
}

async function runMode(mode) {
  console.log(`\n== durability ${mode}: filling to ${fmt(TOTAL)} tasks (${LANES} lanes × ${BATCH}-task Enqueues) ==`);
  const broker = await startBroker(mode, [], opts['max-pending-writes'] ? ['--max-pending-writes', opts['max-pending-writes']] : []);
  const pid = broker.pid;
  const sampler = rssSampler(pid);
  const counters = { enqueued: 0, rpcs: 0, refused: 0, maxHintMs: 0 };
  const rows = [];
  let fillMs = 0;
  let underLoad;
  try {
    const idle = await broker.stats();
    const idleProc = await procMemory(pid);
    rows.push({ depth: 'idle', stats: idle, proc: idleProc });
    let depth = 0;
    for (const target of DEPTHS) {
      const t0 = performance.now();
      // While filling the biggest stretch, a worker probes Lease+Complete under saturation.
      const probeWhileFilling = target === DEPTHS[DEPTHS.length - 1] && target - depth >= 50_000;
      let stopProbe = false;
      const loadProbe = probeWhileFilling
        ? (async () => {
            const lease = [];
            const total = [];
            while (!stopProbe) {
              const r = await leaseAndComplete(broker.client, 'bench-under-load').catch(() => undefined);
              if (r) {
                lease.push(r.leaseMs);
                total.push(r.totalMs);
              }
              await sleep(20);
            }
            return { lease: summary(lease), total: summary(total) };
          })()
        : undefined;
      await fill(broker.client, target - depth, counters);
      stopProbe = true;
      if (loadProbe) underLoad = await loadProbe;
      fillMs += performance.now() - t0;
      depth = target;
      const atDepth = await broker.stats();
      const proc = await procMemory(pid);
      const probe = await probeAtDepth(broker.client);
      rows.push({ depth: target, stats: atDepth, proc, probe });
      console.log(
        `  depth ${fmt(target).padStart(9)}: ready ${fmt(atDepth.ready)}, heapUsed ${mib(atDepth.memory.heapUsed)} MiB, ` +
          `RSS ${mib(proc.rss)} MiB (anon ${mib(proc.anon)}, file ${mib(proc.file)}); ` +
          `Lease p50 ${probe.lease.p50.toFixed(2)} ms p99 ${probe.lease.p99.toFixed(2)} ms`,
      );
    }
    // Memory once the broker has been idle a moment (V8 collects lazily).
    await sleep(5000);
    const settled = await broker.stats();
    rows.push({ depth: 'settled', stats: settled, proc: await procMemory(pid) });
  } finally {
    await sampler.stop();
    await broker.stop();
  }
  return { mode, rows, counters, fillMs, peak: sampler.peak, underLoad, loadAverageAfter: loadavg().map((n) => n.toFixed(2)).join(' ') };
}

function report(results) {
  const ms = (n) => n.toFixed(2);
  for (const { mode, rows, counters, fillMs, peak, underLoad, loadAverageAfter } of results) {
    console.log(`\n### durability ${mode} (machine load average at the end: ${loadAverageAfter})\n`);
    console.log(
      `Fill: ${fmt(counters.enqueued)} tasks in ${(fillMs / 1000).toFixed(1)} s (${fmt(Math.round(counters.enqueued / (fillMs / 1000)))} tasks/s), ` +
        `${fmt(counters.rpcs)} Enqueues accepted, ${fmt(counters.refused)} refused with RESOURCE_EXHAUSTED (largest retry-after-ms ${counters.maxHintMs}).`,
    );
    console.log(`Peak during the run: RSS ${mib(peak.rss)} MiB (anonymous ${mib(peak.anon)} MiB, LMDB file pages ${mib(peak.file)} MiB).\n`);
    console.log('| queued tasks | heapUsed | heapTotal | RSS | RSS anon | RSS file (LMDB map) | data file | Lease p50 | Lease p99 | Lease+Complete p50 | Lease+Complete p99 |');
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const { depth, stats, proc, probe } of rows) {
      const label = typeof depth === 'number' ? fmt(depth) : depth === 'idle' ? 'none (started)' : `${fmt(stats.ready)} (after 5 s idle)`;
      console.log(
        `| ${label} | ${mib(stats.memory.heapUsed)} MiB | ${mib(stats.memory.heapTotal)} MiB | ${mib(proc.rss)} MiB | ${mib(proc.anon)} MiB | ${mib(proc.file)} MiB | ${mib(stats.dataBytes)} MiB | ` +
          (probe ? `${ms(probe.lease.p50)} ms | ${ms(probe.lease.p99)} ms | ${ms(probe.total.p50)} ms | ${ms(probe.total.p99)} ms |` : '| | | |'),
      );
    }
    if (underLoad) {
      console.log(
        `\nWhile the producers saturated the broker (${underLoad.lease.n} probes, 20 ms apart): Lease p50 ${ms(underLoad.lease.p50)} ms, ` +
          `p99 ${ms(underLoad.lease.p99)} ms, max ${ms(underLoad.lease.max)} ms; Lease+Complete p50 ${ms(underLoad.total.p50)} ms, p99 ${ms(underLoad.total.p99)} ms, max ${ms(underLoad.total.max)} ms.`,
      );
    }
  }
}

const env = await environment();
console.log(`qtasks overload benchmark: ${JSON.stringify(env)}`);
console.log(`command: npm run bench:overload -- ${process.argv.slice(2).join(' ')}`.trimEnd());
const results = [];
for (const mode of opts.modes.split(',')) results.push(await runMode(mode));
report(results);
if (opts.json) await writeFile(opts.json, JSON.stringify({ env, options: opts, results }, null, 2));
