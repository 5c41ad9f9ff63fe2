/** The worker's heartbeats: one call renews every lease, deadlines land on the monotonic clock, beats never pile up. */
import type { HeartbeatResponse, HeartbeatResult } from '@qtasks/proto';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { Heartbeats, monotonicDeadline, type HeartbeatHost, type RenewedLease } from './heartbeats.js';

const LEASE_MS = 3000; // a beat every 1000 ms

function lease(taskId: string): RenewedLease {
  return { taskId, leaseToken: `${taskId}-token`, leaseDeadlineMs: 0 };
}

/** Heartbeats over `leases`, whose calls are answered by `reply`; records what was sent and heard. */
function heartbeatsOver(leases: RenewedLease[], reply: (taskIds: string[]) => Promise<HeartbeatResponse>) {
  const sent: string[][] = [];
  const heard: [string, HeartbeatResult][] = [];
  const host: HeartbeatHost<RenewedLease> = {
    leaseMs: () => LEASE_MS,
    leases: () => leases,
    send: (request) => {
      const taskIds = (request.items ?? []).map((item) => item.taskId!);
      sent.push(taskIds);
      return reply(taskIds);
    },
    answered: (renewed, result) => void heard.push([renewed.taskId, result]),
    failed: () => undefined,
  };
  return { heartbeats: new Heartbeats(host), sent, heard };
}

const ok = (taskId: string, leaseDeadline: Date): HeartbeatResult => ({ taskId, ok: true, cancelRequested: false, leaseDeadline, reason: '' });
const refused = (taskId: string): HeartbeatResult => ({ taskId, ok: false, cancelRequested: false, leaseDeadline: undefined, reason: 'stale token' });

describe('beats', () => {
  beforeEach(() => void vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] }));
  afterEach(() => void vi.useRealTimers());

  test('one call every third of the lease renews every lease; a refused one keeps its deadline', async () => {
    const [a, b] = [lease('a'), lease('b')];
    const { heartbeats, sent, heard } = heartbeatsOver([a, b], async () => ({ results: [ok('a', new Date(Date.now() + 2000)), refused('b')] }));
    heartbeats.start();
    await vi.advanceTimersByTimeAsync(999);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    heartbeats.stop();

    expect(sent).toEqual([['a', 'b']]);
    expect(heard.map(([taskId, result]) => [taskId, result.ok])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    // 2000 ms left on the broker's clock, counted from now on the monotonic clock.
    expect(a.leaseDeadlineMs - performance.now()).toBeGreaterThan(1900);
    expect(a.leaseDeadlineMs - performance.now()).toBeLessThanOrEqual(2000);
    expect(b.leaseDeadlineMs).toBe(0);
  });

  test('a beat still waiting on the broker is not joined by another, and stop() ends the beats', async () => {
    let answer!: (response: HeartbeatResponse) => void;
    const { heartbeats, sent } = heartbeatsOver([lease('a')], () => new Promise((resolve) => (answer = resolve)));
    heartbeats.start();
    await vi.advanceTimersByTimeAsync(3000);
    expect(sent).toHaveLength(1); // three ticks, one call in flight

    answer({ results: [refused('a')] });
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent).toHaveLength(2); // answered: the next tick beats again

    heartbeats.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(sent).toHaveLength(2);
  });

  test('no call while there is no lease to renew', async () => {
    const { heartbeats, sent } = heartbeatsOver([], async () => ({ results: [] }));
    heartbeats.start();
    await vi.advanceTimersByTimeAsync(5000);
    heartbeats.stop();
    expect(sent).toEqual([]);
  });
});

describe('monotonicDeadline', () => {
  test('keeps the time left on the broker deadline, not the wall-clock instant', () => {
    const deadline = monotonicDeadline(new Date(Date.now() + 5000), LEASE_MS) - performance.now();
    expect(deadline).toBeGreaterThan(4900);
    expect(deadline).toBeLessThanOrEqual(5000);
  });

  test('without a deadline from the broker, the lease asked for', () => {
    const deadline = monotonicDeadline(undefined, LEASE_MS) - performance.now();
    expect(deadline).toBeGreaterThan(LEASE_MS - 100);
    expect(deadline).toBeLessThanOrEqual(LEASE_MS);
  });
});
