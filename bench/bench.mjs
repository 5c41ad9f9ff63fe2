#!/usr/bin/env node
/**
 * `npm run bench`: our broker and BullMQ side by side, in one run, on the same machine, with the
 * same workload and payload (~200 bytes of args: a JSON array holding one 196-character string).
 *
 * Ours is the real `qtasks-broker` process (fresh data directory, `--durability commit` and then
 * `strict`, a fresh broker per run and mode) driven through `@qtasks/sdk`; BullMQ 6.7.0 runs on a
 * `redis-server` this script starts on a free loopback port with `appendonly yes`, `appendfsync
 * everysec`, `--save ''` and a temporary `--dir` (SIGTERM at the end, SIGKILL on a crash). Redis
 * `everysec` acknowledges before its fsync, so `commit` (acknowledged once committed, fsynced
 * shortly after) is the like-for-like column; `strict` acknowledges after the fsync. Producer and
 * worker live in this process on both sides; the broker and redis-server are their own processes.
 *
 * The figures (N = 20,000 tasks unless said; `--quick` uses N = 5,000 and fewer samples):
 *  1. bulk enqueue (tasks/s): N `addTask` calls fired at once (the SDK coalesces them into
 *     batched Enqueue RPCs) vs one `queue.addBulk` of N. Row 1b: the raw batched Enqueue RPC
 *     (1000 tasks per call, all calls concurrent, no SDK) for reference.
 *  2. single enqueue (tasks/s): `await addTask()` one after another vs `await queue.add()`.
 *  3. drain (completed/s) of a pre-filled queue at concurrency 1 and 50, trivial handler: the SDK
 *     worker (`maxTasksProcess` = c) vs a BullMQ Worker (`concurrency` = c); "completed" = the
 *     outcome acknowledged by the broker / the Worker's `completed` event.
 *  4. end-to-end (completed/s): a c=50 worker runs while tasks are added in chunks of 1000, each
 *     chunk awaited; the clock stops when all N completed.
 *  5. idle latency (ms, p50/p99): 1000 sequential tasks, worker c=1 idle-waiting; the time from
 *     the `addTask`/`add` call to the handler's start (same process, performance.now()), 2 ms
 *     pause between tasks, after 2,000 untimed tasks (500 with --quick) one after another.
 *  6. round trip (ms, p50/p99): `addTask(args, { timeout })` (enqueue, run, result back) vs
 *     `queue.add` + `job.waitUntilFinished(queueEvents)`, sequential, worker c=1, after 2,000
 *     untimed ones (500 with --quick).
 *     Why the latency figures warm their own app: each figure makes a new app (a new Worker and
 *     Queue on BullMQ's side), and a new app's first ~2,000 tasks pay for V8 deoptimizing what it
 *     compiled for the last one's objects (wrong maps in Node's streams and timers, the SDK's
 *     session) and compiling it again: on the same warm broker, p99 2.0–2.6 ms in a fresh app's
 *     first 1,000 idle tasks against 0.5–0.7 ms in an app that had run 3,000 (docs/benchmarks.md,
 *     "Latency figures measured warm"). A worker serves for months.
 *  7. (`--with-1m`; on in a full run, off with --quick) 1,000,000 queued tasks: our broker's V8
 *     heap (SIGUSR2 stats line) and RSS (/proc) vs redis-server's `used_memory` and RSS; and
 *     the latency of taking one task (Lease, no wait / `worker.getNextJob`), each followed by
 *     its Complete / `moveToCompleted`, with 1M queued vs an almost empty queue; then our broker is
 *     SIGKILLed and started again on its data: the time from the spawn to the first task leased.
 *     Measured once.
 * Each throughput or latency figure is the median of `--runs` runs (default 3). Within a run each
 * figure is measured on every side in turn (BullMQ, commit, strict; reversed in even runs), so
 * that drift on the shared machine hits all columns alike and a ratio compares measurements taken
 * seconds apart (the sides not measured stay up, idle, meanwhile). Each run starts its brokers
 * and redis-server afresh and first runs a warm-up, untimed, on all sides alike: bulk, drain at
 * 50 and produce+consume with `--warmup` tasks each (default 5,000).
 * A broker serves for months, so what users get is the code V8 has compiled by then: measured
 * cold, a 1-second figure paid for compiling the broker's hot paths as it went (its compiler's
 * threads took ~10 µs of CPU per task of a first drain). `--warmup 0` measures cold.
 *
 * It is a benchmark, never a test: it asserts nothing. Options:
 *   --runs N            runs per figure (default 3)
 *   --warmup N          tasks per warm-up figure at the start of each run (default 5,000; 0: none)
 *   --quick             N = 5,000, fewer latency samples, no 1M figure unless --with-1m
 *   --with-1m / --without-1m   force figure 7 on or off
 *   --sides a,b,c       any of bullmq,commit,strict (default all three)
 *   --figures a,b       only these figures: bulk,raw,single,drain1,drain50,e2e,idle,rtt,1m, and
 *                       layers (the raw layers: LMDB commit, gRPC call, a Produce stream message,
 *                       store without gRPC, Redis PING)
 *   --broker-node-args "--cpu-prof --cpu-prof-dir=/tmp/prof"   extra node flags for the broker
 *   --json FILE         write the raw results as JSON
 *   --store postgres    the PostgreSQL store instead, 1 and 3 brokers on one database
 *                       (bench/postgres.mjs, its own options)
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

// `--store postgres`: the PostgreSQL store's own benchmark, 1 and 3 brokers (bench/postgres.mjs).
if (process.argv.includes('--store') && process.argv[process.argv.indexOf('--store') + 1] === 'postgres') {
  await import('./postgres.mjs');
  process.exit(0);
}

import { startBroker } from './lib/broker.mjs';
import * as bull from './lib/bullmq.mjs';
import * as layer from './lib/layers.mjs';
import * as ours from './lib/ours.mjs';
import { redisInstalled, startRedis } from './lib/redis.mjs';
import { environment, median } from './lib/util.mjs';

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '5000' },
    quick: { type: 'boolean', default: false },
    'with-1m': { type: 'boolean' },
    'without-1m': { type: 'boolean' },
    sides: { type: 'string', default: 'bullmq,commit,strict' },
    figures: { type: 'string' },
    'broker-node-args': { type: 'string', default: '' },
    json: { type: 'string' },
  },
});
const RUNS = Number(opts.runs);
const WARMUP = Number(opts.warmup);
const N = opts.quick ? 5_000 : 20_000;
const N_SINGLE = opts.quick ? 2_000 : 5_000;
const N_LATENCY = opts.quick ? 300 : 1_000;
// Untimed tasks a latency figure's app runs first (see the header).
const N_LATENCY_WARMUP = opts.quick ? 500 : 2_000;
const N_MILLION = 1_000_000;
const WITH_1M = opts['without-1m'] ? false : (opts['with-1m'] ?? !opts.quick);
const SIDES = [...new Set(opts.sides.split(','))];
const FIGURES = new Set(opts.figures ? opts.figures.split(',') : ['bulk', 'raw', 'single', 'drain1', 'drain50', 'e2e', 'idle', 'rtt', 'layers', ...(WITH_1M ? ['1m'] : [])]);
const HAS_REDIS = redisInstalled();

/** Figure key → how one side measures it. `raw` has no BullMQ counterpart. */
const FIGURE_RUNNERS = {
  bulk: { bullmq: (r) => bull.bulkEnqueue(r, N), ours: (b) => ours.bulkEnqueue(b, N) },
  raw: { ours: (b) => ours.rawEnqueue(b, N) },
  single: { bullmq: (r) => bull.singleEnqueue(r, N_SINGLE), ours: (b) => ours.singleEnqueue(b, N_SINGLE) },
  drain1: { bullmq: (r) => bull.drain(r, N, 1), ours: (b) => ours.drain(b, N, 1) },
  drain50: { bullmq: (r) => bull.drain(r, N, 50), ours: (b) => ours.drain(b, N, 50) },
  e2e: { bullmq: (r) => bull.endToEnd(r, N), ours: (b) => ours.endToEnd(b, N) },
  idle: { bullmq: (r) => bull.idleLatency(r, N_LATENCY, N_LATENCY_WARMUP), ours: (b) => ours.idleLatency(b, N_LATENCY, N_LATENCY_WARMUP) },
  rtt: { bullmq: (r) => bull.roundTrip(r, N_LATENCY, N_LATENCY_WARMUP), ours: (b) => ours.roundTrip(b, N_LATENCY, N_LATENCY_WARMUP) },
};

