/** Validation of the queue verbs' requests (PauseQueue, SetQueueLimits, PurgeQueue, …). */
import type { PurgeQueueRequest, QueueLimits as ProtoQueueLimits, RateLimit as ProtoRateLimit } from '@qtasks/proto';
import { InvalidArgumentError } from '../domain/errors.js';
import type { QueueLimits, RateLimit } from '../domain/queue.js';
import { TASK_STATUSES, type TaskStatus } from '../domain/task.js';
import { checkName, checkRange } from './validation.js';

/** The longest rate period: a day. */
export const MAX_RATE_PERIOD_MS = 86_400_000;

/** A queue name. @throws InvalidArgumentError naming `queue` */
export function checkQueue(queue: string): string {
  return checkName('queue', queue);
}

/** Validates the limits of a SetQueueLimits (absent: none). */
export function parseQueueLimits(limits: ProtoQueueLimits | undefined): QueueLimits {
  if (!limits) return { maxRunning: 0, maxRunningPerKey: 0 };
  checkRange('limits.max_running', limits.maxRunning, 0, 2 ** 31 - 1);
  checkRange('limits.max_running_per_key', limits.maxRunningPerKey, 0, 2 ** 31 - 1);
  const parsed: QueueLimits = { maxRunning: limits.maxRunning, maxRunningPerKey: limits.maxRunningPerKey };
  const rate = parseRate('limits.rate', limits.rate);
  if (rate) parsed.rate = rate;
  const ratePerKey = parseRate('limits.rate_per_key', limits.ratePerKey);
  if (ratePerKey) parsed.ratePerKey = ratePerKey;
  return parsed;
}

function parseRate(field: string, rate: ProtoRateLimit | undefined): RateLimit | undefined {
  if (!rate) return undefined;
  checkRange(`${field}.count`, rate.count, 0, 2 ** 31 - 1);
  checkRange(`${field}.period_ms`, rate.periodMs, 0, MAX_RATE_PERIOD_MS);
  if (rate.count === 0) return undefined;
  if (rate.periodMs === 0) throw new InvalidArgumentError(`${field}.period_ms`, 'must be set (1–86400000) when count is');
  return { count: rate.count, periodMs: rate.periodMs };
}

/** Validates a PurgeQueueRequest. */
export function parsePurgeRequest(request: PurgeQueueRequest): { queue: string; statuses: TaskStatus[] } {
  const queue = checkQueue(request.queue);
  if (request.statuses.length === 0) throw new InvalidArgumentError('statuses', 'name at least one status to purge');
  const statuses = request.statuses.map((value, i) => {
    const status = TASK_STATUSES[value - 1];
    if (!status) throw new InvalidArgumentError(`statuses[${i}]`, `unknown TaskStatus value ${value}`);
    if (status === 'process') throw new InvalidArgumentError(`statuses[${i}]`, 'running tasks are never purged: cancel them first');
    return status;
  });
  return { queue, statuses: [...new Set(statuses)] };
}
