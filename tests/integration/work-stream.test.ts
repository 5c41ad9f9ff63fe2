/**
 * The Work stream (issue 11, item 1), on the real broker: tasks pushed against credit, outcomes
 * that grant the next credit, heartbeats and progress answered by request id, cancel requests
 * pushed at once, and the errors that end a stream.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TaskStatus, type WorkResponse } from '@qtasks/proto';
import { Status } from 'nice-grpc';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { brokerStats } from '../helpers/broker-inspect.js';
import { connectClient, startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { BrokerServiceDefinition } from '@qtasks/proto';
import { json, spec, uniqueQueue, workerId } from '../helpers/tasks.js';
import { openWork } from '../helpers/work-stream.js';

let broker: BrokerProcess;
beforeAll(async () => void (broker = await startBrokerProcess({ args: ['--durability', 'commit'] })));
afterAll(async () => await broker?.dispose());

const start = (queue: string, credit: number, leaseMs = 30_000) => ({ kind: { $case: 'start' as const, value: { workerId: workerId(), queues: [queue], leaseMs } }, credit });
const success = (taskId: string, leaseToken: string, result: unknown = 'done') => ({
  taskId,
  leaseToken,
  outcome: { $case: 'success' as const, value: { result: json(result) } },
});
/** The tasks of a `tasks` push. */
const pushed = (reply: WorkResponse) => {
  if (reply.kind?.$case !== 'tasks') throw new Error(`expected pushed tasks, got ${reply.kind?.$case}`);
  return reply.kind.value.tasks;
};

