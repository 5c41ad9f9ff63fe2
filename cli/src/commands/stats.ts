/** `qtasks stats`: totals across every queue, from one `ListQueues`. */
import type { Command } from 'commander';
import type { QueueCounts, QueueInfo } from '@qtasks/sdk';
import { action } from '../action.js';
import type { Context } from '../connect.js';
import { durationText } from '../format.js';
import { STATUS_NAMES } from '../parse.js';

/** The totals `qtasks stats` shows (and prints as JSON). */
export interface Stats {
  /** Queues the broker knows. */
  queues: number;
  /** Of them, paused. */
  paused: number;
  /** Tasks by status, across queues (ended ones while the broker keeps them). */
  counts: QueueCounts;
  /** Tasks waiting to run (`new` + `retry`). */
  waiting: number;
  /** How long the oldest ready task of any queue has waited, in ms (0: none ready). */
  oldestReadyAgeMs: number;
  /** Its queue, when there is one. */
  oldestReadyQueue: string | undefined;
  /** Tasks that ended over the last minute, across queues. */
  completedLastMinute: number;
}

/** Adds `stats` to `program`. */
export function registerStats(program: Command): void {
  program.command('stats').description('totals across queues: tasks by status, oldest ready task, completions over the last minute').action(action(stats));
}

/** Sums the queues' states. */
export function statsOf(queues: readonly QueueInfo[]): Stats {
  const counts = Object.fromEntries(STATUS_NAMES.map((status) => [status, 0])) as QueueCounts;
  let oldest: QueueInfo | undefined;
  for (const queue of queues) {
    for (const status of STATUS_NAMES) counts[status] += queue.counts[status];
    if (queue.oldestReadyAgeMs > (oldest?.oldestReadyAgeMs ?? 0)) oldest = queue;
  }
  return {
    queues: queues.length,
    paused: queues.filter((queue) => queue.paused).length,
    counts,
    waiting: counts.new + counts.retry,
    oldestReadyAgeMs: oldest?.oldestReadyAgeMs ?? 0,
    oldestReadyQueue: oldest?.name,
    completedLastMinute: queues.reduce((sum, queue) => sum + queue.completedLastMinute, 0),
  };
}

async function stats(ctx: Context): Promise<void> {
  const totals = statsOf(await ctx.app.listQueues());
  const { out } = ctx;
  if (out.json) return out.writeJson(totals);
  out.fields([
    ['queues', `${totals.queues}${totals.paused ? ` (${totals.paused} paused)` : ''}`],
    ...STATUS_NAMES.map((status): [string, string] => [status, String(totals.counts[status])]),
    ['oldest ready', totals.oldestReadyQueue ? `${durationText(totals.oldestReadyAgeMs)} (queue ${totals.oldestReadyQueue})` : '-'],
    ['done last minute', String(totals.completedLastMinute)],
  ]);
}
