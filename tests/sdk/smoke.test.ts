import { afterAll, beforeAll, expect, test } from 'vitest';
import { QTasks, taskOf } from '@qtasks/sdk';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';

let broker: BrokerProcess;
let app: QTasks;
beforeAll(async () => {
  broker = await startBrokerProcess();
  app = new QTasks({ broker: broker.address });
});
afterAll(async () => {
  await app.close();
  await broker.dispose();
});

test('smoke', async () => {
  const add = app.task({ name: 'add' }, async (a: number, b: number) => a + b);
  class Tasks {
    @app.task({ name: 'mul' })
    static async mul(a: number, b: number) {
      return a * b;
    }
  }
  app.worker.start();
  const t = await add.addTask([1, 2], { timeout: 10 });
  expect(t?.status).toBe('success');
  expect(t?.returning).toBe(3);
  const m = await taskOf(Tasks.mul).addTask([3, 4], { timeout: 10 });
  expect(m?.returning).toBe(12);
  const many = await Promise.all(Array.from({ length: 200 }, (_, i) => add.addTask([i, 1])));
  expect(new Set(many.map((x) => x.uuid)).size).toBe(200);
  expect(app.connection().enqueues.rpcCount).toBeLessThan(10);
});
