/**
 * The live view behind `app.watch`: a task's state, then each of its transitions as the broker
 * commits it, on one `WatchResult` stream, until the task ends.
 */
import type { Task as ProtoTask } from '@qtasks/proto';
import { Backoff, sleep } from './backoff.js';
import type { BrokerConnection } from './connection.js';
import { BrokerCallError } from './errors.js';
import { Task, type ResultWaiter } from './task.js';

/** Options of `app.watch`. */
export interface WatchOptions {
  /** Ends the watch (the iteration then simply stops, without an error). */
  signal?: AbortSignal;
  /**
   * How long, in ms, to keep opening the stream again after it failed, before throwing the last
   * failure (each state that comes starts the time anew). Default: for as long as the watch lasts.
   */
  reconnectForMs?: number;
}

/** What the watch needs of the connection. */
type Calls = Pick<BrokerConnection, 'watch'>;

/**
 * Yields the task's current state, then every transition, and ends right after a final status
 * (`success`, `error`, `cancel`) or when `options.signal` aborts.
 *
 * Once a first state came, a transient failure (the broker restarting, a watch it dropped) opens
 * the stream again with backoff; the broker then sends the current state first, which is yielded
 * only if it differs from the last one yielded. A failure before the first state is thrown: an
 * unknown id (NOT_FOUND), a refused token, an unreachable broker.
 *
 * @throws BrokerCallError for a refusal, or a failure before the first state
 */
export async function* watchTask<R = unknown>(conn: Calls, uuid: string, options: WatchOptions = {}, waiter?: ResultWaiter): AsyncGenerator<Task<R>> {
  const signal = options.signal ?? new AbortController().signal;
  const backoff = new Backoff();
  const reconnectForMs = options.reconnectForMs ?? Infinity;
  let failingSinceMs: number | undefined;
  let last: ProtoTask | undefined;
  while (!signal.aborted) {
    try {
      for await (const state of conn.watch(uuid, signal)) {
        backoff.reset();
        failingSinceMs = undefined;
        if (last !== undefined && sameState(last, state)) continue;
        last = state;
        const task = new Task<R>(state, waiter);
        yield task;
        if (task.isFinal) return;
      }
      // The broker ends the stream after a final status, which returned above; a stream that ends
      // otherwise was cut (a proxy, say): watch again, unless it never sent anything.
      if (last === undefined) return;
    } catch (error) {
      if (signal.aborted) return;
      if (last === undefined || !(error instanceof BrokerCallError && error.transient)) throw error;
      failingSinceMs ??= performance.now();
      if (performance.now() - failingSinceMs >= reconnectForMs) throw error;
    }
    await sleep(backoff.next(), signal).catch(() => undefined);
  }
}

/** True when a re-opened stream's first state is the one already yielded. */
function sameState(a: ProtoTask, b: ProtoTask): boolean {
  return (
    a.status === b.status &&
    a.attempt === b.attempt &&
    a.cancelRequested === b.cancelRequested &&
    a.updatedAt?.getTime() === b.updatedAt?.getTime()
  );
}
