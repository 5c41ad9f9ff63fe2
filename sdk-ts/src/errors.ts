/** The SDK's typed errors. */
import { ClientError, Status } from 'nice-grpc';

/** Base class of the SDK's own errors. */
export class QTasksError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Thrown inside a task to stop it as cancelled (`ctx.cancel(reason)` throws it): the task ends in
 * status `cancel` with this reason, and is never retried.
 */
export class TaskCancelError extends QTasksError {
  constructor(readonly reason = '') {
    super(reason ? `task cancelled: ${reason}` : 'task cancelled');
  }
}

/**
 * The error of an attempt that ran longer than the task's `maxTime`. Its `name` is the broker's
 * error type for the same event, so both sides report it alike.
 */
export class TaskTimeLimitError extends QTasksError {
  constructor(
    readonly taskName: string,
    readonly maxTimeSeconds: number,
  ) {
    super(`Time limit exceeded for task ${taskName}: ${maxTimeSeconds} seconds`);
    this.name = 'TimeLimitExceeded';
  }
}

/** A task name registered twice in one app. */
export class DuplicateTaskError extends QTasksError {}

/** A call that cannot work as made: a missing name, a missing app, a bad option. */
export class TaskUsageError extends QTasksError {}

/** A configuration value (option or environment variable) that cannot be used. */
export class QTasksConfigError extends QTasksError {}

/** The broker refused a call, or could not be reached. `code` is the gRPC status. */
export class BrokerCallError extends QTasksError {
  constructor(
    readonly code: Status,
    readonly details: string,
    readonly method: string,
    options?: ErrorOptions,
  ) {
    super(`${method}: ${Status[code]}: ${details}`, options);
  }

  /** True when trying again later may succeed (the broker is restarting, overloaded or unreachable). */
  get transient(): boolean {
    return this.code === Status.UNAVAILABLE || this.code === Status.RESOURCE_EXHAUSTED || this.code === Status.DEADLINE_EXCEEDED;
  }
}

/** Turns a nice-grpc ClientError into a {@link BrokerCallError}; other errors pass unchanged. */
export function toBrokerCallError(error: unknown, method: string): unknown {
  if (error instanceof ClientError) return new BrokerCallError(error.code, error.details, method, { cause: error });
  return error;
}
