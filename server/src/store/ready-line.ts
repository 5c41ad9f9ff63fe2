/**
 * One line of ready tasks: those of one queue and one priority, in FIFO (`seq`) order, held in
 * memory as a ring buffer of typed arrays (25 bytes a task, outside the V8 heap: see
 * `task-id-bytes.ts`). New tasks join at the back and leases take from the front, both O(1); an
 * entry that arrives out of order (a commit finishing late) walks to its place from the nearer end.
 */
import { ID_BYTES, readIdBytes, writeIdBytes } from './task-id-bytes.js';

/** One ready task, as a line holds it. */
export interface ReadyEntry {
  id: string;
  /** Its place in line: the record's `seq`. */
  seq: number;
  /** True for a RETRY task, false for a NEW one (so that a list by status reads no record). */
  retry: boolean;
}

const INITIAL_CAPACITY = 16;

/** The ready tasks of one queue and priority, in `seq` order. */
export class ReadyLine {
  private ids = new Uint8Array(INITIAL_CAPACITY * ID_BYTES);
  private seqs = new Float64Array(INITIAL_CAPACITY);
  private retries = new Uint8Array(INITIAL_CAPACITY);
  private head = 0;
  private count = 0;

  /** Entries in the line. */
  get length(): number {
    return this.count;
  }

  /** Puts an entry in its place: the back, unless a later `seq` is already there. */
  add(entry: ReadyEntry): void {
    this.grow();
    // Nearly always the back: seqs are handed out in order.
    const at = this.count === 0 || this.seqAt(this.count - 1) < entry.seq ? this.count : this.indexAfter(entry.seq);
    this.openGapAt(at);
    this.write(at, entry);
  }

  /** The `seq` of the entry at the front (undefined if empty): the entry's id is not built. */
  firstSeq(): number | undefined {
    return this.count === 0 ? undefined : this.seqAt(0);
  }

  /** The entry at the front, left in place. */
  first(): ReadyEntry | undefined {
    return this.count === 0 ? undefined : this.entryAt(0);
  }

  /** Takes the entry at the front. */
  shift(): ReadyEntry | undefined {
    if (this.count === 0) return undefined;
    const entry = this.entryAt(0);
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return entry;
  }

  /** Removes the entry with this `seq`, if the line holds it; true if it did. */
  remove(seq: number): boolean {
    const at = this.indexAfter(seq) - 1;
    if (at < 0 || this.seqAt(at) !== seq) return false;
    if (at < this.count / 2) {
      for (let i = at; i > 0; i--) this.copy(i - 1, i);
      this.head = (this.head + 1) % this.capacity;
    } else {
      for (let i = at; i < this.count - 1; i++) this.copy(i + 1, i);
    }
    this.count--;
    return true;
  }

  /** The entries after `seq` (all of them without it), in order, while `visit` returns true. */
  forEachAfter(seq: number | undefined, visit: (entry: ReadyEntry) => boolean): void {
    for (let i = seq === undefined ? 0 : this.indexAfter(seq); i < this.count; i++) {
      if (!visit(this.entryAt(i))) return;
    }
  }

  private get capacity(): number {
    return this.seqs.length;
  }

  /** The position of the first entry whose seq is above `seq` (binary search: seqs are sorted). */
  private indexAfter(seq: number): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.seqAt(mid) <= seq) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Makes position `at` free, moving the entries on its nearer side by one (nothing at either end). */
  private openGapAt(at: number): void {
    if (at < this.count / 2) {
      this.head = (this.head - 1 + this.capacity) % this.capacity;
      for (let i = 0; i < at; i++) this.copy(i + 1, i);
    } else {
      for (let i = this.count; i > at; i--) this.copy(i - 1, i);
    }
    this.count++;
  }

  private slot(position: number): number {
    return (this.head + position) % this.capacity;
  }

  private seqAt(position: number): number {
    return this.seqs[this.slot(position)]!;
  }

  private entryAt(position: number): ReadyEntry {
    const slot = this.slot(position);
    return { id: readIdBytes(this.ids, slot * ID_BYTES), seq: this.seqs[slot]!, retry: this.retries[slot] === 1 };
  }

  private write(position: number, entry: ReadyEntry): void {
    const slot = this.slot(position);
    writeIdBytes(entry.id, this.ids, slot * ID_BYTES);
    this.seqs[slot] = entry.seq;
    this.retries[slot] = entry.retry ? 1 : 0;
  }

  private copy(from: number, to: number): void {
    const source = this.slot(from);
    const target = this.slot(to);
    this.ids.copyWithin(target * ID_BYTES, source * ID_BYTES, source * ID_BYTES + ID_BYTES);
    this.seqs[target] = this.seqs[source]!;
    this.retries[target] = this.retries[source]!;
  }

  /** Doubles the buffers when full, unrolling the ring to start at 0. */
  private grow(): void {
    if (this.count < this.capacity) return;
    const capacity = this.capacity * 2;
    const ids = new Uint8Array(capacity * ID_BYTES);
    const seqs = new Float64Array(capacity);
    const retries = new Uint8Array(capacity);
    for (let i = 0; i < this.count; i++) {
      const slot = this.slot(i);
      ids.set(this.ids.subarray(slot * ID_BYTES, slot * ID_BYTES + ID_BYTES), i * ID_BYTES);
      seqs[i] = this.seqs[slot]!;
      retries[i] = this.retries[slot]!;
    }
    this.ids = ids;
    this.seqs = seqs;
    this.retries = retries;
    this.head = 0;
  }
}
