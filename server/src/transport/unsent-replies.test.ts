import { describe, expect, test } from 'vitest';
import { UnsentReplies } from './unsent-replies.js';

/** Sends `bytes` on `connection` at once (there must be room); returns the release. */
function sent(unsent: UnsentReplies, connection: string, bytes: number): () => void {
  let release: (() => void) | undefined;
  unsent.send(connection, bytes, (r) => (release = r));
  if (!release) throw new Error('no room');
  return release;
}

describe('UnsentReplies', () => {
  test('a connection with nothing unsent proceeds past the budget; one with bytes unsent waits until they are taken', () => {
    const unsent = new UnsentReplies({ maxBytes: 100 });
    const releaseA = sent(unsent, 'a', 150);
    const order: string[] = [];
    unsent.send('b', 10, () => order.push('b'));
    unsent.send('a', 10, () => order.push('a'));
    expect(order).toEqual(['b']);
    expect(unsent.waitingReplies).toBe(1);
    releaseA();
    releaseA(); // twice is once
    expect(order).toEqual(['b', 'a']);
    expect(unsent.waitingReplies).toBe(0);
  });

  test('calls let through count provisionally, so a burst on one connection is cut at the budget', () => {
    const unsent = new UnsentReplies({ maxBytes: 10, provisionalBytes: 4, exemptCalls: 2 });
    const admitted: (() => void)[] = [];
    for (let i = 0; i < 10; i++) unsent.admit('a', (release) => admitted.push(release));
    // 4 + 4 + 4 = 12 ≥ 10 after three; the exemption (no bytes unsent, under 2 calls) is spent.
    expect(admitted).toHaveLength(3);
    expect(unsent.waitingReplies).toBe(7);
    // Another connection is exempt: nothing unsent and no call let through yet.
    let other = false;
    unsent.admit('b', () => (other = true));
    expect(other).toBe(true);
    admitted[0]!();
    expect(admitted).toHaveLength(3); // b's call still counts: 4 + 4 + 4 ≥ 10
  });

  test('a wait given up is never run', () => {
    const unsent = new UnsentReplies({ maxBytes: 10 });
    const release = sent(unsent, 'a', 20);
    let ran = false;
    const cancel = unsent.send('a', 1, () => (ran = true));
    cancel();
    release();
    expect(ran).toBe(false);
    expect(unsent.bytes).toBe(0);
  });

  test('a waiting reply goes before a waiting call of the same connection', () => {
    const unsent = new UnsentReplies({ maxBytes: 10, provisionalBytes: 5 });
    const release = sent(unsent, 'a', 20);
    const order: string[] = [];
    unsent.admit('a', () => order.push('call'));
    unsent.send('a', 1, () => order.push('reply'));
    release();
    expect(order).toEqual(['reply', 'call']);
  });
});
