/**
 * Fan-out of committed task transitions to `WatchResult` streams. Watching is in-memory state
 * derived from the store: a watcher always starts from a read of the record, so nothing here needs
 * to survive a restart.
 */

import type { TaskRecord } from '../domain/task.js';

/** Receives each committed state of one task. */
export type TaskListener = (task: TaskRecord) => void;

/**
 * Subscriptions to committed task transitions, by task id. Nearly every watched task has one
 * listener (the Work session that leased it, for its cancel request), so a task's entry is that
 * listener itself, and becomes a set only when a second one comes: no set per leased task, and no
 * copy of one at each of its transitions.
 */
export class TaskEvents {
  private readonly listeners = new Map<string, TaskListener | Set<TaskListener>>();
  /** Listeners of every task (the dashboard's live list); usually none. */
  private readonly everyTask = new Set<TaskListener>();
  /** Told when a task is found removed without its last state heard (a shared store: see {@link publishGone}). */
  private readonly goneListeners = new Map<string, Set<() => void>>();

  /** Calls `listener` with every state of the task committed from now on; returns the unsubscribe. */
  subscribe(taskId: string, listener: TaskListener): () => void {
    const had = this.listeners.get(taskId);
    if (had === undefined) this.listeners.set(taskId, listener);
    else if (typeof had === 'function') this.listeners.set(taskId, new Set([had, listener]));
    else had.add(listener);
    return () => this.unsubscribe(taskId, listener);
  }

  private unsubscribe(taskId: string, listener: TaskListener): void {
    const had = this.listeners.get(taskId);
    if (had === listener) {
      this.listeners.delete(taskId);
    } else if (typeof had === 'object') {
      had.delete(listener);
      if (had.size === 0) this.listeners.delete(taskId);
    }
  }

  /**
   * Calls `listener` with every committed state of every task from now on; returns the
   * unsubscribe. The listener runs inside the commit's fan-out, so it must only note the state
   * and return (the dashboard's feeds coalesce and send later).
   */
  subscribeAll(listener: TaskListener): () => void {
    this.everyTask.add(listener);
    return () => void this.everyTask.delete(listener);
  }

  /** Calls `listener` if the task is found removed before its end was heard; returns the unsubscribe. */
  onGone(taskId: string, listener: () => void): () => void {
    let listeners = this.goneListeners.get(taskId);
    if (!listeners) this.goneListeners.set(taskId, (listeners = new Set()));
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.goneListeners.get(taskId) === listeners) this.goneListeners.delete(taskId);
    };
  }

  /**
   * The task was removed and its last states were not heard here: another broker on a shared
   * store removed it (a purge, a retention's end) before this one read it. Its watchers end.
   */
  publishGone(taskId: string): void {
    for (const listener of [...(this.goneListeners.get(taskId) ?? [])]) listener();
  }

  /** Hands a committed state to the task's listeners, and to those of every task. */
  publish(task: TaskRecord): void {
    const had = this.listeners.get(task.id);
    if (typeof had === 'function') had(task);
    // A copy: a listener may unsubscribe (or subscribe another) while the set is walked.
    else if (had) for (const listener of [...had]) listener(task);
    // A size check first: with no dashboard open, the hot path pays one comparison.
    if (this.everyTask.size > 0) for (const listener of [...this.everyTask]) listener(task);
  }

  /** True if anything here hears of this task's states: a listener of it, or of every task. */
  isListened(taskId: string): boolean {
    return this.everyTask.size > 0 || this.listeners.has(taskId);
  }

  /** The tasks with a listener of their own. */
  listenedTasks(): IterableIterator<string> {
    return this.listeners.keys();
  }

  /** Number of tasks being watched (for tests and metrics). */
  get watchedTasks(): number {
    return this.listeners.size;
  }
}
