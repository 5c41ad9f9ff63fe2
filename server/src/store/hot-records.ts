/**
 * The records of ready tasks, kept in memory up to a byte budget, so that a lease takes its task
 * without reading and decoding it from LMDB. Reading and decoding a record was the largest single
 * cost of a lease (~11 % of the broker's busy time in a drain); the record was in memory a moment
 * before, when the write that made it ready committed. Peers keep their whole backlog in memory
 * (BullMQ in Redis) or a window of it (graphile-worker's `localQueue`, Temporal's sync match);
 * this is the window: the tasks enqueued or made ready while the broker runs, up to the budget.
 * The rest of a backlog, and every task after a restart, is read from disk as before.
 *
 * Coherence: the store's one writer of records (`TaskStore.transition`) forgets a task here when
 * it writes its record, and puts the new record back once the write has committed and the task
 * is in line again. A record here is therefore always the one on disk; if a write fails, the
 * task is simply read from disk.
 */
import type { TaskRecord } from '../domain/task.js';

/**
 * The default budget: 16 MiB, about 23,000 tasks with 200-byte arguments. It bounds what the
 * window adds to the heap however deep the backlog (the 1M-queued-tasks target is a heap under
 * 100 MiB).
 */
export const HOT_RECORDS_BUDGET_BYTES = 16 * 1024 * 1024;

/** What a record holds besides its payloads, about: the object, its strings and small fields. */
const RECORD_OVERHEAD_BYTES = 512;

/**
 * About how many bytes a record without a history of attempts takes, in memory or stored: its
 * payloads, its last error's text (counted twice: two bytes a character in memory), and
 * {@link RECORD_OVERHEAD_BYTES} for the rest. A history is left out: callers do not estimate those
 * records (they are held nowhere, and read from disk when their size matters).
 */
export function estimatedRecordBytes(record: TaskRecord): number {
  const error = record.error ? 2 * (record.error.type.length + record.error.message.length + record.error.traceback.length) : 0;
  return RECORD_OVERHEAD_BYTES + record.args.byteLength + record.kwargs.byteLength + (record.progress?.byteLength ?? 0) + error;
}

/** Records of ready tasks by id, within a byte budget. */
export class HotRecords {
  private readonly records = new Map<string, TaskRecord>();
  private bytes = 0;

  constructor(private readonly budgetBytes = HOT_RECORDS_BUDGET_BYTES) {}

  /** Records held. */
  get size(): number {
    return this.records.size;
  }

  /** Bytes held, as estimated. */
  get heldBytes(): number {
    return this.bytes;
  }

  /**
   * Keeps `record` (the committed record of a task now in line), if the budget has room. Its
   * payloads are copied when they are views into a larger buffer (a request's, which holds a
   * whole batch): one kept task must not pin a megabyte of other tasks' bytes.
   *
   * @returns whether it is held
   */
  put(record: TaskRecord): boolean {
    this.forget(record.id);
    // A task retried after failures carries their history, whose size is hard to bound cheaply:
    // the rare path, read from disk.
    if (record.history !== undefined) return false;
    const size = estimatedRecordBytes(record);
    if (this.bytes + size > this.budgetBytes) return false;
    this.records.set(record.id, ownPayloads(record));
    this.bytes += size;
    return true;
  }

  /** The record of a task in line, if held. */
  get(taskId: string): TaskRecord | undefined {
    return this.records.get(taskId);
  }

  /** Drops a task's record (leased, or its record is being rewritten). */
  forget(taskId: string): void {
    const had = this.records.get(taskId);
    if (!had) return;
    this.records.delete(taskId);
    this.bytes -= estimatedRecordBytes(had);
  }
}

/** The record, its payloads copied out of any larger buffer they view. */
function ownPayloads(record: TaskRecord): TaskRecord {
  const args = owned(record.args);
  const kwargs = owned(record.kwargs);
  return args === record.args && kwargs === record.kwargs ? record : { ...record, args, kwargs };
}

function owned(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}
