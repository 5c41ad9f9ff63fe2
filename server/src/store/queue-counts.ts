/**
 * Each queue's tasks by status, kept in memory as commits land (never counted on demand): built
 * once from the records when the store opens (the restart scan reads every record anyway), then
 * moved by every committed transition, lease and removal. Also each queue's ends over the last
 * minute, in one-second buckets.
 */
import { TASK_STATUSES, isFinalStatus, type TaskStatus } from '../domain/task.js';

/** A queue's tasks by status. */
export type StatusCounts = Record<TaskStatus, number>;

/** A queue's figures (see `BrokerStore.queueFigures`). */
export interface QueueFigures {
  /** Its tasks by status. */
  counts: StatusCounts;
  /** Since when (wall time) its longest-waiting ready task has been ready; absent when none is. */
  oldestReadySinceMs?: number;
  /** Its tasks that ended over the last minute. */
  endedLastMinute: number;
}

/** Seconds in the window of {@link QueueCounts.endedLastMinute}. */
const WINDOW_SECONDS = 60;

interface QueueTally {
  counts: StatusCounts;
  /** Ends per second, a ring of {@link WINDOW_SECONDS} buckets, and the second each bucket holds. */
  ends: Uint32Array;
  endSeconds: Float64Array;
}

/** Every queue's counts. */
export class QueueCounts {
  private readonly queues = new Map<string, QueueTally>();

  /** @param nowMs - wall time, for the window of ends */
  constructor(private readonly nowMs: () => number = Date.now) {}

  /**
   * A task of `queue` moved from `from` to `to` (undefined: it did not exist before, or no longer
   * exists). Reaching a final status counts as an end of the last minute.
   */
  move(queue: string, from: TaskStatus | undefined, to: TaskStatus | undefined): void {
    if (from === to) return;
    const tally = this.tallyOf(queue);
    if (from !== undefined) tally.counts[from]--;
    if (to !== undefined) {
      tally.counts[to]++;
      if (isFinalStatus(to)) this.countEnd(tally);
    }
  }

  /** Counts a stored task found when the store opens (not an end of the last minute). */
  found(queue: string, status: TaskStatus): void {
    this.tallyOf(queue).counts[status]++;
  }

  /** The counts of `queue` (all zero for a queue never seen). */
  countsOf(queue: string): StatusCounts {
    return { ...(this.queues.get(queue)?.counts ?? zeroCounts()) };
  }

  /** Tasks of `queue` that ended over the last minute. */
  endedLastMinute(queue: string): number {
    const tally = this.queues.get(queue);
    if (!tally) return 0;
    const second = Math.floor(this.nowMs() / 1000);
    let total = 0;
    for (let i = 0; i < WINDOW_SECONDS; i++) if (second - tally.endSeconds[i]! < WINDOW_SECONDS) total += tally.ends[i]!;
    return total;
  }

  /** Every queue that holds a task, or had one end in the last minute. */
  *names(): IterableIterator<string> {
    for (const [name, { counts }] of this.queues) {
      if (TASK_STATUSES.some((status) => counts[status] > 0) || this.endedLastMinute(name) > 0) yield name;
    }
  }

  /** The queues holding at least one ended task: the ones a retention sweep walks. */
  *withEndedTasks(): IterableIterator<string> {
    for (const [name, { counts }] of this.queues) if (counts.success + counts.error + counts.cancel > 0) yield name;
  }

  private countEnd(tally: QueueTally): void {
    const second = Math.floor(this.nowMs() / 1000);
    const slot = second % WINDOW_SECONDS;
    if (tally.endSeconds[slot] !== second) {
      tally.endSeconds[slot] = second;
      tally.ends[slot] = 0;
    }
    tally.ends[slot]!++;
  }

  private tallyOf(queue: string): QueueTally {
    let tally = this.queues.get(queue);
    if (!tally) this.queues.set(queue, (tally = { counts: zeroCounts(), ends: new Uint32Array(WINDOW_SECONDS), endSeconds: new Float64Array(WINDOW_SECONDS) }));
    return tally;
  }
}

/** Counts of a queue with no tasks. */
export function zeroCounts(): StatusCounts {
  return Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])) as StatusCounts;
}
