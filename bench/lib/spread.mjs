/**
 * The throughput figures with the work spread over several brokers that share one store
 * (`--store postgres`, 3 brokers): one app per broker, all on the same task (hence one queue),
 * producing and working at once, as services spread over a cluster do. The figures are those of
 * `ours.mjs` (bulk, drain at 50, produce+consume); the latency figures need no spreading (one
 * task at a time goes through one broker) and are measured on the first broker alone.
 */
import { QTasks } from '@qtasks/sdk';
import { instrument } from './ours.mjs';
import { ARGS, countdown, rate, sleep, timed } from './util.mjs';

const quiet = { debug() {}, info() {}, warn: (...a) => console.warn(...a), error: (...a) => console.error(...a) };
let sequence = 0;

/** One app per broker, each with the task `name`, at `concurrency` slots each. */
function appsOn(brokers, name, concurrency) {
  return brokers.map((broker) => {
    const app = new QTasks({ name: 'bench', broker: broker.address, config: { maxTasksProcess: concurrency }, logger: quiet });
    return { app, task: app.task({ name }, () => 1) };
  });
}

const newName = () => `bench.spread.${process.pid}.${sequence++}`;
const addMany = (task, n) => Promise.all(Array.from({ length: n }, () => task.addTask(ARGS)));
const share = (n, parts, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0);

/** Bulk enqueue: `addTask` ×n at once, a share through each broker. */
export async function bulkEnqueue(brokers, n) {
  const name = newName();
  const apps = appsOn(brokers, name, 10);
  const ms = await timed(() => Promise.all(apps.map(({ task }, i) => addMany(task, share(n, apps.length, i)))));
  await apps[0].app.purgeQueue(name, ['new']);
  await Promise.all(apps.map(({ app }) => app.close()));
  return { rate: rate(n, ms) };
}

/** Drain of n queued tasks by a worker on each broker, `concurrency` slots in all. */
export async function drain(brokers, n, concurrency) {
  const name = newName();
  const apps = appsOn(brokers, name, Math.ceil(concurrency / brokers.length));
  await addMany(apps[0].task, n);
  const all = countdown(n);
  for (const { app } of apps) instrument(app, all.tick);
  const ms = await timed(() => {
    for (const { app } of apps) app.worker.start();
    return all.done;
  });
  await Promise.all(apps.map(({ app }) => app.close()));
  return { rate: rate(n, ms) };
}

/** Producing and consuming at once through every broker: chunks of 1000, 50 slots in all. */
export async function endToEnd(brokers, n, chunk = 1000) {
  const name = newName();
  const apps = appsOn(brokers, name, Math.ceil(50 / brokers.length));
  const all = countdown(n);
  for (const { app } of apps) instrument(app, all.tick);
  for (const { app } of apps) app.worker.start();
  await sleep(200);
  const ms = await timed(async () => {
    await Promise.all(
      apps.map(async ({ task }, i) => {
        const mine = share(n, apps.length, i);
        for (let sent = 0; sent < mine; sent += chunk) await addMany(task, Math.min(chunk, mine - sent));
      }),
    );
    await all.done;
  });
  await Promise.all(apps.map(({ app }) => app.close()));
  return { rate: rate(n, ms) };
}
