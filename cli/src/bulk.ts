/**
 * One operation over many tasks (`tasks cancel ID...`, `tasks retry ID...`, bulk retry): a few
 * calls at a time, a progress bar on a terminal, every failure reported, and the exit code of the
 * first failure once all were tried.
 */
import type { Task } from '@qtasks/sdk';
import type { Context } from './connect.js';
import { CliError, exitCodeOf, messageOf } from './exit-codes.js';
import { ProgressBar } from './progress.js';

/** Calls in flight at once: enough to hide round trips, few enough to leave the broker to others. */
const CONCURRENCY = 8;
/** Failures printed one by one; the rest are counted. */
const MAX_FAILURES_SHOWN = 10;

/** What {@link forEachTask} did. */
export interface BulkResult {
  /** The tasks as the calls left them, in the order of the ids (failed ones left out). */
  tasks: Task[];
  /** The ids whose call failed, with why. */
  failures: { id: string; error: unknown }[];
}

/**
 * Runs `call` on each id, a few at a time. A progress bar (labelled `label`) shows on a terminal
 * for more than one id. Failures do not stop the others: each is printed on stderr (the first ten).
 * With a single id, its failure is thrown as is.
 */
export async function forEachTask(ctx: Context, ids: readonly string[], label: string, call: (id: string) => Promise<Task>): Promise<BulkResult> {
  // One id: its error is the command's error, as is.
  if (ids.length === 1) return { tasks: [await call(ids[0]!)], failures: [] };
  const bar = new ProgressBar(ctx.out.stderr, ctx.out.interactive && ids.length > 1, label, ids.length);
  const results: (Task | undefined)[] = new Array(ids.length);
  const failures: { id: string; error: unknown }[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const index = next++;
      const id = ids[index]!;
      try {
        results[index] = await call(id);
      } catch (error) {
        failures.push({ id, error });
      }
      bar.tick();
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, ids.length) }, worker));
  bar.finish();
  for (const { id, error } of failures.slice(0, MAX_FAILURES_SHOWN)) ctx.out.note(`qtasks: ${id}: ${messageOf(error, ctx.options.broker)}`);
  if (failures.length > MAX_FAILURES_SHOWN) ctx.out.note(`qtasks: ... and ${failures.length - MAX_FAILURES_SHOWN} more failures`);
  return { tasks: results.filter((task): task is Task => task !== undefined), failures };
}

/** Throws, when some calls failed, a {@link CliError} with the exit code of the first failure. */
export function throwIfFailed(result: BulkResult, label: string, total: number): void {
  const first = result.failures[0];
  if (first !== undefined) throw new CliError(`${label}: ${result.failures.length} of ${total} failed`, exitCodeOf(first.error));
}
