/**
 * `GET /api/tasks`'s query string, read into the same `ListTasksRequest` the gRPC call takes and
 * validated by the same code (`parseListRequest`), so both take the same filters, refuse the same
 * values and name the same fields: `queue`, `status` (`new`, `process`, `retry`, `success`,
 * `error`, `cancel`), `page_size` (1–1000, default 100), `page_token` (the `next_page_token` of
 * the previous page) and `finished_after` (an ISO 8601 time or epoch milliseconds; with a final
 * status).
 */
import type { ListTasksRequest } from '@qtasks/proto';
import { InvalidArgumentError } from '../domain/errors.js';
import { TASK_STATUSES } from '../domain/task.js';
import type { ListFilter } from '../store/task-store.js';
import { parseListRequest } from '../transport/validation.js';

/** The parameters `GET /api/tasks` takes; any other is refused, naming it. */
const KNOWN = new Set(['queue', 'status', 'page_size', 'page_token', 'finished_after']);

/**
 * The list filter of a query string.
 *
 * @throws InvalidArgumentError naming the parameter at fault
 */
export function parseListQuery(query: URLSearchParams): ListFilter {
  for (const name of query.keys()) {
    if (!KNOWN.has(name)) throw new InvalidArgumentError(name, `is not a parameter of this call (expected ${[...KNOWN].join(', ')})`);
    if (query.getAll(name).length > 1) throw new InvalidArgumentError(name, 'must be given once');
  }
  const request: ListTasksRequest = {
    queue: query.get('queue') ?? '',
    status: parseStatus(query.get('status')),
    pageSize: parsePageSize(query.get('page_size')),
    pageToken: query.get('page_token') ?? '',
    finishedAfter: parseTime('finished_after', query.get('finished_after')),
  };
  return parseListRequest(request);
}

/** The protobuf enum value of a status name (0 for none). */
function parseStatus(value: string | null): number {
  if (value === null || value === '') return 0;
  const index = (TASK_STATUSES as readonly string[]).indexOf(value);
  if (index < 0) throw new InvalidArgumentError('status', `must be one of ${TASK_STATUSES.join(', ')}, got "${clip(value)}"`);
  return index + 1;
}

function parsePageSize(value: string | null): number {
  if (value === null || value === '') return 0;
  if (!/^\d{1,7}$/.test(value)) throw new InvalidArgumentError('page_size', `must be a whole number between 1 and 1000, got "${clip(value)}"`);
  const size = Number(value);
  if (size === 0) throw new InvalidArgumentError('page_size', 'must be between 1 and 1000, got 0');
  return size;
}

function parseTime(field: string, value: string | null): Date | undefined {
  if (value === null || value === '') return undefined;
  const date = /^\d+$/.test(value) ? new Date(Number(value)) : new Date(value);
  if (Number.isNaN(date.getTime())) throw new InvalidArgumentError(field, `must be an ISO 8601 time or epoch milliseconds, got "${clip(value)}"`);
  return date;
}

/** A value quoted in a refusal, cut short: a query string can be long. */
function clip(value: string): string {
  return value.length > 64 ? `${value.slice(0, 64)}…` : value;
}
