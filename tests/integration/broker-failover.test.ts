/**
 * An app given several broker addresses (brokers that share one store: issue 14) uses the first
 * that answers and moves to the next when it goes away, its producer and its worker alike. Two
 * real brokers, each on an LMDB store of its own, stand in for brokers sharing one: what is tested
 * here is the client's failover, so each task is looked up on the broker that must have served it.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { TaskStatus } from '@qtasks/proto';
import { QTasks, type Task } from '@qtasks/sdk';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { quiet, uname } from '../helpers/sdk-app.js';

const brokers: BrokerProcess[] = [];
const apps: QTasks[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  await Promise.all(brokers.splice(0).map((broker) => broker.dispose()));
});

async function startBroker(): Promise<BrokerProcess> {
  const broker = await startBrokerProcess({ args: ['--durability', 'commit'] });
  brokers.push(broker);
  return broker;
}

function newApp(broker: string | string[]): QTasks {
  const app = new QTasks({ broker, logger: quiet, config: { shutdownGraceMs: 500 } });
  apps.push(app);
  return app;
}

/** Calls `attempt` until it resolves (a call on a stream of the broker that died fails once), for at most `ms`. */
async function eventually<T>(attempt: () => Promise<T>, ms = 15_000): Promise<T> {
  const giveUpAt = Date.now() + ms;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > giveUpAt) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** The task's status as `broker` stores it. */
async function statusOn(broker: BrokerProcess, task: Task<unknown>): Promise<TaskStatus | undefined> {
  return (await broker.client.getTask({ taskId: task.uuid })).task?.status;
}

describe('several broker addresses', () => {
  test('the app uses the first broker, and moves to the next when it dies: its producer and its worker alike', async () => {
    const [first, second] = [await startBroker(), await startBroker()];
    const app = newApp([first.address, second.address]);
    const double = app.task({ name: uname('double') }, (x: number) => x * 2);
    app.worker.start();

    const before = await double.addTask([1], { timeout: 10 });
    expect([before?.status, before?.returning]).toEqual(['success', 2]);
    expect(await statusOn(first, before!)).toBe(TaskStatus.TASK_STATUS_SUCCESS);

    await first.stop('SIGKILL');
    // Its streams fail; the next ones, the worker's and the producer's, go to the second broker.
    const after = await eventually(async () => {
      // A wait that timed out (null) is retried too: the task may have gone to the broker just killed.
      const result = await double.addTask([2], { timeout: 5 });
      if (!result) throw new Error('no result within 5 s');
      return result;
    });
    expect([after.status, after.returning]).toEqual(['success', 4]);
    expect(await statusOn(second, after)).toBe(TaskStatus.TASK_STATUS_SUCCESS);
  });

  test('an address that does not answer is passed over, whichever place it has in the list', async () => {
    const [gone, live] = [await startBroker(), await startBroker()];
    await gone.stop('SIGKILL');
    const app = newApp(`${gone.address},${live.address}`);
    const echo = app.task({ name: uname('echo') }, (x: string) => x);
    app.worker.start();
    const done = await echo.addTask(['hi'], { timeout: 10 });
    expect([done?.status, done?.returning]).toEqual(['success', 'hi']);
    expect(await statusOn(live, done!)).toBe(TaskStatus.TASK_STATUS_SUCCESS);
  });

  test('an entry that is not HOST:PORT is refused, named, before anything connects', () => {
    expect(() => newApp('127.0.0.1:50051,nowhere')).toThrow('broker: "nowhere" is not HOST:PORT');
    expect(() => newApp(['127.0.0.1:50051', ''])).toThrow('broker: "" is not HOST:PORT');
    expect(() => newApp([])).toThrow('broker: the list of broker addresses is empty');
    // A gRPC target of its own is taken whole, commas and all, as before.
    expect(newApp('ipv4:127.0.0.1:50051,127.0.0.1:50052').broker).toBe('ipv4:127.0.0.1:50051,127.0.0.1:50052');
  });
});
