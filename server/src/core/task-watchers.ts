/**
 * `WatchResult` streams: each one's current state, then every committed transition, with bounds
 * on what a watcher may cost. The fan-out itself is {@link TaskEvents}; this file decides what each
 * watcher keeps and when it is refused or dropped.
 *
 * Bounds, because a client may open many streams and never read them:
 * - `maxWatchers` streams in all and `maxWatchersPerTask` on one task; one more is refused with
 *   RESOURCE_EXHAUSTED, saying which limit;
 * - states waiting for a watcher that is behind: past `maxQueuedBytes` of payload, a new state
 *   with the status of the last waiting one replaces it (a lagging watcher gets the latest
 *   progress, not every report in between; every change of status is still delivered);
 * - a watcher that took no state for `stallMs` while others waited is dropped with
 *   RESOURCE_EXHAUSTED when the next state comes, and nothing is kept for it any more.
 * States are the records the store committed, shared by every watcher of the task, so a state
 * waiting for many watchers is held once.
 */
import { ResourceExhaustedError, ShuttingDownError, TaskNotFoundError } from '../domain/errors.js';
import { isFinalStatus, type TaskRecord } from '../domain/task.js';
import type { TaskEvents } from './task-events.js';

/** Default of {@link TaskWatchersOptions.maxWatchers}. */
export const DEFAULT_MAX_WATCHERS = 10_000;
/** Default of {@link TaskWatchersOptions.maxWatchersPerTask}. */
export const DEFAULT_MAX_WATCHERS_PER_TASK = 100;
/** Default of {@link TaskWatchersOptions.maxQueuedBytes}. */
export const DEFAULT_WATCH_QUEUED_BYTES = 1024 * 1024;
/** Default of {@link TaskWatchersOptions.stallMs}. */
export const DEFAULT_WATCH_STALL_MS = 30_000;

/** Options of {@link TaskWatchers}. */
export interface TaskWatchersOptions {
  /** Reads a task's current state. */
  read: (taskId: string) => TaskRecord | undefined | Promise<TaskRecord | undefined>;
  /** The fan-out of committed states. */
  events: TaskEvents;
  /** Aborted when the broker shuts down: every stream then ends with ShuttingDownError. */
  closing: AbortSignal;
  /** Most streams open at once. @defaultValue {@link DEFAULT_MAX_WATCHERS} */
  maxWatchers?: number;
  /** Most streams open at once on one task. @defaultValue {@link DEFAULT_MAX_WATCHERS_PER_TASK} */
  maxWatchersPerTask?: number;
  /**
   * Payload bytes (args, kwargs, result, progress) of the states waiting for one watcher above
   * which states are coalesced, as above. @defaultValue {@link DEFAULT_WATCH_QUEUED_BYTES}
   */
  maxQueuedBytes?: number;
  /** How long a watcher may take no state while later ones wait. @defaultValue {@link DEFAULT_WATCH_STALL_MS} */
  stallMs?: number;
  /** Monotonic milliseconds, for the stall; tests pass a fake. @defaultValue `performance.now` */
  monotonicClock?: () => number;
}

/** Open `WatchResult` streams and their bounds. */
export class TaskWatchers {
  private readonly byTask = new Map<string, number>();
  private openCount = 0;
  private readonly maxWatchers: number;
  private readonly maxWatchersPerTask: number;
  private readonly maxQueuedBytes: number;
  private readonly stallMs: number;
  private readonly now: () => number;

  constructor(private readonly options: TaskWatchersOptions) {
    this.maxWatchers = options.maxWatchers ?? DEFAULT_MAX_WATCHERS;
    this.maxWatchersPerTask = options.maxWatchersPerTask ?? DEFAULT_MAX_WATCHERS_PER_TASK;
    this.maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_WATCH_QUEUED_BYTES;
    this.stallMs = options.stallMs ?? DEFAULT_WATCH_STALL_MS;
    this.now = options.monotonicClock ?? (() => performance.now());
  }

  /** Streams open now. */
  get open(): number {
    return this.openCount;
  }

