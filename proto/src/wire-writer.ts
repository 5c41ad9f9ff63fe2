/**
 * A protobuf writer for the hand-written encoders of the hot paths (the broker's pushes and
 * replies, the SDK's task and outcome batches). It writes the bytes the generated encoders write,
 * into one buffer that grows by doubling, where `@bufbuild/protobuf`'s `BinaryWriter` keeps a list
 * of chunks, a stack of forks and a `TextEncoder` call per string, and copies them all at
 * `finish`. Each encoder has a test comparing its bytes with the generated encoder's.
 *
 * Field methods take the field's tag (field number << 3 | wire type), as the generated code
 * writes it, and leave out a field holding its default (proto3): an empty string or bytes, 0, false
 * (and `undefined` or `null`, which `fromPartial` reads as the default). Values are checked as
 * the generated encoders check them: a number that is not an integer of the field's range throws
 * (`invalid int32: 5000000000`, in their words), and a string field's value that is not a string
 * is written as its `String()`.
 */

/** The range of the contract's `int32` fields (a priority, a delay in ms). */
export const INT32_MAX = 0x7fff_ffff;
export const INT32_MIN = -0x8000_0000;
const UINT32_MAX = 0xffff_ffff;

/** `value` as an int32, or the generated encoders' error (a numeric string counts, as there). */
function checkedInt32(value: unknown): number {
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number') throw new Error(`invalid int32: ${typeof value}`);
  if (!Number.isInteger(number) || number > INT32_MAX || number < INT32_MIN) throw new Error(`invalid int32: ${number}`);
  return number;
}

/** `value` as a uint32, or the generated encoders' error. */
function checkedUint32(value: unknown): number {
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number') throw new Error(`invalid uint32: ${typeof value}`);
  if (!Number.isInteger(number) || number > UINT32_MAX || number < 0) throw new Error(`invalid uint32: ${number}`);
  return number;
}

/** True for what a field leaves out as its default: `undefined`, `null`, or `empty` itself. */
function isDefault(value: unknown, empty: unknown): boolean {
  return value === undefined || value === null || value === empty;
}

/** Bytes reserved for a nested message's length before it is known: enough for 16 KiB, moved when it is not. */
const LENGTH_RESERVE = 2;

/** Writes protobuf fields into one growing buffer. */
export class WireWriter {
  private buf: Buffer;
  private pos = 0;

  /** @param capacity - the bytes to start with (a good guess saves a copy) */
  constructor(capacity = 256) {
    this.buf = Buffer.allocUnsafe(Math.max(64, capacity));
  }

  /** The bytes written: a view of the buffer, which this writer does not write again. */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  /** A `uint32` (a tag, a length, a value), checked as the generated encoders check it. */
  uint32(value: number): this {
    return this.varint(checkedUint32(value));
  }

  /** A varint of a number known to be a uint32 (a tag, a length). */
  private varint(value: number): this {
    this.ensure(5);
    const { buf } = this;
    let rest = value >>> 0;
    while (rest > 0x7f) {
      buf[this.pos++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    buf[this.pos++] = rest;
    return this;
  }

  /** An `int32`, checked: a negative one takes ten bytes, sign-extended to 64 bits. */
  int32(value: number): this {
    const number = checkedInt32(value);
    return number >= 0 ? this.varint(number) : this.int64(number);
  }

  /** A signed 64-bit varint of a safe integer (two's complement for a negative one). */
  int64(value: number): this {
    let lo = value >>> 0;
    let hi = Math.floor(value / 4_294_967_296) >>> 0;
    this.ensure(10);
    const { buf } = this;
    while (hi > 0 || lo > 0x7f) {
      buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    buf[this.pos++] = lo;
    return this;
  }

  /** A string field, left out when empty. */
  string(tag: number, value: string | undefined): this {
    if (isDefault(value, '')) return this;
    return this.varint(tag).stringValue(value!);
  }

  /** A string's length and UTF-8 bytes, its tag written already (an item of a repeated field, empty or not). */
  stringValue(value: string): this {
    if (typeof value !== 'string') value = String(value);
    // At most 42 UTF-16 units make at most 126 bytes: the length takes one byte, written after them.
    if (value.length <= 42) {
      this.ensure(1 + value.length * 3);
      const written = this.buf.write(value, this.pos + 1, 'utf8');
      this.buf[this.pos] = written;
      this.pos += 1 + written;
      return this;
    }
    const length = Buffer.byteLength(value, 'utf8');
    this.varint(length);
    this.ensure(length);
    this.pos += this.buf.write(value, this.pos, 'utf8');
    return this;
  }

  /** A bytes field, left out when empty. */
  bytes(tag: number, value: Uint8Array | undefined): this {
    if (!value || value.length === 0) return this;
    this.varint(tag).varint(value.length);
    return this.raw(value);
  }

  /** An `int32` field, left out when 0. */
  int32Field(tag: number, value: number | undefined): this {
    return isDefault(value, 0) ? this : this.varint(tag).int32(value!);
  }

  /** A `uint32` field, left out when 0. */
  uint32Field(tag: number, value: number | undefined): this {
    return isDefault(value, 0) ? this : this.varint(tag).uint32(value!);
  }

  /** A `bool` field, left out when false. */
  boolField(tag: number, value: boolean | undefined): this {
    return isDefault(value, false) ? this : this.varint(tag).varint(value ? 1 : 0);
  }

  /** Bytes already encoded (fields another encoder wrote). */
  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    return this;
  }

  /** Starts a nested message field; {@link join} with what this returns ends it. */
  fork(tag: number): number {
    this.varint(tag);
    this.ensure(LENGTH_RESERVE);
    this.pos += LENGTH_RESERVE;
    return this.pos;
  }

  /** Ends the nested message begun at `start`: its length goes in front, in as few bytes as it takes. */
  join(start: number): this {
    const length = this.pos - start;
    const lengthBytes = varintSize(length);
    if (lengthBytes !== LENGTH_RESERVE) {
      this.ensure(lengthBytes - LENGTH_RESERVE);
      this.buf.copyWithin(start - LENGTH_RESERVE + lengthBytes, start, this.pos);
      this.pos += lengthBytes - LENGTH_RESERVE;
    }
    let at = start - LENGTH_RESERVE;
    let rest = length;
    while (rest > 0x7f) {
      this.buf[at++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    this.buf[at] = rest;
    return this;
  }
}

/** How many bytes the varint of a number from 0 to 2^32 - 1 takes. */
export function varintSize(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x20_0000 ? 3 : value < 0x1000_0000 ? 4 : 5;
}
