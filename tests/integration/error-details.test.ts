/**
 * The rich error model of the real broker process: every refusal carries a `google.rpc.Status` in
 * the standard `grpc-status-details-bin` trailer, with an `ErrorInfo` (domain `qtasks.broker.v1`
 * and a stable reason), a `BadRequest` naming the field of an INVALID_ARGUMENT, and a `RetryInfo`
 * with the wait of an overload refusal. Decoded here with nice-grpc-error-details' client
 * middleware, as any client of the standard model would, not with the SDK.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BrokerServiceDefinition } from '@qtasks/proto';
import { ClientError, Metadata, Status, createChannel, createClientFactory, type Channel, type Client } from 'nice-grpc';
import {
  BadRequest,
  ErrorInfo,
  RetryInfo,
  RichClientError,
  errorDetailsClientMiddleware,
  type ErrorDetails,
} from 'nice-grpc-error-details';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { json, spec, uniqueQueue, workerId } from '../helpers/tasks.js';

const DOMAIN = 'qtasks.broker.v1';
/** A tiny limit, so that a burst from one test client certainly piles up (as in overload.test.ts). */
const MAX_PENDING_WRITES = 50;
const BURST = 20;
const BATCH = 20;
const TOKEN = 'error-details-token-5d1c';

type RichClient = Client<typeof BrokerServiceDefinition>;

/** A client whose errors are RichClientErrors with the decoded details (`extra`). */
function richClient(address: string, token?: string): { client: RichClient; channel: Channel } {
  const channel = createChannel(address);
  let factory = createClientFactory().use(errorDetailsClientMiddleware);
  if (token !== undefined) {
    factory = factory.use(async function* (call, options) {
      return yield* call.next(call.request, { ...options, metadata: Metadata(options.metadata).set('authorization', `Bearer ${token}`) });
    });
  }
  return { client: factory.create(BrokerServiceDefinition, channel), channel };
}

/** The error `promise` rejects with, which must be a RichClientError of `code`. */
async function refusal(promise: Promise<unknown>, code: Status): Promise<RichClientError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(RichClientError);
  expect((error as RichClientError).code).toBe(code);
  return error as RichClientError;
}

function detail<T extends ErrorDetails>(error: RichClientError, type: { $type: string }): T | undefined {
  return error.extra.find((d) => d.$type === type.$type) as T | undefined;
}

/** The ErrorInfo of `error`, checked to be the broker's own. */
function errorInfo(error: RichClientError): ErrorInfo {
  const info = detail<ErrorInfo>(error, ErrorInfo);
  expect(info?.domain).toBe(DOMAIN);
  return info!;
}

