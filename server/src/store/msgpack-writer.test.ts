/**
 * The msgpack writer writes the very bytes msgpackr writes (with `useRecords: false`, as the
 * store's records are encoded), for random values of every type a record holds, at every size
 * boundary of the format, and for a whole record as a row.
 */
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, test } from 'vitest';
import { msgpackValue as value } from './msgpack-values.fixture.js';
import { encodeMsgpack } from './msgpack-writer.js';

const msgpackr = new Packr({ useRecords: false, copyBuffers: true });
const same = (value: unknown): void => expect(Buffer.from(encodeMsgpack(value)).toString('hex')).toBe(Buffer.from(msgpackr.pack(value)).toString('hex'));

describe('encodeMsgpack', () => {
  test('writes what msgpackr writes, for random values', () => {
    fc.assert(
      fc.property(value, (v) => {
        same(v);
      }),
      { numRuns: 2000 },
    );
  });

  test('at every size boundary of the format', () => {
    for (const length of [0, 15, 16, 31, 32, 255, 256, 65535, 65536]) {
      same('x'.repeat(length));
      same('é'.repeat(Math.ceil(length / 2)));
      same(Buffer.alloc(length, 1));
      if (length <= 65536) same(Array.from({ length }, (_, i) => i % 3));
    }
    for (const number of [0, -0, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, 0.5, NaN, Infinity, -Infinity, 1_796_301_834_607]) {
      same(number);
    }
    same(Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`k${i}`, i])));
  });

  test('a record row', () => {
    same([
      1, '0190b4c8-5d5e-7c3a-9f00-1234567890ab', 'send_email', 'emails', 0, Buffer.from('["x"]'), Buffer.from('{}'), 'new', 0, 0,
      { initialMs: 1000, multiplier: 2, maxMs: 100_000 }, 0, 1_796_301_834_607, 1_796_301_834_607, 1_796_301_834_607, false, 12_345, false, ['t'],
      { tenant: 'ächt' }, 1, undefined, undefined, undefined, { type: 'E', message: 'boom', traceback: 'tb' }, undefined, 'w-1',
      { token: 'tok', deadlineMs: 123.5, leaseMs: 30_000 }, undefined, undefined, undefined, undefined, [], 0,
    ]);
  });
});