describe('Work stream', () => {
  test('pushes no more tasks than the credit; an outcome that grants credit brings the next task', async () => {
    const queue = uniqueQueue('work');
    await broker.client.enqueue({ tasks: [0, 1, 2].map((i) => spec(queue, { args: json([i]) })) });
    const work = openWork(broker.client);
    work.send(start(queue, 2));
    const first = pushed(await work.next());
    const firstTwo = first.length === 2 ? first : [...first, ...pushed(await work.next())];
    expect(firstTwo.map((t) => JSON.parse(Buffer.from(t.task!.args).toString()))).toEqual([[0], [1]]);

    // One outcome, with one credit: the third task comes without a Lease call.
    const [done] = firstTwo;
    work.send({ kind: { $case: 'complete', value: { completions: [success(done!.task!.id, done!.leaseToken)], omitTasks: true } }, credit: 1, requestId: 7 });
    const replies = [await work.next(), await work.next()];
    const answer = replies.find((r) => r.kind?.$case === 'complete')!;
    expect(answer.requestId).toBe(7);
    expect(answer.kind?.$case === 'complete' && answer.kind.value.results[0]).toMatchObject({ accepted: true });
    const third = pushed(replies.find((r) => r.kind?.$case === 'tasks')!);
    expect(third.map((t) => JSON.parse(Buffer.from(t.task!.args).toString()))).toEqual([[2]]);
    work.end();
    expect(await work.closed).toBeUndefined();
    expect((await broker.client.getTask({ taskId: done!.task!.id })).task?.status).toBe(TaskStatus.TASK_STATUS_SUCCESS);
  });

  test('many small credit grants on one stream keep tasks coming (no message counts as a reply to come)', async () => {
    const queue = uniqueQueue('grants');
    await broker.client.enqueue({ tasks: Array.from({ length: 60 }, () => spec(queue)) });
    const work = openWork(broker.client);
    work.send(start(queue, 0));
    for (let i = 0; i < 60; i++) work.send({ credit: 1 });
    let received = 0;
    while (received < 60) received += pushed(await work.next()).length;
    expect(received).toBe(60);
    work.end();
    await work.closed;
  });

  test('40 idle Work streams on one connection do not hold up its other calls', async () => {
    // Each stream stays silent while its worker is idle; counted as replies to come, 32 of them
    // filled the unsent-reply budget and stalled the connection's Enqueue.
    const queue = uniqueQueue('idle');
    const idle = Array.from({ length: 40 }, () => openWork(broker.client));
    for (const work of idle) work.send(start(queue, 0));
    const { tasks } = await broker.client.enqueue({ tasks: [spec(uniqueQueue('other'))] });
    expect(tasks).toHaveLength(1);
    for (const work of idle) work.end();
    await Promise.all(idle.map((work) => work.closed));
  });

  test('credit granted and not used is capped at 10,000', async () => {
    const work = openWork(broker.client);
    work.send(start(uniqueQueue('cap'), 10_000));
    work.send({ credit: 1 });
    expect(await work.closed).toMatchObject({ code: Status.INVALID_ARGUMENT, details: expect.stringMatching(/^credit: .*over 10000/) });
  });

  test('credit_limit counts every task pushed on the stream: it takes back credit not used, and raises it again', async () => {
    const queue = uniqueQueue('limit');
    const work = openWork(broker.client);
    work.send(start(queue, 5));
    // Five granted, none used (the queue is empty); the worker then wants two in all.
    work.send({ creditLimit: 2, requestId: 0 });
    work.send({ kind: { $case: 'heartbeat', value: { items: [{ taskId: 'none', leaseToken: 'none' }] } }, requestId: 1 });
    await work.next(); // the heartbeat's answer: the limit, sent before it, is in force
    await broker.client.enqueue({ tasks: Array.from({ length: 5 }, () => spec(queue)) });
    let received = 0;
    while (received < 2) received += pushed(await work.next()).length;
    expect(received).toBe(2);
    // Two more in all: the next push brings exactly two.
    work.send({ creditLimit: 4 });
    while (received < 4) received += pushed(await work.next()).length;
    expect(received).toBe(4);
    // Nothing more was pushed: the fifth task is still in line.
    const listed = await broker.client.listTasks({ queue, status: TaskStatus.TASK_STATUS_NEW });
    expect(listed.tasks).toHaveLength(1);
    work.end();
    await work.closed;
  });

  test("the stream's response header lists credit-limit, before any task is pushed", async () => {
    let features: string | undefined;
    let heard!: () => void;
    const header = new Promise<void>((resolve) => (heard = resolve));
    const work = openWork(broker.client, {
      onHeader: (metadata) => {
        features = metadata.get('qtasks-work-features');
        heard();
      },
    });
    work.send(start(uniqueQueue('features'), 0));
    await header;
    work.end();
    await work.closed;
    expect(features?.split(',')).toContain('credit-limit');
  });

  test('a credit_limit that would leave more than 10,000 to push is INVALID_ARGUMENT, naming credit_limit', async () => {
    const work = openWork(broker.client);
    work.send(start(uniqueQueue('limit-cap'), 0));
    work.send({ creditLimit: 10_001 });
    expect(await work.closed).toMatchObject({ code: Status.INVALID_ARGUMENT, details: expect.stringMatching(/^credit_limit: .*over 10000/) });
  });

  test('a task enqueued while the worker has credit is pushed to it', async () => {
    const queue = uniqueQueue('push');
    const work = openWork(broker.client);
    work.send(start(queue, 1));
    const [created] = (await broker.client.enqueue({ tasks: [spec(queue)] })).tasks;
    const [task] = pushed(await work.next());
    expect(task!.task!.id).toBe(created!.id);
    expect(task!.task!.status).toBe(TaskStatus.TASK_STATUS_PROCESS);
    work.end();
    await work.closed;
  });

  test('heartbeats and progress are answered by request id; a cancel request is pushed at once', async () => {
    const queue = uniqueQueue('cancel');
    const [created] = (await broker.client.enqueue({ tasks: [spec(queue)] })).tasks;
    const work = openWork(broker.client);
    work.send(start(queue, 1));
    const [task] = pushed(await work.next());
    const held = { taskId: task!.task!.id, leaseToken: task!.leaseToken };

    work.send({ kind: { $case: 'heartbeat', value: { items: [held] } }, requestId: 1 });
    const beat = await work.next();
    expect(beat.requestId).toBe(1);
    expect(beat.kind?.$case === 'heartbeat' && beat.kind.value.results[0]).toMatchObject({ ok: true });

    work.send({ kind: { $case: 'progress', value: { items: [{ ...held, progress: json({ done: 1 }) }] } }, requestId: 2 });
    const progress = await work.next();
    expect(progress.requestId).toBe(2);
    expect(progress.kind?.$case === 'progress' && progress.kind.value.results[0]).toMatchObject({ ok: true });

    await broker.client.cancelTask({ taskId: created!.id, reason: 'not needed' });
    const cancel = await work.next();
    expect(cancel.kind).toEqual({ $case: 'cancel', value: { tasks: [{ taskId: created!.id, reason: 'not needed' }] } });

    work.send({ kind: { $case: 'complete', value: { completions: [{ ...held, outcome: { $case: 'cancelled', value: { reason: 'asked' } } }] } }, requestId: 3 });
    expect((await work.next()).requestId).toBe(3);
    work.end();
    await work.closed;
    expect((await broker.client.getTask({ taskId: created!.id })).task?.status).toBe(TaskStatus.TASK_STATUS_CANCEL);
  });

  test('ending the stream leaves the leases held: the worker may still report with its tokens', async () => {
    const queue = uniqueQueue('end');
    await broker.client.enqueue({ tasks: [spec(queue)] });
    const work = openWork(broker.client);
    work.send(start(queue, 1));
    const [task] = pushed(await work.next());
    work.end();
    await work.closed;
    const { results } = await broker.client.complete({ completions: [success(task!.task!.id, task!.leaseToken)] });
    expect(results[0]).toMatchObject({ accepted: true });
  });

  test('a task pushed before its enqueue commits (commit mode) is followed like any other: a cancel request on it is pushed', async () => {
    const queue = uniqueQueue('early');
    const work = openWork(broker.client);
    work.send(start(queue, 1));
    // The worker waits with its credit: a lone Enqueue's task goes to it ahead of the commit, and
    // the task's NEW state, heard at the commit, must not end the following of its lease.
    while (((await brokerStats(broker)).workerCredit as number) < 1) await new Promise((resolve) => setTimeout(resolve, 10));
    const [created] = (await broker.client.enqueue({ tasks: [spec(queue)] })).tasks;
    const [task] = pushed(await work.next());
    expect(task!.task!.id).toBe(created!.id);

    await broker.client.cancelTask({ taskId: created!.id, reason: 'not needed' });
    expect((await work.next()).kind).toEqual({ $case: 'cancel', value: { tasks: [{ taskId: created!.id, reason: 'not needed' }] } });
    const held = { taskId: created!.id, leaseToken: task!.leaseToken };
    work.send({ kind: { $case: 'complete', value: { completions: [{ ...held, outcome: { $case: 'cancelled', value: { reason: 'asked' } } }] } }, requestId: 1 });
    expect((await work.next()).requestId).toBe(1);
    work.end();
    await work.closed;
    expect((await broker.client.getTask({ taskId: created!.id })).task?.status).toBe(TaskStatus.TASK_STATUS_CANCEL);
  });

  test('a stream that does not begin with start, or starts twice, or grants bad credit, is INVALID_ARGUMENT', async () => {
    const queue = uniqueQueue('bad');
    const noStart = openWork(broker.client);
    noStart.send({ credit: 1 });
    expect(await noStart.closed).toMatchObject({ code: Status.INVALID_ARGUMENT, details: expect.stringMatching(/^start: /) });

    const twice = openWork(broker.client);
    twice.send(start(queue, 0));
    twice.send(start(queue, 0));
    expect(await twice.closed).toMatchObject({ code: Status.INVALID_ARGUMENT, details: expect.stringMatching(/^start: was sent twice/) });

    const badQueue = openWork(broker.client);
    badQueue.send({ kind: { $case: 'start', value: { workerId: 'w', queues: [] } } });
    expect(await badQueue.closed).toMatchObject({ code: Status.INVALID_ARGUMENT, details: expect.stringMatching(/^start\.queues: /) });

    const badCredit = openWork(broker.client);
    badCredit.send(start(queue, -1));
    expect(await badCredit.closed).toMatchObject({ code: Status.INVALID_ARGUMENT, details: expect.stringMatching(/^credit: /) });
  });
});

