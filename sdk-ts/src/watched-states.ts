/**
 * The states of one task that the broker pushes on a Produce stream (an `enqueue` sent with
 * `watch`), read by one consumer as an async iterable: the state the enqueue was answered with
 * first, then each pushed state (the final one alone with `watch_final_only`, on a broker that
 * knows the field), ending after a final status. A consumer that leaves early tells
 * the stream to stop watching.
 */
import { TaskStatus, type Task as ProtoTask } from '@qtasks/proto';
import { abortable } from './backoff.js';

const FINAL = new Set([TaskStatus.TASK_STATUS_SUCCESS, TaskStatus.TASK_STATUS_ERROR, TaskStatus.TASK_STATUS_CANCEL]);

/** True for SUCCESS, ERROR and CANCEL: no state follows them. */
export function isFinalState(task: ProtoTask): boolean {
  return FINAL.has(task.status);
}

/** One watched task's states, as they arrive. */
export class WatchedStates {
  private readonly queue: ProtoTask[];
  private wake: (() => void) | undefined;
  private ended: boolean;
  private failure: { error: unknown } | undefined;

  /**
   * @param first - the state the enqueue was answered with
   * @param onLeave - called once if the consumer leaves before the end: the stream stops watching
   */
  constructor(
    first: ProtoTask,
    private readonly onLeave: () => void,
  ) {
    this.queue = [first];
    this.ended = isFinalState(first);
  }

  /** True once a final state arrived or the watch failed: nothing more will come. */
  get isOver(): boolean {
    return this.ended || this.failure !== undefined;
  }

  /** A state pushed by the broker. */
  push(task: ProtoTask): void {
    if (this.isOver) return;
    this.queue.push(task);
    if (isFinalState(task)) this.ended = true;
    this.wake?.();
  }

  /** The watch ended early (the broker's `watch_error`, or the stream failed): the reader gets `error`. */
  fail(error: unknown): void {
    if (this.isOver) return;
    this.failure = { error };
    this.wake?.();
  }

  /** The states in order until the last; rejects with the watch's error, or `signal`'s reason. */
  async *states(signal: AbortSignal): AsyncGenerator<ProtoTask> {
    try {
      for (;;) {
        while (this.queue.length > 0) yield this.queue.shift()!;
        if (this.ended) return;
        if (this.failure) throw this.failure.error;
        await abortable(new Promise<void>((resolve) => (this.wake = resolve)), signal);
        this.wake = undefined;
      }
    } finally {
      this.stop();
    }
  }

  /** The consumer wants no more states (also when it never read any): the stream stops watching. */
  stop(): void {
    if (this.isOver) return;
    this.failure = { error: new Error('the watch was stopped') };
    this.onLeave();
  }
}
