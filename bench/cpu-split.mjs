#!/usr/bin/env node
/**
 * Where the CPU goes, per task, on each side of one figure: this process (the SDK) and the broker
 * (from /proc, all its threads, the kernel's time on its behalf included), after a warm-up, so
 * that a figure can be told apart as client-bound, broker-bound, or waiting (both partly idle).
 * A diagnostic for profiling work, never a test; `npm run bench` gives the figures themselves.
 *
 *   node bench/cpu-split.mjs --figure drain|bulk|single|e2e|raw-drain [--n 20000] [--concurrency 50]
 *        [--credit 1000] [--client-prof FILE.cpuprofile] [--client-heap FILE.heapprofile]
 *        [--warm] [--broker-prof DIR] [--broker-prof-live FILE.cpuprofile] [--broker-heap FILE.heapprofile] [--broker-node-args '--flag …'] [--metrics]
 *        [--store postgres]
 *
 * - drain: N tasks enqueued, then drained by the SDK worker at `--concurrency`.
 * - bulk: N `addTask` calls at once.
 * - single: N awaited `addTask` calls, one after another.
 * - e2e: N `addTask` calls in awaited chunks of 1000 while the SDK worker runs (produce+consume).
 * - raw-drain: N tasks drained over one Work stream by a minimal client (no SDK, `--credit` granted
 *   back with each batch of outcomes): what the broker alone sustains.
 * `--broker-prof` restarts the broker with `--cpu-prof` on the same data just before the measured
 * part, so that its profile holds little else (with `--prof-whole`, the broker is profiled from its
 * start instead, preparation included: a restart empties what it holds in memory, such as the
 * records of tasks in line); `--client-prof` profiles this process over it, and `--client-heap`
 * samples where this process allocates over it (`bench/lib/heapprofile-top.mjs` sums it up).
 * `--broker-prof-live` profiles the broker over the measured part alone, without a restart (it runs
 * with `lib/cpu-sampler.mjs`, told to start and stop by SIGWINCH).
 * `--broker-heap` restarts the broker like `--broker-prof` (or, with `--prof-whole`, samples from its
 * start), sampling where it allocates.
 * `--store postgres` runs the broker on a PostgreSQL cluster this script starts (`lib/postgres.mjs`),
 * and shows the CPU of the cluster's processes too.
 * The broker's CPU is shown by thread: its main thread, and the others by name (with `BY_TID=1`
 * in the environment, one by one: V8's compiler and GC helpers, lmdb-js's, libuv's).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { QTasks } from '@qtasks/sdk';
import { startBroker } from './lib/broker.mjs';
import { startPostgres } from './lib/postgres.mjs';
import { ARGS } from './lib/util.mjs';

const { values: opts } = parseArgs({
  options: {
    figure: { type: 'string', default: 'drain' },
    n: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '50' },
    credit: { type: 'string', default: '1000' },
    'client-prof': { type: 'string' },
    'client-heap': { type: 'string' },
    'broker-prof': { type: 'string' },
    'broker-heap': { type: 'string' },
    'broker-prof-live': { type: 'string' },
    'broker-node-args': { type: 'string', default: '' },
    metrics: { type: 'boolean', default: false },
    'prof-whole': { type: 'boolean', default: false },
    warm: { type: 'boolean', default: false },
    store: { type: 'string', default: 'lmdb' },
  },
});
const N = Number(opts.n);
const WARM_UP = Math.min(N, 2000);
const quiet = { debug() {}, info() {}, warn() {}, error: (...a) => console.error(...a) };
const ARGS_BYTES = Buffer.from(JSON.stringify(ARGS));

/** CPU time of a process so far, in ms (user + system, all threads). */
function cpuMsOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * (1000 / 100);
}

/** CPU time so far of every process whose command is `name`, in ms (PostgreSQL's backends, say). */
function cpuMsOfAll(name) {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name) total += cpuMsOf(pid);
    } catch {
      // the process ended between the listing and the read
    }
  }
  return total;
}

/** CPU time of each thread of a process so far, in ms: its main thread's, and the others' by name (summed by name). */
function threadCpuMsOf(pid) {
  const byName = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = tid === String(pid) ? 'main thread' : process.env.BY_TID ? tid : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      byName.set(name, (byName.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) * (1000 / 100));
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return byName;
}

