/**
 * The Produce stream (issue 11, item 4), on the real broker: enqueues answered by request id,
 * refusals that name the field and leave the stream open, overload refusals with the unary call's
 * retry hint, the states of watched tasks, a client that does not read, and the end of a stream.
 */
import { TaskStatus, type ProduceResponse } from '@qtasks/proto';
import { Status } from 'nice-grpc';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { brokerStats } from '../helpers/broker-inspect.js';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { json, listAllTasks, spec, uniqueQueue, workerId } from '../helpers/tasks.js';
import { openProduce, type ProduceStream } from '../helpers/work-stream.js';

/** A tiny limit of writes in flight, so that a burst on one stream certainly meets it. */
const MAX_PENDING_WRITES = 50;

let broker: BrokerProcess;
beforeAll(async () => void (broker = await startBrokerProcess({ args: ['--durability', 'commit', '--max-pending-writes', String(MAX_PENDING_WRITES)] })));
afterAll(async () => await broker?.dispose());

const enqueue = (requestId: number, tasks: ReturnType<typeof spec>[], watch = false) => ({ requestId, kind: { $case: 'enqueue' as const, value: { tasks } }, watch });

/** The next `count` replies, by request id. */
async function replies(stream: ProduceStream, count: number): Promise<Map<number, ProduceResponse>> {
  const byId = new Map<number, ProduceResponse>();
  for (let i = 0; i < count; i++) {
    const reply = await stream.next();
    expect(byId.has(reply.requestId), `request ${reply.requestId} answered twice`).toBe(false);
    byId.set(reply.requestId, reply);
  }
  return byId;
}