describe('google.rpc error details', () => {
  let broker: BrokerProcess;
  let rich: { client: RichClient; channel: Channel };
  beforeAll(async () => {
    broker = await startBrokerProcess({ args: ['--max-pending-writes', String(MAX_PENDING_WRITES)] });
    rich = richClient(broker.address);
  });
  afterAll(async () => {
    rich?.channel.close();
    await broker?.dispose();
  });

  test('INVALID_ARGUMENT carries a BadRequest naming the field, and ErrorInfo INVALID_FIELD', async () => {
    const queue = uniqueQueue('details-bad');
    const error = await refusal(rich.client.enqueue({ tasks: [spec(queue), spec(queue), spec(queue, { name: '' })] }), Status.INVALID_ARGUMENT);
    expect(error.details).toBe('tasks[2].name: must not be empty');
    const badRequest = detail<BadRequest>(error, BadRequest);
    expect(badRequest?.fieldViolations.map(({ field, description }) => ({ field, description }))).toEqual([
      { field: 'tasks[2].name', description: 'must not be empty' },
    ]);
    const info = errorInfo(error);
    expect(info.reason).toBe('INVALID_FIELD');
    expect(info.metadata).toEqual({ field: 'tasks[2].name' });
    // Nothing of the refused batch was stored.
    expect((await broker.client.listTasks({ queue })).tasks).toEqual([]);
  });

  test('NOT_FOUND carries ErrorInfo TASK_NOT_FOUND with the task id, on a unary call and a stream alike', async () => {
    const taskId = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
    const unary = await refusal(rich.client.getTask({ taskId }), Status.NOT_FOUND);
    expect(errorInfo(unary)).toMatchObject({ reason: 'TASK_NOT_FOUND', metadata: { taskId } });
    expect(detail(unary, BadRequest)).toBeUndefined();
    const stream = await refusal(rich.client.watchResult({ taskId })[Symbol.asyncIterator]().next(), Status.NOT_FOUND);
    expect(errorInfo(stream)).toMatchObject({ reason: 'TASK_NOT_FOUND', metadata: { taskId } });
  });

  test('ALREADY_EXISTS and FAILED_PRECONDITION carry their reasons and what they are about', async () => {
    const queue = uniqueQueue('details-other');
    const key = `key-${workerId()}`;
    await broker.client.enqueue({ tasks: [spec(queue, { idempotencyKey: key })] });
    const conflict = await refusal(
      rich.client.enqueue({ tasks: [spec(queue), spec(queue, { idempotencyKey: key, args: json(['other']) })] }),
      Status.ALREADY_EXISTS,
    );
    expect(errorInfo(conflict)).toMatchObject({ reason: 'IDEMPOTENCY_KEY_CONFLICT', metadata: { field: 'tasks[1].idempotency_key' } });
    expect(conflict.details).toMatch(/^tasks\[1\]\.idempotency_key: /);

    const ending = uniqueQueue('details-ended');
    await broker.client.enqueue({ tasks: [spec(ending)] });
    const [leased] = (await broker.client.lease({ workerId: workerId(), queues: [ending], maxTasks: 1 })).tasks;
    await broker.client.complete({ completions: [{ taskId: leased!.task!.id, leaseToken: leased!.leaseToken, outcome: { $case: 'success', value: {} } }] });
    const illegal = await refusal(rich.client.cancelTask({ taskId: leased!.task!.id }), Status.FAILED_PRECONDITION);
    expect(errorInfo(illegal)).toMatchObject({ reason: 'ILLEGAL_TRANSITION', metadata: { transition: 'cancel', status: 'success' } });
  });

  test('an overload refusal carries RetryInfo with the same wait as the retry-after-ms trailer, and ErrorInfo OVERLOADED', async () => {
    const queue = uniqueQueue('details-overload');
    const refused: { error: RichClientError; trailerMs: number }[] = [];
    // Bursts until one is refused: the refusal depends on how requests meet commits.
    for (let round = 0; round < 20 && refused.length === 0; round++) {
      await Promise.all(
        Array.from({ length: BURST }, async () => {
          let trailer: Metadata | undefined;
          const tasks = Array.from({ length: BATCH }, () => spec(queue, { args: json(['x'.repeat(190)]) }));
          try {
            await rich.client.enqueue({ tasks }, { onTrailer: (received) => (trailer = received) });
          } catch (error) {
            if (!(error instanceof ClientError) || error.code !== Status.RESOURCE_EXHAUSTED) throw error;
            expect(error).toBeInstanceOf(RichClientError);
            refused.push({ error: error as RichClientError, trailerMs: Number(trailer?.get('retry-after-ms')) });
          }
        }),
      );
    }
    expect(refused.length).toBeGreaterThan(0);
    for (const { error, trailerMs } of refused) {
      expect(errorInfo(error).reason).toBe('OVERLOADED');
      const retry = detail<RetryInfo>(error, RetryInfo);
      expect(retry?.retryDelay).toBeDefined();
      const delayMs = retry!.retryDelay!.seconds * 1000 + retry!.retryDelay!.nanos / 1e6;
      expect(delayMs).toBeGreaterThan(0);
      // The deprecated trailer is still sent, with the same wait.
      expect(delayMs).toBe(trailerMs);
      expect(error.details).toContain(`retry in ${delayMs} ms`);
    }
  });
});

describe('refusals made before nice-grpc sees the call (the call guard)', () => {
  let broker: BrokerProcess;
  beforeAll(async () => {
    broker = await startBrokerProcess({ env: { QTASKS_BROKER_AUTH_TOKEN: TOKEN }, client: { token: TOKEN } });
  });
  afterAll(() => broker?.dispose());

  test('UNAUTHENTICATED carries ErrorInfo UNAUTHENTICATED, and a good token still works', async () => {
    const anonymous = richClient(broker.address);
    const authorized = richClient(broker.address, TOKEN);
    try {
      const error = await refusal(anonymous.client.getTask({ taskId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' }), Status.UNAUTHENTICATED);
      expect(errorInfo(error).reason).toBe('UNAUTHENTICATED');
      const notFound = await refusal(authorized.client.getTask({ taskId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' }), Status.NOT_FOUND);
      expect(errorInfo(notFound).reason).toBe('TASK_NOT_FOUND');
    } finally {
      anonymous.channel.close();
      authorized.channel.close();
    }
  });
});
