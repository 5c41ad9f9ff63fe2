/**
 * The broker-level effect of how a lone write commits (issue 11, item 3), without Redis: against the
 * real `qtasks-broker` process, in each durability mode:
 * - a unary `Enqueue` of one task from a raw nice-grpc client (no SDK), p50/p99, and a health
 *   Check from the same client (the gRPC floor under it);
 * - a unary `Complete` of one task (its Enqueue and Lease before it are not timed);
 * - awaited single `addTask` (the SDK), tasks/s;
 * - idle latency, `addTask` → handler start, SDK worker c=1 (the figure `npm run bench` prints).
 *
 *   npm run build && node bench/lone-write.mjs            (MODES=commit,strict  N=1000  LAT=300)
 *
 * Paired A/B: `AB_BIN=/path/to/other/server/bin/qtasks-broker.js node bench/lone-write.mjs` starts
 * that broker next to this checkout's and alternates every sequential call between the two (A, B,
 * A, B, …), so that load from other jobs on a shared machine hits both alike; it prints the unary
 * figures of each (the SDK figures need one broker at a time). An old commit's broker, built
 * where its imports resolve to this checkout's node_modules:
 *
 *   mkdir -p node_modules/.ab-before && git archive <commit> server | tar -x -C node_modules/.ab-before
 *   echo '{"extends":"../../../tsconfig.base.json","compilerOptions":{"rootDir":"src","outDir":"dist","composite":false,"incremental":false},"include":["src"]}' > node_modules/.ab-before/server/tsconfig.ab.json
 *   npx tsc -p node_modules/.ab-before/server/tsconfig.ab.json
 *   AB_BIN=node_modules/.ab-before/server/bin/qtasks-broker.js node bench/lone-write.mjs
 */
import { createChannel, createClient } from 'nice-grpc';
import { HealthDefinition } from 'nice-grpc-server-health';
import { startBroker } from './lib/broker.mjs';
import { idleLatency, singleEnqueue } from './lib/ours.mjs';
import { ARGS, latency } from './lib/util.mjs';

const MODES = (process.env.MODES ?? 'commit,strict').split(',');
const N = Number(process.env.N ?? 1000);
const LAT = Number(process.env.LAT ?? 300);
const AB_BIN = process.env.AB_BIN;
const ARGS_BYTES = Buffer.from(JSON.stringify(ARGS));
const fmt = ({ p50, p99 }) => `p50 ${p50.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms`;

/** The raw calls measured against one broker. */
function calls(broker, mode) {
  const channel = createChannel(broker.address);
  const health = createClient(HealthDefinition, channel);
  const queue = `lone.${process.pid}.${mode}`;
  const enqueue = () => broker.client.enqueue({ tasks: [{ name: 'lone', queue, args: ARGS_BYTES, kwargs: Buffer.from('{}') }] });
  return {
    check: () => health.check({ service: '' }),
    enqueue,
    /** Enqueues and leases one task, then times its Complete alone (returns that time). */
    async complete() {
      await enqueue();
      const { tasks } = await broker.client.lease({ workerId: 'lone', queues: [queue], maxTasks: 1, waitMs: 0, leaseMs: 30_000 });
      const t0 = performance.now();
      await broker.client.complete({ completions: [{ taskId: tasks[0].task.id, leaseToken: tasks[0].leaseToken, outcome: { $case: 'success', value: { result: Buffer.from('1') } } }] });
      return performance.now() - t0;
    },
    close: () => channel.close(),
  };
}

/**
 * `count` rounds after 100 of warm-up; in each round every function of `sides` is called once, in
 * turn, one after another. The latency of each side (a function that returns a number has timed
 * itself).
 */
async function alternating(count, sides) {
  const samples = sides.map(() => []);
  for (let i = 0; i < count + 100; i++) {
    for (let s = 0; s < sides.length; s++) {
      const t0 = performance.now();
      const timed = await sides[s]();
      if (i >= 100) samples[s].push(typeof timed === 'number' ? timed : performance.now() - t0);
    }
  }
  return samples.map(latency);
}

for (const mode of MODES) {
  if (AB_BIN) {
    const here = await startBroker(mode);
    const other = await startBroker(mode, [], [], AB_BIN);
    try {
      const [a, b] = [calls(other, mode), calls(here, mode)];
      const [checkA, checkB] = await alternating(N, [a.check, b.check]);
      const [enqueueA, enqueueB] = await alternating(N, [a.enqueue, b.enqueue]);
      const [completeA, completeB] = await alternating(N, [a.complete, b.complete]);
      a.close();
      b.close();
      console.log(`${mode} A (AB_BIN): health Check ${fmt(checkA)} | unary Enqueue(1) ${fmt(enqueueA)} | unary Complete(1) ${fmt(completeA)}`);
      console.log(`${mode} B (this checkout): health Check ${fmt(checkB)} | unary Enqueue(1) ${fmt(enqueueB)} | unary Complete(1) ${fmt(completeB)}`);
    } finally {
      await Promise.all([here.stop(), other.stop()]);
    }
    continue;
  }
  const broker = await startBroker(mode);
  try {
    const raw = calls(broker, mode);
    const [check] = await alternating(N, [raw.check]);
    const [enqueue] = await alternating(N, [raw.enqueue]);
    const [complete] = await alternating(N, [raw.complete]);
    raw.close();
    const single = await singleEnqueue(broker, N);
    const idle = await idleLatency(broker, LAT);
    console.log(`${mode}: health Check ${fmt(check)} | unary Enqueue(1) ${fmt(enqueue)} | unary Complete(1) ${fmt(complete)} | awaited addTask ${Math.round(single.rate)}/s | idle add→start ${fmt(idle)}`);
  } finally {
    await broker.stop();
  }
}