/** Processes to kill if the benchmark crashes. */
const live = new Set();
const cleanupOnCrash = () => {
  for (const proc of live) proc.kill();
};
process.on('exit', cleanupOnCrash);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

async function withProcess(start, fn) {
  const proc = await start();
  live.add(proc);
  try {
    return await fn(proc);
  } finally {
    live.delete(proc);
    await proc.stop();
  }
}

/**
 * One run of every selected figure on every side (`bullmq`, `commit`, `strict`): each side's
 * broker or redis-server started afresh and warmed up, then each figure on every side in turn, so
 * that the figures a ratio compares are measured seconds apart rather than minutes (this machine's
 * speed drifts on that scale). The order of the sides alternates from run to run.
 */
async function runAll(run, sides, figures) {
  const order = run % 2 === 1 ? sides : [...sides].reverse();
  const brokerArgs = opts['broker-node-args'].split(' ').filter(Boolean);
  const targets = {};
  try {
    for (const side of order) {
      targets[side] = await (side === 'bullmq' ? startRedis() : startBroker(side, brokerArgs));
      live.add(targets[side]);
    }
    if (WARMUP > 0) for (const side of order) await warmUp(side, targets[side]);
    const results = Object.fromEntries(order.map((side) => [side, {}]));
    for (const figure of figures) {
      for (const side of order) {
        const runner = FIGURE_RUNNERS[figure]?.[side === 'bullmq' ? 'bullmq' : 'ours'];
        if (!runner) continue;
        results[side][figure] = await runner(targets[side]);
        process.stdout.write(`  ${side.padEnd(6)} ${figure.padEnd(8)} ${brief(results[side][figure])}\n`);
      }
    }
    return results;
  } finally {
    // One that fails to stop stays in `live`, for the exit handler to kill; the others still stop.
    await Promise.allSettled(Object.values(targets).map(async (target) => (await target.stop(), live.delete(target))));
  }
}

