/**
 * How brokers sharing one database hear of each other's writes: PostgreSQL's `NOTIFY`, sent in the
 * transaction of the write (so delivered at its commit, to every broker listening, and never for
 * a write that rolled back), on two channels:
 * - `qtasks_ready`: tasks became ready in a queue (`<count>:<queue>`), so that a broker wakes the
 *   workers it has parked on that queue, without polling;
 * - `qtasks_changed`: tasks moved (`<id>:<version>`, comma-separated), so that a broker's watchers
 *   of those tasks read them again; one that has sent that version already skips it.
 * A payload stays under PostgreSQL's 8,000 bytes: a large batch sends several.
 */
import { isReady, type TaskRecord } from '../../domain/task.js';

/** The channel of tasks that became ready. */
export const READY_CHANNEL = 'qtasks_ready';
/** The channel of tasks that moved. */
export const CHANGED_CHANNEL = 'qtasks_changed';
/** The most bytes one payload carries (PostgreSQL refuses 8,000 and more). */
const MAX_PAYLOAD_BYTES = 7_900;

/** The notifications of one write, as two arrays (`unnest`'s shape: one statement sends them all). */
export interface Notifications {
  channels: string[];
  payloads: string[];
}

/** One task that moved, as `qtasks_changed` tells it. */
export interface ChangedTask {
  taskId: string;
  version: number;
}

/** The notifications a write that stored `changed` sends. */
export function notificationsOf(changed: readonly TaskRecord[]): Notifications {
  const out: Notifications = { channels: [], payloads: [] };
  const ready = new Map<string, number>();
  for (const task of changed) if (isReady(task)) ready.set(task.queue, (ready.get(task.queue) ?? 0) + 1);
  for (const [queue, count] of ready) add(out, READY_CHANNEL, `${count}:${queue}`);
  let payload = '';
  for (const task of changed) {
    const item = `${task.id}:${task.version}`;
    if (payload.length + item.length + 1 > MAX_PAYLOAD_BYTES) {
      add(out, CHANGED_CHANNEL, payload);
      payload = '';
    }
    payload = payload === '' ? item : `${payload},${item}`;
  }
  if (payload !== '') add(out, CHANGED_CHANNEL, payload);
  return out;
}

/** A `qtasks_ready` payload: the queue and how many tasks became ready in it. */
export function parseReady(payload: string): { queue: string; count: number } {
  const colon = payload.indexOf(':');
  return { count: Number(payload.slice(0, colon)), queue: payload.slice(colon + 1) };
}

/** A `qtasks_changed` payload: the tasks and their versions. */
export function parseChanged(payload: string): ChangedTask[] {
  return payload.split(',').map((item) => {
    const colon = item.indexOf(':');
    return { taskId: item.slice(0, colon), version: Number(item.slice(colon + 1)) };
  });
}

function add(out: Notifications, channel: string, payload: string): void {
  out.channels.push(channel);
  out.payloads.push(payload);
}
