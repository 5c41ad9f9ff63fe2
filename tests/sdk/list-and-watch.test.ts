/**
 * The SDK's `app.listTasks` (pages and filters of ListTasks) and `app.watch` (a task's
 * transitions live, across a broker restart), against the real `qtasks-broker` process.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Status } from 'nice-grpc';
import { describe, expect, test } from 'vitest';
import { BrokerCallError, QTasks, TaskUsageError, type Task } from '@qtasks/sdk';
import { brokerStats } from '../helpers/broker-inspect.js';
import { startBrokerProcess } from '../helpers/broker-process.js';
import { quiet, uname, useBrokerWithApps } from '../helpers/sdk-app.js';

const env = useBrokerWithApps();
const newApp = (): QTasks => env.newApp();

describe('app.listTasks', () => {
  test('pages through a queue in creation order, filters by status and end time', async () => {
    const app = newApp();
    const queue = uname('list');
    const added: Task[] = [];
    for (let n = 0; n < 5; n++) added.push(await app.addTask(queue, [n]));
    await app.cancel(added[1]!.uuid, 'not needed');

    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await app.listTasks({ queue, status: 'new', pageSize: 2, ...(pageToken ? { pageToken } : {}) });
      seen.push(...page.tasks.map((task) => task.uuid));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken);
    expect(seen).toEqual([0, 2, 3, 4].map((i) => added[i]!.uuid));
    expect(pages).toBe(2);

    const cancelled = await app.listTasks({ queue, status: 'cancel', finishedAfter: new Date(Date.now() - 60_000) });
    expect(cancelled.tasks.map((task) => [task.uuid, task.cancelReason])).toEqual([[added[1]!.uuid, 'not needed']]);
    expect(cancelled.nextPageToken).toBeUndefined();
    expect((await app.listTasks({ queue, status: 'cancel', finishedAfter: new Date(Date.now() + 60_000) })).tasks).toEqual([]);
  });

  test('a bad filter is refused: an unknown status by the SDK, an end time without a final status by the broker', async () => {
    const app = newApp();
    await expect(app.listTasks({ status: 'done' as never })).rejects.toBeInstanceOf(TaskUsageError);
    const error = await app.listTasks({ status: 'new', finishedAfter: new Date() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerCallError);
    expect(error).toMatchObject({ code: Status.INVALID_ARGUMENT, field: 'finished_after' });
  });
});

describe('app.watch', () => {
  test('yields the current state, then each transition, and ends after the final one', async () => {
    const app = newApp();
    const name = uname('watch');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const job = app.task({ name }, async (n: number) => {
      await gate;
      return n + 1;
    });
    const task = await job.addTask([1]);
    const states: Task[] = [];
    const watching = (async () => {
      for await (const state of app.watch(task.uuid)) {
        states.push(state);
        if (state.status === 'new') app.worker.start();
        if (state.status === 'process') release();
      }
    })();
    await watching;
    expect(states.map((state) => state.status)).toEqual(['new', 'process', 'success']);
    expect(states[2]!.returning).toBe(2);
  });

  test('an unknown id throws NOT_FOUND; an aborted watch just ends', async () => {
    const app = newApp();
    const iterate = async (uuid: string, signal?: AbortSignal): Promise<string[]> => {
      const seen: string[] = [];
      for await (const state of app.watch(uuid, signal ? { signal } : {})) seen.push(state.status);
      return seen;
    };
    await expect(iterate(randomUUID())).rejects.toMatchObject({ code: Status.NOT_FOUND });
    const task = await app.addTask(uname('watch-abort'), []);
    expect(await iterate(task.uuid, AbortSignal.timeout(300))).toEqual(['new']);
  });

  test('goes on across a broker restart, without repeating the state it had', async () => {
    const own = await startBrokerProcess();
    const producer = new QTasks({ broker: own.address, logger: quiet });
    env.track(producer);
    const name = uname('watch-restart');
    const task = await producer.addTask(name, [5]);
    const states: string[] = [];
    let first!: () => void;
    const gotFirst = new Promise<void>((resolve) => (first = resolve));
    const watching = (async () => {
      for await (const state of producer.watch(task.uuid, { signal: AbortSignal.timeout(20_000) })) {
        states.push(state.status);
        first();
      }
    })();
    await gotFirst;
    const restarted = await own.restart(undefined, { samePort: true });
    try {
      // The watch comes back (after its backoff) and is sent the task's state again, which it must
      // not yield twice; the worker starts only once it is open again, or the task could end
      // unwatched. Its being open is a state that stays: polled, it cannot be missed.
      const deadline = Date.now() + 20_000;
      while ((await brokerStats(restarted)).watchedTasks < 1) {
        if (Date.now() > deadline) throw new Error('the watch did not come back within 20 s');
        await sleep(50);
      }
      const worker = new QTasks({ broker: restarted.address, logger: quiet });
      env.track(worker);
      worker.task({ name }, async (n: number) => n * 2);
      worker.worker.start();
      await watching;
      expect(states).toEqual(['new', 'process', 'success']);
    } finally {
      await restarted.dispose();
    }
  });
});
