/**
 * The API's JSON shapes, taken from the broker's own definitions (`server/src/dashboard/task-json.ts`)
 * so that the page and the server cannot drift apart; type imports only, nothing of the server is
 * bundled.
 */
import type { QueueJson, TaskJson, TaskRowJson } from '../../server/src/dashboard/task-json.js';
import type { TaskStatus } from '../../server/src/domain/task.js';

export type { PastAttemptJson, QueueJson, TaskJson } from '../../server/src/dashboard/task-json.js';
export type { TaskStatus } from '../../server/src/domain/task.js';

/** A list row as the API sends it: with the version that orders a task's states. */
export type TaskRow = TaskRowJson & { version: number };

/** `GET /api/tasks`. */
export interface TaskPage {
  tasks: TaskRow[];
  nextPageToken: string | null;
}

/** `GET /api/queues`. */
export interface QueueList {
  queues: QueueJson[];
}

/** `GET /api/tasks/:id` and the actions on a task. */
export interface TaskAnswer {
  task: TaskJson;
}

/** Every status, in the broker's order. */
export const STATUSES: readonly TaskStatus[] = ['new', 'process', 'retry', 'success', 'error', 'cancel'];

/** True for the statuses a task never leaves. */
export function isFinal(status: TaskStatus): boolean {
  return status === 'success' || status === 'error' || status === 'cancel';
}
