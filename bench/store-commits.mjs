/**
 * The commit path at the store level, with no gRPC in front (issue 11, item 3): on a machine shared
 * with other jobs, a broker-level figure moves by milliseconds between runs, which hides a
 * difference of a tenth of one; here only the store and LMDB are in the measured window.
 *
 * Per durability mode, a fresh store:
 * - lone enqueue: `enqueue` of one task then `durable()`, awaited, 1 ms idle between (p50/p99);
 * - 50 lanes: 50 concurrent loops of the same, 4,000 tasks in all (tasks/s): do writes under
 *   load still share commits?
 *
 *   npm run build && node bench/store-commits.mjs
 *   QTASKS_SERVER_DIR=/path/to/other/server node bench/store-commits.mjs   (an A/B run on another build)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ARGS, ROOT, latency, rate, sleep, timed } from './lib/util.mjs';

const SERVER_DIR = process.env.QTASKS_SERVER_DIR ?? join(ROOT, 'server');
const { TaskStore } = await import(pathToFileURL(join(SERVER_DIR, 'dist/store/task-store.js')).href);
const LONE = Number(process.env.LONE ?? 1000);
const LANES = 50;
const TOTAL = 4000;

const task = () => ({
  name: 'lone',
  queue: 'lone',
  priority: 0,
  args: Buffer.from(JSON.stringify(ARGS)),
  kwargs: Buffer.from('{}'),
  maxRetries: 0,
  backoff: { initialMs: 0, multiplier: 2, maxMs: 0 },
  maxTimeMs: 0,
  delayMs: 0,
  tags: [],
  metadata: {},
});

for (const durability of ['commit', 'strict']) {
  const dir = await mkdtemp(join(tmpdir(), 'qtasks-store-commits-'));
  const store = await TaskStore.open({ path: dir, durability });
  try {
    const samples = [];
    for (let i = 0; i < LONE + 50; i++) {
      await sleep(1);
      const t0 = performance.now();
      await store.enqueue([task()]);
      await store.durable();
      if (i >= 50) samples.push(performance.now() - t0);
    }
    let left = TOTAL;
    const ms = await timed(() =>
      Promise.all(
        Array.from({ length: LANES }, async () => {
          while (left-- > 0) {
            await store.enqueue([task()]);
            await store.durable();
          }
        }),
      ),
    );
    const lone = latency(samples);
    console.log(`${durability}: lone enqueue p50 ${lone.p50.toFixed(3)} ms, p99 ${lone.p99.toFixed(3)} ms | ${LANES} lanes ${Math.round(rate(TOTAL, ms))} tasks/s`);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}
