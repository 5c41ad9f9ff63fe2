/**
 * One task: its arguments, result, progress, the error and traceback of every failed attempt,
 * and its status as it changes (`GET /api/tasks/:id/events`: the broker's watch, the same one
 * WatchResult gives, which ends once the task ends). Cancel and retry act on it; a retry starts
 * a new watch, since the task lives again.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { postAction, segment, type ApiError } from '../api.js';
import { ErrorBanner } from '../components/error-banner.js';
import { JsonBlock } from '../components/json-block.js';
import { StatusBadge } from '../components/status-badge.js';
import { openEventStream } from '../event-stream.js';
import { formatDuration, formatTime } from '../format.js';
import { hrefOf } from '../router.js';
import { isFinal, type PastAttemptJson, type TaskAnswer, type TaskJson } from '../types.js';

/** The task page of `id`; `token` reopens the watch when it changes. */
export function TaskPage({ id, token }: { id: string; token: string }) {
  const [task, setTask] = useState<TaskJson | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [watches, setWatches] = useState(0);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let ended = false;
    setError(null);
    return openEventStream(`/api/tasks/${segment(id)}/events`, {
      onEvent(name, data) {
        if (name === 'task') {
          setTask(data as TaskJson);
          setError(null);
        } else if (name === 'end') {
          ended = true;
        } else if (name === 'error') {
          // The broker dropped the watch (shutting down, or this tab fell far behind): the
          // stream reopens and starts again from the task's current state.
          setError((data as { error: { message: string } }).error.message);
        }
      },
      onRefused: (refusal: ApiError) => setError(refusal),
      isDone: () => ended,
    });
  }, [id, token, watches]);

  const act = async (verb: 'cancel' | 'retry'): Promise<void> => {
    setBusy(true);
    try {
      const answer = await postAction<TaskAnswer>(`/api/tasks/${segment(id)}/${verb}`);
      setTask(answer.task);
      setActionError(null);
      // A retried task runs again: watch it anew (the last watch ended with its final status).
      if (verb === 'retry') setWatches((n) => n + 1);
    } catch (refusal) {
      setActionError(refusal);
    } finally {
      setBusy(false);
    }
  };

  if (task === null) {
    return (
      <main>
        <h1>Task {id}</h1>
        <ErrorBanner error={error} />
        {error === null && <p class="muted">Loading…</p>}
      </main>
    );
  }
  return (
    <main class="task-page" data-task-id={task.id}>
      <h1>
        {task.name} <StatusBadge status={task.status} />
      </h1>
      <p class="muted id">{task.id}</p>
      <ErrorBanner error={error} />
      <div class="actions">
        <button type="button" disabled={busy || isFinal(task.status)} onClick={() => void act('cancel')}>
          Cancel
        </button>
        <button type="button" disabled={busy || !(task.status === 'error' || task.status === 'cancel')} onClick={() => void act('retry')}>
          Retry
        </button>
      </div>
      <ErrorBanner error={actionError} />
      <table class="facts">
        <tbody>
          <Fact label="queue">
            <a href={hrefOf({ page: 'tasks', queue: task.queue, status: '' })}>{task.queue}</a>
          </Fact>
          <Fact label="priority">{task.priority}</Fact>
          <Fact label="attempt">
            {task.attempt} of {task.maxRetries + 1 + task.attemptsBeforeRetry}
          </Fact>
          <Fact label="created">{formatTime(task.createdAt)}</Fact>
          <Fact label="started">{formatTime(task.startedAt)}</Fact>
          <Fact label="updated">{formatTime(task.updatedAt)}</Fact>
          <Fact label="finished">{formatTime(task.finishedAt)}</Fact>
          {task.runAt && <Fact label="runs at">{formatTime(task.runAt)}</Fact>}
          {task.leaseDeadline && <Fact label="lease until">{formatTime(task.leaseDeadline)}</Fact>}
          <Fact label="worker">{task.workerId ?? '—'}</Fact>
          {task.maxTimeMs > 0 && <Fact label="time limit">{formatDuration(task.maxTimeMs)}</Fact>}
          {task.cancelRequested && <Fact label="cancel">asked{task.cancelReason ? `: ${task.cancelReason}` : ''}</Fact>}
          {!task.cancelRequested && task.cancelReason && <Fact label="cancel reason">{task.cancelReason}</Fact>}
          {task.tags.length > 0 && <Fact label="tags">{task.tags.join(', ')}</Fact>}
          {Object.keys(task.metadata).length > 0 && (
            <Fact label="metadata">
              {Object.entries(task.metadata)
                .map(([key, value]) => `${key}=${value}`)
                .join(', ')}
            </Fact>
          )}
          {task.idempotencyKey && <Fact label="idempotency key">{task.idempotencyKey}</Fact>}
          {task.limitKey && <Fact label="limit key">{task.limitKey}</Fact>}
        </tbody>
      </table>
      <div class="payloads">
        <JsonBlock label="Args" text={task.args} />
        <JsonBlock label="Kwargs" text={task.kwargs} />
        <JsonBlock label="Progress" text={task.progress} />
        <JsonBlock label="Result" text={task.result} />
      </div>
      {task.error && task.status !== 'success' && (
        <section class="last-error">
          <h2>Error</h2>
          <p>
            <strong>{task.error.type}</strong>: {task.error.message}
          </p>
          {task.error.traceback && <pre class="traceback">{task.error.traceback}</pre>}
        </section>
      )}
      <section class="history">
        <h2>Past attempts</h2>
        {task.history.length === 0 ? <p class="muted">None failed.</p> : task.history.map((past) => <PastAttempt key={past.attempt + past.endedAt} past={past} />)}
      </section>
    </main>
  );
}

/** One row of the facts table. */
function Fact({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <tr>
      <th>{label}</th>
      <td>{children}</td>
    </tr>
  );
}

/** One attempt that did not succeed: how it ended, its error and traceback. */
function PastAttempt({ past }: { past: PastAttemptJson }) {
  return (
    <article class="attempt" data-attempt={past.attempt}>
      <h3>
        Attempt {past.attempt} <StatusBadge status={past.status} />
      </h3>
      <p class="muted">
        {formatTime(past.startedAt)} → {formatTime(past.endedAt)}
        {past.workerId ? ` on ${past.workerId}` : ''}
      </p>
      {past.error && (
        <p>
          <strong>{past.error.type}</strong>: {past.error.message}
        </p>
      )}
      {past.cancelReason && <p>cancelled: {past.cancelReason}</p>}
      {past.error?.traceback && (
        <details>
          <summary>traceback</summary>
          <pre class="traceback">{past.error.traceback}</pre>
        </details>
      )}
    </article>
  );
}
