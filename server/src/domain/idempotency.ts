/**
 * An idempotency key names one request: a second Enqueue with the same key (in the same queue)
 * must be a retry of the first, and gets the first task back. The same key with another task is a
 * client bug (two jobs sharing a key) that returning the first task would hide, so it is refused,
 * as Stripe refuses a key reused with other parameters.
 */
import { AlreadyExistsError } from './errors.js';
import type { NewTask, TaskRecord } from './task.js';

/**
 * The request field (as named in the proto) in which `spec` differs from the task that already
 * holds its idempotency key, or undefined when it is the same task.
 *
 * Compared: what the task runs and how (`name`, `args`, `kwargs`, `priority`, `max_retries`,
 * `retry_backoff`, `max_time_ms`, `tags`, `metadata`). Not compared: `eta` and `delay_ms`, which a
 * retry may compute again from its own clock, and `trace_context`, which a retry sends from its
 * own span. Payloads are compared byte for byte (they are stored
 * byte for byte); a retry of the same request sends the same bytes.
 */
export function idempotencyMismatch(existing: TaskRecord, spec: NewTask): string | undefined {
  if (existing.name !== spec.name) return 'name';
  if (!sameBytes(existing.args, spec.args)) return 'args';
  if (!sameBytes(existing.kwargs, spec.kwargs)) return 'kwargs';
  if (existing.priority !== spec.priority) return 'priority';
  if (existing.maxRetries !== spec.maxRetries) return 'max_retries';
  const [a, b] = [existing.backoff, spec.backoff];
  if (a.initialMs !== b.initialMs || a.multiplier !== b.multiplier || a.maxMs !== b.maxMs) return 'retry_backoff';
  if (existing.maxTimeMs !== spec.maxTimeMs) return 'max_time_ms';
  if ((existing.limitKey ?? '') !== (spec.limitKey ?? '')) return 'limit_key';
  if (existing.tags.length !== spec.tags.length || existing.tags.some((tag, i) => tag !== spec.tags[i])) return 'tags';
  const keys = Object.keys(spec.metadata);
  if (keys.length !== Object.keys(existing.metadata).length || keys.some((key) => existing.metadata[key] !== spec.metadata[key])) return 'metadata';
  return undefined;
}

/**
 * The task that holds an idempotency key, if `spec` describes the same task (every store answers
 * a retried Enqueue with it).
 *
 * @throws AlreadyExistsError naming `field` and the first field that differs
 */
export function sameRequestOrThrow(existing: TaskRecord, spec: NewTask, field: string): TaskRecord {
  const differs = idempotencyMismatch(existing, spec);
  if (differs === undefined) return existing;
  throw new AlreadyExistsError(
    field,
    `${JSON.stringify(spec.idempotencyKey)} is already used in queue ${JSON.stringify(spec.queue)} by task ${existing.id}, with another ${differs}; nothing was stored (use a new key for a new task)`,
  );
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
