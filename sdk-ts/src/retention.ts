/**
 * A task's `retention`: the SDK takes seconds (as `maxTime`, `delay` and `timeout`), the contract
 * carries milliseconds (`TaskSpec.retention_ms`, an int32).
 */
import { TaskUsageError } from './errors.js';

/** The longest retention the contract can carry: 2^31-1 ms, about 24.8 days. */
export const MAX_RETENTION_SECONDS = (2 ** 31 - 1) / 1000;

/**
 * `retention` seconds as the contract's milliseconds; `undefined` (the broker's retention) stays
 * `undefined`.
 *
 * @param where - names the option in the error, e.g. `task report` or `addTask(report)`
 * @throws TaskUsageError for a negative, non-finite or too large value: an int32 cannot carry it
 */
export function retentionMsOf(retention: number | undefined, where: string): number | undefined {
  if (retention === undefined) return undefined;
  const ms = Math.round(retention * 1000);
  if (typeof retention !== 'number' || !(ms >= 0 && ms <= 2 ** 31 - 1)) {
    throw new TaskUsageError(`${where}: retention must be a number of seconds from 0 to ${MAX_RETENTION_SECONDS} (about 24.8 days), got ${String(retention)}`);
  }
  return ms;
}
