import type { TaskRecord, TaskStatus } from '../task.js';

/**
 * The record of a task that reached a final status: its lease dropped, out of every ready or
 * delayed line, and `finishedAtMs` set. Callers have passed the guard of their own row.
 */
export function finish(before: TaskRecord, status: TaskStatus, nowMs: number, changes: Partial<TaskRecord>): TaskRecord {
  return { ...before, lease: undefined, ...changes, status, delayed: false, updatedAtMs: nowMs, finishedAtMs: nowMs, version: before.version + 1 };
}
