/** Task middlewares: classes that run around a task and may change its args or its result. */
import type { BaseTaskExecutor } from './executor.js';

/**
 * A middleware. One instance is made per run with the executor; `call()` may read and change
 * `executor.args` / `executor.kwargs` (before the task) or `executor.result` (after it), or throw
 * to fail the run.
 *
 * ```ts
 * class Double extends TaskMiddleware {
 *   async call() { this.executor.result = (this.executor.result as number) * 2; }
 * }
 * app.task({ middlewaresAfter: [Double] }, (a: number) => a);
 * ```
 */
export abstract class TaskMiddleware {
  constructor(
    /** The executor of the run. */
    readonly executor: BaseTaskExecutor,
  ) {}

  /** Runs the middleware. */
  abstract call(): void | Promise<void>;
}

/** A middleware class. */
export type TaskMiddlewareClass = new (executor: BaseTaskExecutor) => TaskMiddleware;
