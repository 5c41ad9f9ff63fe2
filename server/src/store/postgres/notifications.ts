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
import { randomBytes } from 'node:crypto';
import type { Sql, TransactionSql } from 'postgres';
import { countByQueue, isReady, type TaskRecord } from '../../domain/task.js';

/** The channel of tasks that became ready. */
export const READY_CHANNEL = 'qtasks_ready';
/** The channel of tasks that moved. */
export const CHANGED_CHANNEL = 'qtasks_changed';
/** The most bytes one payload carries (PostgreSQL refuses 8,000 and more). */
const MAX_PAYLOAD_BYTES = 7_900;

/** A broker's mark on what it notifies: random, new at each start. */
export function newOrigin(): string {
  return randomBytes(6).toString('hex');
}

/** What a `qtasks_ready` payload of `origin` starts with. */
export function readyPayloadPrefix(origin: string): string {
  return `${origin}/`;
}

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

/** The notifications a write of `origin` that stored `changed` sends. */
export function notificationsOf(changed: readonly TaskRecord[], origin: string): Notifications {
  const out = readyNotificationsOf(changed, origin);
  const prefix = `${origin}/`;
  let payload = '';
  for (const task of changed) {
    const item = `${task.id}:${task.version}`;
    if (prefix.length + payload.length + item.length + 1 > MAX_PAYLOAD_BYTES) {
      add(out, CHANGED_CHANNEL, prefix + payload);
      payload = '';
    }
    payload = payload === '' ? item : `${payload},${item}`;
  }
  if (payload !== '') add(out, CHANGED_CHANNEL, prefix + payload);
  return out;
}

/** The `qtasks_ready` notifications of `tasks` alone (those ready among them), of `origin`. */
export function readyNotificationsOf(tasks: readonly TaskRecord[], origin: string): Notifications {
  return readyNotifications(countByQueue(tasks.filter(isReady)), origin);
}

/** The `qtasks_ready` notifications that so many tasks may be taken in each queue, of `origin`. */
export function readyNotifications(counts: ReadonlyMap<string, number>, origin: string): Notifications {
  const out: Notifications = { channels: [], payloads: [] };
  for (const [queue, count] of counts) add(out, READY_CHANNEL, `${readyPayloadPrefix(origin)}${count}:${queue}`);
  return out;
}

/**
 * Announces the ready tasks of `queue` as they are (its workers parked on any broker look again,
 * after a resume or a change of limits), from `origin`; nothing when none is ready. Sent at the
 * commit of `sql` when it is a transaction.
 */
export async function announceReadyTasks(sql: Sql | TransactionSql, queue: string, origin: string): Promise<void> {
  await sql`
    SELECT pg_notify(${READY_CHANNEL}, ${readyPayloadPrefix(origin)} || count(*) || ':' || ${queue}) FROM qtasks_tasks
    WHERE queue = ${queue} AND status IN ('new', 'retry') AND NOT delayed HAVING count(*) > 0`;
}

/** A `qtasks_ready` payload: who sent it, the queue and how many tasks became ready in it. */
export function parseReady(payload: string): { origin: string; queue: string; count: number } {
  const slash = payload.indexOf('/');
  const colon = payload.indexOf(':', slash);
  return { origin: payload.slice(0, slash), count: Number(payload.slice(slash + 1, colon)), queue: payload.slice(colon + 1) };
}

/** A `qtasks_changed` payload: who sent it, the tasks and their versions. */
export function parseChanged(payload: string): { origin: string; tasks: ChangedTask[] } {
  const slash = payload.indexOf('/');
  const tasks = payload
    .slice(slash + 1)
    .split(',')
    .map((item) => {
      const colon = item.indexOf(':');
      return { taskId: item.slice(0, colon), version: Number(item.slice(colon + 1)) };
    });
  return { origin: payload.slice(0, slash), tasks };
}

function add(out: Notifications, channel: string, payload: string): void {
  out.channels.push(channel);
  out.payloads.push(payload);
}
