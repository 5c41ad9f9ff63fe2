/**
 * Reads the few fields a restart needs from an encoded record without decoding the rest: a
 * restart reads every record once (`recovery.ts`), and decoding them whole with msgpackr took
 * ~9 s for 1M records here, most of it building objects and copying payloads no one looks at.
 *
 * Records are msgpack rows (`record-codec.ts`), or maps written by an older broker; this walks
 * the row or map, decodes the values of the fields asked for and skips over the others.
 */
import { ROW_FORMAT, rowIndexOf } from './record-codec.js';

/** The fields of a record that decide where it goes at a restart. */
export interface RecordPeek {
  status: string;
  queue: string;
  priority: number;
  seq: number;
  delayed: boolean;
  cancelRequested: boolean;
}

const WANTED: readonly (keyof RecordPeek)[] = ['status', 'queue', 'priority', 'seq', 'delayed', 'cancelRequested'];
/** Where each wanted field sits in a row. */
const WANTED_AT = WANTED.map(rowIndexOf);
/** The last position a peek reads in a row. */
const LAST_WANTED_AT = Math.max(...WANTED_AT);
/** The wanted keys as msgpack fixstr bytes (header included), to compare without decoding. */
const WANTED_BYTES = WANTED.map((key) => Buffer.concat([Buffer.from([0xa0 | key.length]), Buffer.from(key)]));

/**
 * A read-only view of the `tasks` database whose values decode to {@link RecordPeek}s, straight
 * from lmdb-js's shared read buffer (no copy of each value): for `openDB('tasks', …)`.
 */
export const PEEK_RECORDS = {
  encoder: {
    encode(): never {
      throw new Error('a view of peeked records is read-only');
    },
    decode: (bytes: Uint8Array, size: number): RecordPeek | undefined => peekRecord(bytes, size),
  },
} as const;

/**
 * The fields of {@link RecordPeek} from an encoded record, or undefined if the bytes are neither
 * a row nor a plain msgpack map holding them all (a record written with msgpackr's shared
 * structures, by an older broker): the caller then decodes it whole.
 */
export function peekRecord(bytes: Uint8Array, byteLength = bytes.length): RecordPeek | undefined {
  const reader = new Reader(bytes, byteLength);
  const rowSize = reader.arrayHeader();
  const found = rowSize === undefined ? peekMap(reader) : peekRow(reader, rowSize);
  if (!found) return undefined;
  const { status, queue, priority, seq, delayed, cancelRequested } = found;
  if (typeof status !== 'string' || typeof queue !== 'string' || typeof priority !== 'number' || typeof seq !== 'number') return undefined;
  return { status, queue, priority, seq, delayed: delayed === true, cancelRequested: cancelRequested === true };
}

/** The wanted fields of a row of `size` items, its header read. */
function peekRow(reader: Reader, size: number): Partial<Record<keyof RecordPeek, unknown>> | undefined {
  if (size <= LAST_WANTED_AT || reader.value() !== ROW_FORMAT) return undefined;
  const found: Partial<Record<keyof RecordPeek, unknown>> = {};
  for (let at = 1; at <= LAST_WANTED_AT; at++) {
    const wanted = WANTED_AT.indexOf(at);
    if (wanted >= 0) found[WANTED[wanted]!] = reader.value();
    else reader.skip();
  }
  return found;
}

/** The wanted fields of a map (an older broker's record). */
function peekMap(reader: Reader): Partial<Record<keyof RecordPeek, unknown>> | undefined {
  const size = reader.mapHeader();
  if (size === undefined) return undefined;
  const found: Partial<Record<keyof RecordPeek, unknown>> = {};
  let seen = 0;
  for (let i = 0; i < size && seen < WANTED.length; i++) {
    const wanted = reader.oneOf(WANTED_BYTES);
    if (wanted >= 0) {
      found[WANTED[wanted]!] = reader.value();
      seen++;
    } else {
      reader.skip();
    }
  }
  return found;
}

/** A cursor over msgpack bytes: the scalar types decoded, every type skippable. */
class Reader {
  private at = 0;
  private readonly view: DataView;

