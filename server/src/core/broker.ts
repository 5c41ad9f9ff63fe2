/**
 * The broker core: the task state machine as a service. It drives the store, and owns the state
 * that is derived from it and lives in memory only: parked `Lease` calls, `WatchResult`
 * subscribers, and the timer for due work. It knows nothing of gRPC.
 */
import { ShuttingDownError, TaskNotFoundError } from '../domain/errors.js';
import {
  isFinalStatus,
  type Completion,
  type CompletionResult,
  type HeartbeatItem,
  type HeartbeatResult,
  type LeaseOptions,
  type NewTask,
  type ProgressItem,
  type ProgressResult,
  type TaskRecord,
} from '../domain/task.js';
import type { ListFilter, ListPage, TaskStore } from '../store/task-store.js';
import { DueTimer } from './due-timer.js';
import { LeaseWaiters } from './lease-waiters.js';
import { TaskEvents } from './task-events.js';

/** Due tasks and expired leases are handled in batches of this size, one commit each. */
const DUE_BATCH = 1000;
/** After due work fails (a full disk, say), it is tried again this much later. */
const DUE_RETRY_MS = 1000;

/** Options of {@link Broker}. */
export interface BrokerOptions {
  /** Epoch milliseconds; tests pass a fake clock. Default `Date.now`. */
  clock?: () => number;
  /** Where unexpected background errors are reported. Default: `console.error`. */
  logError?: (message: string, error: unknown) => void;
}

/** The broker's operations, one per RPC, on domain types. */
export class Broker {
  private readonly waiters = new LeaseWaiters();
  private readonly events = new TaskEvents();
  private readonly dueTimer: DueTimer;
  private readonly closing = new AbortController();
  private readonly clock: () => number;
  private readonly logError: (message: string, error: unknown) => void;
  private dueWorkRunning = false;

  constructor(
    private readonly store: TaskStore,
    options: BrokerOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.logError = options.logError ?? ((message, error) => console.error(message, error));
    this.dueTimer = new DueTimer(() => void this.runDueWork(), this.clock);
    // Work that fell due while the broker was down is picked up at once.
    this.dueTimer.aim(store.nextDueAtMs());
  }

  /** Stores tasks atomically; resolves once they are durable. */
  async enqueue(tasks: readonly NewTask[]): Promise<TaskRecord[]> {
    this.assertOpen();
    const { value, changed } = await this.store.enqueue(tasks);
    this.afterCommit(changed);
    await this.store.durable();
    return value;
  }

  /**
   * Leases ready tasks. With none ready, waits up to `waitMs` for one; resolves with whatever it
   * got (possibly nothing) when the wait runs out, `signal` aborts or the broker shuts down.
   */
  async lease(options: LeaseOptions, waitMs: number, signal: AbortSignal): Promise<TaskRecord[]> {
    const deadlineMs = this.clock() + waitMs;
    for (;;) {
      this.assertOpen();
      const generation = this.waiters.generation(options.queues);
      const { value, changed } = await this.store.lease(options);
      this.afterCommit(changed);
      // The caller went away while the lease committed: no one will ever see these tasks, so give
      // them back now rather than leave them to their lease deadline (and an attempt lost).
      if (signal.aborted && value.length > 0) return this.releaseUndelivered(value);
      const remainingMs = deadlineMs - this.clock();
      if (value.length > 0 || remainingMs <= 0 || signal.aborted) return value;
      // A task became ready while the attempt was in flight: try again instead of sleeping.
      if (this.waiters.generation(options.queues) !== generation) continue;
      if ((await this.waiters.wait(options.queues, remainingMs, signal)) !== 'ready') return [];
    }
  }

  private async releaseUndelivered(tasks: readonly TaskRecord[]): Promise<TaskRecord[]> {
    const { changed } = await this.store.complete(
      tasks.map((task) => ({ taskId: task.id, leaseToken: task.lease!.token, outcome: { kind: 'released' as const } })),
    );
    this.afterCommit(changed);
    return [];
  }

  /** Extends valid leases and reports cancel requests; each item is answered on its own. */
  async heartbeat(items: readonly HeartbeatItem[], extendMs: number): Promise<HeartbeatResult[]> {
    this.assertOpen();
    const results = await this.store.heartbeat(items, extendMs);
    // A short `extendMs` can bring a deadline forward; the timer must not sleep past it.
    // (A deadline moved later only makes the timer wake early, find nothing, and sleep again.)
    for (const result of results) {
      if (result.leaseDeadlineMs !== undefined) this.dueTimer.aimNoLaterThan(result.leaseDeadlineMs);
    }
    return results;
  }

  /** Records outcomes, each fenced by its lease token; resolves once the accepted ones are durable. */
  async complete(completions: readonly Completion[]): Promise<CompletionResult[]> {
    this.assertOpen();
    const { value, changed } = await this.store.complete(completions);
    this.afterCommit(changed);
    await this.store.durable();
    return value;
  }