/** The untimed warm-up at the start of a run (see the header): the throughput paths, `WARMUP` tasks each. */
async function warmUp(side, target) {
  const runners = side === 'bullmq'
    ? [() => bull.bulkEnqueue(target, WARMUP), () => bull.drain(target, WARMUP, 50), () => bull.endToEnd(target, WARMUP)]
    : [() => ours.bulkEnqueue(target, WARMUP), () => ours.drain(target, WARMUP, 50), () => ours.endToEnd(target, WARMUP)];
  for (const run of runners) await run();
}

const brief = (r) => (r.rate !== undefined ? `${Math.round(r.rate)}/s` : `p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms`);

/** Figure 7, once per side, each on a fresh broker / redis-server. */
async function runMillion(side) {
  if (side === 'bullmq') return withProcess(startRedis, (redis) => bull.million(redis, N_MILLION));
  // `--expose-gc`: the broker's SIGUSR2 stats line collects first, so its heap is what it holds
  // (like Redis's used_memory), not a snapshot with garbage in it.
  const broker = await startBroker(side, ['--expose-gc']);
  live.add(broker);
  let restarted;
  try {
    const figures = await ours.million(broker, N_MILLION);
    live.delete(broker);
    restarted = await ours.restartToFirstTask(broker, (dataDir) => startBroker(side, [], [], undefined, dataDir));
    live.add(restarted.broker);
    return { ...figures, restartMs: restarted.ms };
  } finally {
    const last = restarted?.broker ?? broker;
    live.delete(last);
    await last.stop();
  }
}

/** The raw layers (bench/lib/layers.mjs), once per benchmark run. */
async function measureLayers() {
  const layers = { lmdb: await layer.lmdbCommits() };
  layers.grpc = await withProcess(() => startBroker('commit'), (broker) => layer.grpcRoundTrip(broker));
  layers.stream = await withProcess(() => startBroker('commit'), (broker) => layer.streamRoundTrip(broker));
  // The floor of the idle figure: producer → broker → worker is one message in and one out.
  layers.streamIdle = await withProcess(() => startBroker('commit'), (broker) => layer.streamRoundTrip(broker, { gapMs: 2 }));
  for (const mode of ['commit', 'strict']) layers[`store-${mode}`] = await layer.storeOnly(mode, N);
  if (HAS_REDIS) layers.redis = await withProcess(startRedis, (redis) => layer.redisRoundTrip(redis));
  process.stdout.write(`  ${JSON.stringify(layers)}\n`);
  return layers;
}

