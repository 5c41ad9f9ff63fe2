import { describe, expect, it } from 'vitest';
import { Pace } from './pace.js';

describe('Pace', () => {
  it('knows nothing until a window of finished tasks has passed', () => {
    let now = 0;
    const pace = new Pace(() => now);
    for (let i = 0; i < 100; i++) pace.finished();
    expect(pace.tasksIn(5)).toBe(0);
    now = 25;
    pace.finished();
    // 101 tasks in 25 ms, half-weighted against the zero before: ~2 per ms, ~10 in 5 ms.
    expect(pace.tasksIn(5)).toBe(10);
  });

  it('follows a pace that changes: fast tasks, then slow ones', () => {
    let now = 0;
    const pace = new Pace(() => now);
    for (let window = 0; window < 10; window++) {
      for (let i = 0; i < 200; i++) pace.finished();
      now += 20;
      pace.finished();
    }
    expect(pace.tasksIn(5)).toBeGreaterThanOrEqual(45); // ~10 per ms
    now += 100;
    expect(pace.tasksIn(5), 'a long window with no finish: the pace drops at once').toBe(0);
    for (let window = 0; window < 10; window++) {
      now += 1000;
      pace.finished();
    }
    expect(pace.tasksIn(5)).toBe(0); // one per second: the floor (prefetchTasks) rules
  });
});