/** `--metrics`: the broker serves `/metrics` (`--http-listen`), its metrics counting every task. */
const cluster = opts.store === 'postgres' ? await startPostgres() : undefined;
const BROKER_ARGS = [...(opts.metrics ? ['--http-listen', '127.0.0.1:0'] : []), ...(cluster ? ['--store', 'postgres', '--database-url', await cluster.database()] : [])];
if (opts['broker-prof'] !== undefined && opts['broker-heap'] !== undefined) throw new Error('--broker-prof and --broker-heap: one at a time');
const PROF_WHOLE = (opts['broker-prof'] !== undefined || opts['broker-heap'] !== undefined) && opts['prof-whole'];
/** The node flags that profile the broker: CPU (`--broker-prof`) or allocations (`--broker-heap`). */
function profilingArgs() {
  if (opts['broker-heap'] === undefined) return ['--cpu-prof', `--cpu-prof-dir=${opts['broker-prof']}`];
  process.env.QTASKS_HEAP_PROFILE = opts['broker-heap'];
  return ['--import', new URL('./lib/heap-sampler.mjs', import.meta.url).pathname];
}
/** `--broker-node-args`: node flags for the broker (V8's GC flags, say), as `npm run bench` takes them. */
const BROKER_NODE_ARGS = opts['broker-node-args'].split(' ').filter(Boolean);
if (opts['broker-prof-live']) process.env.QTASKS_CPU_PROFILE = opts['broker-prof-live'];
const LIVE_PROF_ARGS = opts['broker-prof-live'] ? ['--import', new URL('./lib/cpu-sampler.mjs', import.meta.url).pathname] : [];
let broker = await startBroker('commit', [...BROKER_NODE_ARGS, ...LIVE_PROF_ARGS, ...(PROF_WHOLE ? profilingArgs() : [])], BROKER_ARGS);
let app = newApp();
let left = N;
let allDone;
let done = new Promise((resolve) => (allDone = resolve));

function newApp() {
  const a = new QTasks({ name: 'cpu', broker: broker.address, config: { maxTasksProcess: Number(opts.concurrency) }, logger: quiet });
  const task = a.task({ name: 'cpu.x' }, () => {
    if (--left === 0) allDone();
    return 1;
  });
  return Object.assign(a, { bench: task });
}

/** The measured part of each figure, after its preparation (which `prepare` runs). */
const figures = {
  drain: {
    prepare: () => Promise.all(Array.from({ length: N }, () => app.bench.addTask(ARGS))),
    run: () => (app.worker.start(), done),
  },
  bulk: {
    prepare: () => Promise.all(Array.from({ length: WARM_UP }, () => app.bench.addTask(ARGS))),
    run: () => Promise.all(Array.from({ length: N }, () => app.bench.addTask(ARGS))),
  },
  single: {
    prepare: async () => {
      for (let i = 0; i < WARM_UP; i++) await app.bench.addTask(ARGS);
    },
    run: async () => {
      for (let i = 0; i < N; i++) await app.bench.addTask(ARGS);
    },
  },
  e2e: {
    prepare: async () => {
      app.worker.start();
      await new Promise((resolve) => setTimeout(resolve, 200));
    },
    run: async () => {
      for (let sent = 0; sent < N; sent += 1000) await Promise.all(Array.from({ length: Math.min(1000, N - sent) }, () => app.bench.addTask(ARGS)));
      await done;
    },
  },
  'raw-drain': {
    prepare: async () => {
      for (let i = 0; i < N; i += 1000) {
        await broker.client.enqueue({ tasks: Array.from({ length: Math.min(1000, N - i) }, () => ({ name: 'raw', queue: 'raw', args: ARGS_BYTES })) });
      }
    },
    run: rawDrain,
  },
};

