/** Small builders shared by the integration tests. */
import { randomUUID } from 'node:crypto';
import type { DeepPartial, Task, TaskSpec } from '@qtasks/proto';
import type { BrokerClient } from './broker-process.js';

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

/** Every task (of `queue`, when given), read with ListTasks page by page. */
export async function listAllTasks(client: BrokerClient, queue?: string): Promise<Task[]> {
  const tasks: Task[] = [];
  let pageToken = '';
  do {
    const page = await client.listTasks({ ...(queue === undefined ? {} : { queue }), pageSize: 1000, pageToken });
    tasks.push(...page.tasks);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return tasks;
}
