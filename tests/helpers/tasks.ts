/** Small builders shared by the integration tests. */
import { randomUUID } from 'node:crypto';
import type { DeepPartial, TaskSpec } from '@qtasks/proto';

/** A queue name no other test uses. */
export function uniqueQueue(label = 'q'): string {
  return `${label}-${randomUUID()}`;
}

/** UTF-8 JSON bytes of a value. */
export function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/** The value of UTF-8 JSON bytes. */
export function parseJson(bytes: Uint8Array | undefined): unknown {
  return JSON.parse(Buffer.from(bytes ?? []).toString('utf8'));
}

/** A TaskSpec in `queue` with sensible defaults. */
export function spec(queue: string, overrides: DeepPartial<TaskSpec> = {}): DeepPartial<TaskSpec> {
  return { name: 'test.task', queue, args: json([1, 2]), kwargs: json({}), ...overrides };
}

/** A worker id no other test uses. */
export function workerId(label = 'worker'): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}
