/**
 * The worker's side of a Work stream, over a fake stream: the outcomes of one turn go in one
 * request that carries the credit of that turn, answers find their requests by `request_id`, and
 * a stream that ends leaves no request waiting.
 */
import type { DeepPartial, WorkRequest, WorkResponse } from '@qtasks/proto';
import { describe, expect, test } from 'vitest';
import { WorkSession, WorkStreamEndedError } from './work-session.js';
import { WorkerReports } from './worker-reports.js';
import type { BrokerConnection } from './connection.js';

/** A fake stream: what the worker sent, and the broker's side to answer, end or fail it with. */
function fakeStream(answerTimeoutMs = 10_000) {
  const sent: DeepPartial<WorkRequest>[] = [];
  const replies: WorkResponse[] = [];
  let wake: (() => void) | undefined;
  let over: { error?: unknown } | undefined;
  let sentWaiter: { count: number; resolve(): void } | undefined;
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };
  let features: ((features: readonly string[]) => void) | undefined;
  const session = new WorkSession(
    (requests, _signal, onFeatures) => {
      features = onFeatures;
      void (async () => {
        for await (const request of requests) {
          sent.push(request);
          if (sentWaiter && sent.length >= sentWaiter.count) sentWaiter.resolve();
        }
      })();
      return (async function* () {
        for (;;) {
          while (replies.length > 0) yield replies.shift()!;
          if (over) {
            if (over.error) throw over.error;
            return;
          }
          await new Promise<void>((resolve) => (wake = resolve));
        }
      })();
    },
    { workerId: 'w', queues: ['q'] },
    3,
    100,
    answerTimeoutMs,
  );
  // The worker reads the pushes all along; this one keeps what is not an answer.
  const pushed: WorkResponse[] = [];
  const reading = (async () => {
    for await (const push of session.pushes) pushed.push(push);
  })().catch((error: unknown) => error);
  return {
    session,
    sent,
    pushed,
    reading,
    /** Resolves once `count` requests (start included) have been sent. */
    sentCount: (count: number) => (sent.length >= count ? Promise.resolve() : new Promise<void>((resolve) => (sentWaiter = { count, resolve }))),
    /** The broker's response header: what it takes on the stream. */
    features: (list: string[]) => features!(list),
    reply(reply: DeepPartial<WorkResponse>): void {
      replies.push({ requestId: 0, ...reply } as WorkResponse);
      notify();
    },
    end(error?: unknown): void {
      over = { error };
      notify();
    },
  };
}

const completion = (taskId: string) => ({ taskId, leaseToken: `token-${taskId}`, outcome: { $case: 'success' as const, value: {} } });

