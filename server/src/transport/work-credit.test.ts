/**
 * A Work stream's credit: grants add to what is left, a limit sets it (lower too), pushes use it,
 * and the counts wrap at 2^32 without a jump.
 */
import { describe, expect, test } from 'vitest';
import { InvalidArgumentError } from '../domain/errors.js';
import { Credit, MAX_OUTSTANDING_CREDIT } from './work-credit.js';

describe('Credit', () => {
  test('grants add to what is left; pushes use it', () => {
    const credit = new Credit();
    credit.grant(3);
    credit.use(2);
    credit.grant(1);
    expect(credit.left).toBe(2);
  });

  test('a limit counts every task pushed on the stream: it takes back what is not used, and a grant adds to what is left after it', () => {
    const credit = new Credit();
    credit.grant(10);
    credit.use(4);
    credit.limitTo(6); // 4 pushed, 2 more wanted: 4 of the 6 left are taken back
    expect(credit.left).toBe(2);
    credit.limitTo(3); // below what was pushed: nothing left, not a negative credit
    expect(credit.left).toBe(0);
    credit.grant(1);
    expect(credit.left).toBe(1);
    credit.limitTo(4);
    expect(credit.left).toBe(0);
  });

  test('counts wrap at 2^32: a limit just past the wrap leaves what it says', () => {
    const credit = new Credit();
    credit.use(0xffff_fff0); // as after 2^32 - 16 tasks pushed on a long-lived stream
    credit.limitTo((0xffff_fff0 + 20) >>> 0); // 4, past the wrap: 20 more
    expect(credit.left).toBe(20);
    credit.use(20);
    expect(credit.left).toBe(0);
    credit.grant(3);
    expect(credit.left).toBe(3);
    credit.limitTo(0xffff_fffe); // behind the pushed count, across the wrap: nothing left
    expect(credit.left).toBe(0);
  });

  test('a limit or a grant that would leave more than the maximum is refused, naming its field, and changes nothing', () => {
    const credit = new Credit();
    credit.grant(5);
    expect(() => credit.limitTo(MAX_OUTSTANDING_CREDIT + 1)).toThrow(InvalidArgumentError);
    expect(() => credit.limitTo(MAX_OUTSTANDING_CREDIT + 1)).toThrow(/^credit_limit: /);
    expect(() => credit.grant(MAX_OUTSTANDING_CREDIT)).toThrow(/^credit: /);
    expect(credit.left).toBe(5);
  });

  test('a waiter wakes when a limit raises what is left, and not when it lowers it', async () => {
    const credit = new Credit();
    let woke = false;
    const waiting = credit.available().then((open) => (woke = open));
    credit.limitTo(0);
    await Promise.resolve();
    expect(woke).toBe(false);
    credit.limitTo(2);
    await waiting;
    expect(woke).toBe(true);
  });
});
