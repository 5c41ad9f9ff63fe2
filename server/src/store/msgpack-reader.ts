/**
 * A msgpack reader for the values our own writer (`msgpack-writer.ts`) stores: the twin of that
 * writer, and of msgpackr's decoder for those values. A lease that is not served from memory reads
 * its task's record from disk, and msgpackr's general decoder was most of that read's time.
 *
 * It reads nil, booleans, numbers (the integer formats up to 32 bits, float32 and float64),
 * strings, bins (copied out of the buffer, which lmdb-js reuses), arrays, maps with string keys
 * (into plain objects, `__proto__` read as `__proto_` as msgpackr reads it) and msgpackr's
 * `undefined` (fixext 1 of type 0). Anything else (64-bit integers, other extensions, msgpackr's
 * records and shared structures, non-string keys) makes {@link readMsgpack} return
 * {@link NOT_READ}, and the caller decodes those bytes with msgpackr as before.
 * `msgpack-reader.test.ts` compares it with msgpackr.
 */

/** What {@link readMsgpack} returns for bytes it leaves to msgpackr. */
export const NOT_READ: unique symbol = Symbol('not read');

/** Thrown inside the reader for what it does not read; never escapes {@link readMsgpack}. */
const UNREAD = Symbol('unread');

/** The one value in `bytes[0, end)` (the whole of it), or {@link NOT_READ}. */
export function readMsgpack(bytes: Uint8Array, end = bytes.length): unknown {
  const reader = new Reader(bytes, end);
  try {
    const value = reader.value();
    return reader.at === end ? value : NOT_READ;
  } catch (error) {
    if (error === UNREAD || error instanceof RangeError) return NOT_READ;
    throw error;
  }
}

class Reader {
  at = 0;
  /** The bytes as a Buffer (lmdb-js hands one over), for its fast number and text reads. */
  private readonly buf: Buffer;

  constructor(
    bytes: Uint8Array,
    private readonly end: number,
  ) {
    this.buf = bytes instanceof Buffer ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  value(): unknown {
    if (this.at >= this.end) throw UNREAD;
    const type = this.buf[this.at++]!;
    if (type <= 0x7f) return type;
    if (type >= 0xe0) return type - 0x100;
    if (type >= 0xa0 && type <= 0xbf) return this.string(type & 0x1f);
    if (type >= 0x90 && type <= 0x9f) return this.array(type & 0x0f);
    if (type >= 0x80 && type <= 0x8f) return this.map(type & 0x0f);
    const { buf } = this;
    // Each read checks its bytes are within `end` first (`size`), then reads them.
    switch (type) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return this.bin(buf.readUInt8(this.take(1)));
      case 0xc5: return this.bin(buf.readUInt16BE(this.take(2)));
      case 0xc6: return this.bin(buf.readUInt32BE(this.take(4)));
      case 0xca: return buf.readFloatBE(this.take(4));
      case 0xcb: return buf.readDoubleBE(this.take(8));
      case 0xcc: return buf.readUInt8(this.take(1));
      case 0xcd: return buf.readUInt16BE(this.take(2));
      case 0xce: return buf.readUInt32BE(this.take(4));
      case 0xd0: return buf.readInt8(this.take(1));
      case 0xd1: return buf.readInt16BE(this.take(2));
      case 0xd2: return buf.readInt32BE(this.take(4));
      case 0xd4:
        // msgpackr's undefined: fixext 1 of type 0, then one filler byte.
        if (buf.readUInt8(this.take(2)) !== 0) throw UNREAD;
        return undefined;
      case 0xd9: return this.string(buf.readUInt8(this.take(1)));
      case 0xda: return this.string(buf.readUInt16BE(this.take(2)));
      case 0xdb: return this.string(buf.readUInt32BE(this.take(4)));
      case 0xdc: return this.array(buf.readUInt16BE(this.take(2)));
      case 0xdd: return this.array(buf.readUInt32BE(this.take(4)));
      case 0xde: return this.map(buf.readUInt16BE(this.take(2)));
      case 0xdf: return this.map(buf.readUInt32BE(this.take(4)));
      default:
        throw UNREAD;
    }
  }

  /** Moves past the next `size` bytes, if they are within `end`; where they start. */
  private take(size: number): number {
    const start = this.at;
    this.at += size;
    if (this.at > this.end) throw UNREAD;
    return start;
  }

  private string(length: number): string {
    const start = this.take(length);
    return this.buf.toString('utf8', start, start + length);
  }

  private bin(length: number): Buffer {
    const start = this.take(length);
    return Buffer.from(this.buf.subarray(start, start + length));
  }

  private array(length: number): unknown[] {
    const items = new Array<unknown>(length);
    for (let i = 0; i < length; i++) items[i] = this.value();
    return items;
  }

  private map(length: number): Record<string, unknown> {
    const object: Record<string, unknown> = {};
    for (let i = 0; i < length; i++) {
      const key = this.value();
      if (typeof key !== 'string') throw UNREAD;
      object[key === '__proto__' ? '__proto_' : key] = this.value();
    }
    return object;
  }
}