  /** Records progress reports and streams each to the task's watchers. Not flushed: progress is not an outcome. */
  async reportProgress(items: readonly ProgressItem[]): Promise<ProgressResult[]> {
    this.assertOpen();
    const { value, changed } = await this.store.reportProgress(items);
    this.afterCommit(changed);
    return value;
  }

  /** Cancels a task (see {@link TaskStore.cancel}); resolves once the change is durable. */
  async cancel(taskId: string, reason: string): Promise<TaskRecord> {
    this.assertOpen();
    const { value, changed } = await this.store.cancel(taskId, reason);
    this.afterCommit(changed);
    await this.store.durable();
    return value;
  }

  /** The task with this id. @throws TaskNotFoundError */
  getTask(taskId: string): TaskRecord {
    this.assertOpen();
    const task = this.store.get(taskId);
    if (!task) throw new TaskNotFoundError(taskId);
    return task;
  }

  /** A page of tasks. */
  listTasks(filter: ListFilter): ListPage {
    this.assertOpen();
    return this.store.list(filter);
  }

  /**
   * The task's current state, then each committed transition, ending after a final status.
   *
   * The subscription is made before the first read, and each state carries a version, so a
   * transition committed between the two is neither missed nor sent twice.
   *
   * @throws TaskNotFoundError for an unknown id
   * @throws ShuttingDownError when the broker shuts down before the task ends
   */
  async *watch(taskId: string, signal: AbortSignal): AsyncGenerator<TaskRecord, void, undefined> {
    this.assertOpen();
    const stop = AbortSignal.any([signal, this.closing.signal]);
    const pending: TaskRecord[] = [];
    let wake: (() => void) | undefined;
    const onStop = (): void => wake?.();
    const unsubscribe = this.events.subscribe(taskId, (task) => {
      pending.push(task);
      wake?.();
    });
    stop.addEventListener('abort', onStop);
    try {
      const current = this.store.get(taskId);
      if (!current) throw new TaskNotFoundError(taskId);
      let sentVersion = current.version;
      yield current;
      if (isFinalStatus(current.status)) return;
      for (;;) {
        while (pending.length === 0) {
          if (this.closing.signal.aborted) throw new ShuttingDownError();
          if (stop.aborted) return;
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
        const next = pending.shift()!;
        if (next.version <= sentVersion) continue;
        sentVersion = next.version;
        yield next;
        if (isFinalStatus(next.status)) return;
      }
    } finally {
      unsubscribe();
      stop.removeEventListener('abort', onStop);
    }
  }

  /**
   * Stops taking work: parked leases return empty, watch streams end with
   * {@link ShuttingDownError}, the due timer stops. Calls already inside the store finish.
   */
  shutdown(): void {
    if (this.closing.signal.aborted) return;
    this.closing.abort();
    this.waiters.close();
    this.dueTimer.stop();
  }

  /** Tells waiters, watchers and the due timer what a commit changed. */
  private afterCommit(changed: readonly TaskRecord[]): void {
    if (changed.length === 0) return;
    const readyQueues = new Set<string>();
    let nextDueMs = Infinity;
    for (const task of changed) {
      this.events.publish(task);
      if (task.status === 'new' || task.status === 'retry') {
        if (!task.delayed) readyQueues.add(task.queue);
        else nextDueMs = Math.min(nextDueMs, task.runAtMs ?? 0);
      } else if (task.lease) {
        nextDueMs = Math.min(nextDueMs, task.lease.deadlineMs);
      }
    }
    if (readyQueues.size > 0) this.waiters.signal(readyQueues);
    if (nextDueMs < Infinity) this.dueTimer.aimNoLaterThan(nextDueMs);
  }

  /** Promotes due tasks and reaps expired leases, batch by batch, then re-aims the timer. */
  private async runDueWork(): Promise<void> {
    if (this.dueWorkRunning) return;
    this.dueWorkRunning = true;
    let nextAtMs: number | undefined;
    try {
      for (;;) {
        const promoted = await this.store.promoteDue(DUE_BATCH);
        this.afterCommit(promoted.changed);
        const reaped = await this.store.reapExpiredLeases(DUE_BATCH);
        this.afterCommit(reaped.changed);
        if (promoted.value < DUE_BATCH && reaped.value < DUE_BATCH) break;
      }
      nextAtMs = this.store.nextDueAtMs();
    } catch (error) {
      if (this.closing.signal.aborted) return;
      this.logError('qtasks-broker: due work failed; retrying', error);
      nextAtMs = this.clock() + DUE_RETRY_MS;
    } finally {
      this.dueWorkRunning = false;
    }
    if (!this.closing.signal.aborted) this.dueTimer.aim(nextAtMs);
  }

  private assertOpen(): void {
    if (this.closing.signal.aborted) throw new ShuttingDownError();
  }
}
