/**
 * `@qtasks/sdk`: QTasks for TypeScript, on the QTasks broker.
 *
 * ```ts
 * import { QTasks } from '@qtasks/sdk';
 *
 * const app = new QTasks({ broker: '127.0.0.1:50051' });
 * const add = app.task({ name: 'add', retry: 2 }, async (a: number, b: number) => a + b);
 *
 * await app.worker.start();                               // in a worker process: app.runForever()
 * const task = await add.addTask([1, 2], { timeout: 10 }); // waits for the result
 * console.log(task?.status, task?.returning);             // "success" 3
 * ```
 *
 * @module
 */
export { QTasks, sharedTask, type QTasksOptions, type TaskDecorator } from './app.js';
export { AsyncTaskCls, isAsyncTask, taskOf, type AddTaskOptions, type AsyncTask, type TaskResult } from './async-task.js';
export { AsyncResult } from './async-result.js';
export { DEFAULT_CONFIG, envVariableOf, type QTasksConfig } from './config.js';
export { TaskContext } from './context.js';
export { AsyncTaskExecutor, BaseTaskExecutor, type ExecutorHooks, type TaskExecutorClass } from './executor.js';
export {
  BrokerCallError,
  ERROR_DOMAIN,
  ERROR_REASONS,
  type BrokerCallErrorOptions,
  DuplicateTaskError,
  QTasksConfigError,
  QTasksError,
  TaskCancelError,
  TaskTimeLimitError,
  TaskUsageError,
} from './errors.js';
export type { Logger } from './logger.js';
export { TaskMiddleware, type TaskMiddlewareClass } from './middleware.js';
export type { AuthOptions, TlsOptions } from './security.js';
export { Task, statusName, type PastAttempt, type TaskErrorInfo, type TaskStatusName } from './task.js';
export { MAX_RETENTION_SECONDS } from './retention.js';
export type { PurgeableStatus, QueueCounts, QueueInfo, QueueLimits, QueueLimitsOptions, RateLimit } from './queues.js';
export type { TaskListFilter, TaskPage } from './task-listing.js';
export type { WatchOptions } from './task-watch.js';
export type { GenerateHandler, RetryBackoffOptions, TaskExecSchema, TaskOptions } from './task-exec-schema.js';
export { Worker, type WorkerState } from './worker.js';
