/**
 * Queue limits on PostgreSQL, enforced by the database so that they hold across brokers: how many
 * of a queue's tasks (and of each `limitKey` of it) may run at once, and how many may start per
 * period (sliding windows of start times, rows of `qtasks_rate_starts`). The same rules as the
 * LMDB store's dispatch gate (`dispatch-gate.ts`): a task over a limit takes no lease and no
 * attempt; over a per-key limit, tasks of other keys pass it; a task without a key is bound by
 * the queue's limits alone.
 *
 * A lease of a limited queue first takes a transaction-level advisory lock on the queue, in a
 * statement of its own: the counts are read by the next statements, whose snapshots come after
 * the lock (in one statement with it, they would be read from before, and two brokers would both
 * fill the room). Leases of unlimited queues take no lock and pay none of this.
 */
import type { TransactionSql } from 'postgres';
import type { QueueLimits, RateLimit } from '../../domain/queue.js';
import type { TaskRecord } from '../../domain/task.js';
import { decodeRecord } from './task-rows.js';

/** Ready tasks of a queue read at most to pick those per-key limits let go: the head of its line. */
const KEYED_SCAN = 5_000;

/** What a limited queue lets a lease take. */
export interface LimitedCandidates {
  /** Ready tasks the limits let go, best first, locked until the transaction ends. */
  tasks: TaskRecord[];
  /** When a full rate window next opens, if one held tasks back (wall ms). */
  openingMs?: number;
}

/** True if `limits` bound how many run or start (pause is not a limit). */
export function isLimited(limits: QueueLimits): boolean {
  return limits.maxRunning > 0 || limits.maxRunningPerKey > 0 || (limits.rate?.count ?? 0) > 0 || (limits.ratePerKey?.count ?? 0) > 0;
}

/** True if a task's end may open `limits` (room to run is freed; rate windows open with time instead). */
export function opensAtEnd(limits: QueueLimits): boolean {
  return limits.maxRunning > 0 || limits.maxRunningPerKey > 0;
}

/**
 * Locks `queue` for this transaction and picks up to `maxTasks` of its ready tasks that its limits
 * let go now, locked (`SKIP LOCKED`: a row another transaction is moving is passed over).
 */
export async function takeLimited(tx: TransactionSql, queue: string, limits: QueueLimits, maxTasks: number, nowMs: number): Promise<LimitedCandidates> {
  await tx`SELECT pg_advisory_xact_lock(hashtext(${`qtasks.queue:${queue}`}))`;
  const [paused] = await tx`SELECT 1 FROM qtasks_queue_settings WHERE queue = ${queue} AND paused`;
  if (paused) return { tasks: [] };
  const rate = activeRate(limits.rate);
  let openingMs: number | undefined;
  /** The answer: these tasks, and the opening found so far. */
  const answer = (tasks: TaskRecord[]): LimitedCandidates => ({ tasks, ...(openingMs === undefined ? {} : { openingMs }) });
  const [counts] = await tx<{ running: number; starts: Date[] }[]>`
    SELECT
      (SELECT count(*)::int FROM qtasks_tasks WHERE queue = ${queue} AND status = 'process') AS running,
      ${rate
        ? tx`ARRAY(SELECT started_at FROM qtasks_rate_starts WHERE queue = ${queue} AND key IS NULL AND started_at > ${new Date(nowMs - rate.periodMs)}
                   ORDER BY started_at DESC LIMIT ${rate.count})`
        : tx`ARRAY[]::timestamptz[]`} AS starts`;
  let room = maxTasks;
  if (limits.maxRunning > 0) room = Math.min(room, limits.maxRunning - counts!.running);
  if (rate) {
    room = Math.min(room, rate.count - counts!.starts.length);
    // Full: it opens as the oldest of the last `count` starts leaves the window.
    if (counts!.starts.length >= rate.count) openingMs = counts!.starts.at(-1)!.getTime() + rate.periodMs;
  }
  if (room <= 0) return answer([]);
  const perKeyRate = activeRate(limits.ratePerKey);
  if (limits.maxRunningPerKey === 0 && !perKeyRate) {
    const rows = await tx<{ record: Buffer }[]>`
      SELECT record FROM qtasks_tasks
      WHERE queue = ${queue} AND status IN ('new', 'retry') AND NOT delayed
      ORDER BY priority, seq LIMIT ${room} FOR UPDATE SKIP LOCKED`;
    return answer(rows.map((row) => decodeRecord(row.record)));
  }
  // Per key: rank each key's ready tasks (a window function cannot share a query level with FOR
  // UPDATE: the ids are picked here, the rows locked below), and let go those within the key's
  // room, running and starting.
  const since = new Date(nowMs - (perKeyRate?.periodMs ?? 0));
  const picked = await tx<{ id: string }[]>`
    WITH ready AS (
      SELECT id, limit_key, priority, seq FROM qtasks_tasks
      WHERE queue = ${queue} AND status IN ('new', 'retry') AND NOT delayed
      ORDER BY priority, seq LIMIT ${KEYED_SCAN}),
    ranked AS (
      SELECT id, limit_key, priority, seq, row_number() OVER (PARTITION BY limit_key ORDER BY priority, seq) AS rank FROM ready),
    running AS (
      SELECT limit_key, count(*) AS n FROM qtasks_tasks
      WHERE queue = ${queue} AND status = 'process' AND limit_key IS NOT NULL GROUP BY limit_key),
    started AS (
      SELECT key, count(*) AS n FROM qtasks_rate_starts
      WHERE ${perKeyRate ? tx`queue = ${queue} AND key IS NOT NULL AND started_at > ${since}` : tx`false`} GROUP BY key)
    SELECT r.id FROM ranked r
    LEFT JOIN running ru ON ru.limit_key = r.limit_key
    LEFT JOIN started st ON st.key = r.limit_key
    WHERE r.limit_key IS NULL OR (
      (${limits.maxRunningPerKey}::int = 0 OR r.rank + coalesce(ru.n, 0) <= ${limits.maxRunningPerKey}::int)
      AND (${perKeyRate?.count ?? 0}::int = 0 OR r.rank + coalesce(st.n, 0) <= ${perKeyRate?.count ?? 0}::int))
    ORDER BY r.priority, r.seq LIMIT ${room}`;
  if (perKeyRate) {
    // A key whose window is full opens as its oldest start in the window leaves it (an early
    // guess for the others: the timer then finds nothing and sleeps again).
    const [oldest] = await tx<{ at: Date | null }[]>`
      SELECT min(started_at) AS at FROM qtasks_rate_starts WHERE queue = ${queue} AND key IS NOT NULL AND started_at > ${since}`;
    if (oldest?.at) openingMs = Math.min(openingMs ?? Infinity, oldest.at.getTime() + perKeyRate.periodMs);
  }
  if (picked.length === 0) return answer([]);
  const rows = await tx<{ record: Buffer }[]>`
    SELECT record FROM qtasks_tasks
    WHERE id = ANY(${picked.map((row) => row.id)}::uuid[]) AND status IN ('new', 'retry') AND NOT delayed
    ORDER BY priority, seq FOR UPDATE SKIP LOCKED`;
  return answer(rows.map((row) => decodeRecord(row.record)));
}

