/** Edge cases of the SDK found in review: refused outcomes, backoff defaults, closing, limits. */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { QTasks, QTasksConfigError, type QTasksConfig } from '@qtasks/sdk';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';

let broker: BrokerProcess;
const apps: QTasks[] = [];
beforeAll(async () => {
  broker = await startBrokerProcess({ args: ['--max-payload-bytes', '2000'] });
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});
afterAll(async () => {
  await broker.dispose();
});

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
function newApp(config: Partial<QTasksConfig> = {}): QTasks {
  const app = new QTasks({ broker: broker.address, config: { leaseMs: 1000, leaseWaitMs: 1000, ...config }, logger: quiet });
  apps.push(app);
  return app;
}
const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

test('a result the broker refuses (over its payload limit) ends the task in error with the reason, at once', async () => {
  const app = newApp();
  const big = app.task({ name: unique('big'), retry: 1 }, () => 'x'.repeat(5000));
  app.worker.start();
  const done = await big.addTask([], { timeout: 10 });
  expect(done?.status).toBe('error');
  expect(done?.error?.type).toBe('OutcomeRefused');
  expect(done?.error?.message).toMatch(/over the limit of 2000 bytes/);
  expect(done?.attempt).toBe(1);
});

test('a partial retryBackoff keeps the documented defaults for the fields left out', async () => {
  const app = newApp();
  let failedAt = 0;
  const flaky = app.task({ name: unique('flaky'), retry: 1, retryBackoff: { multiplier: 3 } }, () => {
    failedAt = Date.now();
    throw new Error('first run fails');
  });
  app.worker.start();
  const queued = await flaky.addTask([]);
  let retrying;
  for await (const state of broker.client.watchResult({ taskId: queued.uuid })) {
    if (state.task!.status === 3 /* RETRY */) {
      retrying = state.task!;
      break;
    }
  }
  // initialMs defaults to 1000: the retry is scheduled about a second after the failure, not at once.
  expect(retrying!.eta!.getTime() - failedAt).toBeGreaterThanOrEqual(900);
});

test('close() sends addTask calls already made, and ends waits still open', async () => {
  const app = newApp();
  const name = unique('pending');
  const pending = app.addTask(name, [1]);
  const other = newApp();
  const queued = await other.addTask(name, [2]);
  const waiting = other.waitForResult(queued.uuid, 30);
  await app.close();
  await expect(pending).resolves.toMatchObject({ status: 'new', taskName: name });
  const started = Date.now();
  await other.close();
  await expect(waiting).rejects.toThrow();
  expect(Date.now() - started).toBeLessThan(5000);
});

test('settings the broker would refuse are refused when the app is made; maxTasksProcess above 1000 works', async () => {
  expect(() => newApp({ leaseWaitMs: 400_000 })).toThrow(QTasksConfigError);
  expect(() => newApp({ leaseMs: 4_000_000 })).toThrow(QTasksConfigError);
  const app = newApp({ maxTasksProcess: 1500 });
  const echo = app.task({ name: unique('many') }, (x: number) => x);
  app.worker.start();
  expect((await echo.addTask([7], { timeout: 10 }))?.returning).toBe(7);
});
