import { describe, expect, it } from 'vitest';
import { SYNC_BURST_MS, SyncDuty } from './sync-duty.js';

describe('SyncDuty', () => {
  it('allows a burst of synchronous commits back to back, then only as much as the time between them', () => {
    const duty = new SyncDuty();
    let now = 0;
    let synchronous = 0;
    // Commits of 0.5 ms, each issued 0.1 ms after the last ended.
    for (let i = 0; i < 100; i++) {
      if (duty.allows(now)) {
        duty.committed(now, now + 0.5);
        synchronous++;
        now += 0.5;
      } else {
        now += 0.5; // this write went to the writer thread: the main thread was free meanwhile
      }
      now += 0.1;
    }
    // The first few ran back to back; over time they took about half of the main thread at most.
    expect(synchronous).toBeGreaterThan(SYNC_BURST_MS / 0.5);
    expect(synchronous).toBeLessThan(100);
    expect((synchronous * 0.5 - SYNC_BURST_MS) / now).toBeLessThanOrEqual(0.5);
  });

  it('an outcome right after its enqueue’s commit still commits synchronously; a steady stream does not', () => {
    const duty = new SyncDuty();
    duty.committed(0, 0.5);
    expect(duty.allows(0.8)).toBe(true);
    duty.committed(0.8, 1.3);
    let now = 1.3;
    while (duty.allows(now)) {
      duty.committed(now, now + 0.5);
      now += 0.5;
    }
    expect(now).toBeLessThan(1.3 + SYNC_BURST_MS + 1);
    // Owed time drains as the main thread is free.
    expect(duty.allows(duty.allowsFromMs)).toBe(true);
    expect(duty.allows(duty.allowsFromMs - 0.1)).toBe(false);
  });
});
