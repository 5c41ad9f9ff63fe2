/**
 * `qtasks tasks list|get|cancel|retry|watch`: tasks one at a time or by filter, on the SDK's
 * `listTasks`, `get`, `cancel`, `retry` and `watch`.
 */
import type { Command } from 'commander';
import type { Task, TaskStatusName } from '@qtasks/sdk';
import { action } from '../action.js';
import { forEachTask, throwIfFailed } from '../bulk.js';
import type { Context } from '../connect.js';
import { CliError, EXIT_CODES, UsageError } from '../exit-codes.js';
import { TASK_COLUMNS, taskFields, taskRow, transitionText } from '../format.js';
import { collectIds, collectTasks } from '../listing.js';
import { FINAL_STATUSES, parseInteger, parseSeconds, parseSince, parseStatuses } from '../parse.js';

/** Options of `tasks list`. */
interface ListOptions {
  queue?: string;
  status?: TaskStatusName[];
  since?: Date;
  limit: number;
  all?: boolean;
}

/** Options of `tasks retry`. */
interface RetryOptions {
  queue?: string;
  status?: TaskStatusName[];
  since?: Date;
}

/** The statuses `tasks retry` can put back: the broker retries only tasks that failed or were cancelled. */
const RETRYABLE: readonly TaskStatusName[] = ['error', 'cancel'];

/**
 * How long a watch keeps reconnecting to a broker that went away (a restart takes seconds) before
 * `qtasks` gives up with exit 5, rather than waiting forever on a broker that is gone.
 */
export const RECONNECT_FOR_MS = 30_000;

/** Adds `tasks` and its subcommands to `program`. */
export function registerTasks(program: Command): void {
  const tasks = program.command('tasks').description('list, inspect, cancel, retry and watch tasks');

  tasks
    .command('list')
    .description('list tasks, newest last; filter by queue, status and end time')
    .option('-q, --queue <name>', 'only tasks of this queue')
    .option('-s, --status <statuses>', 'only tasks in these statuses (comma-separated: new,process,retry,success,error,cancel)', (raw) => parseStatuses('--status', raw))
    .option('--since <when>', 'only tasks that ended since: a duration back (30m, 2h, 7d) or an ISO date; needs final statuses (success,error,cancel, the default with --since)', (raw) => parseSince('--since', raw))
    .option('-n, --limit <n>', 'show at most N tasks', (raw) => parseInteger('--limit', raw, 1), 50)
    .option('-a, --all', 'show every matching task (pages through all)')
    .action(action(list));

  tasks
    .command('get')
    .description("show one task: status, attempts, args, result or error, history")
    .argument('<id>', 'the task id')
    .action(action(get));

  tasks
    .command('cancel')
    .description('cancel tasks: a waiting one ends cancel at once; a running one is asked to stop and ends cancel when its worker does')
    .argument('<ids...>', 'task ids')
    .option('-r, --reason <text>', 'why (kept on the task)', '')
    .action(action(cancel));

  tasks
    .command('retry')
    .description('run failed or cancelled tasks again (same id, a fresh retry budget); by id, or all matching --queue/--status/--since')
    .argument('[ids...]', 'task ids; none to retry by filter')
    .option('-q, --queue <name>', 'retry the failed tasks of this queue')
    .option('-s, --status <statuses>', 'with a filter: which to retry, error and/or cancel (default: error)', (raw) => parseStatuses('--status', raw))
    .option('--since <when>', 'with a filter: only tasks that ended since (30m, 2h, 7d, or an ISO date)', (raw) => parseSince('--since', raw))
    .action(action(retry));

  tasks
    .command('watch')
    .description('print each transition of a task as it happens, until it ends (exit 0 success, 6 error or cancel)')
    .argument('<id>', 'the task id')
    .option('-t, --timeout <seconds>', 'give up after this long (exit 7)', (raw) => parseSeconds('--timeout', raw))
    .action(action(watch));
}

async function list(ctx: Context, options: ListOptions): Promise<void> {
  let statuses = options.status;
  if (options.since !== undefined) {
    statuses ??= [...FINAL_STATUSES];
    const open = statuses.filter((status) => !FINAL_STATUSES.includes(status));
    if (open.length > 0) {
      throw new UsageError(`--since: the broker lists tasks by the time they ended, so it takes only success, error and cancel, not ${open.join(', ')}`);
    }
  }
  const { tasks, more } = await collectTasks(
    ctx.app,
    {
      ...(options.queue === undefined ? {} : { queue: options.queue }),
      ...(statuses === undefined ? {} : { statuses }),
      ...(options.since === undefined ? {} : { finishedAfter: options.since }),
    },
    options.all ? Infinity : options.limit,
  );
  const { out } = ctx;
  if (out.json) out.writeJson(tasks);
  else if (tasks.length === 0) out.line('no tasks');
  else {
    const now = Date.now();
    out.table(TASK_COLUMNS, tasks.map((task) => taskRow(out, task, now)));
  }
  if (more) out.note(`qtasks: showing the first ${tasks.length}; more match (--limit N, or --all)`);
}

