/** `qtasks enqueue NAME`: adds a task by name (run by a worker in any language), and can wait for it. */
import type { Command } from 'commander';
import { BrokerCallError, type AddTaskOptions, type Task } from '@qtasks/sdk';
import { Status } from 'nice-grpc';
import { action } from '../action.js';
import type { Context } from '../connect.js';
import { CliError, EXIT_CODES } from '../exit-codes.js';
import { taskFields } from '../format.js';
import { parseInteger, parseJson, parseSeconds } from '../parse.js';
import { RECONNECT_FOR_MS, endOfWait } from './tasks.js';

/** Options of `enqueue`. */
interface EnqueueOptions {
  args: unknown[];
  kwargs?: Record<string, unknown>;
  queue?: string;
  priority?: number;
  delay?: number;
  retry?: number;
  idempotencyKey?: string;
  wait?: number;
}

/** Adds `enqueue` to `program`. */
export function registerEnqueue(program: Command): void {
  program
    .command('enqueue')
    .description('add a task; with --wait, wait for it to end (exit 0 success, 6 error or cancel, 7 timeout)')
    .argument('<name>', 'the task name')
    .option('--args <json>', 'positional arguments, a JSON array', (raw) => parseJson('--args', raw, 'array'), [])
    .option('--kwargs <json>', 'keyword arguments, a JSON object', (raw) => parseJson('--kwargs', raw, 'object'))
    .option('-q, --queue <name>', 'the queue (default: the task name)')
    .option('-p, --priority <n>', 'lower runs first (default 0)', (raw) => parseInteger('--priority', raw, -(2 ** 31), 2 ** 31 - 1))
    .option('--delay <seconds>', 'run no sooner than this many seconds from now', (raw) => parseSeconds('--delay', raw))
    .option('--retry <n>', 'further attempts after a failed one', (raw) => parseInteger('--retry', raw, 0, 2 ** 31 - 1))
    .option('--idempotency-key <key>', 'enqueue once per key: the same key gives back the same task')
    .option('-w, --wait <seconds>', 'wait up to this long for the task to end, and print it', (raw) => parseSeconds('--wait', raw))
    .action(action(enqueue));
}

async function enqueue(ctx: Context, name: string, options: EnqueueOptions): Promise<void> {
  const addOptions: AddTaskOptions & { timeout?: undefined } = {
    ...(options.kwargs === undefined ? {} : { kwargs: options.kwargs }),
    ...(options.queue === undefined ? {} : { queue: options.queue }),
    ...(options.priority === undefined ? {} : { priority: options.priority }),
    ...(options.delay === undefined ? {} : { delay: options.delay }),
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
  };
  const task = await ctx.app.addTask(name, options.args, addOptions);
  const { out } = ctx;
  if (options.wait === undefined) {
    if (out.json) out.writeJson(task);
    else out.line(`enqueued ${task.uuid} (${task.taskName} on queue ${task.queue})`);
    return;
  }
  if (!out.json) out.note(`qtasks: enqueued ${task.uuid}, waiting up to ${options.wait} s`);
  // Timers hold at most 2^31-1 ms (~24.8 days).
  const signal = AbortSignal.timeout(Math.min(options.wait * 1000, 2 ** 31 - 1));
  let last: Task = task;
  try {
    for await (const state of ctx.app.watch(task.uuid, { signal, reconnectForMs: RECONNECT_FOR_MS })) last = state;
  } catch (error) {
    // Gone between its enqueue and the watch: it ended, and a retention of 0 removed it at once.
    if (error instanceof BrokerCallError && error.code === Status.NOT_FOUND && last === task) {
      throw new CliError(
        `task ${task.uuid} ended and was removed before its end could be read (the broker keeps no ended tasks: --retain-succeeded/--retain-failed 0); its outcome is unknown`,
        EXIT_CODES.UNEXPECTED,
      );
    }
    throw error;
  }
  if (out.json) out.writeJson(last);
  else out.fields(taskFields(out, last));
  endOfWait(task.uuid, last, options.wait);
}
