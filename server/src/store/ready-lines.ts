/**
 * Every ready task (NEW or RETRY, not waiting for an eta or backoff), in memory: per queue, one
 * {@link ReadyLine} per priority. A lease takes the best tasks across its queues from here without
 * touching LMDB's indexes, which is what lets a task go from enqueue to success in two record
 * writes and one index entry (docs/decisions.md, "Leases in memory"). The lines are rebuilt from
 * the records when the store opens (`recovery.ts`), so they need no writes of their own.
 *
 * An entry may be stale (its task cancelled, or changed while a commit was in flight): the store
 * checks each entry it takes against the record, which is the truth.
 */
import { byCodePoint } from './keys.js';
import { ReadyLine, type ReadyEntry } from './ready-line.js';

/** A ready entry and where it stood. */
export interface PlacedEntry extends ReadyEntry {
  queue: string;
  priority: number;
}

/** Where a list of ready tasks stopped: after this entry. */
export interface ReadyPosition {
  queue: string;
  priority: number;
  seq: number;
}

/** One queue's lines, with its priorities kept sorted (lowest number first). */
interface QueueLines {
  priorities: number[];
  lines: Map<number, ReadyLine>;
  size: number;
}

/** The ready tasks of every queue, in lease order within each. */
export class ReadyLines {
  private readonly queues = new Map<string, QueueLines>();
  private total = 0;

  /** Ready tasks in every queue. */
  get size(): number {
    return this.total;
  }

  /** Ready tasks in `queue`. */
  sizeOf(queue: string): number {
    return this.queues.get(queue)?.size ?? 0;
  }

  /** Adds a ready task in its place (see {@link ReadyLine.add}). */
  add(entry: PlacedEntry): void {
    let queue = this.queues.get(entry.queue);
    if (!queue) this.queues.set(entry.queue, (queue = { priorities: [], lines: new Map(), size: 0 }));
    let line = queue.lines.get(entry.priority);
    if (!line) {
      queue.lines.set(entry.priority, (line = new ReadyLine()));
      queue.priorities.splice(lowerBound(queue.priorities, entry.priority), 0, entry.priority);
    }
    line.add(entry);
    queue.size++;
    this.total++;
  }

  /**
   * Takes the best entry across `queues`: the lowest priority number, then the lowest `seq`
   * (FIFO), whatever queue it is in; what a single queue of all of them would give first.
   */
  takeBest(queues: readonly string[]): PlacedEntry | undefined {
    // Called once per task leased: no object until the winner is known, no id built but its own.
    let bestQueue: string | undefined;
    let bestLines: QueueLines | undefined;
    let bestPriority = 0;
    let bestSeq = 0;
    for (const name of queues) {
      const lines = this.queues.get(name);
      const priority = lines?.priorities[0];
      if (priority === undefined) continue;
      const seq = lines!.lines.get(priority)!.firstSeq()!;
      if (bestLines === undefined || priority < bestPriority || (priority === bestPriority && seq < bestSeq)) {
        bestQueue = name;
        bestLines = lines!;
        bestPriority = priority;
        bestSeq = seq;
      }
    }
    if (bestLines === undefined) return undefined;
    const line = bestLines.lines.get(bestPriority)!;
    const { id, seq, retry } = line.shift()!;
    this.removed(bestQueue!, bestLines, bestPriority, line);
    return { id, seq, retry, queue: bestQueue!, priority: bestPriority };
  }

  /** The id at the front of each priority's line of `queue`. */
  headsOf(queue: string): string[] {
    const lines = this.queues.get(queue);
    return lines ? lines.priorities.map((priority) => lines.lines.get(priority)!.first()!.id) : [];
  }

  /** Removes a task's entry (a cancelled task); false if the lines do not hold it. */
  remove(queue: string, priority: number, seq: number): boolean {
    const lines = this.queues.get(queue);
    const line = lines?.lines.get(priority);
    if (!line?.remove(seq)) return false;
    this.removed(queue, lines!, priority, line);
    return true;
  }

  /**
   * The entries in list order (queue name, then priority, then FIFO), starting after `after`,
   * of one queue or of all; `visit` returns false to stop.
   */
  forEachAfter(queue: string | undefined, after: ReadyPosition | undefined, visit: (entry: PlacedEntry) => boolean): void {
    const names = queue === undefined ? [...this.queues.keys()].sort(byCodePoint) : this.queues.has(queue) ? [queue] : [];
    let going = true;
    for (const name of names) {
      if (after && byCodePoint(name, after.queue) < 0) continue;
      const lines = this.queues.get(name)!;
      for (const priority of lines.priorities) {
        const sameLine = after !== undefined && name === after.queue;
        if (sameLine && priority < after.priority) continue;
        const from = sameLine && priority === after.priority ? after.seq : undefined;
        lines.lines.get(priority)!.forEachAfter(from, (entry) => (going = visit({ ...entry, queue: name, priority })));
        if (!going) return;
      }
    }
  }

  /** Drops an emptied line and queue, so that priorities and queues used once cost nothing later. */
  private removed(queue: string, lines: QueueLines, priority: number, line: ReadyLine): void {
    lines.size--;
    this.total--;
    if (line.length > 0) return;
    lines.lines.delete(priority);
    lines.priorities.splice(lowerBound(lines.priorities, priority), 1);
    if (lines.size === 0) this.queues.delete(queue);
  }
}

/** The first index of the sorted `values` whose value is at least `value`. */
function lowerBound(values: readonly number[], value: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (values[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low;
}
