/**
 * `npm run bench -- --store postgres`: issue 8's figures on the PostgreSQL store, with 1 broker and
 * with 3 brokers on one database (issue 14), each run on a fresh database of a cluster this
 * script starts (Debian's PostgreSQL, fsync on: `lib/postgres.mjs`). With 3 brokers the
 * throughput figures spread an app over each broker (`lib/spread.mjs`); the latency figures go
 * through one broker either way. graphile-worker, the peer issue 14 compares with, runs the same
 * figures in each run on a database of the same cluster (`lib/graphile.mjs`), with its defaults
 * and with its documented batching for the drain at 50.
 *
 * Each side first runs an untimed warm-up, as `npm run bench` does: bulk, drain at 50 and
 * produce+consume with `--warmup` tasks each (default 5,000; 0 measures cold), so that what is
 * timed runs on compiled code and prepared statements.
 *
 * It is a benchmark, never a test: it asserts nothing. Options: --runs N (default 3), --quick
 * (N = 5,000 and fewer latency samples), --warmup N, --without-graphile, --json FILE.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startBroker } from './lib/broker.mjs';
import { graphileOn } from './lib/graphile.mjs';
import * as ours from './lib/ours.mjs';
import { startPostgres } from './lib/postgres.mjs';
import * as spread from './lib/spread.mjs';
import { environment, median } from './lib/util.mjs';

const { values: opts } = parseArgs({
  options: {
    store: { type: 'string' },
    runs: { type: 'string', default: '3' },
    quick: { type: 'boolean', default: false },
    'without-graphile': { type: 'boolean', default: false },
    warmup: { type: 'string', default: '5000' },
    json: { type: 'string' },
  },
  strict: false,
});
const RUNS = Number(opts.runs);
const N = opts.quick ? 5_000 : 20_000;
const N_SINGLE = opts.quick ? 1_000 : 2_000;
const N_LATENCY = opts.quick ? 200 : 500;
const WARMUP = Number(opts.warmup);

/** graphile-worker's figures: its defaults, and the drain at 50 with its documented batching. */
const GRAPHILE_FIGURES = {
  bulk: (g) => g.bulk(N),
  drain1: (g) => g.drain(N_SINGLE, 1),
  drain50: (g) => g.drain(N, 50),
  drain50Tuned: (g) => g.drain(N, 50, true),
  e2e: (g) => g.endToEnd(N),
  idle: (g) => g.idleLatency(N_LATENCY),
};

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

/** The untimed warm-up of each broker count: its throughput figures, with `WARMUP` tasks each. */
const WARM_UP = {
  1: { bulk: (b) => ours.bulkEnqueue(b[0], WARMUP), drain50: (b) => ours.drain(b[0], WARMUP, 50), e2e: (b) => ours.endToEnd(b[0], WARMUP) },
  3: { bulk: (b) => spread.bulkEnqueue(b, WARMUP), drain50: (b) => spread.drain(b, WARMUP, 50), e2e: (b) => spread.endToEnd(b, WARMUP) },
};

const env = await environment();
const cluster = await startPostgres();
console.log('qtasks on PostgreSQL: 1 and 3 brokers on one database');
console.log(`command: npm run bench -- ${process.argv.slice(2).join(' ')}`);
console.log(`machine: ${env.cpus}, ${env.ramGiB} GiB RAM, load average ${env.loadAverage}; PostgreSQL ${cluster.version}, fsync on`);
console.log(`workload: N = ${N} (single ${N_SINGLE}, latency samples ${N_LATENCY}), ${RUNS} runs, warm-up ${WARMUP} tasks a figure`);

