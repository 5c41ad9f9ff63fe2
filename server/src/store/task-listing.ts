/**
 * ListTasks over the store's two homes of a task: LMDB for records and for the indexes of ended
 * and delayed tasks, memory for ready lines and leases. Each status is listed from where it is
 * kept (see {@link listTasks}); a page's cursor starts with the status's position in
 * {@link TASK_STATUSES}, so a list by queue alone walks the statuses in that order.
 */
import type { Database } from 'lmdb';
import { TASK_STATUSES, isFinalStatus, replyMeter, type ReplyBudget, type TaskRecord, type TaskStatus } from '../domain/task.js';
import { byCodePoint, prefixRange, statusIndex, type Key } from './keys.js';
import type { LeaseBook } from './lease-book.js';
import type { PlacedEntry, ReadyLines } from './ready-lines.js';

/** A filter and cursor for {@link listTasks}. */
export interface ListFilter {
  queue?: string;
  status?: TaskStatus;
  limit: number;
  /** Cursor returned by the previous page. */
  after?: ListCursor;
  /** A page ends early (with a cursor) where its tasks would no longer fit in one reply. */
  replyBudget?: ReplyBudget;
  /** Only ended tasks that ended at or after this wall time (see {@link listTasks}). */
  finishedAfterMs?: number;
}

/** Where a page ended: the status's position, then where in that status's source. */
export type ListCursor = (string | number)[];

/** One page of {@link listTasks}. */
export interface ListPage {
  tasks: TaskRecord[];
  /** Cursor of the next page; absent on the last page. */
  next?: ListCursor;
}

/** What a list reads. */
export interface ListSources {
  tasks: Database<TaskRecord, string>;
  /** `[statusIndex, queue, finishedAtMs, id]` of every ended task. */
  finished: Database<unknown, Key>;
  /** `[runAtMs, seq]` → id of every task waiting for its eta or backoff. */
  delayed: Database<unknown, Key>;
  ready: ReadyLines;
  /** Ready tasks a queue limit holds aside (see `dispatch-gate.ts`), in any order. */
  held: (queue?: string) => PlacedEntry[];
  leases: LeaseBook;
  /** The task as a reader sees it (a leased task's record comes from memory). */
  view(taskId: string): TaskRecord | undefined;
}

/** Where each list of a status resumes: `ready` and `delayed` are the two halves of NEW and RETRY. */
const READY = 'ready';
const DELAYED = 'delayed';

/**
 * A page of tasks.
 * - No filter: every task in id (creation) order, from the records.
 * - SUCCESS, ERROR, CANCEL: by queue, then end time, from the index of ended tasks; with
 *   `finishedAfterMs`, only those that ended since (a seek per queue, not a filter).
 * - PROCESS: by queue, then id, from the leases in memory.
 * - NEW, RETRY: ready ones in lease order (queue, priority, FIFO), from the ready lines, those a
 *   queue limit holds aside in their places among them; then delayed ones by run-at time, from the
 *   delayed index.
 * - A queue without a status: each status in turn, in the order of {@link TASK_STATUSES}.
 */
export function listTasks(sources: ListSources, filter: ListFilter): ListPage {
  const page = new PageBuilder(filter);
  if (filter.queue === undefined && filter.status === undefined) {
    const after = filter.after?.[0] as string | undefined;
    for (const key of sources.tasks.getKeys(after === undefined ? {} : { start: after })) {
      if (key === after) continue;
      if (!page.add(sources.view(key)!, [key])) break;
    }
    return page.result();
  }
  const statuses = filter.status !== undefined ? [filter.status] : TASK_STATUSES;
  for (const status of statuses) {
    const position = statusIndex(status);
    const after = filter.after;
    if (after !== undefined && position < (after[0] as number)) continue;
    const resume = after !== undefined && after[0] === position ? after.slice(1) : undefined;
    const lister = isFinalStatus(status) ? listEnded : status === 'process' ? listLeased : listWaiting;
    if (!lister(sources, status, filter.queue, resume, (task, at) => page.add(task, [position, ...at]), filter.finishedAfterMs)) break;
  }
  return page.result();
}

/** Offers each task of one status after `resume` to `add`; false once `add` refused one (the page is full). */
type StatusLister = (
  sources: ListSources,
  status: TaskStatus,
  queue: string | undefined,
  resume: ListCursor | undefined,
  add: (task: TaskRecord, at: ListCursor) => boolean,
  finishedAfterMs?: number,
) => boolean;

const listEnded: StatusLister = (sources, status, queue, resume, add, finishedAfterMs) => {
  const position = statusIndex(status);
  const { start, end } = prefixRange(queue === undefined ? [position] : [position, queue]);
  const from = resume ? [position, ...resume] : queue !== undefined && finishedAfterMs !== undefined ? [position, queue, finishedAfterMs] : start;
  for (const key of sources.finished.getKeys({ start: from, end })) {
    if (resume && key[1] === resume[0] && key[2] === resume[1] && key[3] === resume[2]) continue;
    if (finishedAfterMs !== undefined && (key[2] as number) < finishedAfterMs) continue;
    if (!add(sources.tasks.get(key[3] as string)!, [key[1]!, key[2]!, key[3]!])) return false;
  }
  return true;
};

