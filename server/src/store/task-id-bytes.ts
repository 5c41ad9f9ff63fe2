/**
 * Task ids as 16 bytes. The in-memory ready lines hold every ready task's id: as strings, 1M of
 * them took ~72 MB of V8 heap (56-byte strings plus pointers; more while the `uuid` package's
 * concatenations stayed unflattened), as bytes in a typed array they take 16 MB outside it.
 */

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
/** Where each of the 16 bytes starts in the 36-character UUID text. */
const TEXT_OFFSETS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

/** Bytes one id takes. */
export const ID_BYTES = 16;

/** The value of each hex digit's character code (lower and upper case); others read as 0. */
const HEX_VALUE = new Uint8Array(128);
for (let digit = 0; digit < 16; digit++) {
  HEX_VALUE[digit.toString(16).charCodeAt(0)] = digit;
  HEX_VALUE[digit.toString(16).toUpperCase().charCodeAt(0)] = digit;
}

/** Writes a task id (UUID text, as made by `ids.ts`) as 16 bytes at `offset` of `target`. */
export function writeIdBytes(id: string, target: Uint8Array, offset: number): void {
  for (let i = 0; i < ID_BYTES; i++) {
    const at = TEXT_OFFSETS[i]!;
    target[offset + i] = (HEX_VALUE[id.charCodeAt(at) & 0x7f]! << 4) | HEX_VALUE[id.charCodeAt(at + 1) & 0x7f]!;
  }
}

/** Each byte's two hex digits, as character codes: `HEX_CODES[2 * byte]`, `HEX_CODES[2 * byte + 1]`. */
const HEX_CODES = new Uint8Array(512);
for (let byte = 0; byte < 256; byte++) {
  HEX_CODES[2 * byte] = HEX[byte]!.charCodeAt(0);
  HEX_CODES[2 * byte + 1] = HEX[byte]!.charCodeAt(1);
}
/** Where the text of an id is put together, its dashes in place. */
const TEXT = Buffer.alloc(36, '-');

/**
 * The task id stored as 16 bytes at `offset` of `source`, as UUID text. The text is written into
 * one buffer and read out as one string: joined from its 20 parts, it was a rope of 19 objects,
 * flattened again when hashed for a map lookup (15 % of what a lease allocated; twice the time).
 */
export function readIdBytes(source: Uint8Array, offset: number): string {
  for (let i = 0; i < ID_BYTES; i++) {
    const byte = source[offset + i]!;
    const at = TEXT_OFFSETS[i]!;
    TEXT[at] = HEX_CODES[2 * byte]!;
    TEXT[at + 1] = HEX_CODES[2 * byte + 1]!;
  }
  return TEXT.toString('latin1', 0, 36);
}
