/**
 * `qtasks queues list|pause|resume|purge|limits`: the broker's queue verbs, on the SDK's
 * `listQueues`, `pauseQueue`, `resumeQueue`, `purgeQueue`, `getQueueLimits` and `setQueueLimits`.
 */
import type { Command } from 'commander';
import type { PurgeableStatus, QueueInfo, QueueLimits, QueueLimitsOptions, RateLimit } from '@qtasks/sdk';
import { action } from '../action.js';
import type { Context } from '../connect.js';
import { UsageError } from '../exit-codes.js';
import { durationText, limitsText, rateText } from '../format.js';
import { parseInteger, parsePurgeStatuses, parseRate } from '../parse.js';
import { ProgressBar } from '../progress.js';
import { canAsk, confirm } from '../prompt.js';

/** Largest limit the contract carries (an int32). */
const MAX_INT32 = 2 ** 31 - 1;

/** Options of `queues purge`. */
interface PurgeOptions {
  status?: PurgeableStatus[];
  yes?: boolean;
}

/** Options of `queues limits`; `null` is "remove this limit". */
interface LimitsOptions {
  maxRunning?: number;
  rate?: RateLimit | null;
  keyMaxRunning?: number;
  keyRate?: RateLimit | null;
  clear?: boolean;
}

/** Adds `queues` and its subcommands to `program`. */
export function registerQueues(program: Command): void {
  const queues = program.command('queues').description('list, pause, resume and purge queues; show and set their limits');

  queues.command('list').description('every queue with its tasks by status, paused or not, limits, oldest ready task').action(action(list));

  queues
    .command('pause')
    .description('stop a queue from handing out tasks (durable; it still takes new ones, running ones finish)')
    .argument('<name>', 'the queue')
    .action(action((ctx: Context, name: string) => printQueue(ctx, ctx.app.pauseQueue(name), 'paused')));

  queues
    .command('resume')
    .description('let a paused queue hand out tasks again')
    .argument('<name>', 'the queue')
    .action(action((ctx: Context, name: string) => printQueue(ctx, ctx.app.resumeQueue(name), 'resumed')));

  queues
    .command('purge')
    .description('remove the tasks of a queue in the given statuses, for good (running tasks never: cancel them)')
    .argument('<name>', 'the queue')
    .option('-s, --status <statuses>', 'which to remove (comma-separated: new,retry,success,error,cancel); required', (raw) => parsePurgeStatuses('--status', raw))
    .option('-y, --yes', 'do not ask for confirmation (required when not on a terminal)')
    .action(action(purge));

  queues
    .command('limits')
    .description('show a queue\'s limits, or change the ones given (the others are kept)')
    .argument('<name>', 'the queue')
    .option('--max-running <n>', 'most tasks of the queue running at once (0: no limit)', (raw) => parseInteger('--max-running', raw, 0, MAX_INT32))
    .option('--rate <count/period>', 'most task starts per period, e.g. 100/s, 10/1m, 5/500ms ("none": no limit)', (raw) => parseRate('--rate', raw) ?? null)
    .option('--key-max-running <n>', 'most tasks of each limit key running at once (0: no limit)', (raw) => parseInteger('--key-max-running', raw, 0, MAX_INT32))
    .option('--key-rate <count/period>', 'most task starts of each limit key per period ("none": no limit)', (raw) => parseRate('--key-rate', raw) ?? null)
    .option('--clear', 'remove every limit (before applying any given with it)')
    .action(action(limits));
}

