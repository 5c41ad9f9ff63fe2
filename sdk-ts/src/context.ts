/** `ctx`: what a running task can know and do, handed to `echo` tasks as `self.ctx`. */
import { TaskCancelError } from './errors.js';
import type { Logger } from './logger.js';
import type { QTasksConfig } from './config.js';
import type { RunAbort } from './run-abort.js';
import type { Task } from './task.js';

/** What the context needs from the app. */
export interface ContextHost {
  readonly config: QTasksConfig;
  get(uuid: string): Promise<Task | null>;
}

/** The context of one attempt of one task. */
export class TaskContext {
  private metadata: Task | null | undefined;

  constructor(
    private readonly host: ContextHost,
    /** The task's id. */
    readonly taskId: string,
    /** The task's registered name. */
    readonly taskName: string,
    /** This attempt's number: 1 for the first run. */
    readonly attempt: number,
    /** The run's stop (the worker's), or a signal of your own (in tests). */
    stop: RunAbort | AbortSignal,
    /** A logger whose messages name the task. */
    readonly logger: Logger,
  ) {
    this.#stop = stop;
  }

  /** Made into a signal only when asked for (see `run-abort.ts`). */
  readonly #stop: RunAbort | AbortSignal;

  /**
   * Aborts when the task is cancelled, runs out of time, loses its lease, or its worker stops
   * past the grace period; pass it to your I/O. `signal.reason` tells which.
   */
  get signal(): AbortSignal {
    return this.#stop instanceof AbortSignal ? this.#stop : this.#stop.signal;
  }

  /** The app's configuration. */
  getConfig(): QTasksConfig {
    return this.host.config;
  }

  /** Another task's state, or `null`. */
  getTask(uuid: string): Promise<Task | null> {
    return this.host.get(uuid);
  }

  /** This task's record as the broker has it (read once, then cached unless `cache` is false). */
  async getMetadata(cache = true): Promise<Task | null> {
    if (!cache || this.metadata === undefined) this.metadata = await this.host.get(this.taskId);
    return this.metadata;
  }

  /** Stops the task as cancelled: throws a {@link TaskCancelError}, so the task ends in `cancel`. */
  cancel(reason = ''): never {
    throw new TaskCancelError(reason || `${this.taskName}.cancel`);
  }

  /** Waits `ms` milliseconds, or rejects as soon as the task's signal aborts. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.signal.aborted) return reject(this.signal.reason);
      const timer = setTimeout(() => {
        this.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(this.signal.reason);
      };
      this.signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
