/**
 * Bad input: each is refused with the right status code and a message naming the field, and the
 * broker's state is unchanged (checked by reading it back).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TaskStatus, type DeepPartial, type EnqueueRequest } from '@qtasks/proto';
import { Status } from 'nice-grpc';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { json, spec, uniqueQueue, workerId } from '../helpers/tasks.js';

let broker: BrokerProcess;
beforeAll(async () => {
  broker = await startBrokerProcess({ args: ['--max-payload-bytes', '4096', '--max-batch-size', '50'] });
});
afterAll(async () => {
  await broker.dispose();
});

/** Every task of every queue, as ids: the state that a refused request must not change. */
async function allTaskIds(): Promise<string[]> {
  return (await broker.client.listTasks({ pageSize: 1000 })).tasks.map((t) => t.id);
}

const longName = 'x'.repeat(256);

describe('Enqueue', () => {
  const cases: Array<[string, DeepPartial<EnqueueRequest>, Status, RegExp]> = [
    ['no tasks', { tasks: [] }, Status.INVALID_ARGUMENT, /^tasks: must hold at least one item/],
    ['an empty name', { tasks: [{ name: '' }] }, Status.INVALID_ARGUMENT, /^tasks\[0\]\.name: must not be empty/],
    ['an over-long name', { tasks: [{ name: longName }] }, Status.INVALID_ARGUMENT, /^tasks\[0\]\.name: must be at most 255 bytes/],
    ['a control character in a queue', { tasks: [{ name: 'a', queue: 'bad\u0000queue' }] }, Status.INVALID_ARGUMENT, /^tasks\[0\]\.queue: must not contain control characters/],
    ['args that are not JSON', { tasks: [{ name: 'a', args: Buffer.from('[1,') }] }, Status.INVALID_ARGUMENT, /^tasks\[0\]\.args: is not valid JSON/],
    ['args that are not an array', { tasks: [{ name: 'a', args: json({ a: 1 }) }] }, Status.INVALID_ARGUMENT, /^tasks\[0\]\.args: must be a JSON array/],
    ['kwargs that are not an object', { tasks: [{ name: 'a', kwargs: json([1]) }] }, Status.INVALID_ARGUMENT, /^tasks\[0\]\.kwargs: must be a JSON object/],
    ['kwargs that are null', { tasks: [{ name: 'a', kwargs: json(null) }] }, Status.INVALID_ARGUMENT, /^tasks\[0\]\.kwargs: must be a JSON object/],
    ['args that are not UTF-8', { tasks: [{ name: 'a', args: Buffer.from([0x5b, 0x22, 0xff, 0xfe, 0x22, 0x5d]) }] }, Status.INVALID_ARGUMENT, /^tasks\[0\]\.args: is not valid UTF-8/],
    ['negative max_retries', { tasks: [{ name: 'a', maxRetries: -1 }] }, Status.INVALID_ARGUMENT, /^tasks\[0\]\.max_retries: must be between 0 and 1000, got -1/],
    ['huge max_retries', { tasks: [{ name: 'a', maxRetries: 2 ** 31 - 1 }] }, Status.INVALID_ARGUMENT, /^tasks\[0\]\.max_retries: must be between 0 and 1000/],
    ['negative delay_ms', { tasks: [{ name: 'a', delayMs: -5 }] }, Status.INVALID_ARGUMENT, /^tasks\[0\]\.delay_ms: must be between 0/],
    ['negative max_time_ms', { tasks: [{ name: 'a', maxTimeMs: -5 }] }, Status.INVALID_ARGUMENT, /^tasks\[0\]\.max_time_ms: must be between 0/],
    ['both eta and delay_ms', { tasks: [{ name: 'a', delayMs: 5, eta: new Date() }] }, Status.INVALID_ARGUMENT, /^tasks\[0\]\.eta: set either eta or delay_ms, not both/],
    ['a backoff multiplier below 1', { tasks: [{ name: 'a', retryBackoff: { multiplier: 0.5 } }] }, Status.INVALID_ARGUMENT, /^tasks\[0\]\.retry_backoff\.multiplier:/],
    ['a negative backoff', { tasks: [{ name: 'a', retryBackoff: { initialMs: -1 } }] }, Status.INVALID_ARGUMENT, /^tasks\[0\]\.retry_backoff\.initial_ms:/],
    ['an empty tag', { tasks: [{ name: 'a', tags: ['ok', ''] }] }, Status.INVALID_ARGUMENT, /^tasks\[0\]\.tags\[1\]: must not be empty/],
    ['an over-long idempotency key', { tasks: [{ name: 'a', idempotencyKey: longName }] }, Status.INVALID_ARGUMENT, /^tasks\[0\]\.idempotency_key: must be at most 255 bytes/],
    ['args over the payload limit', { tasks: [{ name: 'a', args: json(['y'.repeat(5000)]) }] }, Status.RESOURCE_EXHAUSTED, /^tasks\[0\]\.args: args and kwargs together are \d+ bytes, over the limit of 4096 bytes/],
    ['a batch over the limit', { tasks: Array.from({ length: 51 }, () => ({ name: 'a' })) }, Status.RESOURCE_EXHAUSTED, /^tasks: 51 items is over the limit of 50/],
  ];

  test.each(cases)('refuses %s and changes nothing', async (_label, request, code, message) => {
    const before = await allTaskIds();
    // The bad task comes last in a batch with a good one: the good one must not be stored either.
    const batch = { tasks: request.tasks!.length === 1 ? [spec(uniqueQueue()), ...request.tasks!] : request.tasks };
    const error = await broker.client.enqueue(batch).catch((e: unknown) => e);
    expect(error).toMatchObject({ code });
    const details = (error as { details: string }).details.replace(/^tasks\[1\]/, 'tasks[0]');
    expect(details).toMatch(message);
    expect(await allTaskIds()).toEqual(before);
  });
});

