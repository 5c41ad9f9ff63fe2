/**
 * The task listing behind `app.listTasks`: one page of the broker's `ListTasks`, filtered by
 * queue, status and end time, with the token of the next page.
 *
 * The broker checks the filter and names the field it refuses (`finished_after: needs a status
 * filter of SUCCESS, ERROR or CANCEL`), which reaches the caller as a {@link BrokerCallError}
 * (INVALID_ARGUMENT). The SDK itself only refuses a status name it does not know, with a
 * {@link TaskUsageError}.
 */
import type { BrokerConnection } from './connection.js';
import { TaskUsageError, type BrokerCallError } from './errors.js';
import { STATUS_NAME_LIST, Task, statusValue, type ResultWaiter, type TaskStatusName } from './task.js';

/** What `app.listTasks` lists; every field left out is no filter. */
export interface TaskListFilter {
  /** Only tasks of this queue. */
  queue?: string;
  /** Only tasks in this status. Without it, tasks come grouped by status. */
  status?: TaskStatusName;
  /**
   * Only tasks that ended at or after this time, in the order they ended. Needs a final `status`
   * (`success`, `error` or `cancel`): only ended tasks have an end time.
   */
  finishedAfter?: Date;
  /** Most tasks in the page, 1–1000. @defaultValue 100 */
  pageSize?: number;
  /** {@link TaskPage.nextPageToken} of the previous page, listed with the same filter. */
  pageToken?: string;
}

/** One page of tasks, as `app.listTasks` gives it. */
export interface TaskPage<R = unknown> {
  /** The tasks of this page: in id (creation) order within a status, or end order with `finishedAfter`. */
  tasks: Task<R>[];
  /** Pass it as `pageToken` (with the same filter) for the next page; `undefined` on the last page. */
  nextPageToken: string | undefined;
}

/** What the listing needs of the connection. */
type Calls = Pick<BrokerConnection, 'unary'>;

/**
 * Lists one page of tasks (ListTasks).
 * @param waiter - what the tasks' `waitResult` waits with (the app)
 * @throws TaskUsageError for a status name the SDK does not know
 */
export async function listTasks<R = unknown>(conn: Calls, filter: TaskListFilter, waiter?: ResultWaiter): Promise<TaskPage<R>> {
  const status = filter.status === undefined ? undefined : statusValue(filter.status);
  if (filter.status !== undefined && status === undefined) {
    throw new TaskUsageError(`listTasks: status: unknown status ${JSON.stringify(filter.status)}; use ${STATUS_NAME_LIST.join(', ')}`);
  }
  const request = {
    queue: filter.queue ?? '',
    status,
    pageSize: filter.pageSize ?? 0,
    pageToken: filter.pageToken ?? '',
    finishedAfter: filter.finishedAfter,
  };
  const page = await conn.unary('ListTasks', (client, signal) => client.listTasks(request, { signal }));
  return { tasks: page.tasks.map((task) => new Task<R>(task, waiter)), nextPageToken: page.nextPageToken || undefined };
}
