/**
 * Tasks handed out before their enqueue has committed: in `commit` mode, the ready tasks of a
 * lone Enqueue join their line as the request is read, so that a worker waiting on the queue is
 * pushed its task in that same turn of the event loop, while the enqueue's own commit (and its
 * fsync) runs at the end of the turn (docs/decisions.md, "A task handed out before its commit").
 *
 * Until the commit, such a task exists in memory only. Its lease is taken as any other (in
 * memory), but what watchers hear of it waits: the lease's PROCESS state is published once the
 * task's NEW state is, as the commit settles, ahead of any later write's states (an outcome that
 * shared the commit). If the commit fails, the store takes the tasks back out of their lines and
 * ends their leases; a write that would end such a lease (an outcome, a give-back, an expiry) and
 * runs after the failed commit finds no record and is refused, so nothing of the task is stored.
 */
import type { TaskRecord } from '../domain/task.js';

/** The tasks of one Enqueue handed out before its commit. */
export interface EarlyBatch {
  /** The tasks put in line before the commit. */
  readonly tasks: TaskRecord[];
  /** Their ids, to tell them apart from the batch's other tasks (delayed ones wait for the commit). */
  readonly ids: Set<string>;
  /**
   * The states of their leases reached before the commit (the lease, then any progress), to
   * publish after it, in order.
   */
  readonly leased: TaskRecord[];
  /** Set once the batch's commit succeeded or failed (see {@link EarlyTasks.close}). */
  closed: boolean;
}

/** What the caller of an enqueue does about the tasks it handed out before the commit. */
export interface EarlyHandoff {
  /**
   * Tasks were put in line (in the caller's turn): wake the workers waiting on these queues.
   *
   * @returns true if a worker was woken for them
   */
  ready(readyCounts: ReadonlyMap<string, number>): boolean;
  /**
   * The enqueue committed: publish `changed` (its tasks' NEW states) and then `batch.leased`. Called
   * as the commit settles, before the caller of any write that shared the commit resumes.
   */
  committed(changed: readonly TaskRecord[], batch: EarlyBatch): void;
  /**
   * The caller's limit on task writes in flight (its admission of Enqueues): an Enqueue is answered
   * from the ack log only while the writes in flight stay well under it (see `ack-log.ts`), so that
   * a producer answered early cannot run into it.
   */
  readonly maxPendingWrites?: number;
}

/** The batches of tasks handed out before their commit, by task id. */
export class EarlyTasks {
  private readonly batchOf = new Map<string, EarlyBatch>();

  /** A new, empty batch. */
  static batch(): EarlyBatch {
    return { tasks: [], ids: new Set(), leased: [], closed: false };
  }

  /** `task` (of `batch`) is in line before its commit. */
  add(batch: EarlyBatch, task: TaskRecord): void {
    batch.tasks.push(task);
    batch.ids.add(task.id);
    this.batchOf.set(task.id, batch);
  }

  /**
   * A lease was just taken or moved on (progress): if its task waits for its enqueue's commit, the
   * record waits with it (returns true), to be published after the task's NEW state.
   */
  deferLease(leased: TaskRecord): boolean {
    const batch = this.batchOf.get(leased.id);
    if (!batch) return false;
    batch.leased.push(leased);
    return true;
  }

  /** True while `taskId` waits for its enqueue's commit. */
  has(taskId: string): boolean {
    return this.batchOf.has(taskId);
  }

  /**
   * The batch's commit succeeded or failed: its tasks are no longer early.
   *
   * @returns false if it was closed already
   */
  close(batch: EarlyBatch): boolean {
    if (batch.closed) return false;
    batch.closed = true;
    for (const id of batch.ids) this.batchOf.delete(id);
    return true;
  }
}