const listLeased: StatusLister = (sources, _status, queue, resume, add) => {
  const leased = [...sources.leases.records()]
    .filter((task) => queue === undefined || task.queue === queue)
    .sort((a, b) => compareKeys([a.queue, a.id], [b.queue, b.id]));
  for (const task of leased) {
    if (resume && compareKeys([task.queue, task.id], resume) <= 0) continue;
    if (!add(task, [task.queue, task.id])) return false;
  }
  return true;
};

const listWaiting: StatusLister = (sources, status, queue, resume, add) => {
  const retry = status === 'retry';
  let going = true;
  if (!resume || resume[0] === READY) {
    const after = resume ? { queue: resume[1] as string, priority: resume[2] as number, seq: resume[3] as number } : undefined;
    // Tasks a queue limit holds aside are listed in their place in line, as if they were still in
    // it (they go back there): one order and one cursor for both, whatever moves between pages.
    const held = sources.held(queue).filter((entry) => after === undefined || compareEntries(entry, after) > 0);
    held.sort(compareEntries);
    let next = 0;
    const offer = (entry: PlacedEntry): boolean => {
      if (entry.retry !== retry) return true;
      const task = sources.tasks.get(entry.id);
      // A stale entry (cancelled, or moved on while a commit was in flight) is not listed.
      if (!task || task.status !== status || task.seq !== entry.seq || sources.leases.has(task.id)) return true;
      return (going = add(task, [READY, entry.queue, entry.priority, entry.seq]));
    };
    sources.ready.forEachAfter(queue, after, (entry) => {
      while (going && next < held.length && compareEntries(held[next]!, entry) < 0) offer(held[next++]!);
      return going && offer(entry);
    });
    while (going && next < held.length) offer(held[next++]!);
    if (!going) return false;
  }
  const start = resume?.[0] === DELAYED ? resume.slice(1) : undefined;
  for (const { key, value } of sources.delayed.getRange(start ? { start } : {})) {
    if (start && key[0] === start[0] && key[1] === start[1]) continue;
    const task = sources.tasks.get(value as string)!;
    if (task.status !== status || (queue !== undefined && task.queue !== queue)) continue;
    if (!add(task, [DELAYED, ...key])) return false;
  }
  return true;
};

/** Orders entries as the ready lines list them: queue name (code points), priority, `seq`. */
function compareEntries(a: { queue: string; priority: number; seq: number }, b: { queue: string; priority: number; seq: number }): number {
  if (a.queue !== b.queue) return byCodePoint(a.queue, b.queue);
  return a.priority - b.priority || a.seq - b.seq;
}

/** Collects a page: stops at the limit or the reply budget, and remembers the last cursor. */
class PageBuilder {
  private readonly tasks: TaskRecord[] = [];
  private readonly fits: (task: TaskRecord) => boolean;
  private last: ListCursor | undefined;
  private full = false;

  constructor(private readonly filter: ListFilter) {
    this.fits = replyMeter(filter.replyBudget);
  }

  /** Adds a task found at `at`; false (and nothing added) if the page is full. */
  add(task: TaskRecord, at: ListCursor): boolean {
    if (this.tasks.length === this.filter.limit || !this.fits(task)) {
      this.full = true;
      return false;
    }
    this.tasks.push(task);
    this.last = at;
    return true;
  }

  result(): ListPage {
    return this.full ? { tasks: this.tasks, next: this.last! } : { tasks: this.tasks };
  }
}

/** Orders tuple keys element by element: numbers before strings, strings by code point. */
function compareKeys(a: Key, b: Key): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return Buffer.compare(Buffer.from(x), Buffer.from(y));
  }
  return a.length - b.length;
}

/**
 * True if `cursor` has the shape of a cursor {@link listTasks} hands out: `[taskId]`,
 * `[status, queue, finishedAtMs, taskId]` (ended tasks), `[status, queue, taskId]` (leased ones), `[status, 'ready', queue, priority, seq]`
 * or `[status, 'delayed', runAtMs, seq]` (waiting ones). Anything else, a key longer than a name
 * above all, would reach LMDB as a key it cannot hold (over its 511-byte limit).
 *
 * @param isName - whether a string may be a queue name or task id
 */
export function isListCursor(cursor: unknown, isName: (part: unknown) => boolean): cursor is ListCursor {
  if (!Array.isArray(cursor)) return false;
  if (cursor.length === 1) return isName(cursor[0]);
  const [position, ...rest] = cursor as unknown[];
  if (!Number.isInteger(position) || (position as number) < 0 || (position as number) >= TASK_STATUSES.length) return false;
  const status = TASK_STATUSES[position as number]!;
  const isNumber = (part: unknown): boolean => typeof part === 'number' && Number.isFinite(part);
  if (isFinalStatus(status)) return rest.length === 3 && isName(rest[0]) && isNumber(rest[1]) && isName(rest[2]);
  if (status === 'process') return rest.length === 2 && isName(rest[0]) && isName(rest[1]);
  if (rest[0] === READY) return rest.length === 4 && isName(rest[1]) && Number.isInteger(rest[2]) && isNumber(rest[3]);
  return rest[0] === DELAYED && rest.length === 3 && isNumber(rest[1]) && isNumber(rest[2]);
}
