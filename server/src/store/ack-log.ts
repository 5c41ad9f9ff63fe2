/**
 * The acknowledgement log of `commit` mode: a lone Enqueue is answered once its tasks are
 * appended here, before its LMDB commit and that commit's fsync, and so is an outcome that ends its
 * task, once the ended record is (docs/decisions.md, "Acknowledged before the fsync: the ack log").
 *
 * Why a file of our own: lmdb-js runs the fsync of every commit on the thread that commits, inside
 * the call (its fork's `mdb_txn_commit`, with or without `overlappingSync`), and answers its async
 * commits after that fsync too, so no commit it offers is readable by its caller before its fsync
 * without `noSync`, which may corrupt the file in a power cut. An append to a plain file is in the
 * page cache once `write` returns (~0.01 ms): it survives a `kill -9` of the broker, which is what
 * `commit` mode promises, and a torn or lost tail after a power cut costs only the last writes,
 * which `commit` mode allows. The LMDB commit follows, after the answer has left.
 *
 * Each frame carries a log sequence number (LSN), one more than the last; the commit of a write
 * appended to the log also stores its LSN in the store (`meta`), in the same transaction, and
 * writes commit in the order they were issued. When the store opens, the frames past the stored
 * LSN are the writes acknowledged and never committed: their records are written then, in log
 * order, each unless the store holds a version as new, so an acknowledged task (or outcome)
 * outlives a crash between its answer and its commit, and a frame whose write committed is never
 * replayed (a task that ended and was deleted since does not come back). The
 * log is emptied (truncated) whenever every write appended to it has committed; while commits
 * overlap it grows, up to {@link ACK_LOG_MAX_BYTES}, past which writes wait for their commit
 * instead until it has drained. An empty log is the normal state of an idle broker.
 *
 * Format: frames of [payload length: u32 LE][CRC-32 of the payload: u32 LE][payload]; a payload
 * is [LSN: u48 LE, in 8 bytes] then one write's records (an Enqueue's tasks, or a batch of outcomes'
 * ended tasks), each as [length: u32 LE][the record's bytes as the `tasks` database stores them].
 * One frame per write, written by one `write`, so a write is replayed whole or not at all. Reading stops at the first frame that is short or
 * whose CRC does not match (a tail torn by a power cut).
 */
