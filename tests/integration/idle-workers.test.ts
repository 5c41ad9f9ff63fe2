/**
 * Idle workers never block producers (issue 10, finding 2), on the real broker: Lease calls
 * parked with a large max_tasks once reserved it all as writes in flight, and Enqueue admission
 * refused producers for tasks no one had taken (1,826 of 2,000 here).
 */
import { setMaxListeners } from 'node:events';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { spec, uniqueQueue, workerId } from '../helpers/tasks.js';

let broker: BrokerProcess;
beforeAll(async () => void (broker = await startBrokerProcess({ args: ['--durability', 'commit'] })));
afterAll(async () => await broker?.dispose());

test('10 idle workers with max_tasks 1000 refuse none of 2,000 Enqueues, and lease every task', async () => {
  const queue = uniqueQueue('idle');
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  let leased = 0;
  let allLeased!: () => void;
  const everyTaskLeased = new Promise<void>((resolve) => (allLeased = resolve));
  // Each worker leases again as soon as its Lease returns, as every client does.
  const workers = Array.from({ length: 10 }, async () => {
    while (!stop.signal.aborted) {
      const reply = await broker.client
        .lease({ workerId: workerId(), queues: [queue], maxTasks: 1000, leaseMs: 60_000, waitMs: 30_000 }, { signal: stop.signal })
        .catch(() => ({ tasks: [] }));
      leased += reply.tasks.length;
      if (leased === 2000) allLeased();
    }
  });

  try {
    let refused = 0;
    for (let wave = 0; wave < 40; wave++) {
      const results = await Promise.allSettled(Array.from({ length: 50 }, () => broker.client.enqueue({ tasks: [spec(queue)] })));
      refused += results.filter((result) => result.status === 'rejected').length;
    }
    expect(refused).toBe(0);
    await everyTaskLeased;
  } finally {
    stop.abort();
    await Promise.all(workers);
  }
});
