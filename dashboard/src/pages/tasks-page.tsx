/**
 * The task list: filters by queue and status, pages of {@link PAGE_SIZE}, and live rows. The
 * broker pushes the rows of tasks as they change (`GET /api/events`); a row on the page is
 * updated in place, and a new task is added at the end of the last page (the broker lists tasks
 * oldest first) or counted as "more" when the page is full or not the last.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { getJson, segment, type ApiError } from '../api.js';
import { ErrorBanner } from '../components/error-banner.js';
import { StatusBadge } from '../components/status-badge.js';
import { openEventStream } from '../event-stream.js';
import { formatTime } from '../format.js';
import { hrefOf } from '../router.js';
import { STATUSES, type TaskPage, type TaskRow } from '../types.js';

/** Tasks on one page. */
export const PAGE_SIZE = 50;

/** What the list shows. */
interface ListState {
  rows: TaskRow[];
  /** Token of the next page; null on the last. */
  next: string | null;
  /** Tasks that arrived and belong past this page (their ids, so each counts once). */
  beyond: ReadonlySet<string>;
}

/** Past this many, the count of tasks beyond the page stops growing (it reads "9999 more"). */
const MAX_BEYOND = 9999;

/** The task list for the filter in the URL; `token` reloads it when it changes. */
export function TasksPage({ queue, status, token }: { queue: string; status: string; token: string }) {
  const [pageTokens, setPageTokens] = useState<string[]>(['']);
  const [list, setList] = useState<ListState | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [reloads, setReloads] = useState(0);
  /** Rows pushed while a page is being fetched: applied on top of it (versions make that safe). */
  const early = useRef<TaskRow[] | null>(null);
  const pageToken = pageTokens.at(-1)!;

  useEffect(() => setPageTokens(['']), [queue, status]);

  useEffect(() => {
    let cancelled = false;
    const load = new AbortController();
    setList(null);
    early.current = null;
    const fetchPage = async (): Promise<void> => {
      early.current ??= [];
      const query = new URLSearchParams({ page_size: String(PAGE_SIZE) });
      if (queue !== '') query.set('queue', queue);
      if (status !== '') query.set('status', status);
      if (pageToken !== '') query.set('page_token', pageToken);
      try {
        const page = await getJson<TaskPage>(`/api/tasks?${query}`, load.signal);
        if (cancelled) return;
        const buffered = early.current ?? [];
        early.current = null;
        setList(merge({ rows: page.tasks, next: page.nextPageToken, beyond: new Set() }, buffered, status));
        setError(null);
      } catch (refusal) {
        early.current = null;
        if (!cancelled) setError(refusal);
      }
    };
    const close = openEventStream(`/api/events${queue === '' ? '' : `?queue=${segment(queue)}`}`, {
      onEvent(name, data) {
        // `ready` comes once the broker listens: a page fetched after it misses no change.
        if (name === 'ready' || name === 'reset') void fetchPage();
        if (name !== 'tasks') return;
        if (early.current !== null) early.current.push(...(data as TaskRow[]));
        else setList((current) => (current === null ? current : merge(current, data as TaskRow[], status)));
      },
      onRefused: (refusal: ApiError) => setError(refusal),
    });
    return () => {
      cancelled = true;
      load.abort();
      close();
    };
  }, [queue, status, pageToken, token, reloads]);

  const setFilter = (next: { queue?: string; status?: string }): void => {
    location.hash = hrefOf({ page: 'tasks', queue: next.queue ?? queue, status: next.status ?? status });
  };

  return (
    <main>
      <h1>Tasks</h1>
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          const data = new FormData(event.currentTarget);
          setFilter({ queue: String(data.get('queue') ?? '').trim(), status: String(data.get('status') ?? '') });
        }}
      >
        <label>
          Queue <input name="queue" value={queue} placeholder="every queue" />
        </label>
        <label>
          Status{' '}
          <select name="status" value={status} onChange={(event) => setFilter({ status: (event.target as HTMLSelectElement).value })}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Filter</button>
      </form>
      <ErrorBanner error={error} />
      {list === null ? (
        <p class="muted">Loading…</p>
      ) : (
        <>
          {list.rows.length === 0 ? (
            <p class="muted">No task matches.</p>
          ) : (
            <table class="tasks">
              <thead>
                <tr>
                  <th>id</th>
                  <th>name</th>
                  <th>queue</th>
                  <th>status</th>
                  <th class="num">attempt</th>
                  <th class="num">priority</th>
                  <th>created</th>
                  <th>updated</th>
                </tr>
              </thead>
              <tbody>
                {list.rows.map((row) => (
                  <tr key={row.id} data-task-id={row.id}>
                    <td class="id">
                      <a href={hrefOf({ page: 'task', id: row.id })}>{row.id}</a>
                    </td>
                    <td>{row.name}</td>
                    <td>{row.queue}</td>
                    <td>
                      <StatusBadge status={row.status} />
                      {row.cancelRequested && row.status === 'process' && <span class="muted"> cancel asked</span>}
                      {row.errorType && row.status !== 'success' && <span class="muted"> {row.errorType}</span>}
                    </td>
                    <td class="num">{row.attempt}</td>
                    <td class="num">{row.priority}</td>
                    <td>{formatTime(row.createdAt)}</td>
                    <td>{formatTime(row.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <nav class="pager">
            <button type="button" disabled={pageTokens.length === 1} onClick={() => setPageTokens(pageTokens.slice(0, -1))}>
              ← Previous
            </button>
            <span class="muted">page {pageTokens.length}</span>
            <button type="button" disabled={list.next === null} onClick={() => list.next !== null && setPageTokens([...pageTokens, list.next])}>
              Next →
            </button>
            {list.beyond.size > 0 && (
              <button type="button" class="link" onClick={() => setReloads(reloads + 1)}>
                {list.beyond.size} more task{list.beyond.size === 1 ? '' : 's'} since loaded: reload
              </button>
            )}
          </nav>
        </>
      )}
    </main>
  );
}

/**
 * `incoming` rows applied to the list: a row it shows is replaced by a newer state (by version);
 * a task it does not show, of the status filtered on, joins the end of a last page that has room
 * and is noted in `beyond` otherwise.
 */
function merge(current: ListState, incoming: readonly TaskRow[], status: string): ListState {
  const rows = [...current.rows];
  let beyond: Set<string> | undefined;
  const next = current.next;
  const at = new Map(rows.map((row, i) => [row.id, i]));
  for (const row of incoming) {
    const i = at.get(row.id);
    if (i !== undefined) {
      if (row.version > rows[i]!.version) rows[i] = row;
    } else if (status === '' || row.status === status) {
      if (next === null && rows.length < PAGE_SIZE) {
        at.set(row.id, rows.length);
        rows.push(row);
      } else if (!current.beyond.has(row.id) && (beyond ?? current.beyond).size < MAX_BEYOND) {
        (beyond ??= new Set(current.beyond)).add(row.id);
      }
    }
  }
  return { rows, next, beyond: beyond ?? current.beyond };
}
