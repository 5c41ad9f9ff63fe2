/**
 * Tasks handed out before their enqueue has committed: in `commit` mode, the ready tasks of a
 * lone Enqueue join their line as the request is read, so that a worker waiting on the queue is
 * pushed its task in that same turn of the event loop, while the enqueue's own commit (and its
 * fsync) runs at the end of the turn (docs/decisions.md, "A task handed out before its commit").
 *
 * Most such Enqueues are answered from the ack log (`ack-log.ts`): their tasks are stored as far as
 * anyone can tell (a failed commit stops the store, and the next start stores them from the log),
 * so they are published as they are answered and are early no longer (see
 * {@link EarlyTasks.acknowledge}). The rest (the log is full, or its append failed) wait for their
 * commit: until then such a task exists in memory only. Its lease is taken as any other (in
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
  /**
   * Set when the Enqueue was answered from the ack log: its commit cannot be taken back, so its
   * tasks' NEW states were published then ({@link EarlyHandoff.acknowledged}), their leases are
   * published as they are taken, and the commit only puts in line and wakes for what it stored.
   */
  acknowledged: boolean;
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
   * Tasks about to be stored by a statement not yet issued, that may be leased in it (the
   * PostgreSQL store's hand-out, `pg-hand-out.ts`): wake the workers waiting on these queues
   * that take tasks over at once (each calls the store's `lease` now); the others wake at the
   * commit, when the tasks are in line.
   *
   * @returns true if a worker was woken for them
   */
  offer(readyCounts: ReadonlyMap<string, number>): boolean;
  /**
   * The enqueue committed: publish `changed` (its tasks' NEW states, unless `batch.acknowledged`
   * published them already) and then `batch.leased`, and wake for the tasks it put in line. Called
   * as the commit settles, before the caller of any write that shared the commit resumes.
   */
  committed(changed: readonly TaskRecord[], batch: EarlyBatch): void;
  /**
   * The enqueue was answered from the ack log (see {@link EarlyBatch.acknowledged}): publish its
   * tasks' NEW states now, then the leases taken of them meanwhile (`batch.leased`, emptied: a
   * worker woken by {@link ready} may have taken one at once), before any later lease.
   */
  acknowledged(tasks: readonly TaskRecord[], batch: EarlyBatch): void;
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
    return { tasks: [], ids: new Set(), leased: [], closed: false, acknowledged: false };
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
   * The batch was answered from the ack log: its commit can no longer be taken back (a failed one
   * stops the store), so its tasks are no longer early, and their leases are published as they
   * are taken. The batch still settles at its commit (see {@link close}).
   */
  acknowledge(batch: EarlyBatch): void {
    batch.acknowledged = true;
    for (const id of batch.ids) this.batchOf.delete(id);
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