test('a broker shutting down ends a Work stream waiting for credit with UNAVAILABLE, at once', async () => {
  const own = await startBrokerProcess();
  try {
    const queue = uniqueQueue('shutdown');
    await own.client.enqueue({ tasks: [spec(queue)] });
    const work = openWork(own.client);
    work.send(start(queue, 1));
    // Its one credit used: the session waits for credit, with no Lease parked.
    expect(pushed(await work.next())).toHaveLength(1);
    const exited = own.stop('SIGTERM');
    expect(await work.closed).toMatchObject({ code: Status.UNAVAILABLE });
    // Well before the 10 s grace a stream that never ends would cost.
    expect(await exited).toBe(0);
  } finally {
    await own.dispose();
  }
}, 8_000);

describe('Work stream scopes', () => {
  let secured: BrokerProcess;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qtasks-work-tokens-'));
    await writeFile(join(dir, 'tokens'), 'producer-token producer\nworker-token worker\n');
    secured = await startBrokerProcess({ args: ['--auth-tokens-file', join(dir, 'tokens')] });
  });
  afterAll(async () => {
    await secured?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  test('a worker token may open one; a producer token may not', async () => {
    const queue = uniqueQueue();
    await connectClient(BrokerServiceDefinition, secured.address, { token: 'producer-token' }).client.enqueue({ tasks: [spec(queue)] });
    const asWorker = connectClient(BrokerServiceDefinition, secured.address, { token: 'worker-token' });
    const work = openWork(asWorker.client);
    work.send(start(queue, 1));
    expect(pushed(await work.next())).toHaveLength(1);
    work.end();
    await work.closed;
    asWorker.channel.close();

    const asProducer = connectClient(BrokerServiceDefinition, secured.address, { token: 'producer-token' });
    const refused = openWork(asProducer.client);
    refused.send(start(queue, 1));
    expect(await refused.closed).toMatchObject({ code: Status.PERMISSION_DENIED });
    asProducer.channel.close();
  });

  test('needs a token', async () => {
    const { client, channel } = connectClient(BrokerServiceDefinition, secured.address);
    const work = openWork(client);
    work.send(start(uniqueQueue(), 1));
    expect(await work.closed).toMatchObject({ code: Status.UNAUTHENTICATED });
    channel.close();
  });
});
