/**
 * The queues: each one's tasks by status, how many ended over the last minute (its rate), how
 * long its oldest ready task has waited, whether it is paused, its limits, and pause/resume.
 * Live: the broker pushes a fresh state after changes (`GET /api/queues/events`).
 */
import { useEffect, useState } from 'preact/hooks';
import { postAction, segment, type ApiError } from '../api.js';
import { ErrorBanner } from '../components/error-banner.js';
import { openEventStream } from '../event-stream.js';
import { formatDuration } from '../format.js';
import { hrefOf } from '../router.js';
import { STATUSES, type QueueJson } from '../types.js';

/** The queues page; `token` reopens the stream when it changes. */
export function QueuesPage({ token }: { token: string }) {
  const [queues, setQueues] = useState<QueueJson[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);

  useEffect(() => {
    setError(null);
    return openEventStream('/api/queues/events', {
      onEvent(name, data) {
        if (name === 'queues') {
          setQueues(data as QueueJson[]);
          setError(null);
        }
      },
      onRefused: (refusal: ApiError) => setError(refusal),
    });
  }, [token]);

  const act = async (queue: string, verb: 'pause' | 'resume'): Promise<void> => {
    setBusy(queue);
    try {
      const { queue: updated } = await postAction<{ queue: QueueJson }>(`/api/queues/${segment(queue)}/${verb}`);
      setQueues((current) => current?.map((q) => (q.name === updated.name ? updated : q)) ?? current);
      setError(null);
    } catch (refusal) {
      setError(refusal);
    } finally {
      setBusy(null);
    }
  };

  return (
    <main>
      <h1>Queues</h1>
      <ErrorBanner error={error} />
      {queues === null ? (
        <p class="muted">Loading…</p>
      ) : queues.length === 0 ? (
        <p class="muted">No queue holds a task yet.</p>
      ) : (
        <table class="queues">
          <thead>
            <tr>
              <th>queue</th>
              {STATUSES.map((status) => (
                <th class="num" key={status}>
                  {status}
                </th>
              ))}
              <th class="num" title="tasks that ended over the last minute">ended / min</th>
              <th class="num" title="how long the oldest ready task has waited">oldest ready</th>
              <th>limits</th>
              <th>state</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {queues.map((queue) => (
              <tr key={queue.name} data-queue={queue.name}>
                <td>
                  <a href={hrefOf({ page: 'tasks', queue: queue.name, status: '' })}>{queue.name}</a>
                </td>
                {STATUSES.map((status) => (
                  <td class="num" key={status} data-count={status}>
                    {queue.counts[status] > 0 ? <a href={hrefOf({ page: 'tasks', queue: queue.name, status })}>{queue.counts[status]}</a> : <span class="muted">0</span>}
                  </td>
                ))}
                <td class="num">{queue.completedLastMinute}</td>
                <td class="num">{queue.oldestReadyAgeMs > 0 ? formatDuration(queue.oldestReadyAgeMs) : '—'}</td>
                <td>{limitsText(queue)}</td>
                <td data-paused={String(queue.paused)}>{queue.paused ? <span class="paused">paused</span> : 'running'}</td>
                <td>
                  <button type="button" disabled={busy === queue.name} onClick={() => void act(queue.name, queue.paused ? 'resume' : 'pause')}>
                    {queue.paused ? 'Resume' : 'Pause'}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

/** A queue's limits in a few words: `≤ 5 running, 100 / 1 s`; '—' when none. */
function limitsText({ limits }: QueueJson): string {
  const parts: string[] = [];
  if (limits.maxRunning > 0) parts.push(`≤ ${limits.maxRunning} running`);
  if (limits.rate?.count) parts.push(`${limits.rate.count} / ${formatDuration(limits.rate.periodMs)}`);
  if (limits.maxRunningPerKey > 0) parts.push(`≤ ${limits.maxRunningPerKey} running per key`);
  if (limits.ratePerKey?.count) parts.push(`${limits.ratePerKey.count} / ${formatDuration(limits.ratePerKey.periodMs)} per key`);
  return parts.length === 0 ? '—' : parts.join(', ');
}