describe('a Work session', () => {
  test('sends the outcomes of one turn in one complete that carries the credit of that turn', async () => {
    const stream = fakeStream();
    stream.session.want(5); // 3 granted at the start: 2 more
    const answers = ['a', 'b', 'c'].map((id) => stream.session.completions.add(completion(id)));
    await stream.sentCount(2);
    // Two more turns: a grant not taken would go alone by now.
    await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
    expect(stream.sent).toHaveLength(2);
    const [start, complete] = stream.sent;
    expect(start).toMatchObject({ kind: { $case: 'start' }, credit: 3 });
    expect(complete!.credit).toBe(2);
    expect(complete!.kind).toMatchObject({ $case: 'complete', value: { omitTasks: true, completions: ['a', 'b', 'c'].map(completion) } });
    const results = ['a', 'b', 'c'].map((taskId) => ({ taskId, accepted: taskId !== 'b', reason: taskId === 'b' ? 'stale lease' : '' }));
    stream.reply({ requestId: complete!.requestId, kind: { $case: 'complete', value: { results } } });
    expect(await Promise.all(answers)).toEqual(results);
  });

  test('sends a grant alone when nothing else goes in its turn', async () => {
    const stream = fakeStream();
    stream.session.want(4);
    stream.session.want(8);
    await stream.sentCount(2);
    expect(stream.sent[1]).toEqual({ credit: 5 });
  });

  test('to a broker without credit_limit, wanting fewer takes nothing back', async () => {
    const stream = fakeStream();
    stream.session.want(1);
    stream.session.want(4);
    await stream.sentCount(2);
    expect(stream.sent[1]).toEqual({ credit: 1 });
  });

  test('to a broker that takes credit_limit, a want is a limit on the tasks pushed in all: it rises and shrinks', async () => {
    const stream = fakeStream();
    stream.features(['credit-limit']);
    stream.session.want(5);
    await stream.sentCount(2);
    expect(stream.sent[1]).toEqual({ credit: 0, creditLimit: 5 });
    // Two tasks pushed: wanting 1 more is a limit of 3, and wanting none then takes it back to 2.
    stream.session.took(2);
    stream.session.want(1);
    await stream.sentCount(3);
    expect(stream.sent[2]).toEqual({ credit: 0, creditLimit: 3 });
    stream.session.want(0);
    await stream.sentCount(4);
    expect(stream.sent[3]).toEqual({ credit: 0, creditLimit: 2 });
    // The same limit again sends nothing.
    stream.session.want(0);
    await new Promise((resolve) => setImmediate(() => setImmediate(() => setImmediate(resolve))));
    expect(stream.sent).toHaveLength(4);
  });

  test('matches answers to requests by request_id, in whatever order they come', async () => {
    const stream = fakeStream();
    const done = stream.session.completions.add(completion('a'));
    const beat = stream.session.heartbeat({ items: [{ taskId: 'a', leaseToken: 'token-a' }] });
    await stream.sentCount(3);
    const complete = stream.sent.find((request) => request.kind?.$case === 'complete')!;
    const heartbeat = stream.sent.find((request) => request.kind?.$case === 'heartbeat')!;
    expect(complete.requestId).not.toBe(heartbeat.requestId);
    stream.reply({ requestId: heartbeat.requestId, kind: { $case: 'heartbeat', value: { results: [{ taskId: 'a', ok: true }] } } });
    stream.reply({ kind: { $case: 'cancel', value: { tasks: [{ taskId: 'a', reason: '' }] } } });
    stream.reply({ requestId: complete.requestId, kind: { $case: 'complete', value: { results: [{ taskId: 'a', accepted: true }] } } });
    expect((await beat).results[0]).toMatchObject({ taskId: 'a', ok: true });
    expect(await done).toMatchObject({ taskId: 'a', accepted: true });
    // Only what the broker pushes on its own reaches the worker's loop.
    await new Promise((resolve) => setImmediate(resolve));
    expect(stream.pushed.map((push) => push.kind?.$case)).toEqual(['cancel']);
  });

  test('fails the requests still unanswered when the stream fails, and refuses new ones', async () => {
    const stream = fakeStream();
    const done = stream.session.completions.add(completion('a'));
    await stream.sentCount(2);
    stream.end(new Error('connection reset'));
    await expect(done).rejects.toBeInstanceOf(WorkStreamEndedError);
    expect(await stream.reading).toBeInstanceOf(Error);
    expect(stream.session.open).toBe(false);
    await expect(stream.session.heartbeat({ items: [] })).rejects.toBeInstanceOf(WorkStreamEndedError);
  });

  test('fails a request left unanswered past its deadline', async () => {
    const stream = fakeStream(20);
    await expect(stream.session.heartbeat({ items: [] })).rejects.toBeInstanceOf(WorkStreamEndedError);
    expect(stream.session.open).toBe(true); // the stream itself goes on
  });
});

describe("a worker's reports", () => {
  /** Reports over `session`, with a unary route that records what it is given. */
  function reportsOver(session: WorkSession | undefined) {
    const unary: unknown[] = [];
    const connection = {
      completions: { add: async (item: unknown) => (unary.push(item), { taskId: 'a', accepted: true, reason: '' }) },
    } as unknown as BrokerConnection;
    return { reports: new WorkerReports(() => connection, () => session), unary };
  }

  test('go unary when the stream ends before answering', async () => {
    const stream = fakeStream();
    const { reports, unary } = reportsOver(stream.session);
    const done = reports.complete(completion('a'));
    await stream.sentCount(2);
    stream.end();
    expect(await done).toMatchObject({ accepted: true });
    expect(unary).toEqual([completion('a')]);
  });

  test('go unary when no stream is open', async () => {
    const { reports, unary } = reportsOver(undefined);
    await reports.complete(completion('a'));
    expect(unary).toHaveLength(1);
  });

  test("take the stream's answer, a refusal included, and send nothing unary", async () => {
    const stream = fakeStream();
    const { reports, unary } = reportsOver(stream.session);
    const done = reports.complete(completion('a'));
    await stream.sentCount(2);
    stream.reply({ requestId: stream.sent[1]!.requestId, kind: { $case: 'complete', value: { results: [{ taskId: 'a', accepted: false, reason: 'stale lease' }] } } });
    expect(await done).toMatchObject({ accepted: false, reason: 'stale lease' });
    expect(unary).toEqual([]);
  });
});