describe('Lease, Heartbeat, Complete', () => {
  test.each([
    ['a missing worker_id', { queues: ['q'] }, /^worker_id: must not be empty/],
    ['no queues', { workerId: 'w' }, /^queues: must name at least one queue/],
    ['an empty queue name', { workerId: 'w', queues: ['q', ''] }, /^queues\[1\]: must not be empty/],
    ['a negative max_tasks', { workerId: 'w', queues: ['q'], maxTasks: -1 }, /^max_tasks: must be between 0 and 1000/],
    ['a huge wait_ms', { workerId: 'w', queues: ['q'], waitMs: 2 ** 31 - 1 }, /^wait_ms: must be between 0 and 300000/],
    ['a tiny lease_ms', { workerId: 'w', queues: ['q'], leaseMs: 5 }, /^lease_ms: must be between 1000 and 3600000/],
  ])('Lease refuses %s', async (_label, request, message) => {
    await expect(broker.client.lease(request)).rejects.toMatchObject({ code: Status.INVALID_ARGUMENT, details: expect.stringMatching(message) });
  });

  test('Heartbeat refuses an empty batch, a missing token and a bad extend_ms', async () => {
    await expect(broker.client.heartbeat({ items: [] })).rejects.toMatchObject({ code: Status.INVALID_ARGUMENT, details: expect.stringMatching(/^items:/) });
    await expect(broker.client.heartbeat({ items: [{ taskId: 't' }] })).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^items\[0\]\.lease_token: must not be empty/),
    });
    await expect(broker.client.heartbeat({ items: [{ taskId: 't', leaseToken: 'x' }], extendMs: -1 })).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^extend_ms:/),
    });
  });

  test('Complete refuses bad items as a whole and changes nothing', async () => {
    const queue = uniqueQueue();
    const [created] = (await broker.client.enqueue({ tasks: [spec(queue)] })).tasks;
    const [leased] = (await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 1 })).tasks;
    const good = { taskId: created!.id, leaseToken: leased!.leaseToken, outcome: { $case: 'success' as const, value: {} } };
    const bad: Array<[unknown, RegExp]> = [
      [{ taskId: created!.id, leaseToken: leased!.leaseToken }, /^completions\[1\]\.outcome: is required/],
      [{ ...good, outcome: { $case: 'success', value: { result: Buffer.from('{oops') } } }, /^completions\[1\]\.success\.result: is not valid JSON/],
      [{ ...good, outcome: { $case: 'success', value: { result: json('z'.repeat(5000)) } } }, /^completions\[1\]\.success\.result: the result is \d+ bytes/],
      [{ ...good, outcome: { $case: 'failure', value: { retryable: true } } }, /^completions\[1\]\.failure\.error: is required/],
      [{ ...good, outcome: { $case: 'failure', value: { error: { type: '' } } } }, /^completions\[1\]\.failure\.error\.type: must not be empty/],
      [{ ...good, taskId: '' }, /^completions\[1\]\.task_id: must not be empty/],
    ];
    for (const [item, message] of bad) {
      const error = await broker.client.complete({ completions: [good, item as typeof good] }).catch((e: unknown) => e);
      expect(error).toMatchObject({ details: expect.stringMatching(message) });
      expect([Status.INVALID_ARGUMENT, Status.RESOURCE_EXHAUSTED]).toContain((error as { code: Status }).code);
    }
    const { task } = await broker.client.getTask({ taskId: created!.id });
    expect(task!.status).toBe(TaskStatus.TASK_STATUS_PROCESS);
    expect(task!.updatedAt).toEqual(leased!.task!.updatedAt);
  });
});

describe('reads', () => {
  test('GetTask, WatchResult and CancelTask refuse an empty task_id; ListTasks a bad filter', async () => {
    await expect(broker.client.getTask({ taskId: '' })).rejects.toMatchObject({ code: Status.INVALID_ARGUMENT, details: 'task_id: must not be empty' });
    await expect(broker.client.cancelTask({ taskId: '' })).rejects.toMatchObject({ code: Status.INVALID_ARGUMENT, details: 'task_id: must not be empty' });
    const watch = async () => {
      for await (const _ of broker.client.watchResult({ taskId: '' })) void _;
    };
    await expect(watch()).rejects.toMatchObject({ code: Status.INVALID_ARGUMENT, details: 'task_id: must not be empty' });
    await expect(broker.client.listTasks({ status: 42 as TaskStatus })).rejects.toMatchObject({ code: Status.INVALID_ARGUMENT, details: expect.stringMatching(/^status: unknown TaskStatus value 42/) });
    await expect(broker.client.listTasks({ pageSize: 5000 })).rejects.toMatchObject({ code: Status.INVALID_ARGUMENT, details: expect.stringMatching(/^page_size:/) });
    await expect(broker.client.listTasks({ pageToken: 'garbage!' })).rejects.toMatchObject({ code: Status.INVALID_ARGUMENT, details: expect.stringMatching(/^page_token:/) });
  });

  test('GetTask of an unknown id is NOT_FOUND', async () => {
    await expect(broker.client.getTask({ taskId: 'no-such-task' })).rejects.toMatchObject({ code: Status.NOT_FOUND });
  });
});
