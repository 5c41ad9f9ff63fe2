/**
 * Task listings over several statuses and pages: the broker lists one status at a time
 * (`ListTasks`), so `--status error,cancel` is two listings, one after the other.
 */
import type { QTasks, Task, TaskListFilter, TaskStatusName } from '@qtasks/sdk';

/** Most tasks the broker returns in one page. */
const MAX_PAGE = 1000;

/** What to list: each status in turn (or all statuses at once when none is given). */
export interface Listing {
  /** Only tasks of this queue. */
  queue?: string;
  /** Only tasks in these statuses, listed in this order; every status when left out. */
  statuses?: readonly TaskStatusName[];
  /** Only tasks that ended at or after this time (final statuses only). */
  finishedAfter?: Date;
}

/** The filters of one listing: one per status. */
function filtersOf(listing: Listing): TaskListFilter[] {
  const base: TaskListFilter = {
    ...(listing.queue === undefined ? {} : { queue: listing.queue }),
    ...(listing.finishedAfter === undefined ? {} : { finishedAfter: listing.finishedAfter }),
  };
  return listing.statuses === undefined ? [base] : listing.statuses.map((status) => ({ ...base, status }));
}

/** Up to `max` tasks of the listing, and whether there are more. */
export async function collectTasks(app: QTasks, listing: Listing, max: number): Promise<{ tasks: Task[]; more: boolean }> {
  const tasks: Task[] = [];
  const filters = filtersOf(listing);
  for (const [i, filter] of filters.entries()) {
    let pageToken: string | undefined;
    do {
      if (tasks.length >= max) return { tasks, more: true };
      const page = await app.listTasks({ ...filter, pageSize: Math.min(MAX_PAGE, max - tasks.length), ...(pageToken ? { pageToken } : {}) });
      tasks.push(...page.tasks);
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    if (tasks.length >= max) return { tasks, more: await anyIn(app, filters.slice(i + 1)) };
  }
  return { tasks, more: false };
}

/** True when one of these listings has a task. */
async function anyIn(app: QTasks, filters: readonly TaskListFilter[]): Promise<boolean> {
  for (const filter of filters) if ((await app.listTasks({ ...filter, pageSize: 1 })).tasks.length > 0) return true;
  return false;
}

/**
 * The ids of every task of the listing, read to the end before anything is done to them: a
 * task changed while the listing is read (retried, then failed again) would come back in a later
 * page and be done twice.
 */
export async function collectIds(app: QTasks, listing: Listing): Promise<string[]> {
  const ids: string[] = [];
  for (const filter of filtersOf(listing)) {
    let pageToken: string | undefined;
    do {
      const page = await app.listTasks({ ...filter, pageSize: MAX_PAGE, ...(pageToken ? { pageToken } : {}) });
      for (const task of page.tasks) ids.push(task.uuid);
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
  }
  return [...new Set(ids)];
}