/** Counts the starts of `leased` (tasks of `queue`) in its rate windows, and prunes what left them. */
export async function recordStarts(tx: TransactionSql, queue: string, limits: QueueLimits, leased: readonly TaskRecord[], nowMs: number): Promise<void> {
  const rate = activeRate(limits.rate);
  const perKeyRate = activeRate(limits.ratePerKey);
  if (!rate && !perKeyRate) return;
  const keys: (string | null)[] = [];
  if (rate) for (let i = 0; i < leased.length; i++) keys.push(null);
  if (perKeyRate) for (const task of leased) if (task.limitKey !== undefined) keys.push(task.limitKey);
  const longest = Math.max(rate?.periodMs ?? 0, perKeyRate?.periodMs ?? 0);
  await tx`DELETE FROM qtasks_rate_starts WHERE queue = ${queue} AND started_at <= ${new Date(nowMs - longest)}`;
  if (keys.length === 0) return;
  await tx`
    INSERT INTO qtasks_rate_starts (queue, key, started_at)
    SELECT ${queue}, k, ${new Date(nowMs)} FROM unnest(${keys}::text[]) AS k`;
}

/** A rate that limits something, or undefined. */
function activeRate(rate: RateLimit | undefined): RateLimit | undefined {
  return rate && rate.count > 0 ? rate : undefined;
}

/**
 * The PostgreSQL store's dispatch gate (what `BrokerStore.gate` tells the core): when a full rate
 * window held a queue's tasks back, the core's timer is aimed at its opening, and the queue's
 * parked workers are woken then. Room freed by a task's end needs none of this: it is announced
 * to every broker by `NOTIFY` (`PgTaskStore`).
 */
export class RateOpenings {
  private readonly openings = new Map<string, number>();
  private refused = false;
  private woken: string[] = [];

  /** A lease found `queue`'s window full until `atMs` (wall ms). */
  refusedUntil(queue: string, atMs: number): void {
    this.openings.set(queue, Math.min(this.openings.get(queue) ?? Infinity, atMs));
    this.refused = true;
  }

  /** The windows open by `nowMs` wake their queues' workers ({@link takeWoken}). */
  releaseDue(nowMs: number): void {
    for (const [queue, atMs] of this.openings) {
      if (atMs > nowMs) continue;
      this.openings.delete(queue);
      this.woken.push(queue);
    }
  }

  /** When a full window next opens, if one holds tasks back. */
  nextOpeningMs(): number | undefined {
    let earliest = Infinity;
    for (const atMs of this.openings.values()) earliest = Math.min(earliest, atMs);
    return earliest === Infinity ? undefined : earliest;
  }

  /** Never: no lease here holds tasks aside (the database keeps them in line). */
  takeHoldCapHit(): boolean {
    return false;
  }

  /** Whether a lease found a window full since last asked. */
  takeRateRefused(): boolean {
    const refused = this.refused;
    this.refused = false;
    return refused;
  }

  /** The queues whose windows opened since last asked. */
  takeWoken(): string[] {
    const woken = this.woken;
    this.woken = [];
    return woken;
  }
}
