/** The msgpack reader reads what msgpackr reads, and leaves to msgpackr what it does not read. */
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, test } from 'vitest';
import { NOT_READ, readMsgpack } from './msgpack-reader.js';
import { msgpackValue } from './msgpack-values.fixture.js';
import { encodeMsgpack } from './msgpack-writer.js';
import { RecordEncoder } from './record-codec.js';

const msgpackr = new Packr({ useRecords: false, copyBuffers: true });

describe('readMsgpack', () => {
  test('reads what msgpackr reads, for random values our writer wrote', () => {
    let read = 0;
    fc.assert(
      fc.property(msgpackValue, fc.uint8Array({ maxLength: 8 }), (value, trailing) => {
        const bytes = Buffer.from(encodeMsgpack(value));
        // What lmdb-js hands over: the value at the start of a larger shared buffer.
        const shared = Buffer.concat([bytes, trailing]);
        const ours = readMsgpack(shared, bytes.length);
        if (ours === NOT_READ) return;
        read++;
        expect(ours).toStrictEqual(msgpackr.unpack(bytes));
      }),
      { numRuns: 2000 },
    );
    // Only 64-bit integers are left to msgpackr, and the writer uses those for a few of the integers drawn.
    expect(read).toBeGreaterThan(1500);
  });

  test('copies bins out of the buffer it reads, which lmdb-js reuses', () => {
    const bytes = Buffer.from(encodeMsgpack([Buffer.from('payload')]));
    const value = readMsgpack(bytes) as Buffer[];
    bytes.fill(0);
    expect(value[0]!.toString()).toBe('payload');
  });

  test('reads a key __proto__ as msgpackr does, without touching the prototype', () => {
    const bytes = Buffer.from(encodeMsgpack({ ['__proto__']: 'x', a: 1 }));
    const value = readMsgpack(bytes) as Record<string, unknown>;
    expect(value).toStrictEqual(msgpackr.unpack(bytes));
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  test('leaves to msgpackr: 64-bit integers, extensions, records with shared structures, cut or trailing bytes', () => {
    const withRecords = new Packr({ useRecords: true, structures: [] });
    for (const bytes of [
      Buffer.from(msgpackr.pack(2n ** 60n)),
      Buffer.from([0xd4, 0x01, 0x00]),
      Buffer.from(withRecords.pack({ a: 1, b: 2 })),
      Buffer.from(encodeMsgpack(['abc', 1])).subarray(0, 3),
      Buffer.concat([Buffer.from(encodeMsgpack(1)), Buffer.from([1])]),
    ]) {
      expect(readMsgpack(bytes)).toBe(NOT_READ);
    }
  });

  test('a record read back by the store codec: a row or an older broker\'s map by this reader, anything else by msgpackr', () => {
    const codec = new RecordEncoder();
    const row = [1, 'id-1', 'send_email', 'emails', 0, Buffer.from('["x"]'), Buffer.from('{}'), 'new'];
    const read = (bytes: Uint8Array) => {
      const record = codec.decode(Buffer.from(bytes));
      return [record.id, record.name, record.queue, record.status, record.args.toString()];
    };
    const expected = ['id-1', 'send_email', 'emails', 'new', '["x"]'];
    expect(read(encodeMsgpack(row))).toEqual(expected);
    expect(read(msgpackr.pack({ id: 'id-1', name: 'send_email', queue: 'emails', status: 'new', args: Buffer.from('["x"]') }))).toEqual(expected);
    // A 64-bit integer (a priority no broker writes) sends the whole record to msgpackr.
    const withLongInteger = Buffer.from(msgpackr.pack([...row.slice(0, 4), 2n ** 60n, ...row.slice(5)]));
    expect(readMsgpack(withLongInteger)).toBe(NOT_READ);
    expect(read(withLongInteger)).toEqual(expected);
  });
});
