/**
 * Tasks of an Enqueue leased in the Enqueue's own statement, to workers of this broker parked on
 * their queues: the row is inserted already leased, so the worker's task costs no lease
 * transaction of its own (three round trips), and is pushed as soon as the insert commits. The
 * LMDB store hands a task over in the enqueue's turn too, in memory (`early-tasks.ts`); here
 * nothing is pushed before the commit: a failed insert leases nothing, and the parked workers
 * lease again.
 *
 * The core runs the hand-over (`EarlyHandoff.offer` wakes the parked workers that take tasks
 * over, each of which calls the store's `lease` at once): while it runs, the store's `lease`
 * takes from {@link HandOut} instead of the table; the other parked callers (a unary Lease) wake
 * at the commit, when the tasks are in line. Only queues whose tasks any broker may lease at once
 * are handed out: not a paused queue, nor one with limits (those are counted under the queue's
 * lock, `pg-limited-lease.ts`).
 */
import { countByQueue, replyMeter, type LeaseOptions, type TaskRecord } from '../../domain/task.js';
import type { TransitionContext } from '../../domain/transitions/context.js';
import { leaseTask } from '../../domain/transitions/lease.js';
import type { EarlyBatch } from '../early-tasks.js';
import { newLeaseToken } from '../ids.js';
import type { WriteResult } from '../task-store.js';

/** One Enqueue's tasks on offer to the parked workers, then its leases until the insert settles. */
export class HandOut {
  /** The records as the insert stores them: those leased in their PROCESS state. */
  readonly stored: TaskRecord[];
  /** The leases taken, in order. */
  readonly leased: TaskRecord[] = [];
  /** The ready tasks on offer, by queue (what wakes the parked workers). */
  readonly readyCounts: ReadonlyMap<string, number>;
  /** The places in {@link stored} of the tasks on offer, best first (lowest priority, then oldest in line). */
  private readonly bestFirst: number[];
  private settle!: (committed: boolean) => void;
  private readonly committed = new Promise<boolean>((resolve) => (this.settle = resolve));

  /**
   * @param offered - whether a task may be handed out (ready, its queue neither paused nor limited)
   */
  constructor(
    tasks: readonly TaskRecord[],
    private readonly offered: (task: TaskRecord) => boolean,
    private readonly at: TransitionContext,
  ) {
    this.stored = [...tasks];
    this.readyCounts = countByQueue(tasks.filter(offered));
    this.bestFirst = tasks
      .flatMap((task, index) => (offered(task) ? [index] : []))
      .sort((a, b) => tasks[a]!.priority - tasks[b]!.priority || tasks[a]!.seq - tasks[b]!.seq);
  }

  /**
   * A parked worker's lease, taken of the tasks on offer, best first: settles with them once the
   * insert committed, with none if it failed.
   */
  lease(options: LeaseOptions): Promise<WriteResult<TaskRecord[]>> {
    const fits = replyMeter(options.replyBudget);
    const leased: TaskRecord[] = [];
    for (const index of this.bestFirst) {
      const task = this.stored[index]!;
      // Taken by a worker woken before this one (its lease is no longer on offer), or of another queue.
      if (!options.queues.includes(task.queue) || !this.offered(task)) continue;
      if (leased.length === options.maxTasks || !fits(task)) break;
      const after = leaseTask(task, { workerId: options.workerId, leaseMs: options.leaseMs, token: newLeaseToken() }, this.at);
      this.stored[index] = after;
      leased.push(after);
    }
    this.leased.push(...leased);
    // Their states are published with the enqueue's (see `batch`), not by the lease.
    return this.committed.then((committed) => ({ value: committed ? leased : [], changed: [] }));
  }

  /** The insert committed (true) or failed: the parked workers' leases settle. */
  settled(committed: boolean): void {
    this.settle(committed);
  }

  /** What the core publishes at the commit: the tasks' NEW states, then their leases (`EarlyHandoff.committed`). */
  batch(): EarlyBatch {
    const ids = new Set(this.leased.map((task) => task.id));
    return { tasks: this.stored.filter((task) => ids.has(task.id)), ids, leased: [...this.leased], closed: true, acknowledged: false };
  }
}
