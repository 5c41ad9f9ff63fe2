/**
 * The PostgreSQL store's reads for operators and for the core's timers: counts per queue, the
 * store's figures, how many tasks are ready in a queue, and when due work falls next. Counted by
 * the database on demand (what every broker wrote), where the LMDB store keeps counts in memory
 * as its commits land: these are queries, run when a call asks (ListQueues, a scrape of
 * `/metrics`), never per task.
 */
import type { Sql } from 'postgres';
import { TASK_STATUSES, type TaskStatus } from '../../domain/task.js';
import { zeroCounts, type QueueFigures } from '../queue-counts.js';
import type { NextDue, StoreStats } from '../task-store.js';

/** FIFO places per millisecond (`seq` is the wall time a task became ready, in ms × this, plus a counter; a task given back keeps it). */
export const SEQ_PER_MS = 1000;

/** Ready tasks counted at most by {@link readyCount}: it wakes parked workers, never more than there are. */
const READY_COUNT_CAP = 10_000;

/** Each queue's tasks by status, its oldest ready task and its ends over the last minute; only `queue` when given. */
export async function queueFigures(sql: Sql, nowMs: number, queue?: string): Promise<Map<string, QueueFigures>> {
  const rows = await sql<{ queue: string; status: TaskStatus; n: number; oldest_seq: string | null; ended: number }[]>`
    SELECT queue, status, count(*)::int AS n,
      min(seq) FILTER (WHERE status IN ('new', 'retry') AND NOT delayed) AS oldest_seq,
      count(*) FILTER (WHERE finished_at >= ${new Date(nowMs - 60_000)})::int AS ended
    FROM qtasks_tasks ${queue === undefined ? sql`` : sql`WHERE queue = ${queue}`}
    GROUP BY queue, status`;
  const figures = new Map<string, QueueFigures>();
  for (const row of rows) {
    let queueFigures = figures.get(row.queue);
    if (!queueFigures) figures.set(row.queue, (queueFigures = { counts: zeroCounts(), endedLastMinute: 0 }));
    if (TASK_STATUSES.includes(row.status)) queueFigures.counts[row.status] += row.n;
    queueFigures.endedLastMinute += row.ended;
    if (row.oldest_seq !== null) {
      const sinceMs = Math.floor(Number(row.oldest_seq) / SEQ_PER_MS);
      queueFigures.oldestReadySinceMs = Math.min(queueFigures.oldestReadySinceMs ?? Infinity, sinceMs);
    }
  }
  return figures;
}

/** Tasks ready in `queue` now, counted up to {@link READY_COUNT_CAP}. */
export async function readyCount(sql: Sql, queue: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM (
      SELECT 1 FROM qtasks_tasks WHERE queue = ${queue} AND status IN ('new', 'retry') AND NOT delayed LIMIT ${READY_COUNT_CAP}) AS ready`;
  return row!.n;
}

/**
 * When due work falls next, whichever broker made it: the earliest eta or backoff, expiry and
 * lease deadline (all wall times: on PostgreSQL the lease deadlines are too).
 */
export async function nextDue(sql: Sql): Promise<NextDue> {
  const [row] = await sql<{ run_at: Date | null; expires_at: Date | null; lease_deadline: Date | null }[]>`
    SELECT
      (SELECT min(run_at) FROM qtasks_tasks WHERE delayed) AS run_at,
      (SELECT min(expires_at) FROM qtasks_tasks WHERE expires_at IS NOT NULL) AS expires_at,
      (SELECT min(lease_deadline) FROM qtasks_tasks WHERE lease_token IS NOT NULL) AS lease_deadline`;
  const wallMs = Math.min(row!.run_at?.getTime() ?? Infinity, row!.expires_at?.getTime() ?? Infinity);
  return {
    ...(wallMs === Infinity ? {} : { wallMs }),
    ...(row!.lease_deadline ? { steadyMs: row!.lease_deadline.getTime() } : {}),
  };
}

/** The store's figures (a count of the table: for operators, not for a hot path). */
export async function storeStats(sql: Sql, pendingWrites: number): Promise<StoreStats> {
  const [row] = await sql<{ tasks: number; ready: number; delayed: number; leased: number; bytes: string; txid: string }[]>`
    SELECT count(*)::int AS tasks,
      count(*) FILTER (WHERE status IN ('new', 'retry') AND NOT delayed)::int AS ready,
      count(*) FILTER (WHERE delayed)::int AS delayed,
      count(*) FILTER (WHERE lease_token IS NOT NULL)::int AS leased,
      pg_total_relation_size('qtasks_tasks') AS bytes,
      pg_snapshot_xmax(pg_current_snapshot())::text AS txid
    FROM qtasks_tasks`;
  return { tasks: row!.tasks, ready: row!.ready, delayed: row!.delayed, leased: row!.leased, pendingWrites, dataBytes: Number(row!.bytes), lastTxnId: Number(row!.txid) };
}