async function get(ctx: Context, id: string): Promise<void> {
  const task = await ctx.app.get(id);
  if (task === null) throw new CliError(`no task ${id}`, EXIT_CODES.NOT_FOUND);
  if (ctx.out.json) ctx.out.writeJson(task);
  else ctx.out.fields(taskFields(ctx.out, task));
}

async function cancel(ctx: Context, ids: string[], options: { reason: string }): Promise<void> {
  const result = await forEachTask(ctx, ids, 'cancelling', (id) => ctx.app.cancel(id, options.reason));
  printTasks(ctx, result.tasks, (task) => (task.isFinal ? task.status : `${task.status}, cancel requested: it ends cancel when its worker stops it`));
  throwIfFailed(result, 'cancel', ids.length);
}

async function retry(ctx: Context, ids: string[], options: RetryOptions): Promise<void> {
  const byFilter = options.queue !== undefined || options.status !== undefined || options.since !== undefined;
  if (ids.length > 0 && byFilter) throw new UsageError('tasks retry: give task ids, or --queue/--status/--since to retry by filter, not both');
  if (ids.length === 0 && !byFilter) throw new UsageError('tasks retry: give task ids, or --queue/--status/--since to retry by filter');
  if (ids.length === 0) {
    const statuses = options.status ?? ['error'];
    const other = statuses.filter((status) => !RETRYABLE.includes(status));
    if (other.length > 0) throw new UsageError(`--status: only error and cancel tasks can be retried, not ${other.join(', ')}`);
    ids = await collectIds(ctx.app, {
      statuses,
      ...(options.queue === undefined ? {} : { queue: options.queue }),
      ...(options.since === undefined ? {} : { finishedAfter: options.since }),
    });
    if (ids.length === 0) {
      if (ctx.out.json) ctx.out.writeJson([]);
      else ctx.out.line('no tasks to retry');
      return;
    }
    const result = await forEachTask(ctx, ids, 'retrying', (id) => ctx.app.retry(id));
    if (ctx.out.json) ctx.out.writeJson(result.tasks);
    else ctx.out.line(`retried ${result.tasks.length} of ${ids.length} tasks`);
    throwIfFailed(result, 'retry', ids.length);
    return;
  }
  const result = await forEachTask(ctx, ids, 'retrying', (id) => ctx.app.retry(id));
  printTasks(ctx, result.tasks, (task) => task.status);
  throwIfFailed(result, 'retry', ids.length);
}

async function watch(ctx: Context, id: string, options: { timeout?: number }): Promise<void> {
  const { out } = ctx;
  // Timers hold at most 2^31-1 ms (~24.8 days).
  const signal = options.timeout === undefined ? undefined : AbortSignal.timeout(Math.min(options.timeout * 1000, 2 ** 31 - 1));
  let last: Task | undefined;
  for await (const task of ctx.app.watch(id, { reconnectForMs: RECONNECT_FOR_MS, ...(signal ? { signal } : {}) })) {
    last = task;
    if (out.json) out.writeJson(task, true);
    else out.line(transitionText(out, task));
  }
  endOfWait(id, last, options.timeout);
}

/**
 * Throws for a wait that did not end in `success`: exit 6 for `error` or `cancel`, 7 when the
 * time ran out first.
 */
export function endOfWait(id: string, last: Task | undefined, timeoutSeconds: number | undefined): void {
  if (last === undefined || !last.isFinal) {
    throw new CliError(`task ${id} did not end within ${timeoutSeconds ?? '?'} s${last ? ` (still ${last.status})` : ''}`, EXIT_CODES.TIMEOUT);
  }
  if (last.status === 'success') return;
  const why = last.error ? `: ${last.error.type}: ${last.error.message}` : last.cancelReason ? `: ${last.cancelReason}` : '';
  throw new CliError(`task ${id} ended ${last.status}${why}`, EXIT_CODES.TASK_FAILED);
}

/** Tasks an operation left: JSON, or one `ID  what` line each. */
function printTasks(ctx: Context, tasks: readonly Task[], what: (task: Task) => string): void {
  if (ctx.out.json) ctx.out.writeJson(tasks);
  else for (const task of tasks) ctx.out.line(`${task.uuid}  ${what(task)}`);
}
