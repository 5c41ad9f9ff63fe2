import { describe, expect, test } from 'vitest';
import { ResourceExhaustedError } from '../domain/errors.js';
import type { TaskRecord } from '../domain/task.js';
import { TaskEvents } from './task-events.js';
import { TaskWatchers } from './task-watchers.js';

/** A record of task `id` at `version`, with `progressBytes` of progress. */
function state(id: string, version: number, status: TaskRecord['status'] = 'process', progressBytes = 0): TaskRecord {
  return {
    id,
    version,
    status,
    args: new Uint8Array(0),
    kwargs: new Uint8Array(0),
    progress: new Uint8Array(progressBytes),
  } as unknown as TaskRecord;
}

function setup(options: { maxWatchers?: number; maxWatchersPerTask?: number; maxQueuedBytes?: number } = {}) {
  const events = new TaskEvents();
  const current = new Map<string, TaskRecord>([['t', state('t', 1)], ['u', state('u', 1)]]);
  const watchers = new TaskWatchers({ read: (id) => current.get(id), events, closing: new AbortController().signal, ...options });
  return { events, watchers };
}

describe('TaskWatchers', () => {
  test('refuses a stream past the limit per task and in all, naming the flag', async () => {
    const { watchers } = setup({ maxWatchers: 3, maxWatchersPerTask: 2 });
    const signal = new AbortController().signal;
    const open = [watchers.watch('t', signal), watchers.watch('t', signal), watchers.watch('u', signal)];
    for (const stream of open.slice(0, 2)) await stream.next();
    await expect(watchers.watch('t', signal).next()).rejects.toThrow(/--max-watchers-per-task/);
    await open[2]!.next();
    await expect(watchers.watch('u', signal).next()).rejects.toThrow(ResourceExhaustedError);
    expect(watchers.open).toBe(3);
    await open[0]!.return();
    expect(watchers.open).toBe(2);
  });

  test('a watcher that is behind gets every change of status but only the latest progress past maxQueuedBytes', async () => {
    const { events, watchers } = setup({ maxQueuedBytes: 1000 });
    const stream = watchers.watch('t', new AbortController().signal);
    await stream.next();
    for (let v = 2; v <= 50; v++) events.publish(state('t', v, 'process', 600));
    events.publish(state('t', 51, 'success'));
    const seen: string[] = [];
    for await (const s of stream) seen.push(`${s.status}@${s.version}`);
    expect(seen).toEqual(['process@50', 'success@51']);
  });
});
