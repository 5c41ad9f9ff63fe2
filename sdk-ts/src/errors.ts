/** The SDK's typed errors. */
import { ClientError, Status, type Metadata } from 'nice-grpc';

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
  /**
   * The broker's `retry-after-ms` hint, in ms: set when it refused the call (RESOURCE_EXHAUSTED)
   * because it was overloaded. Nothing of the call was stored; the same call may be sent again
   * after this long.
   */
  readonly retryAfterMs?: number;

  constructor(
    readonly code: Status,
    readonly details: string,
    readonly method: string,
    options?: ErrorOptions & { retryAfterMs?: number },
  ) {
    super(`${method}: ${Status[code]}: ${details}`, options);
    if (options?.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }

  /** True when trying again later may succeed (the broker is restarting, overloaded or unreachable). */
  get transient(): boolean {
    return this.code === Status.UNAVAILABLE || this.code === Status.RESOURCE_EXHAUSTED || this.code === Status.DEADLINE_EXCEEDED;
  }
}

/** The trailer in which the broker sends its retry hint with an overload refusal. */
export const RETRY_AFTER_MS_TRAILER = 'retry-after-ms';

/**
 * Turns a nice-grpc ClientError into a {@link BrokerCallError}; other errors pass unchanged.
 *
 * @param trailer - the call's trailing metadata, if it was received: a `retry-after-ms` in it
 *   becomes {@link BrokerCallError.retryAfterMs}
 */
export function toBrokerCallError(error: unknown, method: string, trailer?: Metadata): unknown {
  if (!(error instanceof ClientError)) return error;
  const hint = Number(trailer?.get(RETRY_AFTER_MS_TRAILER) ?? NaN);
  const retryAfterMs = error.code === Status.RESOURCE_EXHAUSTED && Number.isFinite(hint) && hint >= 0 ? hint : undefined;
  return new BrokerCallError(error.code, error.details, method, { cause: error, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
}