/** Drains the `raw` queue over one Work stream, answering each push with its outcomes and as much credit. */
async function rawDrain() {
  const outgoing = [];
  let wake;
  async function* requests() {
    for (;;) {
      while (outgoing.length > 0) yield outgoing.shift();
      await new Promise((resolve) => (wake = resolve));
    }
  }
  const send = (message) => {
    outgoing.push(message);
    wake?.();
  };
  const credit = Number(opts.credit);
  send({ kind: { $case: 'start', value: { workerId: 'raw', queues: ['raw'], leaseMs: 30_000 } }, credit });
  const result = Buffer.from('1');
  let completed = 0;
  let requestId = 1;
  for await (const push of broker.client.work(requests())) {
    if (push.kind?.$case === 'tasks') {
      const completions = push.kind.value.tasks.map((t) => ({ taskId: t.task.id, leaseToken: t.leaseToken, outcome: { $case: 'success', value: { result } } }));
      send({ kind: { $case: 'complete', value: { completions, omitTasks: true } }, credit: completions.length, requestId: requestId++ });
    } else if (push.kind?.$case === 'complete') {
      completed += push.kind.value.results.length;
      if (completed >= N) return;
    }
  }
}

const figure = figures[opts.figure];
if (!figure) throw new Error(`--figure: one of ${Object.keys(figures).join(', ')}`);
// `--warm`: the whole figure runs once first, so that what is measured runs on code that V8 has
// compiled already (its compiler's threads count in the broker's CPU otherwise).
if (opts.warm) {
  await figure.prepare();
  await figure.run();
  left = N;
  done = new Promise((resolve) => (allDone = resolve));
  if (opts.figure === 'drain' || opts.figure === 'e2e') await app.worker.stop();
}
await figure.prepare();
if ((opts['broker-prof'] || opts['broker-heap']) && !PROF_WHOLE) {
  await app.close();
  await broker.crash();
  broker = await startBroker('commit', [...BROKER_NODE_ARGS, ...LIVE_PROF_ARGS, ...profilingArgs()], BROKER_ARGS, undefined, broker.dataDir);
  app = newApp();
  // e2e's preparation is its worker, started on the app just closed: the new app needs its own.
  if (opts.figure === 'e2e') await figure.prepare();
}
let session;
if (opts['client-prof'] || opts['client-heap']) {
  session = new Session();
  session.connect();
}
if (opts['client-prof']) {
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
// Every allocation is kept in the sample, collected or not: what a figure allocates is what its GC costs.
if (opts['client-heap']) await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
const brokerBefore = cpuMsOf(broker.pid);
const threadsBefore = threadCpuMsOf(broker.pid);
const clientBefore = process.cpuUsage();
const postgresBefore = cluster ? cpuMsOfAll('postgres') : 0;
if (opts['broker-prof-live']) process.kill(broker.pid, 'SIGWINCH');
const startMs = performance.now();
await figure.run();
const ms = performance.now() - startMs;
const client = process.cpuUsage(clientBefore);
const brokerMs = cpuMsOf(broker.pid) - brokerBefore;
const postgresMs = cluster ? cpuMsOfAll('postgres') - postgresBefore : 0;
const threads = [...threadCpuMsOf(broker.pid)].map(([name, cpuMs]) => [name, cpuMs - (threadsBefore.get(name) ?? 0)]).filter(([, cpuMs]) => cpuMs > 0);
// Stopped after the readings: writing the profile is not the figure's.
if (opts['broker-prof-live']) process.kill(broker.pid, 'SIGWINCH');
if (opts['client-prof']) writeFileSync(opts['client-prof'], JSON.stringify((await session.post('Profiler.stop')).profile));
if (opts['client-heap']) writeFileSync(opts['client-heap'], JSON.stringify((await session.post('HeapProfiler.stopSampling')).profile));
const perTask = (cpuMs) => ((cpuMs * 1000) / N).toFixed(1);
console.log(
  `${opts.figure}: ${Math.round((N / ms) * 1000)} tasks/s, ${((ms * 1000) / N).toFixed(0)} µs of wall time per task; ` +
    `CPU per task: this process ${perTask((client.user + client.system) / 1000)} µs, broker ${perTask(brokerMs)} µs ` +
    `(${threads.sort((a, b) => b[1] - a[1]).map(([name, cpuMs]) => `${name} ${perTask(cpuMs)}`).join(', ')})` +
    (cluster ? `, PostgreSQL ${perTask(postgresMs)} µs` : ''),
);
await app.close();
await broker.stop();
await cluster?.stop();
process.exit(0);
