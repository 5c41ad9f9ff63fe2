/**
 * `npm run bench -- --store postgres`: issue 8's figures on the PostgreSQL store, with 1 broker and
 * with 3 brokers on one database (issue 14), each run on a fresh database of a cluster this
 * script starts (Debian's PostgreSQL, fsync on: `lib/postgres.mjs`). With 3 brokers the
 * throughput figures spread an app over each broker (`lib/spread.mjs`); the latency figures go
 * through one broker either way. graphile-worker's figures, for comparison, are those issue 14
 * gives, measured on this machine on PostgreSQL 15 (docs/benchmarks.md).
 *
 * It is a benchmark, never a test: it asserts nothing. Options: --runs N (default 3), --quick
 * (N = 5,000 and fewer latency samples), --json FILE.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startBroker } from './lib/broker.mjs';
import * as ours from './lib/ours.mjs';
import { startPostgres } from './lib/postgres.mjs';
import * as spread from './lib/spread.mjs';
import { environment, median } from './lib/util.mjs';

const { values: opts } = parseArgs({
  options: {
    store: { type: 'string' },
    runs: { type: 'string', default: '3' },
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
  strict: false,
});
const RUNS = Number(opts.runs);
const N = opts.quick ? 5_000 : 20_000;
const N_SINGLE = opts.quick ? 1_000 : 2_000;
const N_LATENCY = opts.quick ? 200 : 500;

/** graphile-worker on PostgreSQL 15 on this machine, as issue 14 gives them (tasks/s). */
const GRAPHILE = { bulk: 19_265, drain50: 1_335, drain50Local: 10_508, e2e: 1_337 };

const FIGURES = {
  1: {
    bulk: (b) => ours.bulkEnqueue(b[0], N),
    single: (b) => ours.singleEnqueue(b[0], N_SINGLE),
    drain1: (b) => ours.drain(b[0], N, 1),
    drain50: (b) => ours.drain(b[0], N, 50),
    e2e: (b) => ours.endToEnd(b[0], N),
    idle: (b) => ours.idleLatency(b[0], N_LATENCY),
    rtt: (b) => ours.roundTrip(b[0], N_LATENCY),
  },
  3: {
    bulk: (b) => spread.bulkEnqueue(b, N),
    drain50: (b) => spread.drain(b, N, 50),
    e2e: (b) => spread.endToEnd(b, N),
    idle: (b) => ours.idleLatency(b[0], N_LATENCY),
  },
};

const env = await environment();
const cluster = await startPostgres();
console.log('qtasks on PostgreSQL: 1 and 3 brokers on one database');
console.log(`command: npm run bench -- ${process.argv.slice(2).join(' ')}`);
console.log(`machine: ${env.cpus}, ${env.ramGiB} GiB RAM, load average ${env.loadAverage}; PostgreSQL ${cluster.version}, fsync on`);
console.log(`workload: N = ${N} (single ${N_SINGLE}, latency samples ${N_LATENCY}), ${RUNS} runs`);

const results = { 1: [], 3: [] };
try {
  for (let run = 1; run <= RUNS; run++) {
    console.log(`\nrun ${run}/${RUNS}`);
    for (const count of [1, 3]) {
      const url = await cluster.database();
      const brokers = [];
      try {
        for (let i = 0; i < count; i++) brokers.push(await startBroker('strict', [], ['--store', 'postgres', '--database-url', url]));
        const figures = {};
        for (const [figure, measure] of Object.entries(FIGURES[count])) {
          figures[figure] = await measure(brokers);
          const r = figures[figure];
          console.log(`  ${count} broker${count > 1 ? 's' : ' '} ${figure.padEnd(8)} ${r.rate !== undefined ? `${Math.round(r.rate)}/s` : `p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms`}`);
        }
        results[count].push(figures);
      } finally {
        await Promise.all(brokers.map((broker) => broker.stop()));
      }
    }
  }
} finally {
  await cluster.stop();
}

const med = (count, figure, key) => {
  const values = results[count].map((r) => r[figure]?.[key]).filter((v) => v !== undefined);
  return values.length ? median(values) : undefined;
};
const fmt = (n) => (n === undefined ? '—' : Math.round(n).toLocaleString('en-US'));
const msOf = (n) => (n === undefined ? '—' : `${n.toFixed(2)} ms`);
console.log('\n| figure | 1 broker | 3 brokers | graphile-worker (issue 14) |');
console.log('| --- | ---: | ---: | ---: |');
console.log(`| bulk enqueue, tasks/s | ${fmt(med(1, 'bulk', 'rate'))} | ${fmt(med(3, 'bulk', 'rate'))} | ${fmt(GRAPHILE.bulk)} |`);
console.log(`| awaited single addTask, tasks/s | ${fmt(med(1, 'single', 'rate'))} | | |`);
console.log(`| drain c=1, tasks/s | ${fmt(med(1, 'drain1', 'rate'))} | | |`);
console.log(`| drain c=50, tasks/s | ${fmt(med(1, 'drain50', 'rate'))} | ${fmt(med(3, 'drain50', 'rate'))} | ${fmt(GRAPHILE.drain50)} (localQueue ${fmt(GRAPHILE.drain50Local)}) |`);
console.log(`| produce+consume, tasks/s | ${fmt(med(1, 'e2e', 'rate'))} | ${fmt(med(3, 'e2e', 'rate'))} | ${fmt(GRAPHILE.e2e)} |`);
console.log(`| idle add → handler start, p50 / p99 | ${msOf(med(1, 'idle', 'p50'))} / ${msOf(med(1, 'idle', 'p99'))} | ${msOf(med(3, 'idle', 'p50'))} / ${msOf(med(3, 'idle', 'p99'))} | |`);
console.log(`| addTask(…, {timeout}) round trip, p50 / p99 | ${msOf(med(1, 'rtt', 'p50'))} / ${msOf(med(1, 'rtt', 'p99'))} | | |`);
if (opts.json) await writeFile(opts.json, JSON.stringify({ env, postgres: cluster.version, N, results }, null, 2));