  /**
   * The task's current state, then each committed transition, ending after a final status.
   *
   * The subscription is made before the first read, and each state carries a version, so a
   * transition committed between the two is neither missed nor sent twice.
   *
   * @throws TaskNotFoundError for an unknown id
   * @throws ResourceExhaustedError past a watcher limit, or when the client fell behind (see above)
   * @throws ShuttingDownError when the broker shuts down before the task ends
   */
  async *watch(taskId: string, signal: AbortSignal): AsyncGenerator<TaskRecord, void, undefined> {
    const leave = this.enter(taskId);
    const closing = this.options.closing;
    const pending: TaskRecord[] = [];
    let pendingBytes = 0;
    let wake: (() => void) | undefined;
    /** When the last state was handed to the client, while it has not asked for the next one. */
    let handedAtMs: number | undefined;
    let dropped = 0;
    const onStop = (): void => wake?.();
    let gone = false;
    const unsubscribeGone = this.options.events.onGone(taskId, () => {
      gone = true;
      wake?.();
    });
    const unsubscribe = this.options.events.subscribe(taskId, (task) => {
      if (pending.length > 0 && handedAtMs !== undefined && this.now() - handedAtMs > this.stallMs) {
        dropped = pending.length + 1;
        pending.length = 0;
        pendingBytes = 0;
        unsubscribe();
      }
      if (dropped === 0) {
        const last = pending.at(-1);
        const bytes = payloadBytes(task);
        if (last && last.status === task.status && pendingBytes + bytes > this.maxQueuedBytes) {
          pendingBytes -= payloadBytes(last);
          pending.pop();
        }
        pending.push(task);
        pendingBytes += bytes;
      }
      wake?.();
    });
    // Listeners on both signals rather than AbortSignal.any: on Node 20, `any` leaves an entry on
    // the long-lived closing signal for every watch ever made.
    signal.addEventListener('abort', onStop);
    closing.addEventListener('abort', onStop);
    const fellBehind = (): ResourceExhaustedError =>
      new ResourceExhaustedError(
        'WATCH_FELL_BEHIND',
        `this stream took no state for over ${this.stallMs} ms while ${dropped} more waited; they were dropped: watch the task again (its current state comes first)`,
      );
    try {
      const read = this.options.read(taskId);
      // Awaited only when the store answers later: states heard meanwhile wait in `pending`.
      const current = read instanceof Promise ? await read : read;
      if (!current) throw new TaskNotFoundError(taskId);
      let sentVersion = current.version;
      handedAtMs = this.now();
      yield current;
      handedAtMs = undefined;
      if (isFinalStatus(current.status)) return;
      for (;;) {
        while (pending.length === 0) {
          if (dropped > 0) throw fellBehind();
          if (gone) throw new TaskNotFoundError(taskId);
          if (closing.aborted) throw new ShuttingDownError();
          if (signal.aborted) return;
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
        const next = pending.shift()!;
        pendingBytes -= payloadBytes(next);
        if (next.version <= sentVersion) continue;
        sentVersion = next.version;
        handedAtMs = this.now();
        yield next;
        handedAtMs = undefined;
        if (isFinalStatus(next.status)) return;
      }
    } finally {
      unsubscribe();
      unsubscribeGone();
      signal.removeEventListener('abort', onStop);
      closing.removeEventListener('abort', onStop);
      leave();
    }
  }

  /** Counts a new stream on `taskId`, or refuses it past a limit; returns the uncount. */
  private enter(taskId: string): () => void {
    if (this.openCount >= this.maxWatchers) {
      throw new ResourceExhaustedError(
        'TOO_MANY_WATCHERS',
        `the broker has ${this.openCount} WatchResult streams open, its limit (--max-watchers); close streams you no longer read, or wait with GetTask`,
      );
    }
    const onTask = this.byTask.get(taskId) ?? 0;
    if (onTask >= this.maxWatchersPerTask) {
      throw new ResourceExhaustedError(
        'TOO_MANY_WATCHERS',
        `task ${taskId} has ${onTask} WatchResult streams open, the limit per task (--max-watchers-per-task); share one stream per client`,
      );
    }
    this.openCount++;
    this.byTask.set(taskId, onTask + 1);
    return () => {
      this.openCount--;
      const left = this.byTask.get(taskId)! - 1;
      if (left === 0) this.byTask.delete(taskId);
      else this.byTask.set(taskId, left);
    };
  }
}

/**
 * The bytes of a state's payloads, the parts of a record that can be large, plus a little for the
 * rest, so that countless tiny states are bounded too. Kept small on purpose: a burst of 10,000
 * small progress reports for a watcher that is reading must all reach it (bad-input.test.ts).
 */
function payloadBytes(task: TaskRecord): number {
  return task.args.length + task.kwargs.length + (task.result?.length ?? 0) + (task.progress?.length ?? 0) + 32;
}
