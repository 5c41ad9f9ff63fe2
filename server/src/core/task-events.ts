/**
 * Fan-out of committed task transitions to `WatchResult` streams. Watching is in-memory state
 * derived from the store: a watcher always starts from a read of the record, so nothing here needs
 * to survive a restart.
 */

import type { TaskRecord } from '../domain/task.js';

/** Receives each committed state of one task. */
export type TaskListener = (task: TaskRecord) => void;

/** Subscriptions to committed task transitions, by task id. */
export class TaskEvents {
  private readonly listeners = new Map<string, Set<TaskListener>>();

  /** Calls `listener` with every state of the task committed from now on; returns the unsubscribe. */
  subscribe(taskId: string, listener: TaskListener): () => void {
    let set = this.listeners.get(taskId);
    if (!set) this.listeners.set(taskId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(taskId) === set) this.listeners.delete(taskId);
    };
  }

  /** Hands a committed state to the task's listeners. */
  publish(task: TaskRecord): void {
    const set = this.listeners.get(task.id);
    if (set) for (const listener of [...set]) listener(task);
  }

  /** Number of tasks being watched (for tests and metrics). */
  get watchedTasks(): number {
    return this.listeners.size;
  }
}