import { closeSync, fstatSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { TaskRecord } from '../domain/task.js';
import { RecordEncoder } from './record-codec.js';

/** The log's file name in the data directory. */
export const ACK_LOG_FILE = 'ack-log';

/**
 * Past this size, writes are not acknowledged from the log until it has drained (see the file's
 * comment): a bound on its size, and on what a restart reads.
 */
export const ACK_LOG_MAX_BYTES = 1024 * 1024;

const FRAME_HEADER_BYTES = 8;
const LENGTH_BYTES = 4;
const LSN_BYTES = 8;
const codec = new RecordEncoder();

/** One write's tasks, as appended to the log. */
export interface AckLogFrame {
  /** Its log sequence number: one more than the frame before it. */
  readonly lsn: number;
  readonly records: TaskRecord[];
}

/** The acknowledgement log of one store (see the file's comment). */
export class AckLog {
  /** Writes appended whose commit has not succeeded yet: the log is emptied when none are left. */
  private owed = 0;
  private closed = false;
  /** Set when a torn frame could not be cut off, or the log could not be emptied: appends stop. */
  private unusable = false;

  private constructor(
    private readonly fd: number,
    /** The LSN of the last frame appended, or committed before the log was opened. */
    private lsn: number,
    /** The bytes in the file: what the last broker left, then what was appended (0 once emptied). */
    private size: number,
  ) {}

  /** Opens (or creates) the log in `dir`, for appending; its next frame's LSN follows `lastLsn`. */
  static open(dir: string, lastLsn: number): AckLog {
    const fd = openSync(join(dir, ACK_LOG_FILE), 'a');
    return new AckLog(fd, lastLsn, fstatSync(fd).size);
  }

  /** Every whole frame in the log of `dir`, in the order they were appended (none if there is no log). */
  static read(dir: string): AckLogFrame[] {
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(dir, ACK_LOG_FILE));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    // Frames follow one another by LSN: a break means the rest is not what was appended after.
    const frames = framesOf(bytes).map(frameOf);
    const followed = frames.findIndex((frame, i) => i > 0 && frame.lsn !== frames[i - 1]!.lsn + 1);
    return followed === -1 ? frames : frames.slice(0, followed);
  }

  /** True while a write appended to the log has not committed (or its commit failed). */
  get owes(): boolean {
    return this.owed > 0;
  }

  /** True if the log has room for a write to be acknowledged from it (see {@link ACK_LOG_MAX_BYTES}). */
  get hasRoom(): boolean {
    return !this.unusable && this.size < ACK_LOG_MAX_BYTES;
  }

  /**
   * Appends one write's `records` as one frame; once this returns, the write may be acknowledged.
   * Its commit must store the returned LSN (see the file's comment); the caller reports the commit
   * with {@link committed}, or leaves the write owed (a failed commit).
   *
   * @returns the frame's LSN
   * @throws the I/O error (a full disk): nothing was appended that a reader would take
   */
  append(records: readonly TaskRecord[]): number {
    const encoded = records.map((record) => codec.encode(record));
    const payloadBytes = encoded.reduce((sum, bytes) => sum + LENGTH_BYTES + bytes.length, LSN_BYTES);
    const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payloadBytes);
    const lsn = this.lsn + 1;
    frame.writeUIntLE(lsn, FRAME_HEADER_BYTES, 6);
    frame.writeUInt16LE(0, FRAME_HEADER_BYTES + 6);
    let at = FRAME_HEADER_BYTES + LSN_BYTES;
    for (const bytes of encoded) {
      at = frame.writeUInt32LE(bytes.length, at);
      frame.set(bytes, at);
      at += bytes.length;
    }
    frame.writeUInt32LE(payloadBytes, 0);
    frame.writeUInt32LE(crc32(frame.subarray(FRAME_HEADER_BYTES)), LENGTH_BYTES);
    const written = writeSync(this.fd, frame);
    if (written !== frame.length) {
      // A torn frame would hide every frame appended after it from the reader: cut it off, or, if
      // even that fails, append nothing more until the log has been emptied.
      try {
        ftruncateSync(this.fd, this.size);
      } catch {
        this.size += written;
        this.unusable = true;
      }
      throw new Error(`the ack log took ${written} of ${frame.length} bytes`);
    }
    this.size += written;
    this.lsn = lsn;
    this.owed++;
    return lsn;
  }

  /** A write appended earlier has committed: once none is owed, the log is emptied. */
  committed(): void {
    this.owed--;
    if (this.owed === 0) this.clear();
  }

  /**
   * Empties the log (its frames are all committed, or replayed into the store); an empty one costs
   * no system call. If the file cannot be truncated (an I/O error), its frames stay, harmless (they
   * are committed), and the log takes no more until a later call succeeds.
   */
  clear(): void {
    if (this.size === 0 || this.closed) return;
    try {
      ftruncateSync(this.fd);
    } catch {
      this.unusable = true;
      return;
    }
    this.unusable = false;
    this.size = 0;
  }

  /** Closes the file; what is owed stays in it, for the next open to replay. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

/** The payloads of the whole frames at the start of `bytes`. */
function framesOf(bytes: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  let at = 0;
  while (at + FRAME_HEADER_BYTES <= bytes.length) {
    const length = bytes.readUInt32LE(at);
    // Zeros (a tail a power cut left unwritten) read as an empty frame whose CRC matches.
    if (length < LSN_BYTES || length > ACK_LOG_MAX_BYTES) break;
    const end = at + FRAME_HEADER_BYTES + length;
    if (end > bytes.length) break;
    const payload = bytes.subarray(at + FRAME_HEADER_BYTES, end);
    if (crc32(payload) !== bytes.readUInt32LE(at + LENGTH_BYTES)) break;
    frames.push(payload);
    at = end;
  }
  return frames;
}

/** The LSN and records of one frame's payload. */
function frameOf(payload: Buffer): AckLogFrame {
  const records: TaskRecord[] = [];
  for (let at = LSN_BYTES; at < payload.length; ) {
    const length = payload.readUInt32LE(at);
    at += LENGTH_BYTES;
    records.push(codec.decode(payload.subarray(at, at + length)));
    at += length;
  }
  return { lsn: payload.readUIntLE(0, 6), records };
}
