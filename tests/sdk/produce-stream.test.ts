/**
 * The SDK's producer on the Produce stream: one stream for many addTasks, closed when idle and
 * reopened; unary Enqueue against a broker without the stream; a stream cut with a request
 * unanswered (resent only when idempotent, never stored twice); and a `timeout` wait whose pushed
 * states break, taken over by WatchResult. A proxy in front of the real broker plays the broker
 * that misbehaves (tests/helpers/produce-proxy.ts).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { Status } from 'nice-grpc';
import { BrokerCallError, QTasks } from '@qtasks/sdk';
import { brokerStats } from '../helpers/broker-inspect.js';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { startProduceProxy, type ProduceProxy, type ProxyOptions } from '../helpers/produce-proxy.js';
import { listAllTasks, uniqueQueue } from '../helpers/tasks.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
let broker: BrokerProcess;
const apps: QTasks[] = [];
const proxies: ProduceProxy[] = [];
beforeAll(async () => void (broker = await startBrokerProcess({ args: ['--durability', 'commit'] })));
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});
afterAll(async () => await broker?.dispose());

function appOn(address: string): QTasks {
  const app = new QTasks({ broker: address, logger: quiet });
  apps.push(app);
  return app;
}

async function proxy(options: ProxyOptions = {}): Promise<ProduceProxy> {
  const started = await startProduceProxy(broker.client, options);
  proxies.push(started);
  return started;
}

describe('addTask on the Produce stream', () => {
  test('sequential addTasks share one stream, which ends after a second of idleness and is opened again', async () => {
    const { address, counts } = await proxy();
    const app = appOn(address);
    const queue = uniqueQueue('stream');
    for (let i = 0; i < 5; i++) expect((await app.addTask(queue, [i])).status).toBe('new');
    expect(counts).toMatchObject({ streams: 1, openStreams: 1, requests: 5, unaryEnqueues: 0 });
    await vi.waitFor(() => expect(counts.openStreams).toBe(0), { timeout: 10_000, interval: 50 });
    await app.addTask(queue, [5]);
    expect(counts).toMatchObject({ streams: 2, requests: 6, unaryEnqueues: 0 });
    expect((await listAllTasks(broker.client, queue)).map((t) => JSON.parse(Buffer.from(t.args).toString())[0])).toEqual([0, 1, 2, 3, 4, 5]);
  });

  test('a broker without Produce (UNIMPLEMENTED) gets unary Enqueues from then on, the refused request included', async () => {
    const { address, counts } = await proxy({ unimplemented: true });
    const app = appOn(address);
    const queue = uniqueQueue('old-broker');
    await Promise.all([app.addTask(queue, [1]), app.addTask(queue, [2])]);
    await app.addTask(queue, [3]);
    expect(counts.streams).toBe(1);
    expect(counts.unaryEnqueues).toBe(2);
    expect(await listAllTasks(broker.client, queue)).toHaveLength(3);
  });

  test('a stream cut before its answer: an idempotent addTask is sent again and stored once', async () => {
    const { address, counts } = await proxy({ cut: { streams: 1, when: 'before-answer' } });
    const app = appOn(address);
    const queue = uniqueQueue('cut-idem');
    const task = await app.addTask(queue, ['once'], { idempotencyKey: 'k' });
    expect(counts.streams).toBe(2);
    const stored = await listAllTasks(broker.client, queue);
    expect(stored.map((t) => t.id)).toEqual([task.uuid]);
  });

  test('a stream cut before its answer: any other addTask fails with a transient UNAVAILABLE, is not sent again, and the next one goes through', async () => {
    const { address, counts } = await proxy({ cut: { streams: 1, when: 'before-answer' } });
    const app = appOn(address);
    const queue = uniqueQueue('cut');
    const error = await app.addTask(queue, ['unanswered']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerCallError);
    expect(error).toMatchObject({ code: Status.UNAVAILABLE, method: 'Enqueue', transient: true });
    // It was stored before the cut, and only once: the SDK did not resend it.
    expect((await listAllTasks(broker.client, queue)).map((t) => Buffer.from(t.args).toString())).toEqual(['["unanswered"]']);
    await app.addTask(queue, ['next']);
    expect(counts).toMatchObject({ streams: 2, requests: 2 });
    expect(await listAllTasks(broker.client, queue)).toHaveLength(2);
  });

  test('addTask(…, { timeout }) whose pushed states break is taken over by WatchResult and resolves to the result', async () => {
    const { address } = await proxy({ cut: { streams: 1, when: 'after-answer' } });
    const producer = appOn(address);
    const name = uniqueQueue('watched');
    const worker = appOn(broker.address);
    worker.task({ name }, async (a: string) => `${a}!`);
    worker.worker.start();
    const done = await producer.addTask(name, ['ran'], { timeout: 10 });
    expect(done).toMatchObject({ status: 'success', returning: 'ran!' });
  });

  test('addTask(…, { timeout }) on the real broker resolves to the final task from the states pushed on the stream', async () => {
    const app = appOn(broker.address);
    const add = app.task({ name: uniqueQueue('rtt') }, async (a: number, b: number) => a + b);
    app.worker.start();
    const results = await Promise.all([add.addTask([1, 2], { timeout: 10 }), add.addTask([3, 4], { timeout: 10 })]);
    expect(results.map((task) => [task?.status, task?.returning])).toEqual([
      ['success', 3],
      ['success', 7],
    ]);
  });

  test('a wait that times out stops its watch, and the idle stream then ends: the broker holds no watcher or call for it', async () => {
    const app = appOn(broker.address);
    const [late, never] = await Promise.all([app.addTask(uniqueQueue('nobody'), [], { timeout: 0.3 }), app.addTask(uniqueQueue('nobody'), [], { timeout: 0 })]);
    expect([late, never]).toEqual([null, null]);
    // Had a watch been left on the broker, the stream (ended by the SDK) would stay open for it.
    await vi.waitFor(async () => expect(await brokerStats(broker)).toMatchObject({ watchers: 0, openCalls: 0 }), { timeout: 10_000, interval: 100 });
  });
});
