/**
 * What the hand-written request decoders (`work-request-decoding.ts`, `produce-request-decoding.ts`)
 * share: a reader that throws at anything not plain (a varint longer than 32 bits, a string holding
 * U+FFFD, which may be invalid UTF-8, a length past the end), and the wrapper that turns that throw
 * into `undefined`, for the strict generic decoder (`request-decoding.ts`) to decide.
 */

import { INT32_MAX } from '@qtasks/proto';

/** Thrown inside the decoder when the message is not one it takes; never escapes it. */
const NOT_PLAIN = Symbol('not plain');

/** Reads varints, strings and bytes out of one message, throwing what {@link decodePlain} catches at anything not plain. */
export class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  /** A varint of at most 32 bits (5 bytes). */
  varint32(): number {
    const { buf } = this;
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= buf.length) throw NOT_PLAIN;
      const byte = buf[this.pos++]!;
      value |= (byte & 0x7f) << shift;
      if (byte < 0x80) return shift === 28 && byte > 0x0f ? fail() : value >>> 0;
    }
    return fail();
  }

  /** A non-negative `int32` (a negative one takes ten bytes: not plain). */
  int32(): number {
    const value = this.varint32();
    return value > INT32_MAX ? fail() : value;
  }

  /** The end of a length-delimited field that starts here, its length read. */
  end(): number {
    const length = this.varint32();
    const end = this.pos + length;
    if (end > this.buf.length) throw NOT_PLAIN;
    return end;
  }

  /** A string field's value: text without U+FFFD only. */
  string(): string {
    const end = this.end();
    const text = this.buf.toString('utf8', this.pos, end);
    if (text.includes('\ufffd')) throw NOT_PLAIN;
    this.pos = end;
    return text;
  }

  /** A bytes field's value, copied out of the message (as the generated decoder copies it). */
  bytes(): Buffer {
    const end = this.end();
    const bytes = Buffer.from(this.buf.subarray(this.pos, end));
    this.pos = end;
    return bytes;
  }
}

/** Gives up on the message: it is not plain. */
export function fail(): never {
  throw NOT_PLAIN;
}

/** `read`'s message from `bytes`, or `undefined` when it is not plain. */
export function decodePlain<T>(bytes: Buffer, read: (reader: Reader) => T | undefined): T | undefined {
  try {
    return read(new Reader(bytes));
  } catch (error) {
    if (error === NOT_PLAIN) return undefined;
    throw error;
  }
}

/** A bool as the generated decoder reads it: any varint but 0 is true. */
export function readBool(reader: Reader): boolean {
  return reader.varint32() !== 0;
}

/** `value`, if the nested message ended exactly where its length said. */
export function atEnd<T>(reader: Reader, end: number, value: T): T {
  return reader.pos === end ? value : fail();
}
