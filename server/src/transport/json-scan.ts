/**
 * Whether bytes are one JSON text (RFC 8259, what `JSON.parse` accepts), read byte by byte
 * without building the value: the broker checks every payload it stores (args, kwargs, results,
 * progress) and never looks inside again, so decoding each to a string and parsing it into objects
 * only to drop them was ~3 % of an enqueue. It also measures the nesting as it goes, so that a
 * payload is read once: it stops at the first array or object past the depth allowed. Bytes
 * ≥ 0x80 are taken as they are inside strings and refused elsewhere: whether they are valid UTF-8
 * is for the caller to check. `json-scan.test.ts` checks it against `JSON.parse` on random texts
 * and near-texts.
 */

/** What one JSON text is at its top level. */
export type JsonKind = 'array' | 'object' | 'scalar';

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/** Where a value that failed stops: below every real position. */
const FAIL = -1;
/** Where a value stops that opened an array or object past the depth allowed. */
const TOO_DEEP = -2;

/**
 * The kind of the one JSON text in `bytes` (whitespace around it allowed); `'too-deep'` when it
 * opens more than `maxDepth` arrays and objects inside one another (`[]` is depth 1) before any
 * fault; `undefined` when the bytes are not one JSON text.
 */
export function scanJson(bytes: Uint8Array, maxDepth: number): JsonKind | 'too-deep' | undefined {
  const start = skipSpace(bytes, 0);
  if (start >= bytes.length) return undefined;
  const end = value(bytes, start, 0, maxDepth);
  if (end === TOO_DEEP) return 'too-deep';
  if (end === FAIL || skipSpace(bytes, end) !== bytes.length) return undefined;
  const first = bytes[start];
  return first === OPEN_ARRAY ? 'array' : first === OPEN_OBJECT ? 'object' : 'scalar';
}

function skipSpace(bytes: Uint8Array, at: number): number {
  while (at < bytes.length) {
    const byte = bytes[at]!;
    if (byte !== SPACE && byte !== TAB && byte !== LF && byte !== CR) break;
    at++;
  }
  return at;
}

/**
 * Reads one value at `at` (no space before it), inside `depth` arrays and objects; returns where it
 * ends, or {@link FAIL}, or {@link TOO_DEEP}.
 */
function value(bytes: Uint8Array, at: number, depth: number, maxDepth: number): number {
  switch (bytes[at]) {
    case QUOTE:
      return string(bytes, at);
    case OPEN_ARRAY:
      return depth < maxDepth ? array(bytes, at, depth + 1, maxDepth) : TOO_DEEP;
    case OPEN_OBJECT:
      return depth < maxDepth ? object(bytes, at, depth + 1, maxDepth) : TOO_DEEP;
    case 0x74: // true
      return word(bytes, at, TRUE);
    case 0x66: // false
      return word(bytes, at, FALSE);
    case 0x6e: // null
      return word(bytes, at, NULL);
    default:
      return number(bytes, at);
  }
}

const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

function word(bytes: Uint8Array, at: number, letters: readonly number[]): number {
  for (let i = 0; i < letters.length; i++) if (bytes[at + i] !== letters[i]) return FAIL;
  return at + letters.length;
}

/** A string at `at` (its opening quote): control characters refused, escapes checked. */
function string(bytes: Uint8Array, at: number): number {
  for (let i = at + 1; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte === QUOTE) return i + 1;
    if (byte < SPACE) return FAIL;
    if (byte !== BACKSLASH) continue;
    const escaped = bytes[++i];
    if (escaped === 0x75) {
      // \uXXXX
      for (let k = 0; k < 4; k++) if (!isHex(bytes[++i])) return FAIL;
    } else if (!(escaped === QUOTE || escaped === BACKSLASH || escaped === 0x2f || escaped === 0x62 || escaped === 0x66 || escaped === 0x6e || escaped === 0x72 || escaped === 0x74)) {
      return FAIL;
    }
  }
  return FAIL;
}

function isHex(byte: number | undefined): boolean {
  return byte !== undefined && ((byte >= ZERO && byte <= NINE) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66));
}

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= ZERO && byte <= NINE;
}

/** `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` */
function number(bytes: Uint8Array, at: number): number {
  let i = at;
  if (bytes[i] === MINUS) i++;
  if (bytes[i] === ZERO) i++;
  else if (isDigit(bytes[i])) while (isDigit(bytes[i])) i++;
  else return FAIL;
  if (bytes[i] === DOT) {
    i++;
    if (!isDigit(bytes[i])) return FAIL;
    while (isDigit(bytes[i])) i++;
  }
  if (bytes[i] === 0x65 || bytes[i] === 0x45) {
    i++;
    if (bytes[i] === PLUS || bytes[i] === MINUS) i++;
    if (!isDigit(bytes[i])) return FAIL;
    while (isDigit(bytes[i])) i++;
  }
  return i;
}

/** An array at `at` (its opening bracket), itself at `depth`. */
function array(bytes: Uint8Array, at: number, depth: number, maxDepth: number): number {
  let i = skipSpace(bytes, at + 1);
  if (bytes[i] === CLOSE_ARRAY) return i + 1;
  for (;;) {
    i = value(bytes, i, depth, maxDepth);
    if (i < 0) return i;
    i = skipSpace(bytes, i);
    if (bytes[i] === CLOSE_ARRAY) return i + 1;
    if (bytes[i] !== COMMA) return FAIL;
    i = skipSpace(bytes, i + 1);
  }
}

/** An object at `at` (its opening brace), itself at `depth`. */
function object(bytes: Uint8Array, at: number, depth: number, maxDepth: number): number {
  let i = skipSpace(bytes, at + 1);
  if (bytes[i] === CLOSE_OBJECT) return i + 1;
  for (;;) {
    if (bytes[i] !== QUOTE) return FAIL;
    i = string(bytes, i);
    if (i === FAIL) return FAIL;
    i = skipSpace(bytes, i);
    if (bytes[i] !== COLON) return FAIL;
    i = value(bytes, skipSpace(bytes, i + 1), depth, maxDepth);
    if (i < 0) return i;
    i = skipSpace(bytes, i);
    if (bytes[i] === CLOSE_OBJECT) return i + 1;
    if (bytes[i] !== COMMA) return FAIL;
    i = skipSpace(bytes, i + 1);
  }
}
