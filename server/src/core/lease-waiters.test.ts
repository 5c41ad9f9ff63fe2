import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { LeaseWaiters, type WaitOutcome } from './lease-waiters.js';

/** Readiness of `count` tasks in each of `queues`. */
const ready = (queues: string | string[], count = 1): Map<string, number> => new Map([queues].flat().map((queue) => [queue, count]));
const never = (): AbortSignal => new AbortController().signal;

/** Which of the waits have ended, after pending microtasks ran. */
async function settled(waits: Promise<WaitOutcome>[]): Promise<(WaitOutcome | 'waiting')[]> {
  const states: (WaitOutcome | 'waiting')[] = waits.map(() => 'waiting');
  waits.forEach((wait, i) => void wait.then((outcome) => (states[i] = outcome)));
  await vi.advanceTimersByTimeAsync(0);
  return states;
}

describe('LeaseWaiters', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  test('a signal wakes the waiters of that queue only', async () => {
    const waiters = new LeaseWaiters();
    const a = waiters.wait(['a'], 1, 10_000, new AbortController().signal);
    const b = waiters.wait(['b', 'c'], 1, 10_000, new AbortController().signal);
    waiters.signal(ready('c'));
    expect(await b).toBe('ready');
    vi.advanceTimersByTime(10_000);
    expect(await a).toBe('timeout');
  });

  test('the generation changes when any of the queues is signalled', () => {
    const waiters = new LeaseWaiters();
    const before = waiters.generation(['a', 'b']);
    waiters.signal(ready('x'));
    expect(waiters.generation(['a', 'b'])).toBe(before);
    waiters.signal(ready('b'));
    expect(waiters.generation(['a', 'b'])).not.toBe(before);
  });

  test('an abort ends the wait and unregisters it', async () => {
    const waiters = new LeaseWaiters();
    const controller = new AbortController();
    const waiting = waiters.wait(['a'], 1, 10_000, controller.signal);
    controller.abort();
    expect(await waiting).toBe('aborted');
    expect(await waiters.wait(['a'], 1, 10_000, controller.signal)).toBe('aborted');
    expect(vi.getTimerCount()).toBe(0);
  });

  test('close wakes every waiter and refuses new waits', async () => {
    const waiters = new LeaseWaiters();
    const waiting = [waiters.wait(['a'], 1, 10_000, new AbortController().signal), waiters.wait(['a', 'b'], 1, 10_000, new AbortController().signal)];
    waiters.close();
    expect(await Promise.all(waiting)).toEqual(['closed', 'closed']);
    expect(await waiters.wait(['a'], 1, 10_000, new AbortController().signal)).toBe('closed');
    expect(vi.getTimerCount()).toBe(0);
  });

  test('a signal wakes only as many waiters as the ready tasks need, the longest-parked first', async () => {
    const waiters = new LeaseWaiters();
    const waits = [1, 1, 1, 1].map(() => waiters.wait(['a'], 1, 10_000, never()));
    waiters.signal(ready('a', 2));
    expect(await settled(waits)).toEqual(['ready', 'ready', 'waiting', 'waiting']);
    expect(waiters.parked).toBe(2);
  });

  test("a waiter's maxTasks covers that many of the ready tasks", async () => {
    const waiters = new LeaseWaiters();
    const waits = [waiters.wait(['a'], 10, 10_000, never()), waiters.wait(['a'], 10, 10_000, never())];
    waiters.signal(ready('a', 10));
    expect(await settled(waits)).toEqual(['ready', 'waiting']);
    waiters.signal(ready('a', 11));
    expect(await settled(waits)).toEqual(['ready', 'ready']);
  });

  test('passOn wakes one more waiter of each queue', async () => {
    const waiters = new LeaseWaiters();
    const waits = [waiters.wait(['a'], 1, 10_000, never()), waiters.wait(['a'], 1, 10_000, never()), waiters.wait(['b'], 1, 10_000, never())];
    waiters.passOn(['a', 'b']);
    expect(await settled(waits)).toEqual(['ready', 'waiting', 'ready']);
  });

  test('with 5,000 parked, a signal of one task wakes one', async () => {
    const waiters = new LeaseWaiters();
    const waits = Array.from({ length: 5000 }, () => waiters.wait(['a'], 1000, 10_000, never()));
    waiters.signal(ready('a', 1));
    expect((await settled(waits)).filter((state) => state === 'ready')).toHaveLength(1);
    waiters.close();
  });

  test('a hand-over signal runs the takes of the waiters it wakes, synchronously, once all have woken', async () => {
    const waiters = new LeaseWaiters();
    const took: string[] = [];
    const waits = [
      waiters.wait(['a'], 1, 10_000, never(), () => took.push(`first, ${waiters.parked} parked`)),
      waiters.wait(['a'], 1, 10_000, never(), () => took.push('second')),
      waiters.wait(['a'], 1, 10_000, never(), () => took.push('third')),
    ];
    waiters.signal(ready('a', 2), true);
    // Before any microtask: both woken waiters had left the set when the first take ran.
    expect(took).toEqual(['first, 1 parked', 'second']);
    expect(await settled(waits)).toEqual(['ready', 'ready', 'waiting']);
    waiters.signal(ready('a'));
    expect(took).toHaveLength(2); // a plain signal only wakes
    expect(await settled(waits)).toEqual(['ready', 'ready', 'ready']);
  });

  test("a signal for the takers only (tasks not in line yet) wakes none of the others, nor moves the queue's generation", async () => {
    const waiters = new LeaseWaiters();
    const took: string[] = [];
    const waits = [waiters.wait(['a'], 1, 10_000, never()), waiters.wait(['a'], 1, 10_000, never(), () => took.push('taker'))];
    const generation = waiters.generation(['a']);
    waiters.signal(ready('a', 1), 'takers');
    expect(took).toEqual(['taker']);
    expect(await settled(waits)).toEqual(['waiting', 'ready']);
    expect(waiters.generation(['a'])).toBe(generation);
    // At the commit, the plain signal wakes the other.
    waiters.signal(ready('a', 1));
    expect(await settled(waits)).toEqual(['ready', 'ready']);
    expect(waiters.generation(['a'])).not.toBe(generation);
  });
});
