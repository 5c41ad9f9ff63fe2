import { describe, expect, test } from 'vitest';
import { UnsentReplies } from './unsent-replies.js';

describe('UnsentReplies', () => {
  test('a connection with nothing unsent always proceeds; one with bytes unsent waits past the budget until bytes are taken', () => {
    const unsent = new UnsentReplies(100);
    const releaseA = unsent.charge('a', 150);
    const order: string[] = [];
    // Over the budget, but b has nothing unsent: a reader is never held up by a non-reader.
    unsent.whenRoom('b', () => order.push('b'));
    unsent.whenRoom('a', () => order.push('a'));
    expect(order).toEqual(['b']);
    expect(unsent.waitingReplies).toBe(1);
    releaseA();
    releaseA(); // twice is once
    expect(order).toEqual(['b', 'a']);
    expect(unsent.bytes).toBe(0);
    expect(unsent.waitingReplies).toBe(0);
  });

  test('a wait given up is never run', () => {
    const unsent = new UnsentReplies(10);
    const release = unsent.charge('a', 20);
    let ran = false;
    const cancel = unsent.whenRoom('a', () => (ran = true));
    cancel();
    release();
    expect(ran).toBe(false);
  });

  test('waiters are woken in order, each seeing the bytes the earlier ones charged', () => {
    const unsent = new UnsentReplies(100);
    const first = unsent.charge('a', 200);
    const woken: string[] = [];
    for (const name of ['x', 'y']) {
      unsent.charge(name, 1);
      unsent.whenRoom(name, () => {
        woken.push(name);
        unsent.charge(name, 150);
      });
    }
    first();
    // x proceeds and charges 150: the budget is full again, so y keeps waiting.
    expect(woken).toEqual(['x']);
  });
});
