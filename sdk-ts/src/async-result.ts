/** `AsyncResult`: waits for the outcome of a task enqueued earlier. */
import type { ResultWaiter, Task } from './task.js';
import { defaultApp } from './state.js';

/** The pending result of a task, by id. */
export class AsyncResult<R = unknown> {
  /**
   * @param uuid - the task's id
   * @param app - the app to ask; default: the first app created
   */
  constructor(
    readonly uuid: string,
    private readonly app: ResultWaiter = defaultApp(),
  ) {}

  /**
   * Waits (one `WatchResult` stream, no polling) up to `timeout` seconds for an end status of the
   * app's `resultStatusesEnd`; resolves to the task then, or `null` (also for an unknown id).
   */
  result(timeout = 100): Promise<Task<R> | null> {
    return this.app.waitForResult<R>(this.uuid, timeout);
  }
}