async function list(ctx: Context): Promise<void> {
  const queues = await ctx.app.listQueues();
  const { out } = ctx;
  if (out.json) return out.writeJson(queues);
  if (queues.length === 0) return out.line('no queues');
  const count = (n: number): string => (n === 0 ? out.style('dim', '0') : String(n));
  out.table(
    [
      { header: 'QUEUE' },
      { header: 'STATE' },
      { header: 'NEW', right: true },
      { header: 'PROCESS', right: true },
      { header: 'RETRY', right: true },
      { header: 'SUCCESS', right: true },
      { header: 'ERROR', right: true },
      { header: 'CANCEL', right: true },
      { header: 'OLDEST READY', right: true },
      { header: 'DONE/MIN', right: true },
      { header: 'LIMITS' },
    ],
    queues.map((queue) => [
      queue.name,
      queue.paused ? out.style('yellow', 'paused') : 'active',
      count(queue.counts.new),
      count(queue.counts.process),
      count(queue.counts.retry),
      count(queue.counts.success),
      queue.counts.error ? out.style('red', String(queue.counts.error)) : count(0),
      count(queue.counts.cancel),
      queue.oldestReadyAgeMs ? durationText(queue.oldestReadyAgeMs) : '-',
      String(queue.completedLastMinute),
      limitsText(queue.limits),
    ]),
  );
}

async function printQueue(ctx: Context, call: Promise<QueueInfo>, done: string): Promise<void> {
  const queue = await call;
  if (ctx.out.json) ctx.out.writeJson(queue);
  else ctx.out.line(`queue ${queue.name} ${done} (${queue.counts.new + queue.counts.retry} waiting, ${queue.counts.process} running)`);
}

async function purge(ctx: Context, name: string, options: PurgeOptions): Promise<void> {
  const statuses = options.status;
  if (statuses === undefined) throw new UsageError('queues purge: --status is required (e.g. --status new,retry); purging removes tasks for good');
  const counts = (await ctx.app.listQueues()).find((queue) => queue.name === name)?.counts;
  const expected = statuses.map((status) => counts?.[status] ?? 0).reduce((a, b) => a + b, 0);
  if (!options.yes) {
    if (!canAsk()) throw new UsageError('queues purge: removes tasks for good; add --yes to confirm (there is no terminal to ask on)');
    if (!(await confirm(`Remove about ${expected} tasks (${statuses.join(', ')}) of queue ${name} for good?`))) {
      ctx.out.note('qtasks: nothing purged');
      return;
    }
  }
  // One call per status, so that the bar moves on a large queue; each call is one broker operation.
  const bar = new ProgressBar(ctx.out.stderr, ctx.out.interactive, `purging ${name}`, expected);
  const byStatus: Partial<Record<PurgeableStatus, number>> = {};
  let purged = 0;
  for (const status of statuses) {
    const removed = await ctx.app.purgeQueue(name, [status]);
    byStatus[status] = removed;
    purged += removed;
    bar.tick(removed);
  }
  bar.finish();
  if (ctx.out.json) ctx.out.writeJson({ queue: name, purged, byStatus });
  else ctx.out.line(`purged ${purged} tasks from queue ${name} (${statuses.map((status) => `${status} ${byStatus[status]}`).join(', ')})`);
}

async function limits(ctx: Context, name: string, options: LimitsOptions): Promise<void> {
  const setting = options.clear || options.maxRunning !== undefined || options.rate !== undefined || options.keyMaxRunning !== undefined || options.keyRate !== undefined;
  let current: QueueLimits = await ctx.app.getQueueLimits(name);
  if (setting) {
    // SetQueueLimits replaces every limit: start from the ones in force, unless clearing.
    const next: QueueLimitsOptions = options.clear ? {} : { ...current };
    if (options.maxRunning !== undefined) next.maxRunning = options.maxRunning;
    if (options.rate !== undefined) next.rate = options.rate ?? undefined;
    if (options.keyMaxRunning !== undefined) next.maxRunningPerKey = options.keyMaxRunning;
    if (options.keyRate !== undefined) next.ratePerKey = options.keyRate ?? undefined;
    current = await ctx.app.setQueueLimits(name, next);
  }
  const { out } = ctx;
  if (out.json) return out.writeJson({ queue: name, limits: current });
  const none = (n: number): string => (n ? String(n) : 'none');
  out.fields([
    ['queue', name],
    ['max-running', none(current.maxRunning)],
    ['rate', rateText(current.rate)],
    ['key-max-running', none(current.maxRunningPerKey)],
    ['key-rate', rateText(current.ratePerKey)],
  ]);
}
