/**
 * The SDK reads the broker's rich error details (`google.rpc.Status` in `grpc-status-details-bin`)
 * into {@link BrokerCallError}: `reason` from ErrorInfo, `field` from BadRequest (or ErrorInfo's
 * metadata), `retryAfterMs` from RetryInfo, against the real broker.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { Status } from 'nice-grpc';
import { BrokerCallError, QTasks } from '@qtasks/sdk';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { json, spec } from '../helpers/tasks.js';

/** A tiny limit, so that a burst from one test client certainly piles up (as in overload.test.ts). */
const MAX_PENDING_WRITES = 50;

let broker: BrokerProcess;
const apps: QTasks[] = [];
beforeAll(async () => {
  broker = await startBrokerProcess({ args: ['--max-pending-writes', String(MAX_PENDING_WRITES)] });
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});
afterAll(async () => {
  await broker?.dispose();
});

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
function newApp(): QTasks {
  const app = new QTasks({ broker: broker.address, logger: quiet });
  apps.push(app);
  return app;
}
const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

async function brokerCallError(promise: Promise<unknown>): Promise<BrokerCallError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(BrokerCallError);
  return error as BrokerCallError;
}

describe('BrokerCallError from the details', () => {
  test('INVALID_ARGUMENT: reason INVALID_FIELD and the field of the BadRequest', async () => {
    const app = newApp();
    const error = await brokerCallError(app.setQueueLimits(unique('limited'), { maxRunningPerKey: -1 }));
    expect(error.code).toBe(Status.INVALID_ARGUMENT);
    expect(error.reason).toBe('INVALID_FIELD');
    expect(error.field).toBe('limits.max_running_per_key');
    expect(error.retryAfterMs).toBeUndefined();
  });

  test('NOT_FOUND and FAILED_PRECONDITION: reasons TASK_NOT_FOUND and ILLEGAL_TRANSITION, no field', async () => {
    const app = newApp();
    const missing = await brokerCallError(app.retry(randomUUID()));
    expect(missing.code).toBe(Status.NOT_FOUND);
    expect(missing.reason).toBe('TASK_NOT_FOUND');
    expect(missing.field).toBeUndefined();
    const task = await app.addTask(unique('waiting'), []);
    const notEnded = await brokerCallError(app.retry(task.uuid));
    expect(notEnded.code).toBe(Status.FAILED_PRECONDITION);
    expect(notEnded.reason).toBe('ILLEGAL_TRANSITION');
  });

  test('a Work stream the broker ends with an error: reason and field from the details, as for a unary call', async () => {
    const session = newApp().connection().work({ workerId: '', queues: [unique('stream')] }, 0);
    const error = await brokerCallError(
      (async () => {
        for await (const push of session.pushes) void push;
      })(),
    );
    expect(error.code).toBe(Status.INVALID_ARGUMENT);
    expect(error.method).toBe('Work');
    expect(error.reason).toBe('INVALID_FIELD');
    expect(error.field).toBe('start.worker_id');
  });

  test('an overload refusal of a unary call: reason OVERLOADED and retryAfterMs from RetryInfo', async () => {
    const app = newApp();
    const connection = app.connection();
    const queue = unique('overload');
    const tasks = Array.from({ length: 20 }, () => spec(queue, { args: json(['x'.repeat(190)]) }));
    const refused: BrokerCallError[] = [];
    // `unary` hands nice-grpc no trailer callback: the wait can only come from the details.
    for (let round = 0; round < 20 && refused.length === 0; round++) {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, () => connection.unary('Enqueue', (client, signal) => client.enqueue({ tasks }, { signal }))),
      );
      for (const outcome of outcomes) if (outcome.status === 'rejected') refused.push(outcome.reason as BrokerCallError);
    }
    expect(refused.length).toBeGreaterThan(0);
    for (const error of refused) {
      expect(error).toBeInstanceOf(BrokerCallError);
      expect(error.code).toBe(Status.RESOURCE_EXHAUSTED);
      expect(error.reason).toBe('OVERLOADED');
      expect(error.retryAfterMs).toBeGreaterThan(0);
      expect(error.details).toContain(`retry in ${error.retryAfterMs} ms`);
    }
  });
});