  /** @param size - the bytes of the value, which may be followed by others (lmdb-js's shared buffer) */
  constructor(
    private readonly bytes: Uint8Array,
    size: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, size);
  }

  /** The item count of an array at the cursor, or undefined if there is none. */
  arrayHeader(): number | undefined {
    if (this.at >= this.view.byteLength) return undefined;
    const type = this.bytes[this.at]!;
    if (type >= 0x90 && type <= 0x9f) return (this.at++, type & 0x0f);
    if (type === 0xdc) return (this.at += 3, this.view.getUint16(this.at - 2));
    if (type === 0xdd) return (this.at += 5, this.view.getUint32(this.at - 4));
    return undefined;
  }

  /** The entry count of a map at the cursor, or undefined if there is none. */
  mapHeader(): number | undefined {
    if (this.at >= this.view.byteLength) return undefined;
    const type = this.bytes[this.at]!;
    if (type >= 0x80 && type <= 0x8f) return (this.at++, type & 0x0f);
    if (type === 0xde) return (this.at += 3, this.view.getUint16(this.at - 2));
    if (type === 0xdf) return (this.at += 5, this.view.getUint32(this.at - 4));
    return undefined;
  }

  /** Moves past the key at the cursor; its index in `keys` (encoded keys), or -1 if it is none of them. */
  oneOf(keys: readonly Uint8Array[]): number {
    const start = this.at;
    this.skip();
    const length = this.at - start;
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]!;
      if (key.length !== length) continue;
      let i = 0;
      while (i < length && key[i] === this.bytes[start + i]) i++;
      if (i === length) return k;
    }
    return -1;
  }

  /** Decodes a scalar (string, number, boolean, nil); any other value is skipped and read as undefined. */
  value(): string | number | boolean | null | undefined {
    const type = this.bytes[this.at]!;
    if (type <= 0x7f) return (this.at++, type);
    if (type >= 0xe0) return (this.at++, type - 0x100);
    if (type >= 0xa0 && type <= 0xbf) return this.string(1, type & 0x1f);
    switch (type) {
      case 0xc0: return (this.at++, null);
      case 0xc2: return (this.at++, false);
      case 0xc3: return (this.at++, true);
      case 0xca: return this.number(4, this.view.getFloat32(this.at + 1));
      case 0xcb: return this.number(8, this.view.getFloat64(this.at + 1));
      case 0xcc: return this.number(1, this.view.getUint8(this.at + 1));
      case 0xcd: return this.number(2, this.view.getUint16(this.at + 1));
      case 0xce: return this.number(4, this.view.getUint32(this.at + 1));
      case 0xcf: return this.number(8, Number(this.view.getBigUint64(this.at + 1)));
      case 0xd0: return this.number(1, this.view.getInt8(this.at + 1));
      case 0xd1: return this.number(2, this.view.getInt16(this.at + 1));
      case 0xd2: return this.number(4, this.view.getInt32(this.at + 1));
      case 0xd3: return this.number(8, Number(this.view.getBigInt64(this.at + 1)));
      case 0xd9: return this.string(2, this.view.getUint8(this.at + 1));
      case 0xda: return this.string(3, this.view.getUint16(this.at + 1));
      case 0xdb: return this.string(5, this.view.getUint32(this.at + 1));
      default:
        this.skip();
        return undefined;
    }
  }

  /** Moves past the value at the cursor, whatever its type, nested ones included. */
  skip(): void {
    const type = this.bytes[this.at]!;
    if (type <= 0x7f || type >= 0xe0 || (type >= 0xc0 && type <= 0xc3)) return void this.at++;
    if (type >= 0xa0 && type <= 0xbf) return void (this.at += 1 + (type & 0x1f));
    if (type >= 0x80 && type <= 0x8f) return this.skipItems(1, (type & 0x0f) * 2);
    if (type >= 0x90 && type <= 0x9f) return this.skipItems(1, type & 0x0f);
    // Lengths are read inline: three closures per call here were most of what a restart's scan
    // allocated (~2.4 KB a record), and the scan ran ~8 % slower for them.
    switch (type) {
      case 0xc4: case 0xd9: return void (this.at += 2 + this.view.getUint8(this.at + 1));
      case 0xc5: case 0xda: return void (this.at += 3 + this.view.getUint16(this.at + 1));
      case 0xc6: case 0xdb: return void (this.at += 5 + this.view.getUint32(this.at + 1));
      case 0xc7: return void (this.at += 3 + this.view.getUint8(this.at + 1));
      case 0xc8: return void (this.at += 4 + this.view.getUint16(this.at + 1));
      case 0xc9: return void (this.at += 6 + this.view.getUint32(this.at + 1));
      case 0xca: case 0xce: case 0xd2: return void (this.at += 5);
      case 0xcb: case 0xcf: case 0xd3: return void (this.at += 9);
      case 0xcc: case 0xd0: return void (this.at += 2);
      case 0xcd: case 0xd1: return void (this.at += 3);
      case 0xd4: return void (this.at += 3);
      case 0xd5: return void (this.at += 4);
      case 0xd6: return void (this.at += 6);
      case 0xd7: return void (this.at += 10);
      case 0xd8: return void (this.at += 18);
      case 0xdc: return this.skipItems(3, this.view.getUint16(this.at + 1));
      case 0xdd: return this.skipItems(5, this.view.getUint32(this.at + 1));
      case 0xde: return this.skipItems(3, this.view.getUint16(this.at + 1) * 2);
      case 0xdf: return this.skipItems(5, this.view.getUint32(this.at + 1) * 2);
      default: throw new Error(`not msgpack: byte 0x${type.toString(16)} at ${this.at}`);
    }
  }

  private skipItems(header: number, count: number): void {
    this.at += header;
    for (let i = 0; i < count; i++) this.skip();
  }

  private number(size: number, value: number): number {
    this.at += 1 + size;
    return value;
  }

  private string(header: number, length: number): string {
    const start = this.at + header;
    this.at = start + length;
    // Names are short and mostly ASCII: building those by char code skips a Buffer per string.
    let ascii = '';
    for (let i = start; i < start + length; i++) {
      const byte = this.bytes[i]!;
      if (byte >= 0x80) return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + start, length).toString('utf8');
      ascii += String.fromCharCode(byte);
    }
    return ascii;
  }
}
