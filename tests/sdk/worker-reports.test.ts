/**
 * Where the TypeScript worker's reports go, against the real `qtasks-broker` process: outcomes,
 * heartbeats and progress take its Work stream, so the broker receives no unary Complete,
 * Heartbeat, ReportProgress (or Lease) call at all (its `callsByMethod` stats count every call it
 * lets through); and when the stream breaks, outcomes are not lost.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { QTasks, type Logger } from '@qtasks/sdk';
import { brokerStats } from '../helpers/broker-inspect.js';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';

let broker: BrokerProcess | undefined;
let app: QTasks | undefined;
afterEach(async () => {
  await app?.close();
  await broker?.dispose();
  app = broker = undefined;
});

function unique(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

/** An app with short leases (a heartbeat every ~330 ms), whose warnings and errors are kept. */
function newApp(address: string): { app: QTasks; problems: string[] } {
  const problems: string[] = [];
  const keep = (level: string) => (message: string) => void problems.push(`${level} ${message}`);
  const logger: Logger = { debug: () => undefined, info: () => undefined, warn: keep('warn'), error: keep('error') };
  return { app: new QTasks({ broker: address, config: { leaseMs: 1000, maxTasksProcess: 4, shutdownGraceMs: 1000 }, logger }), problems };
}

async function callsByMethod(running: BrokerProcess): Promise<Record<string, number>> {
  return (await brokerStats(running)).callsByMethod as Record<string, number>;
}

describe("the worker's reports", () => {
  test('outcomes, heartbeats and progress go on the Work stream, with no unary call', async () => {
    broker = await startBrokerProcess({ args: ['--durability', 'commit'] });
    const made = newApp(broker.address);
    app = made.app;
    const double = app.task({ name: unique('double') }, (n: number) => n * 2);
    // Outlives its 1 s lease: it succeeds only if heartbeats renew it; and it publishes progress.
    const slow = app.task({ name: unique('slow') }, async function* (steps: number) {
      for (let i = 0; i < steps; i++) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        yield i;
      }
    });
    const tasks = await Promise.all(Array.from({ length: 50 }, (_, n) => double.addTask([n])));
    const long = await slow.addTask([6]);
    app.worker.start();

    const results = await Promise.all(tasks.map((task) => task.waitResult(20)));
    expect(results.map((task) => task?.returning)).toEqual(tasks.map((_, n) => n * 2));
    const final = await long.waitResult(20);
    expect([final?.status, final?.returning, final?.progress, final?.attempt]).toEqual(['success', [0, 1, 2, 3, 4, 5], 5, 1]);
    await app.worker.stop();

    const calls = await callsByMethod(broker);
    expect(calls).toMatchObject({ Work: 1 });
    for (const unary of ['Complete', 'Heartbeat', 'ReportProgress', 'Lease']) expect(calls[unary], unary).toBeUndefined();
    expect(made.problems).toEqual([]);
  });

  test('an outcome whose stream breaks before its answer still reaches the broker', async () => {
    broker = await startBrokerProcess({ args: ['--durability', 'commit'] });
    app = newApp(broker.address).app;
    // Every Work stream the worker opens is cut the moment the outcome goes on it, before its
    // answer can come back; the outcome must then go unary.
    const conn = app.connection();
    const work = conn.work.bind(conn);
    conn.work = (...args) => {
      const session = work(...args);
      const add = session.completions.add.bind(session.completions);
      session.completions.add = (item) => {
        const answer = add(item);
        setImmediate(() => session.cut()); // after the batch was sent (the batcher flushes on setImmediate)
        return answer;
      };
      return session;
    };
    const echo = app.task({ name: unique('echo') }, (text: string) => text);
    const task = await echo.addTask(['kept']);
    app.worker.start();

    const final = await task.waitResult(20);
    expect([final?.status, final?.returning, final?.attempt]).toEqual(['success', 'kept', 1]);
    // The stop waits for the outcome's acknowledgement. The request may have reached the broker
    // before the cut (a lone outcome commits at once): the unary repeat is then refused harmlessly.
    await app.worker.stop();
    expect((await callsByMethod(broker)).Complete).toBeGreaterThanOrEqual(1);
  });
});
