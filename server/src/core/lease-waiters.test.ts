import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { LeaseWaiters } from './lease-waiters.js';

describe('LeaseWaiters', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  test('a signal wakes the waiters of that queue only', async () => {
    const waiters = new LeaseWaiters();
    const a = waiters.wait(['a'], 10_000, new AbortController().signal);
    const b = waiters.wait(['b', 'c'], 10_000, new AbortController().signal);
    waiters.signal(['c']);
    expect(await b).toBe('ready');
    vi.advanceTimersByTime(10_000);
    expect(await a).toBe('timeout');
  });

  test('the generation changes when any of the queues is signalled', () => {
    const waiters = new LeaseWaiters();
    const before = waiters.generation(['a', 'b']);
    waiters.signal(['x']);
    expect(waiters.generation(['a', 'b'])).toBe(before);
    waiters.signal(['b']);
    expect(waiters.generation(['a', 'b'])).not.toBe(before);
  });

  test('an abort ends the wait and unregisters it', async () => {
    const waiters = new LeaseWaiters();
    const controller = new AbortController();
    const waiting = waiters.wait(['a'], 10_000, controller.signal);
    controller.abort();
    expect(await waiting).toBe('aborted');
    expect(await waiters.wait(['a'], 10_000, controller.signal)).toBe('aborted');
    expect(vi.getTimerCount()).toBe(0);
  });

  test('close wakes every waiter and refuses new waits', async () => {
    const waiters = new LeaseWaiters();
    const waiting = [waiters.wait(['a'], 10_000, new AbortController().signal), waiters.wait(['a', 'b'], 10_000, new AbortController().signal)];
    waiters.close();
    expect(await Promise.all(waiting)).toEqual(['closed', 'closed']);
    expect(await waiters.wait(['a'], 10_000, new AbortController().signal)).toBe('closed');
    expect(vi.getTimerCount()).toBe(0);
  });
});
