/**
 * Task ids and lease tokens, drawn from a pool of random bytes.
 *
 * Both need fresh randomness per task, and a `getrandom` system call per id was the largest single
 * item of the broker's CPU profile under bulk enqueue (~5 %). The pool fills 4 KiB at a time
 * (one call per ~170 ids); the bytes are still from the OS's CSPRNG and never handed out twice.
 */
import { randomFillSync } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

const POOL_BYTES = 4096;
const pool = new Uint8Array(POOL_BYTES);
let offset = POOL_BYTES;

/** `length` random bytes, a view into the pool (use them before the next call). */
function randomBytesFromPool(length: number): Uint8Array {
  if (offset + length > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = pool.subarray(offset, offset + length);
  offset += length;
  return bytes;
}

/** The v7 clock state: the last millisecond used and the counter within it (RFC 9562 §6.2, method 1). */
const clock = { msecs: -Infinity, seq: 0 };

/** The bytes of the id being made (`uuid` lays them out), and its text, written in place. */
const idBytes = new Uint8Array(16);
const idText = Buffer.alloc(36);
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');

/**
 * `idBytes` as the canonical 8-4-4-4-12 lower-case text, as `uuid`'s stringify writes it: written
 * into one buffer and read out as one flat string. `uuid`'s concatenation of 16 byte pairs made
 * ~600 bytes of garbage per id, a tenth of all the broker allocated per task under load.
 */
function idBytesAsText(): string {
  let at = 0;
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) idText[at++] = 0x2d; // '-'
    const byte = idBytes[i]!;
    idText[at++] = HEX_DIGITS[byte >> 4]!;
    idText[at++] = HEX_DIGITS[byte & 0x0f]!;
  }
  return idText.toString('latin1', 0, 36);
}

/**
 * A new time-ordered task id (UUID version 7). Ids made by this process sort in the order they
 * were made, also within one millisecond: the counter is seeded at random each millisecond and
 * incremented within it, as the `uuid` package does for its own calls.
 */
export function newTaskId(): string {
  const random = randomBytesFromPool(16);
  const now = Date.now();
  if (now > clock.msecs) {
    clock.msecs = now;
    clock.seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
  } else {
    clock.seq = (clock.seq + 1) | 0;
    if (clock.seq === 0) clock.msecs++;
  }
  uuidv7({ random, msecs: clock.msecs, seq: clock.seq }, idBytes);
  return idBytesAsText();
}

/**
 * Lease tokens made at once: each costs a slice of one string instead of a Buffer and an encoding
 * of its own. A slice keeps its whole batch's text alive (1 KiB), so batches stay small: a lease
 * held for hours among quick ones costs at most that.
 */
const TOKENS_PER_BATCH = 64;
/** 12 random bytes make 16 base64url characters, with no padding: a batch's text cuts into tokens. */
const TOKEN_BYTES = 12;
const TOKEN_CHARS = 16;
let tokenText = '';
let tokenOffset = 0;

/** A new lease token: 96 random bits, base64url. */
export function newLeaseToken(): string {
  if (tokenOffset === tokenText.length) {
    tokenText = Buffer.from(randomBytesFromPool(TOKEN_BYTES * TOKENS_PER_BATCH)).toString('base64url');
    tokenOffset = 0;
  }
  const token = tokenText.slice(tokenOffset, tokenOffset + TOKEN_CHARS);
  tokenOffset += TOKEN_CHARS;
  return token;
}
