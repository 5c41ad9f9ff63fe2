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
  return uuidv7({ random, msecs: clock.msecs, seq: clock.seq });
}

/** A new lease token: 96 random bits, base64url. */
export function newLeaseToken(): string {
  return Buffer.from(randomBytesFromPool(12)).toString('base64url');
}