function printLayers(layers) {
  const { lmdb, grpc, stream, streamIdle, redis } = layers;
  console.log('\nRaw layers, same run (what the figures above are made of):\n');
  console.log('| layer | p50 | p99 | one after another |');
  console.log('| --- | ---: | ---: | ---: |');
  console.log(`| LMDB commit of one put (lmdb-js childTransaction), idle | ${ms(lmdb.idleCommit.p50)} | ${ms(lmdb.idleCommit.p99)} | ${fmt(lmdb.sequentialRate)}/s |`);
  console.log(`| LMDB lone commit as \`commit\` mode makes it (transactionSync, env noMetaSync), idle | ${ms(lmdb.loneCommit.p50)} | ${ms(lmdb.loneCommit.p99)} | |`);
  console.log(`| LMDB puts issued 1,000 at a time (one commit each), record-sized values | | | ${fmt(lmdb.batchedPutRate)}/s |`);
  console.log(`| gRPC unary call to the broker (health Check, nice-grpc) | ${ms(grpc.p50)} | ${ms(grpc.p99)} | ${fmt(grpc.rate)}/s |`);
  if (stream) console.log(`| a request on an open Produce stream, refused before the store (no commit) | ${ms(stream.p50)} | ${ms(stream.p99)} | ${fmt(stream.rate)}/s |`);
  if (streamIdle) console.log(`| the same, 2 ms apart as the idle figure's tasks (its floor: one message in, one out) | ${ms(streamIdle.p50)} | ${ms(streamIdle.p99)} | |`);
  if (redis) console.log(`| Redis round trip (PING, ioredis) | ${ms(redis.p50)} | ${ms(redis.p99)} | ${fmt(redis.rate)}/s |`);
  console.log('\n| store only, no gRPC (server/src/store) | commit | strict |');
  console.log('| --- | ---: | ---: |');
  const store = (key) => ['commit', 'strict'].map((mode) => `${fmt(layers[`store-${mode}`]?.[key])}/s`).join(' | ');
  console.log(`| enqueue, ${fmt(N)} tasks in 1,000-task batches, all in flight | ${store('enqueueRate')} |`);
  console.log(`| drain, lease+complete batches of 50, 4 lanes | ${store('drainRate')} |`);
}

// ---------------------------------------------------------------------------------------------
// The table.

