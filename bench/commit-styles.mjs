/**
 * What one LMDB commit costs on this machine, per commit style lmdb-js offers (issue 11, item 3):
 * the numbers behind the store's choice of how a `commit`-mode write commits (see
 * docs/decisions.md, "Commit latency"). Each style gets a fresh environment in a temp directory.
 *
 *   node bench/commit-styles.mjs            (COMMITS=500 per style, BATCH=100 puts per batched commit)
 *
 * "lone" styles: one 300-byte put per commit, awaited, with 1 ms idle between commits (the
 * previous commit's fsync is over, as for a lone request). "batched" styles: BATCH puts share one
 * commit; the figure is the time of the whole commit, so per put it is that divided by BATCH.
 * "+ flushed": the time until `env.flushed` resolves too (what `strict` mode waits for).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';

const COMMITS = Number(process.env.COMMITS ?? 500);
const BATCH = Number(process.env.BATCH ?? 100);
const VALUE = Buffer.alloc(300, 7);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** p50 / p99 / max of samples in ms. */
function summary(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] };
}

/** Opens a fresh env with `flags`, runs `commit(env, db, i)` COMMITS times, timing each. */
async function style(label, flags, commit) {
  const dir = await mkdtemp(join(tmpdir(), 'qtasks-commit-styles-'));
  // As the store opens it: eventTurnBatching off (see task-store.ts), binary values.
  const env = open({ path: dir, noSubdir: false, maxDbs: 2, eventTurnBatching: false, ...flags });
  const db = env.openDB('t', { encoding: 'binary' });
  try {
    const samples = [];
    for (let i = 0; i < COMMITS + 20; i++) {
      await sleep(1);
      const t0 = performance.now();
      await commit(env, db, i);
      if (i >= 20) samples.push(performance.now() - t0); // the first 20 warm up
    }
    const s = summary(samples);
    console.log(`| ${label} | ${s.p50.toFixed(3)} | ${s.p99.toFixed(3)} | ${s.max.toFixed(3)} |`);
  } finally {
    await env.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const puts = (db, i, n) => {
  for (let j = 0; j < n; j++) db.put(`k-${i}-${j}`, VALUE);
};

console.log(`lmdb-js commit styles: ${COMMITS} commits per style, 300-byte values, batched = ${BATCH} puts per commit`);
console.log('| commit style | p50 ms | p99 ms | max ms |');
console.log('| --- | ---: | ---: | ---: |');
await style('async `childTransaction`, 1 put (today\'s `commit` path: resolves at commit)', {}, (env, db, i) => env.childTransaction(() => puts(db, i, 1)));
await style('async `childTransaction`, 1 put, + `flushed` (today\'s `strict` path)', {}, async (env, db, i) => {
  await env.childTransaction(() => puts(db, i, 1));
  await env.flushed;
});
await style('`transactionSync`, 1 put, default flags (fsync inside the call)', {}, (env, db, i) => env.transactionSync(() => puts(db, i, 1)));
await style('`transactionSync`, 1 put, default flags, + `flushed`', {}, async (env, db, i) => {
  env.transactionSync(() => puts(db, i, 1));
  await env.flushed;
});
await style('`transactionSync`, 1 put, env `noMetaSync`', { noMetaSync: true }, (env, db, i) => env.transactionSync(() => puts(db, i, 1)));
await style('`transactionSync`, 1 put, env `noSync` (no fsync at all)', { noSync: true }, (env, db, i) => env.transactionSync(() => puts(db, i, 1)));
await style(`async \`childTransaction\` ×${BATCH} in one turn (one shared commit)`, {}, (env, db, i) =>
  Promise.all(Array.from({ length: BATCH }, (_, j) => env.childTransaction(() => db.put(`k-${i}-${j}`, VALUE)))),
);
await style(`async \`childTransaction\` ×${BATCH}, + \`flushed\``, {}, async (env, db, i) => {
  await Promise.all(Array.from({ length: BATCH }, (_, j) => env.childTransaction(() => db.put(`k-${i}-${j}`, VALUE))));
  await env.flushed;
});
await style(`\`transactionSync\`, ${BATCH} puts, default flags`, {}, (env, db, i) => env.transactionSync(() => puts(db, i, BATCH)));
await style(`\`transactionSync\`, ${BATCH} puts, env \`noMetaSync\``, { noMetaSync: true }, (env, db, i) => env.transactionSync(() => puts(db, i, BATCH)));
await style(`\`transactionSync\`, ${BATCH} puts, env \`noSync\``, { noSync: true }, (env, db, i) => env.transactionSync(() => puts(db, i, BATCH)));
