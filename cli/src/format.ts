/**
 * How `qtasks` shows tasks, queues, limits and times to people (JSON output uses the SDK's own
 * objects instead).
 */
import type { QueueLimits, RateLimit, Task, TaskStatusName } from '@qtasks/sdk';
import type { Output, Style } from './output.js';

const STATUS_STYLES: Record<TaskStatusName, Style> = {
  new: 'cyan',
  process: 'blue',
  retry: 'yellow',
  success: 'green',
  error: 'red',
  cancel: 'magenta',
};

/** A status name, coloured on a terminal, padded to `width`. */
export function statusText(out: Output, status: TaskStatusName, width = 0): string {
  return out.style(STATUS_STYLES[status], status.padEnd(width));
}

/** `850ms`, `12s`, `3m20s`, `2h5m`, `3d4h`. */
export function durationText(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const [minutes, hours, days] = [Math.floor(seconds / 60), Math.floor(seconds / 3600), Math.floor(seconds / 86_400)];
  if (minutes < 60) return `${minutes}m${seconds % 60 ? `${seconds % 60}s` : ''}`;
  if (hours < 24) return `${hours}h${minutes % 60 ? `${minutes % 60}m` : ''}`;
  return `${days}d${hours % 24 ? `${hours % 24}h` : ''}`;
}

/** A moment as ISO text with how long ago it was: `2025-01-31T12:00:00.000Z (3m ago)`. */
export function whenText(out: Output, date: Date | undefined, now = Date.now()): string {
  if (date === undefined) return '';
  return `${date.toISOString()} ${out.style('dim', `(${durationText(Math.max(0, now - date.getTime()))} ago)`)}`;
}

/** A rate as the flags take it: `100/1s`. */
export function rateText(rate: RateLimit | undefined): string {
  return rate ? `${rate.count}/${durationText(rate.periodMs)}` : 'none';
}

/** A queue's limits on one line, `-` for none: `max-running 5, rate 100/1s`. */
export function limitsText(limits: QueueLimits): string {
  const parts = [
    limits.maxRunning ? `max-running ${limits.maxRunning}` : '',
    limits.rate ? `rate ${rateText(limits.rate)}` : '',
    limits.maxRunningPerKey ? `key-max-running ${limits.maxRunningPerKey}` : '',
    limits.ratePerKey ? `key-rate ${rateText(limits.ratePerKey)}` : '',
  ].filter((part) => part !== '');
  return parts.length > 0 ? parts.join(', ') : '-';
}

/** JSON on one line, for args, kwargs and results in tables and field lists. */
export function compactJson(value: unknown, max = 200): string {
  const text = value === undefined ? '' : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The columns of a task table. */
export const TASK_COLUMNS = [
  { header: 'ID' },
  { header: 'NAME' },
  { header: 'QUEUE' },
  { header: 'STATUS' },
  { header: 'ATTEMPT', right: true },
  { header: 'PRIORITY', right: true },
  { header: 'CREATED' },
  { header: 'UPDATED' },
] as const;

/** One task as a row of {@link TASK_COLUMNS}. */
export function taskRow(out: Output, task: Task, now = Date.now()): string[] {
  return [
    task.uuid,
    task.taskName,
    task.queue,
    statusText(out, task.status),
    String(task.attempt),
    String(task.priority),
    task.createdAt.toISOString(),
    `${durationText(Math.max(0, now - task.updatedAt.getTime()))} ago`,
  ];
}

/** One task as `label  value` pairs (`qtasks tasks get`); empty fields are left out. */
export function taskFields(out: Output, task: Task): [string, string][] {
  const pairs: [string, string | undefined][] = [
    ['id', task.uuid],
    ['name', task.taskName],
    ['queue', task.queue],
    ['status', statusText(out, task.status) + (task.cancelRequested && !task.isFinal ? out.style('yellow', ' (cancel requested)') : '')],
    ['priority', String(task.priority)],
    ['attempt', `${task.attempt} (max retries ${task.maxRetries}${task.attemptsBeforeRetry ? `, ${task.attemptsBeforeRetry} before the last manual retry` : ''})`],
    ['created', whenText(out, task.createdAt)],
    ['updated', whenText(out, task.updatedAt)],
    // Shown only for a task that was (or is) held back: otherwise it is the creation time.
    ['eta', task.eta && task.eta.getTime() !== task.createdAt.getTime() ? whenText(out, task.eta) : undefined],
    ['started', whenText(out, task.startedAt)],
    ['finished', whenText(out, task.finishedAt)],
    ['worker', task.workerId],
    ['args', compactJson(task.args, 2000)],
    ['kwargs', Object.keys(task.kwargs).length > 0 ? compactJson(task.kwargs, 2000) : undefined],
    ['result', task.status === 'success' ? compactJson(task.returning ?? null, 2000) : undefined],
    ['progress', task.progress === undefined ? undefined : compactJson(task.progress, 2000)],
    ['error', task.error ? out.style('red', `${task.error.type}: ${task.error.message}`) : undefined],
    ['cancel reason', task.cancelReason],
    ['tags', task.tags.length > 0 ? task.tags.join(', ') : undefined],
    ['metadata', Object.keys(task.metadata).length > 0 ? compactJson(task.metadata, 2000) : undefined],
    ['idempotency key', task.idempotencyKey],
    ['limit key', task.limitKey],
    ['retention', task.retention === undefined ? undefined : `${task.retention}s`],
    ['history', task.history.length > 0 ? task.history.map((past) => `#${past.attempt} ${past.status}${past.error ? ` (${past.error.type}: ${past.error.message})` : ''}`).join('; ') : undefined],
  ];
  return pairs.filter((pair): pair is [string, string] => pair[1] !== undefined && pair[1] !== '');
}

/** One transition of `qtasks tasks watch` on one line: time, status, attempt and what changed. */
export function transitionText(out: Output, task: Task): string {
  const parts = [out.style('dim', task.updatedAt.toISOString()), statusText(out, task.status, 7), `attempt ${task.attempt}`];
  if (task.workerId && task.status === 'process') parts.push(`worker ${task.workerId}`);
  if (task.cancelRequested && !task.isFinal) parts.push(out.style('yellow', 'cancel requested'));
  if (task.progress !== undefined && task.status === 'process') parts.push(`progress ${compactJson(task.progress)}`);
  if (task.status === 'success') parts.push(`result ${compactJson(task.returning ?? null)}`);
  if (task.error && (task.status === 'error' || task.status === 'retry')) parts.push(out.style('red', `${task.error.type}: ${task.error.message}`));
  if (task.status === 'cancel' && task.cancelReason) parts.push(`reason ${task.cancelReason}`);
  return parts.join('  ');
}
