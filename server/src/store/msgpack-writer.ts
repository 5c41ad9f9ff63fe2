/**
 * A msgpack writer for the values a task record holds (strings, numbers, booleans, `undefined`,
 * `null`, byte arrays, arrays and plain objects), writing the very bytes msgpackr writes for them
 * with `useRecords: false` (`msgpack-writer.test.ts` compares the two on random values): records
 * written by either read back the same, and `record-peek.ts` reads both. It exists for speed:
 * msgpackr's `pack` dispatches every value through its general machinery (extensions, records,
 * bundled strings, its shared buffer protocol with lmdb-js), ~2.5 µs a record here, and every
 * task is encoded twice (enqueue, outcome).
 */

/**
 * The slab values are written into, each after the last: what `encodeMsgpack` returns is a view
 * of its own bytes there, never written again (a fresh slab is taken when one runs out, the old
 * one freed with the last view of it), so that an encoding costs no allocation and no copy.
 */
const SLAB_BYTES = 256 * 1024;
let scratch = Buffer.allocUnsafe(SLAB_BYTES);
let view = new DataView(scratch.buffer, scratch.byteOffset, scratch.byteLength);
/** Where the value being written starts in the slab, and where its next byte goes. */
let start = 0;
let pos = 0;

/** The msgpack bytes of `value`: a view of bytes no later encoding writes over. */
export function encodeMsgpack(value: unknown): Buffer {
  start = pos;
  write(value);
  return scratch.subarray(start, pos);
}

/** Makes room for `bytes` more at `pos`: in a fresh slab if need be, the value written so far moved along. */
function ensure(bytes: number): void {
  if (pos + bytes <= scratch.length) return;
  const written = pos - start;
  const slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, 2 * (written + bytes)));
  scratch.copy(slab, 0, start, pos);
  scratch = slab;
  view = new DataView(scratch.buffer, scratch.byteOffset, scratch.byteLength);
  start = 0;
  pos = written;
}

function write(value: unknown): void {
  switch (typeof value) {
    case 'string':
      return writeString(value);
    case 'number':
      return writeNumber(value);
    case 'boolean':
      ensure(1);
      scratch[pos++] = value ? 0xc3 : 0xc2;
      return;
    case 'undefined':
      // msgpackr's own extension for undefined (fixext 1, type 0): it reads back as undefined, not null.
      ensure(3);
      scratch[pos++] = 0xd4;
      scratch[pos++] = 0;
      scratch[pos++] = 0;
      return;
    case 'object':
      if (value === null) {
        ensure(1);
        scratch[pos++] = 0xc0;
      } else if (value instanceof Uint8Array) writeBinary(value);
      else if (Array.isArray(value)) writeArray(value);
      else writeMap(value as Record<string, unknown>);
      return;
    default:
      throw new TypeError(`a task record holds no ${typeof value}`);
  }
}

/**
 * A string with the smallest header its UTF-8 length allows. ASCII up to 64 characters (ids, names,
 * statuses) is copied by hand: Node's UTF-8 encoder costs more than the loop for those.
 */
function writeString(text: string): void {
  const length = text.length;
  if (length <= 64) {
    ensure(2 + length);
    let ascii = true;
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) {
        ascii = false;
        break;
      }
      scratch[pos + (length < 32 ? 1 : 2) + i] = code;
    }
    if (ascii) {
      if (length < 32) scratch[pos++] = 0xa0 | length;
      else {
        scratch[pos++] = 0xd9;
        scratch[pos++] = length;
      }
      pos += length;
      return;
    }
  }
  const bytes = Buffer.byteLength(text);
  ensure(5 + bytes);
  writeHeader(bytes, 0xa0, 32, 0xd9, 0xda, 0xdb);
  pos += scratch.write(text, pos);
}

/** A length header: a fix form (`fix` | length) below `fixLimit`, else the 8-, 16- or 32-bit form (an 8-bit code of 0 means none). */
function writeHeader(length: number, fix: number, fixLimit: number, code8: number, code16: number, code32: number): void {
  if (length < fixLimit) scratch[pos++] = fix | length;
  else if (code8 !== 0 && length < 0x100) {
    scratch[pos++] = code8;
    scratch[pos++] = length;
  } else if (length < 0x10000) {
    scratch[pos++] = code16;
    view.setUint16(pos, length);
    pos += 2;
  } else {
    scratch[pos++] = code32;
    view.setUint32(pos, length);
    pos += 4;
  }
}

/** An integer in the smallest form msgpackr uses for it; anything else (fractions, past 32 bits) as a float64. */
function writeNumber(value: number): void {
  ensure(9);
  // `>>> 0` and `| 0` keep only the integers of the 32-bit ranges (-0 too, which msgpackr writes as 0).
  if (value >>> 0 === value) {
    if (value < 0x80) scratch[pos++] = value;
    else if (value < 0x100) {
      scratch[pos++] = 0xcc;
      scratch[pos++] = value;
    } else if (value < 0x10000) {
      scratch[pos++] = 0xcd;
      view.setUint16(pos, value);
      pos += 2;
    } else {
      scratch[pos++] = 0xce;
      view.setUint32(pos, value);
      pos += 4;
    }
  } else if ((value | 0) === value) {
    if (value >= -0x20) scratch[pos++] = value & 0xff;
    else if (value >= -0x80) {
      scratch[pos++] = 0xd0;
      view.setInt8(pos++, value);
    } else if (value >= -0x8000) {
      scratch[pos++] = 0xd1;
      view.setInt16(pos, value);
      pos += 2;
    } else {
      scratch[pos++] = 0xd2;
      view.setInt32(pos, value);
      pos += 4;
    }
  } else {
    scratch[pos++] = 0xcb;
    view.setFloat64(pos, value);
    pos += 8;
  }
}

function writeBinary(bytes: Uint8Array): void {
  ensure(5 + bytes.length);
  writeHeader(bytes.length, 0, 0, 0xc4, 0xc5, 0xc6);
  scratch.set(bytes, pos);
  pos += bytes.length;
}

function writeArray(items: readonly unknown[]): void {
  ensure(5);
  writeHeader(items.length, 0x90, 16, 0, 0xdc, 0xdd);
  for (let i = 0; i < items.length; i++) write(items[i]);
}

/** A plain object as msgpackr writes one: always a 16-bit map header (a 32-bit one past 65,535 keys), keys in their order. */
function writeMap(object: Record<string, unknown>): void {
  const keys = Object.keys(object);
  ensure(5);
  if (keys.length < 0x10000) {
    scratch[pos++] = 0xde;
    view.setUint16(pos, keys.length);
    pos += 2;
  } else {
    scratch[pos++] = 0xdf;
    view.setUint32(pos, keys.length);
    pos += 4;
  }
  for (const key of keys) {
    writeString(key);
    write(object[key]);
  }
}
