/** The batcher's resend of batches refused by an overloaded broker, and the wait it takes. */
import { Status } from 'nice-grpc';
import { describe, expect, test } from 'vitest';
import { Batcher } from './batcher.js';
import { MAX_OVERLOAD_RESENDS, overloadRetryDelayMs } from './connection.js';
import { BrokerCallError } from './errors.js';

const overloaded = (retryAfterMs: number): BrokerCallError =>
  new BrokerCallError(Status.RESOURCE_EXHAUSTED, `the broker is overloaded; retry in ${retryAfterMs} ms`, 'Enqueue', { retryAfterMs });

/** A batcher over a fake RPC that fails with `failures[i]` on its i-th call, then doubles each item. */
function batcherFailing(failures: unknown[], maxRetries = MAX_OVERLOAD_RESENDS) {
  const sent: number[][] = [];
  const batcher = new Batcher<number, number>({
    maxBatch: 100,
    send: async (items) => {
      sent.push(items);
      const failure = failures[sent.length - 1];
      if (failure) throw failure;
      return items.map((item) => item * 2);
    },
    retryDelayMs: overloadRetryDelayMs,
    maxRetries,
  });
  return { batcher, sent };
}

describe('a batch refused for overload', () => {
  test('is sent again after the hint, and every caller gets its answer', async () => {
    const { batcher, sent } = batcherFailing([overloaded(5), overloaded(5)]);
    const answers = await Promise.all([1, 2, 3].map((item) => batcher.add(item)));
    expect(answers).toEqual([2, 4, 6]);
    expect(sent).toEqual([[1, 2, 3], [1, 2, 3], [1, 2, 3]]);
    expect(batcher.retryCount).toBe(2);
  });

  test('fails its callers once the resends run out', async () => {
    const { batcher, sent } = batcherFailing([overloaded(1), overloaded(1), overloaded(1)], 2);
    const results = await Promise.allSettled([1, 2].map((item) => batcher.add(item)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ code: Status.RESOURCE_EXHAUSTED, retryAfterMs: 1 });
    expect(sent).toHaveLength(3);
  });

  test('any other error still fails the callers at once', async () => {
    const tooBig = new BrokerCallError(Status.RESOURCE_EXHAUSTED, 'tasks: 20000 items, over the limit of 10000', 'Enqueue');
    const down = new BrokerCallError(Status.UNAVAILABLE, 'the broker is shutting down', 'Enqueue');
    for (const error of [tooBig, down, new Error('boom')]) {
      const { batcher, sent } = batcherFailing([error]);
      await expect(batcher.add(1)).rejects.toBe(error);
      expect(sent).toHaveLength(1);
    }
  });
});

describe('overloadRetryDelayMs', () => {
  test('waits the hint plus up to half again, doubling per refusal, at most 7.5 s', () => {
    for (let i = 0; i < 200; i++) {
      const first = overloadRetryDelayMs(overloaded(40), 0)!;
      expect(first).toBeGreaterThanOrEqual(40);
      expect(first).toBeLessThanOrEqual(60);
      const third = overloadRetryDelayMs(overloaded(40), 2)!;
      expect(third).toBeGreaterThanOrEqual(160);
      expect(third).toBeLessThanOrEqual(240);
      expect(overloadRetryDelayMs(overloaded(2000), 9)!).toBeLessThanOrEqual(7500);
    }
  });

  test('is undefined without a hint', () => {
    expect(overloadRetryDelayMs(new BrokerCallError(Status.RESOURCE_EXHAUSTED, 'disk full', 'Enqueue'), 0)).toBeUndefined();
    expect(overloadRetryDelayMs(new BrokerCallError(Status.UNAVAILABLE, 'x', 'Enqueue', { retryAfterMs: 5 }), 0)).toBeUndefined();
    expect(overloadRetryDelayMs(new Error('x'), 0)).toBeUndefined();
  });
});

