/**
 * `--http-listen`: Prometheus `/metrics` scraped and parsed after known traffic, its counters
 * matching it; `/healthz` and `/readyz`; nothing served without the flag.
 */
import { afterEach, expect, test } from 'vitest';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { TEST_STORE } from '../helpers/test-store.js';
import { sleep } from '../helpers/crash.js';
import { json, spec, uniqueQueue, workerId } from '../helpers/tasks.js';
import { openWork } from '../helpers/work-stream.js';

const brokers: BrokerProcess[] = [];
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.dispose()));
});

/** Starts a broker with an HTTP endpoint on a free port; resolves with it and the endpoint's base URL. */
async function startWithHttp(): Promise<{ broker: BrokerProcess; base: string }> {
  const broker = await startBrokerProcess({ args: ['--http-listen', '127.0.0.1:0'] });
  brokers.push(broker);
  for (let i = 0; i < 100 && !/http on /.test(broker.stdout()); i++) await sleep(10);
  const address = /qtasks-broker http on (\S+) /.exec(broker.stdout())?.[1];
  expect(address, broker.stdout()).toMatch(/^127\.0\.0\.1:\d+$/);
  return { broker, base: `http://${address}` };
}

/** The samples of a Prometheus text exposition: `name{labels}` → value. */
function samples(text: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    found.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return found;
}

test('/metrics counts what the broker did: enqueued, dispatched, completed by status, retried, tasks by status, RPCs by method and code', async () => {
  const { broker, base } = await startWithHttp();
  const { client } = broker;
  const queue = uniqueQueue('metered');
  await client.enqueue({ tasks: [spec(queue), spec(queue), spec(queue, { maxRetries: 1 }), spec(queue)] });
  const { tasks } = await client.lease({ workerId: workerId(), queues: [queue], maxTasks: 3 });
  const outcome = (i: number) =>
    i === 0 ? { $case: 'success' as const, value: { result: json(1) } } : { $case: 'failure' as const, value: { error: { type: 'E', message: 'boom', traceback: '' }, retryable: true } };
  await client.complete({ completions: tasks.map((t, i) => ({ taskId: t.task!.id, leaseToken: t.leaseToken, outcome: outcome(i) })) });
  await client.getTask({ taskId: 'not-a-task' }).catch(() => undefined);

  const response = await fetch(`${base}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  const metrics = samples(await response.text());
  const q = `queue="${queue}"`;
  expect(metrics.get(`qtasks_tasks_enqueued_total{${q}}`)).toBe(4);
  expect(metrics.get(`qtasks_tasks_dispatched_total{${q}}`)).toBe(3);
  expect(metrics.get(`qtasks_tasks_completed_total{${q},status="success"}`)).toBe(1);
  // The second task had no retry left: an error; the third runs again.
  expect(metrics.get(`qtasks_tasks_completed_total{${q},status="error"}`)).toBe(1);
  expect(metrics.get(`qtasks_tasks_retried_total{${q}}`)).toBe(1);
  expect(metrics.get(`qtasks_tasks{${q},status="new"}`)).toBe(1);
  expect(metrics.get(`qtasks_tasks{${q},status="retry"}`)).toBe(1);
  expect(metrics.get(`qtasks_task_wait_seconds_count{${q}}`)).toBe(3);
  expect(metrics.get(`qtasks_task_run_seconds_count{${q},status="success"}`)).toBe(1);
  expect(metrics.get('qtasks_rpc_duration_seconds_count{method="/qtasks.broker.v1.BrokerService/Enqueue",code="OK"}')).toBe(1);
  expect(metrics.get('qtasks_rpc_duration_seconds_count{method="/qtasks.broker.v1.BrokerService/GetTask",code="NOT_FOUND"}')).toBe(1);
  expect(metrics.get('process_resident_memory_bytes')).toBeGreaterThan(0);
  // Bounded labels: no task id anywhere.
  for (const task of tasks) expect([...metrics.keys()].some((name) => name.includes(task.task!.id))).toBe(false);
});

test('/metrics shows the connected workers and their unused credit, and times LMDB commits and flushes', async () => {
  const { broker, base } = await startWithHttp();
  const scrape = async () => samples(await (await fetch(`${base}/metrics`)).text());
  const queue = uniqueQueue('credited');
  const work = openWork(broker.client);
  work.send({ kind: { $case: 'start', value: { workerId: workerId(), queues: [queue], leaseMs: 30_000 } }, credit: 5 });
  await broker.client.enqueue({ tasks: [spec(queue), spec(queue)] });
  expect((await work.next()).kind?.$case).toBe('tasks');
  let metrics = await scrape();
  expect(metrics.get('qtasks_workers_connected')).toBe(1);
  // 5 granted, 2 pushed.
  expect(metrics.get('qtasks_worker_credit')).toBe(3);
  // Small writes, and one too large to commit on the main thread: it takes the writer thread,
  // whose commit gets a flush timed.
  await Promise.all(Array.from({ length: 20 }, () => broker.client.enqueue({ tasks: [spec(queue)] })));
  await broker.client.enqueue({ tasks: [spec(queue, { args: json(['x'.repeat(300_000)]) })] });
  metrics = await scrape();
  expect(metrics.get('qtasks_worker_credit')).toBe(0);
  // LMDB's commits and flushes are timed; a PostgreSQL store's transactions are not (yet).
  const onLmdb = TEST_STORE === 'lmdb';
  const commits = (path: string) => metrics.get(`qtasks_store_commit_seconds_count{path="${path}"}`) ?? 0;
  if (onLmdb) expect(commits('sync') + commits('async')).toBeGreaterThanOrEqual(22);
  if (onLmdb) expect(commits('async')).toBeGreaterThan(0);
  work.end();
  await work.closed;
  metrics = await scrape();
  expect(metrics.get('qtasks_workers_connected')).toBe(0);
  if (onLmdb) expect(metrics.get('qtasks_store_flush_seconds_count')).toBeGreaterThan(0);
});

test('/healthz and /readyz answer 200 while the broker serves, and other paths are 404', async () => {
  const { base } = await startWithHttp();
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  expect(await (await fetch(`${base}/readyz`)).text()).toBe('ready\n');
  expect((await fetch(`${base}/nope`)).status).toBe(404);
  expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
});

test('without --http-listen nothing is served over HTTP and the ready output has one line', async () => {
  const broker = await startBrokerProcess();
  brokers.push(broker);
  await sleep(100);
  expect(broker.stdout()).not.toContain('http on');
});
