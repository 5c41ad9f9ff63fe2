/**
 * `npm run bench:parked`: idle workers must not slow down or refuse producers (issue 10).
 *
 * 1. Sequential single-task Enqueue on the real broker with no Lease parked, then with
 *    `--parked` (default 5,000) Lease calls parked on the queue; each parked call that gets a
 *    task leases again at once, so the number parked stays. Target: within 2× of none.
 * 2. 10 idle workers parked with max_tasks 1000 while 2,000 single-task Enqueues run 50 at a
 *    time: how many are refused (target 0).
 *
 * Options: --mode strict|commit (default commit), --parked N, --seconds S (per rate, default 3).
 */
import { setMaxListeners } from 'node:events';
import { parseArgs } from 'node:util';
import { BrokerServiceDefinition } from '@qtasks/proto';
import { createChannel, createClient } from 'nice-grpc';
import { startBroker } from './lib/broker.mjs';
import { ARGS, environment, rate } from './lib/util.mjs';

const { values } = parseArgs({
  options: { mode: { type: 'string', default: 'commit' }, parked: { type: 'string', default: '5000' }, seconds: { type: 'string', default: '3' } },
});
const PARKED = Number(values.parked);
const SECONDS = Number(values.seconds);
/** Parked calls per connection: well under any per-connection stream limit. */
const PER_CONNECTION = 50;

const task = (queue) => ({ name: 'bench.task', queue, args: Buffer.from(JSON.stringify(ARGS)), kwargs: Buffer.from('{}') });

/** `count` Lease calls kept parked on `queue` over their own connections until `stop` aborts. */
function park(address, queue, count, maxTasks, stop) {
  setMaxListeners(0, stop);
  const channels = [];
  const loops = [];
  for (let i = 0; i < count; i++) {
    if (i % PER_CONNECTION === 0) channels.push(createChannel(address, undefined, { 'grpc.use_local_subchannel_pool': 1 }));
    const client = createClient(BrokerServiceDefinition, channels[channels.length - 1]);
    loops.push(
      (async () => {
        while (!stop.aborted) {
          await client.lease({ workerId: `idle-${i}`, queues: [queue], maxTasks, leaseMs: 60_000, waitMs: 60_000 }, { signal: stop }).catch(() => undefined);
        }
      })(),
    );
  }
  return async () => {
    await Promise.all(loops);
    for (const channel of channels) channel.close();
  };
}

/** Single-task Enqueues, one at a time, for SECONDS: tasks/s. */
async function sequentialEnqueueRate(client, queue) {
  const started = performance.now();
  let count = 0;
  while (performance.now() - started < SECONDS * 1000) {
    await client.enqueue({ tasks: [task(queue)] });
    count++;
  }
  return rate(count, performance.now() - started);
}

const broker = await startBroker(values.mode);
try {
  console.log(await environment());
  console.log(`mode ${values.mode}`);

  const alone = await sequentialEnqueueRate(broker.client, 'no-workers');
  console.log(`sequential Enqueue, no Lease parked:        ${alone.toFixed(0)}/s`);

  const stopParked = new AbortController();
  const unpark = park(broker.address, 'parked', PARKED, 1, stopParked.signal);
  await new Promise((resolve) => setTimeout(resolve, 2000)); // every call parked
  const withParked = await sequentialEnqueueRate(broker.client, 'parked');
  console.log(`sequential Enqueue, ${PARKED} Leases parked:   ${withParked.toFixed(0)}/s (${(alone / withParked).toFixed(2)}× slower)`);
  stopParked.abort();
  await unpark();

  const stopIdle = new AbortController();
  const unparkIdle = park(broker.address, 'idle', 10, 1000, stopIdle.signal);
  await new Promise((resolve) => setTimeout(resolve, 500));
  let refused = 0;
  for (let wave = 0; wave < 40; wave++) {
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => broker.client.enqueue({ tasks: [task('idle')] })));
    refused += results.filter((result) => result.status === 'rejected').length;
  }
  console.log(`10 idle workers (max_tasks 1000), 2,000 Enqueues 50 at a time: ${refused} refused`);
  stopIdle.abort();
  await unparkIdle();
} finally {
  await broker.stop();
}