describe('maxInFlight', () => {
  test('items added while the cap is reached wait, then go together in one batch', async () => {
    const sent: number[][] = [];
    const answers: Array<() => void> = [];
    const batcher = new Batcher<number, number>({
      maxBatch: 100,
      maxInFlight: 1,
      send: (items) => {
        sent.push(items);
        return new Promise((resolve) => answers.push(() => resolve(items.map((item) => item * 2))));
      },
    });
    const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
    const first = batcher.add(1);
    await turn();
    expect(sent).toEqual([[1]]);
    // Three more, in three turns, while the first RPC is unanswered: none goes out yet.
    const later = [batcher.add(2)];
    await turn();
    later.push(batcher.add(3));
    await turn();
    later.push(batcher.add(4));
    await turn();
    expect(sent).toEqual([[1]]);
    answers.shift()!();
    expect(await first).toBe(2);
    await turn();
    expect(sent).toEqual([[1], [2, 3, 4]]);
    answers.shift()!();
    expect(await Promise.all(later)).toEqual([4, 6, 8]);
    await batcher.drained();
    expect(batcher.rpcCount).toBe(2);
  });

  test('one flush of more than maxInFlight × maxBatch items sends the rest as RPCs finish', async () => {
    let inFlight = 0;
    let most = 0;
    const batcher = new Batcher<number, number>({
      maxBatch: 10,
      maxInFlight: 2,
      send: async (items) => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        return items;
      },
    });
    const items = Array.from({ length: 95 }, (_, i) => i);
    expect(await Promise.all(items.map((item) => batcher.add(item)))).toEqual(items);
    await batcher.drained();
    expect(most).toBe(2);
    expect(batcher.rpcCount).toBeLessThanOrEqual(10);
  });
});

/** Lets `passes` passes of the microtask queue run, and no macrotask. */
async function microtaskPasses(passes = 10): Promise<void> {
  for (let i = 0; i < passes; i++) await Promise.resolve();
}

describe('flushSoon', () => {
  test('true: items added in one synchronous run leave once the microtasks add no more, before the turn ends', async () => {
    const sent: number[][] = [];
    const batcher = new Batcher<number, number>({ maxBatch: 100, flushSoon: () => true, send: async (items) => (sent.push(items), items.map((item) => item * 2)) });
    const added = [1, 2, 3].map((item) => batcher.add(item));
    await microtaskPasses();
    expect(sent).toEqual([[1, 2, 3]]);
    expect(await Promise.all(added)).toEqual([2, 4, 6]);
  });

  test('true: a chain of microtasks that keeps adding (runs started one by one) fills one batch, up to maxBatch', async () => {
    const sent: number[][] = [];
    const batcher = new Batcher<number, number>({ maxBatch: 8, flushSoon: () => true, send: async (items) => (sent.push(items), items) });
    const added: Promise<number>[] = [];
    // Each item first queues the next one, as a finished run starts the next held task, then is added.
    const chain = (item: number): void => {
      if (item < 12) queueMicrotask(() => chain(item + 1));
      added.push(batcher.add(item));
    };
    chain(1);
    await microtaskPasses(40);
    expect(sent).toEqual([
      [1, 2, 3, 4, 5, 6, 7, 8],
      [9, 10, 11, 12],
    ]);
    expect(await Promise.all(added)).toHaveLength(12);
  });

  test('false, or absent: a batch waits for the end of the turn, taking what later microtasks add', async () => {
    for (const flushSoon of [() => false, undefined]) {
      const sent: number[][] = [];
      const batcher = new Batcher<number, number>({ maxBatch: 100, flushSoon, send: async (items) => (sent.push(items), items) });
      const added = [batcher.add(1)];
      await microtaskPasses();
      added.push(batcher.add(2));
      await microtaskPasses();
      expect(sent).toEqual([]);
      await Promise.all(added);
      expect(sent).toEqual([[1, 2]]);
    }
  });

  test("is asked at a batch's first item only", async () => {
    let asked = 0;
    const sent: number[][] = [];
    const batcher = new Batcher<number, number>({ maxBatch: 100, flushSoon: () => (asked++, true), send: async (items) => (sent.push(items), items) });
    await Promise.all([batcher.add(1), batcher.add(2)]);
    await batcher.add(3);
    expect(asked).toBe(2);
    expect(sent).toEqual([[1, 2], [3]]);
  });
});