const fmt = (n, digits = 0) => (n === undefined ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const ms = (n) => (n === undefined ? '—' : `${n.toFixed(2)} ms`);
const mib = (n) => (n === undefined ? '—' : `${(n / 1024 / 1024).toFixed(0)} MiB`);
const ratio = (a, b) => (a === undefined || b === undefined || b === 0 ? '—' : `${(a / b).toFixed(2)}×`);

/** Median over runs of `pick(result)`. */
const med = (runs, figure, pick) => median(runs.map((r) => r?.[figure]).filter(Boolean).map(pick));

function rows(results) {
  const rate = (figure) => (side) => med(results[side] ?? [], figure, (r) => r.rate);
  const p = (figure, key) => (side) => med(results[side] ?? [], figure, (r) => r[key]);
  const m = (side) => results.million?.[side];
  return [
    ['1. bulk enqueue, tasks/s (addTask ×N concurrent vs addBulk)', rate('bulk'), fmt],
    ['1b. raw batched Enqueue RPC, 1000/call (vs addBulk)', (side) => (side === 'bullmq' ? rate('bulk')(side) : rate('raw')(side)), fmt],
    ['2. awaited single addTask / add, tasks/s', rate('single'), fmt],
    ['3a. drain c=1, completed/s', rate('drain1'), fmt],
    ['3b. drain c=50, completed/s', rate('drain50'), fmt],
    ['4. produce+consume (chunks of 1000, c=50), completed/s', rate('e2e'), fmt],
    ['5. idle latency add → handler start, p50 (lower is better)', p('idle', 'p50'), ms],
    ['5. idle latency add → handler start, p99', p('idle', 'p99'), ms],
    ['6. addTask(…, {timeout}) round trip, p50 (lower is better)', p('rtt', 'p50'), ms],
    ['6. addTask(…, {timeout}) round trip, p99', p('rtt', 'p99'), ms],
    ['7. 1M queued: broker heapUsed after a full GC / redis used_memory', (s) => m(s)?.heapUsed ?? m(s)?.usedMemory, mib],
    ['7. 1M queued: RSS of broker / redis-server', (s) => m(s)?.rss, mib],
    ['7. take one task (Lease / getNextJob), p50, near-empty queue', (s) => m(s)?.emptyLease.p50, ms],
    ['7. take one task, p50, 1M queued', (s) => m(s)?.fullLease.p50, ms],
    ['7. take one task, p99, near-empty queue', (s) => m(s)?.emptyLease.p99, ms],
    ['7. take one task, p99, 1M queued', (s) => m(s)?.fullLease.p99, ms],
    ['7. fill to 1M (16×1000 Enqueue lanes / 4×5000 addBulk), tasks/s', (s) => m(s)?.fillRate, fmt],
    ['7. restart on 1M (SIGKILL; spawn → first task leased)', (s) => m(s)?.restartMs, ms],
  ];
}

function printTable(results) {
  const bullCell = (v, format) => (HAS_REDIS ? format(v) : 'redis-server not installed');
  console.log('\n| figure | BullMQ | ours commit | ratio | ours strict | ratio |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const [label, value, format] of rows(results)) {
    const [b, c, s] = ['bullmq', 'commit', 'strict'].map(value);
    if (b === undefined && c === undefined && s === undefined) continue;
    console.log(`| ${label} | ${bullCell(b, format)} | ${format(c)} | ${ratio(c, b)} | ${format(s)} | ${ratio(s, b)} |`);
  }
  console.log('\nratio = ours / BullMQ (for latencies and memory, below 1× is better).');
  console.log('Redis `appendfsync everysec` acknowledges before its fsync; `commit` acknowledges once committed (fsync follows), so it is the like-for-like column; `strict` acknowledges after the fsync.');
  for (const side of ['commit', 'strict']) {
    const runs = results[side] ?? [];
    const per = (figure) => {
      const r = runs.map((x) => x?.[figure]).find((x) => x?.rpcsPerTask);
      return r ? Object.entries(r.rpcsPerTask).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ') : undefined;
    };
    const notes = ['drain1', 'drain50', 'e2e'].map((f) => per(f) && `${f}: ${per(f)}`).filter(Boolean);
    const bulk = runs.find((x) => x?.bulk)?.bulk;
    if (bulk) notes.unshift(`bulk: ${bulk.enqueueRpcs} Enqueue RPCs for ${N} addTasks`);
    if (notes.length) console.log(`RPCs per task, ours ${side} (first run): ${notes.join('; ')}`);
  }
}

// ---------------------------------------------------------------------------------------------

const env = await environment();
console.log('qtasks vs BullMQ benchmark');
console.log(`command: npm run bench -- ${process.argv.slice(2).join(' ')}`.trimEnd());
console.log(`machine: ${env.cpus}, ${env.ramGiB} GiB RAM, load average ${env.loadAverage}`);
console.log(`versions: node ${env.node}, lmdb ${env.lmdb}, @grpc/grpc-js ${env.grpcJs}, nice-grpc ${env.niceGrpc}, bullmq ${env.bullmq}, ioredis ${env.ioredis}, ${env.redisServer}`);
console.log(`workload: N = ${N} (single enqueue ${N_SINGLE}, latency samples ${N_LATENCY}), ${RUNS} runs, figure 7 ${FIGURES.has('1m') ? 'on' : 'off'}`);
if (!HAS_REDIS) console.log('redis-server not installed (apt-get install -y redis-server): the BullMQ column is skipped.');

const sides = SIDES.filter((side) => side !== 'bullmq' || HAS_REDIS);
const results = { million: {} };
const perRunFigures = [...FIGURES].filter((f) => f !== '1m' && f !== 'layers');
for (let run = 1; run <= RUNS && perRunFigures.length; run++) {
  console.log(`\nrun ${run}/${RUNS}`);
  const ofRun = await runAll(run, sides, perRunFigures);
  for (const side of sides) (results[side] ??= []).push(ofRun[side]);
}
if (FIGURES.has('1m')) {
  console.log(`\nfigure 7: ${N_MILLION.toLocaleString('en-US')} queued tasks`);
  for (const side of sides) {
    results.million[side] = await runMillion(side);
    console.log(`  ${side}: ${JSON.stringify(results.million[side])}`);
  }
}
if (FIGURES.has('layers')) {
  console.log('\nraw layers');
  results.layers = await measureLayers();
}
console.log(`\nload average at the end: ${(await environment()).loadAverage}`);
printTable(results);
if (results.layers) printLayers(results.layers);
if (opts.json) await writeFile(opts.json, JSON.stringify({ env, options: opts, N, N_SINGLE, N_LATENCY, results }, null, 2));