describe('Produce stream', () => {
  test('each enqueue is answered with its request id once stored; a repeated idempotency key returns the first task', async () => {
    const queue = uniqueQueue('produce');
    const stream = openProduce(broker.client);
    stream.send(enqueue(1, [spec(queue, { args: json(['a']) }), spec(queue, { args: json(['b']) })]));
    stream.send(enqueue(2, [spec(queue, { args: json(['c']), idempotencyKey: 'k' })]));
    stream.send(enqueue(3, [spec(queue, { args: json(['c']), idempotencyKey: 'k' })]));
    const answers = await replies(stream, 3);
    const tasksOf = (id: number) => {
      const kind = answers.get(id)?.kind;
      if (kind?.$case !== 'enqueued') throw new Error(`request ${id}: ${JSON.stringify(kind)}`);
      return kind.value.tasks;
    };
    expect(tasksOf(1).map((t) => [Buffer.from(t.args).toString(), t.status])).toEqual([
      ['["a"]', TaskStatus.TASK_STATUS_NEW],
      ['["b"]', TaskStatus.TASK_STATUS_NEW],
    ]);
    expect(tasksOf(3)[0]!.id).toBe(tasksOf(2)[0]!.id);
    stream.end();
    expect(await stream.closed).toBeUndefined();
    expect((await listAllTasks(broker.client, queue)).map((t) => Buffer.from(t.args).toString()).sort()).toEqual(['["a"]', '["b"]', '["c"]']);
  });

  test('a refused request is answered with the code and the field, stores nothing, and the stream goes on', async () => {
    const queue = uniqueQueue('refused');
    const stream = openProduce(broker.client);
    stream.send(enqueue(1, [spec(queue), spec(queue, { name: '' })]));
    stream.send(enqueue(2, [spec(queue, { args: json(['x']), idempotencyKey: 'k' })]));
    const first = await replies(stream, 2);
    expect(first.get(1)?.kind).toEqual({ $case: 'error', value: { code: Status.INVALID_ARGUMENT, message: 'tasks[1].name: must not be empty', retryAfterMs: 0 } });
    expect(first.get(2)?.kind?.$case).toBe('enqueued');
    // The same key with other args: ALREADY_EXISTS, as the unary Enqueue says it.
    stream.send(enqueue(3, [spec(queue, { args: json(['y']), idempotencyKey: 'k' })]));
    stream.send({ requestId: 4 });
    const second = await replies(stream, 2);
    const conflict = second.get(3)?.kind;
    expect(conflict?.$case === 'error' && conflict.value.code).toBe(Status.ALREADY_EXISTS);
    expect(conflict?.$case === 'error' && conflict.value.message).toMatch(/^tasks\[0\]\.idempotency_key: "k" is already used/);
    expect(second.get(4)?.kind).toMatchObject({ $case: 'error', value: { code: Status.INVALID_ARGUMENT, message: expect.stringMatching(/^kind: /) } });
    stream.end();
    expect(await stream.closed).toBeUndefined();
    expect((await listAllTasks(broker.client, queue)).map((t) => Buffer.from(t.args).toString())).toEqual(['["x"]']);
  });

  test('an overloaded broker refuses requests with the retry hint, stores none of them, and answers every request once', async () => {
    const queue = uniqueQueue('overload');
    const stream = openProduce(broker.client);
    // 40 requests of 20 tasks at once, 16 times the limit of writes in flight.
    const REQUESTS = 40;
    for (let id = 1; id <= REQUESTS; id++) stream.send(enqueue(id, Array.from({ length: 20 }, () => spec(queue, { metadata: { request: String(id) } }))));
    const answers = await replies(stream, REQUESTS);
    expect([...answers.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: REQUESTS }, (_, i) => i + 1));
    const refused = [...answers.values()].flatMap((a) => (a.kind?.$case === 'error' ? [{ id: a.requestId, ...a.kind.value }] : []));
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBeLessThan(REQUESTS);
    for (const { code, message, retryAfterMs } of refused) {
      expect(code).toBe(Status.RESOURCE_EXHAUSTED);
      expect(retryAfterMs).toBeGreaterThan(0);
      expect(message).toMatch(new RegExp(`^the broker is overloaded: \\d+ task writes are in flight \\(limit ${MAX_PENDING_WRITES}\\); nothing was stored, retry in ${retryAfterMs} ms$`));
    }
    stream.end();
    await stream.closed;
    const stored = new Set((await listAllTasks(broker.client, queue)).map((t) => Number(t.metadata.request)));
    expect(stored.size).toBe(REQUESTS - refused.length);
    for (const { id } of refused) expect(stored.has(id)).toBe(false);
  });

  test('with watch, the states after the answered one follow on the stream until the final one; stop_watching ends a watch', async () => {
    const queue = uniqueQueue('watch');
    const stream = openProduce(broker.client);
    stream.send(enqueue(5, [spec(queue, { args: json(['run']) }), spec(queue, { args: json(['stop']) })], true));
    const answer = await stream.next();
    if (answer.kind?.$case !== 'enqueued') throw new Error(JSON.stringify(answer.kind));
    const [run, stop] = answer.kind.value.tasks;
    stream.send({ kind: { $case: 'stopWatching', value: { taskIds: [stop!.id] } } });
    // Run the first task with the unary worker calls.
    const { tasks } = await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 1 });
    expect(tasks[0]!.task!.id).toBe(run!.id);
    await broker.client.complete({ completions: [{ taskId: run!.id, leaseToken: tasks[0]!.leaseToken, outcome: { $case: 'success', value: { result: json(42) } } }] });
    await broker.client.cancelTask({ taskId: stop!.id });
    const states = [await stream.next(), await stream.next()];
    expect(states.map((s) => [s.requestId, s.kind?.$case === 'state' && s.kind.value.id, s.kind?.$case === 'state' && s.kind.value.status])).toEqual([
      [5, run!.id, TaskStatus.TASK_STATUS_PROCESS],
      [5, run!.id, TaskStatus.TASK_STATUS_SUCCESS],
    ]);
    // The stopped task's cancel is not pushed: the stream ends with nothing more.
    stream.end();
    expect(await stream.closed).toBeUndefined();
    await expect(stream.next()).rejects.toThrow('the stream ended');
  });

  test("with watch_final_only, each task's final state alone follows: no process, no retry", async () => {
    const queue = uniqueQueue('final-only');
    const stream = openProduce(broker.client);
    stream.send({ ...enqueue(6, [spec(queue, { maxRetries: 1, retryBackoff: { initialMs: 0 } })], true), watchFinalOnly: true });
    const answer = await stream.next();
    if (answer.kind?.$case !== 'enqueued') throw new Error(JSON.stringify(answer.kind));
    const [task] = answer.kind.value.tasks;
    // Two attempts: the first fails into RETRY, the second succeeds; PROCESS twice and RETRY are not pushed.
    for (const outcome of [{ $case: 'failure' as const, value: { error: { type: 'Boom', message: 'once' }, retryable: true } }, { $case: 'success' as const, value: { result: json(1) } }]) {
      const { tasks } = await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 1, waitMs: 5000 });
      expect(tasks[0]!.task!.id).toBe(task!.id);
      await broker.client.complete({ completions: [{ taskId: task!.id, leaseToken: tasks[0]!.leaseToken, outcome }] });
    }
    const state = await stream.next();
    expect([state.requestId, state.kind?.$case === 'state' && state.kind.value.status, state.kind?.$case === 'state' && state.kind.value.attempt]).toEqual([6, TaskStatus.TASK_STATUS_SUCCESS, 2]);
    stream.end();
    expect(await stream.closed).toBeUndefined();
    await expect(stream.next()).rejects.toThrow('the stream ended');
  });

  test('a client that does not read its answers is no longer read from: the broker stops storing its requests until it reads', async () => {
    const queue = uniqueQueue('unread');
    const REQUESTS = 3000;
    const args = json(['x'.repeat(2000)]);
    async function* requests() {
      for (let id = 1; id <= REQUESTS; id++) yield enqueue(id, [spec(queue, { args })]);
    }
    const before = (await brokerStats(broker)).tasks as number;
    const replies = broker.client.produce(requests())[Symbol.asyncIterator]();
    // One reply taken, then none: grpc-js stops reading, and HTTP/2 flow control holds the broker.
    expect((await replies.next()).value?.kind?.$case).toBe('enqueued');
    // Stalled: the count stays the same over three reads 250 ms apart (a loaded machine, or a
    // slower store, may still be filling the margin after a fixed wait).
    const storedNow = async (): Promise<number> => ((await brokerStats(broker)).tasks as number) - before;
    let stalled = await storedNow();
    for (let same = 0, deadline = Date.now() + 15_000; same < 3; ) {
      if (Date.now() > deadline) throw new Error(`the broker went on storing the unread client's requests (${stalled} so far)`);
      await new Promise((resolve) => setTimeout(resolve, 250));
      const now = await storedNow();
      same = now === stalled ? same + 1 : 0;
      stalled = now;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await storedNow()).toBe(stalled);
    expect(stalled).toBeLessThan(500);
    // Reading, the client gets every answer.
    let answered = 1;
    for await (const reply of { [Symbol.asyncIterator]: () => replies }) answered += reply.kind?.$case === 'enqueued' ? 1 : 0;
    expect(answered).toBe(REQUESTS);
  });

  test('a broker shutting down ends an open Produce stream with UNAVAILABLE at once, not after its 10 s grace', async () => {
    const own = await startBrokerProcess();
    try {
      const queue = uniqueQueue('shutdown');
      const stream = openProduce(own.client);
      stream.send(enqueue(1, [spec(queue)]));
      expect((await stream.next()).kind?.$case).toBe('enqueued');
      const started = performance.now();
      const stopping = own.stop('SIGTERM');
      expect(await stream.closed).toMatchObject({ code: Status.UNAVAILABLE });
      expect(await stopping).toBe(0);
      expect(performance.now() - started).toBeLessThan(5000);
    } finally {
      await own.dispose();
    }
  });
});
