/**
 * The broker-level effect of how a lone write commits (issue 11, item 3), without Redis: against the
 * real `qtasks-broker` process, in each durability mode, one after another:
 * - a unary `Enqueue` of one task from a raw nice-grpc client (no SDK), p50/p99, and a health
 *   Check from the same client (the gRPC floor under it);
 * - awaited single `addTask` (the SDK), tasks/s;
 * - idle latency, `addTask` → handler start, SDK worker c=1 (the figure `npm run bench` prints).
 *
 *   npm run build && node bench/lone-write.mjs            (MODES=commit,strict  N=1000  LAT=300)
 */
import { createChannel, createClient } from 'nice-grpc';
import { HealthDefinition } from 'nice-grpc-server-health';
import { startBroker } from './lib/broker.mjs';
import { idleLatency, singleEnqueue } from './lib/ours.mjs';
import { ARGS, latency } from './lib/util.mjs';

const MODES = (process.env.MODES ?? 'commit,strict').split(',');
const N = Number(process.env.N ?? 1000);
const LAT = Number(process.env.LAT ?? 300);
const ARGS_BYTES = Buffer.from(JSON.stringify(ARGS));
const fmt = ({ p50, p99 }) => `p50 ${p50.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms`;

/** `count` sequential calls of `call`, after 100 of warm-up; their latency. */
async function sequential(count, call) {
  for (let i = 0; i < 100; i++) await call(i);
  const samples = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await call(i);
    samples.push(performance.now() - t0);
  }
  return latency(samples);
}

for (const mode of MODES) {
  const broker = await startBroker(mode);
  try {
    const channel = createChannel(broker.address);
    const health = createClient(HealthDefinition, channel);
    const check = await sequential(N, () => health.check({ service: '' }));
    const queue = `lone.${process.pid}.${mode}`;
    const enqueue = await sequential(N, () =>
      broker.client.enqueue({ tasks: [{ name: 'lone', queue, args: ARGS_BYTES, kwargs: Buffer.from('{}') }] }),
    );
    channel.close();
    const single = await singleEnqueue(broker, N);
    const idle = await idleLatency(broker, LAT);
    console.log(`${mode}: health Check ${fmt(check)} | unary Enqueue(1) ${fmt(enqueue)} | awaited addTask ${Math.round(single.rate)}/s | idle add→start ${fmt(idle)}`);
  } finally {
    await broker.stop();
  }
}
