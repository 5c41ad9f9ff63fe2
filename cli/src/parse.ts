/**
 * Parsers of flag values: each throws a {@link UsageError} that names the flag and says what it
 * takes, before anything is sent to the broker.
 */
import type { PurgeableStatus, RateLimit, TaskStatusName } from '@qtasks/sdk';
import { UsageError } from './exit-codes.js';

/** QTasks' status names, in the broker's order. */
export const STATUS_NAMES: readonly TaskStatusName[] = ['new', 'process', 'retry', 'success', 'error', 'cancel'];

/** The statuses a task ends in: the only ones with an end time. */
export const FINAL_STATUSES: readonly TaskStatusName[] = ['success', 'error', 'cancel'];

/** `error,cancel` → `['error', 'cancel']`, each a known status, none twice. */
export function parseStatuses(flag: string, raw: string): TaskStatusName[] {
  const names = raw.split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== '');
  if (names.length === 0) throw new UsageError(`${flag}: give one or more of ${STATUS_NAMES.join(', ')}`);
  for (const name of names) {
    if (!(STATUS_NAMES as readonly string[]).includes(name)) {
      throw new UsageError(`${flag}: unknown status "${name}"; use ${STATUS_NAMES.join(', ')}`);
    }
  }
  return [...new Set(names)] as TaskStatusName[];
}

/** The statuses of `queues purge --status`: any but `process`, which the broker never purges. */
export function parsePurgeStatuses(flag: string, raw: string): PurgeableStatus[] {
  const statuses = parseStatuses(flag, raw);
  if (statuses.includes('process')) {
    throw new UsageError(`${flag}: running tasks (process) are never purged; cancel them with "qtasks tasks cancel"`);
  }
  return statuses as PurgeableStatus[];
}

/** A whole number within [min, max]. */
export function parseInteger(flag: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `${min}–${max}`;
    throw new UsageError(`${flag}: must be a whole number, ${range}; got "${raw}"`);
  }
  return value;
}

/** A number of seconds, fractions allowed, at least 0. */
export function parseSeconds(flag: string, raw: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0) throw new UsageError(`${flag}: must be a number of seconds (0 or more); got "${raw}"`);
  return value;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `1500ms`, `30s`, `5m`, `2h`, `7d` (or a combination such as `1h30m`) in milliseconds; `undefined` if it is not one. */
export function durationMs(raw: string): number | undefined {
  const text = raw.trim();
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(amount) * UNIT_MS[unit!]!;
  return total;
}

/**
 * `--since`: a duration back from now (`30m`, `2h`, `7d`) or a date (`2025-01-31`,
 * `2025-01-31T12:00:00Z`); returns the moment.
 */
export function parseSince(flag: string, raw: string, now = Date.now()): Date {
  const ms = durationMs(raw);
  if (ms !== undefined) return new Date(now - ms);
  if (/^\d{4}-\d{2}-\d{2}/.test(raw.trim())) {
    const date = new Date(raw.trim());
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new UsageError(`${flag}: must be a duration back from now (30s, 15m, 2h, 7d) or an ISO date (2025-01-31T12:00:00Z); got "${raw}"`);
}

/**
 * A rate `COUNT/PERIOD`: `100/s`, `10/1m`, `5/500ms`, `1000/1h`; `none` (or `0`) is no rate.
 * The period is 1 ms to a day (the broker's range).
 */
export function parseRate(flag: string, raw: string): RateLimit | undefined {
  const text = raw.trim().toLowerCase();
  if (text === 'none' || text === '0') return undefined;
  const match = /^(\d+)\/(.+)$/.exec(text);
  const period = match ? (durationMs(match[2]!) ?? durationMs(`1${match[2]!}`)) : undefined;
  const count = match ? Number(match[1]) : NaN;
  if (!match || period === undefined || !Number.isSafeInteger(count) || count < 1 || period < 1 || period > UNIT_MS.d! || !Number.isInteger(period)) {
    throw new UsageError(`${flag}: must be COUNT/PERIOD with a period of 1ms to 1d (100/s, 10/1m, 5/500ms), or "none"; got "${raw}"`);
  }
  return { count, periodMs: period };
}

/** A JSON value of the expected kind (`array` for args, `object` for kwargs). */
export function parseJson(flag: string, raw: string, kind: 'array' | 'object'): unknown {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new UsageError(`${flag}: not valid JSON (${(error as Error).message})`);
  }
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  if (kind === 'array' && !Array.isArray(value)) throw new UsageError(`${flag}: must be a JSON array, e.g. '[1, "two"]'`);
  if (kind === 'object' && !isObject) throw new UsageError(`${flag}: must be a JSON object, e.g. '{"key": "value"}'`);
  return value;
}
