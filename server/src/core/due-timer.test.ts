import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { DueTimer } from './due-timer.js';

describe('DueTimer', () => {
  beforeEach(() => void vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => void vi.useRealTimers());

  test('fires once at the target time, not before', () => {
    const onDue = vi.fn();
    const timer = new DueTimer(onDue);
    timer.aim(Date.now() + 500);
    vi.advanceTimersByTime(499);
    expect(onDue).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onDue).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10_000);
    expect(onDue).toHaveBeenCalledTimes(1);
  });

  test('aimNoLaterThan pulls the timer earlier but never pushes it later', () => {
    const onDue = vi.fn();
    const timer = new DueTimer(onDue);
    timer.aim(Date.now() + 1000);
    timer.aimNoLaterThan(Date.now() + 5000);
    timer.aimNoLaterThan(Date.now() + 200);
    vi.advanceTimersByTime(200);
    expect(onDue).toHaveBeenCalledTimes(1);
  });

  test('a time in the past fires at once; nothing to aim at sleeps until told', () => {
    const onDue = vi.fn();
    const timer = new DueTimer(onDue);
    timer.aim(undefined);
    expect(vi.getTimerCount()).toBe(0);
    timer.aim(Date.now() - 50);
    vi.advanceTimersByTime(0);
    expect(onDue).toHaveBeenCalledTimes(1);
  });

  test('a target beyond the setTimeout limit is reached in several sleeps', () => {
    const onDue = vi.fn();
    const timer = new DueTimer(onDue);
    const farMs = 2 ** 31 + 10_000;
    timer.aim(Date.now() + farMs);
    vi.advanceTimersByTime(2 ** 31 - 1);
    expect(onDue).not.toHaveBeenCalled();
    vi.advanceTimersByTime(farMs - (2 ** 31 - 1));
    expect(onDue).toHaveBeenCalledTimes(1);
  });

  test('stop cancels it for good', () => {
    const onDue = vi.fn();
    const timer = new DueTimer(onDue);
    timer.aim(Date.now() + 100);
    timer.stop();
    timer.aimNoLaterThan(Date.now() + 10);
    vi.advanceTimersByTime(1000);
    expect(onDue).not.toHaveBeenCalled();
  });
});
