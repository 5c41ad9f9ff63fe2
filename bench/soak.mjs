#!/usr/bin/env node
/**
 * Retention soak (issue 12): pushes N tasks through one broker and samples its data file, to show
 * that disk use follows rate × retention and stops growing once LMDB reuses its free pages.
 *
 *   node bench/soak.mjs [--n 2000000] [--retain-succeeded 0] [--sample-ms 5000] [--backlog 20000]
 *   node bench/soak.mjs --bytes-per-task [--n 100000]
 *
 * - soak: a producer (raw Enqueue, batches of 1,000, keeping at most `--backlog` tasks queued)
 *   and an SDK worker (50 slots) in this process; the broker (`commit` durability) removes each
 *   task as configured by `--retain-succeeded`. Every sample prints the tasks done, the size of
 *   `data.mdb` on disk, and LMDB's high-water mark of pages in use.
 * - `--bytes-per-task`: N tasks enqueued and run to success with the default retention (kept),
 *   and the growth of the pages in use divided by N: the disk a finished task takes.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { QTasks } from '@qtasks/sdk';
import { startBroker } from './lib/broker.mjs';
import { ARGS, sleep } from './lib/util.mjs';

const { values: opts } = parseArgs({
  options: {
    n: { type: 'string' },
    'retain-succeeded': { type: 'string', default: '0' },
    'sample-ms': { type: 'string', default: '5000' },
    backlog: { type: 'string', default: '20000' },
    'bytes-per-task': { type: 'boolean', default: false },
  },
});
const ARGS_BYTES = Buffer.from(JSON.stringify(ARGS));
const quiet = { debug() {}, info() {}, warn() {}, error: (...a) => console.error(...a) };
const MiB = 1024 * 1024;

if (opts['bytes-per-task']) await bytesPerTask(Number(opts.n ?? 100_000));
else await soak(Number(opts.n ?? 2_000_000));

async function soak(total) {
  const broker = await startBroker('commit', [], ['--retain-succeeded', opts['retain-succeeded']]);
  const app = new QTasks({ name: 'soak', broker: broker.address, config: { maxTasksProcess: 50 }, logger: quiet });
  let done = 0;
  app.task({ name: 'soak.x' }, () => {
    done++;
    return 1;
  });
  const worker = app.runForever();
  const started = Date.now();
  console.log(`soak: ${total} tasks, --retain-succeeded ${opts['retain-succeeded']}, commit durability`);
  console.log('| elapsed s | tasks done | data.mdb on disk | pages in use | tasks stored |');
  console.log('| ---: | ---: | ---: | ---: | ---: |');
  const sample = async () => {
    const stats = await broker.stats();
    const file = (await stat(join(broker.dataDir, 'data.mdb'))).size;
    console.log(`| ${((Date.now() - started) / 1000).toFixed(0)} | ${done.toLocaleString('en')} | ${(file / MiB).toFixed(1)} MiB | ${(stats.dataBytes / MiB).toFixed(1)} MiB | ${stats.tasks.toLocaleString('en')} |`);
  };
  const sampler = setInterval(() => void sample(), Number(opts['sample-ms']));
  const batch = Array.from({ length: 1000 }, () => ({ name: 'soak.x', args: ARGS_BYTES }));
  for (let sent = 0; sent < total; sent += batch.length) {
    while (sent - done > Number(opts.backlog)) await sleep(5);
    await broker.client.enqueue({ tasks: batch });
  }
  while (done < total) await sleep(50);
  clearInterval(sampler);
  await sample();
  const seconds = (Date.now() - started) / 1000;
  console.log(`\n${total} tasks in ${seconds.toFixed(0)} s (${Math.round(total / seconds).toLocaleString('en')} tasks/s)`);
  await app.close();
  await worker;
  await broker.stop();
}

async function bytesPerTask(total) {
  const broker = await startBroker('commit');
  const before = (await broker.stats()).dataBytes;
  const batch = Array.from({ length: 1000 }, () => ({ name: 'kept', args: ARGS_BYTES }));
  for (let sent = 0; sent < total; sent += batch.length) {
    await broker.client.enqueue({ tasks: batch });
    const { tasks } = await broker.client.lease({ workerId: 'soak', queues: ['kept'], maxTasks: 1000 });
    await broker.client.complete({
      completions: tasks.map((t) => ({ taskId: t.task.id, leaseToken: t.leaseToken, outcome: { $case: 'success', value: { result: Buffer.from('1') } } })),
    });
  }
  const after = await broker.stats();
  console.log(`${total} tasks run to success and kept (202-byte args, result "1"): ${after.tasks} stored,`);
  console.log(`pages in use grew ${((after.dataBytes - before) / MiB).toFixed(1)} MiB: ${Math.round((after.dataBytes - before) / total)} bytes a task`);
  await broker.stop();
}