const results = { 1: [], 3: [], graphile: [] };
try {
  for (let run = 1; run <= RUNS; run++) {
    console.log(`\nrun ${run}/${RUNS}`);
    for (const count of [1, 3]) {
      const url = await cluster.database();
      const brokers = [];
      try {
        for (let i = 0; i < count; i++) brokers.push(await startBroker('strict', [], ['--store', 'postgres', '--database-url', url]));
        if (WARMUP > 0) for (const figure of ['bulk', 'drain50', 'e2e']) await WARM_UP[count][figure](brokers);
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
    if (!opts['without-graphile']) results.graphile.push(await graphileRun(await cluster.database()));
  }
} finally {
  await cluster.stop();
}

/** One run of graphile-worker's figures on a fresh database. */
async function graphileRun(url) {
  const graphile = await graphileOn(url);
  try {
    if (WARMUP > 0) {
      await graphile.bulk(WARMUP);
      await graphile.drain(WARMUP, 50);
      await graphile.endToEnd(WARMUP);
    }
    const figures = {};
    for (const [figure, measure] of Object.entries(GRAPHILE_FIGURES)) {
      figures[figure] = await measure(graphile);
      const r = figures[figure];
      console.log(`  graphile  ${figure.padEnd(12)} ${r.rate !== undefined ? `${Math.round(r.rate)}/s` : `p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms`}`);
    }
    return figures;
  } finally {
    await graphile.close();
  }
}

const med = (count, figure, key) => {
  const values = results[count].map((r) => r[figure]?.[key]).filter((v) => v !== undefined);
  return values.length ? median(values) : undefined;
};
const fmt = (n) => (n === undefined ? '—' : Math.round(n).toLocaleString('en-US'));
const msOf = (n) => (n === undefined ? '—' : `${n.toFixed(2)} ms`);
/** The median of per-run ratios, one broker's rate over graphile's in the same run. */
const ratioOf = (figure, graphileFigure = figure) => {
  const ratios = results[1].map((r, run) => r[figure]?.rate / results.graphile[run]?.[graphileFigure]?.rate).filter(Number.isFinite);
  return ratios.length ? `${median(ratios).toFixed(2)}×` : '—';
};
const rates = (figure) => [fmt(med(1, figure, 'rate')), fmt(med(3, figure, 'rate')), fmt(med('graphile', figure, 'rate'))];
console.log('\n| figure | 1 broker | 3 brokers | graphile-worker, defaults | 1 broker ÷ graphile (median of per-run ratios) |');
console.log('| --- | ---: | ---: | ---: | ---: |');
console.log(`| bulk enqueue, tasks/s | ${rates('bulk').join(' | ')} | ${ratioOf('bulk')} |`);
console.log(`| awaited single addTask, tasks/s | ${fmt(med(1, 'single', 'rate'))} | | | |`);
console.log(`| drain c=1, tasks/s | ${fmt(med(1, 'drain1', 'rate'))} | | ${fmt(med('graphile', 'drain1', 'rate'))} | ${ratioOf('drain1')} |`);
console.log(`| drain c=50, tasks/s | ${rates('drain50').join(' | ')} | ${ratioOf('drain50')} |`);
console.log(`| drain c=50, graphile tuned (\`localQueue\` 51, \`completeJobBatchDelay\` 0), tasks/s | | | ${fmt(med('graphile', 'drain50Tuned', 'rate'))} | ${ratioOf('drain50', 'drain50Tuned')} |`);
console.log(`| produce+consume, tasks/s | ${rates('e2e').join(' | ')} | ${ratioOf('e2e')} |`);
const idle = (count) => `${msOf(med(count, 'idle', 'p50'))} / ${msOf(med(count, 'idle', 'p99'))}`;
console.log(`| idle add → handler start, p50 / p99 | ${idle(1)} | ${idle(3)} | ${idle('graphile')} | |`);
console.log(`| addTask(…, {timeout}) round trip, p50 / p99 | ${msOf(med(1, 'rtt', 'p50'))} / ${msOf(med(1, 'rtt', 'p99'))} | | | |`);
if (opts.json) await writeFile(opts.json, JSON.stringify({ env, postgres: cluster.version, N, results }, null, 2));
