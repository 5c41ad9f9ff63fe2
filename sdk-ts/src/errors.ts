/** The SDK's typed errors. */
import { ClientError, Status, type Metadata } from 'nice-grpc';
import { BadRequest, ErrorInfo, RetryInfo, RichClientError, type ErrorDetails } from 'nice-grpc-error-details';

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

/** What a {@link BrokerCallError} knows beyond its code and message. */
export interface BrokerCallErrorOptions extends ErrorOptions {
  /** See {@link BrokerCallError.retryAfterMs}. */
  retryAfterMs?: number;
  /** See {@link BrokerCallError.reason}. */
  reason?: string;
  /** See {@link BrokerCallError.field}. */
  field?: string;
}

/** The broker refused a call, or could not be reached. `code` is the gRPC status. */
export class BrokerCallError extends QTasksError {
  /**
   * How long to wait before sending the same call again, in ms: set when an overloaded broker
   * refused it (RESOURCE_EXHAUSTED, reason `OVERLOADED`). Nothing of the call was stored. Read from
   * the refusal's `google.rpc.RetryInfo`; from an older broker, from its `retry-after-ms` trailer.
   */
  readonly retryAfterMs?: number;
  /**
   * The broker's stable reason for the refusal (`google.rpc.ErrorInfo.reason` in the domain
   * `qtasks.broker.v1`), e.g. `INVALID_FIELD`, `TASK_NOT_FOUND`, `OVERLOADED`; see
   * {@link ERROR_REASONS}. Undefined where the broker sent none: a per-request refusal on a
   * Produce stream, an older broker, or an error the SDK made itself (a deadline, a closed
   * connection).
   */
  readonly reason?: string;
  /**
   * The request field the refusal is about, e.g. `tasks[2].name`: the `google.rpc.BadRequest`
   * field of an INVALID_ARGUMENT, or `ErrorInfo.metadata.field` of another refusal that names one
   * (a payload or batch over a limit, an idempotency key in conflict). Where the broker sent no
   * details (a Produce stream's per-request refusal, an older broker), the path its message
   * starts with.
   */
  readonly field?: string;

  constructor(
    readonly code: Status,
    readonly details: string,
    readonly method: string,
    options?: BrokerCallErrorOptions,
  ) {
    super(`${method}: ${Status[code]}: ${details}`, options);
    if (options?.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    if (options?.reason !== undefined) this.reason = options.reason;
    if (options?.field !== undefined) this.field = options.field;
  }

  /** True when trying again later may succeed (the broker is restarting, overloaded or unreachable). */
  get transient(): boolean {
    return this.code === Status.UNAVAILABLE || this.code === Status.RESOURCE_EXHAUSTED || this.code === Status.DEADLINE_EXCEEDED;
  }
}

/** The `ErrorInfo.domain` of the broker's refusals. */
export const ERROR_DOMAIN = 'qtasks.broker.v1';

/**
 * The reasons the broker sends (documented in `broker.proto`'s header and docs/protocol.md), by
 * gRPC code. {@link BrokerCallError.reason} may hold a reason not listed here, from a newer broker.
 */
export const ERROR_REASONS = {
  INVALID_ARGUMENT: ['INVALID_FIELD'],
  NOT_FOUND: ['TASK_NOT_FOUND'],
  ALREADY_EXISTS: ['IDEMPOTENCY_KEY_CONFLICT'],
  FAILED_PRECONDITION: ['ILLEGAL_TRANSITION'],
  RESOURCE_EXHAUSTED: ['OVERLOADED', 'DISK_FULL', 'PAYLOAD_TOO_LARGE', 'BATCH_TOO_LARGE', 'TOO_MANY_CALLS', 'TOO_MANY_WATCHERS', 'WATCH_FELL_BEHIND'],
  UNAVAILABLE: ['SHUTTING_DOWN'],
  UNAUTHENTICATED: ['UNAUTHENTICATED'],
  PERMISSION_DENIED: ['PERMISSION_DENIED'],
  INTERNAL: ['INTERNAL'],
} as const;

/**
 * The trailer in which an older broker sent its retry hint with an overload refusal. The broker
 * still sends it for one release beside `RetryInfo`; the SDK reads it only when details are absent.
 * @deprecated read {@link BrokerCallError.retryAfterMs}
 */
export const RETRY_AFTER_MS_TRAILER = 'retry-after-ms';

/**
 * The field path a broker message starts with (`tasks[2].name: must not be empty`), for the
 * refusals that carry no details: a Produce stream's per-request answer, whose `RequestError` has
 * only a code and a message, and any refusal of an older broker.
 */
export function fieldInMessage(code: Status, message: string): string | undefined {
  if (code !== Status.INVALID_ARGUMENT && code !== Status.RESOURCE_EXHAUSTED && code !== Status.ALREADY_EXISTS) return undefined;
  return /^([a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*): /.exec(message)?.[1];
}

/** Reason, field and retry delay, from the `google.rpc.Status` details of a refusal. */
function fromDetails(extra: readonly ErrorDetails[]): Pick<BrokerCallErrorOptions, 'reason' | 'field' | 'retryAfterMs'> {
  const found: Pick<BrokerCallErrorOptions, 'reason' | 'field' | 'retryAfterMs'> = {};
  for (const detail of extra) {
    switch (detail.$type) {
      case ErrorInfo.$type:
        // Another domain's reason (a proxy's, say) is not one of ours.
        if (detail.domain !== ERROR_DOMAIN) break;
        found.reason = detail.reason;
        found.field ??= detail.metadata.field;
        break;
      case BadRequest.$type:
        // A BadRequest names the field exactly; it wins over ErrorInfo's copy.
        if (detail.fieldViolations[0]?.field) found.field = detail.fieldViolations[0].field;
        break;
      case RetryInfo.$type:
        if (detail.retryDelay) found.retryAfterMs = Math.max(0, detail.retryDelay.seconds * 1000 + detail.retryDelay.nanos / 1e6);
        break;
    }
  }
  return found;
}

/**
 * Turns a nice-grpc ClientError into a {@link BrokerCallError}; other errors pass unchanged. A
 * {@link RichClientError} (the connection's client decodes `grpc-status-details-bin` into one)
 * gives the reason, field and retry delay; without details (an older broker), the field comes
 * from the message and the retry delay from the `retry-after-ms` trailer.
 *
 * @param trailer - the call's trailing metadata, if it was received: read only when the error
 *   carries no details
 */
export function toBrokerCallError(error: unknown, method: string, trailer?: Metadata): unknown {
  if (!(error instanceof ClientError)) return error;
  const extra = error instanceof RichClientError ? error.extra : [];
  let found = fromDetails(extra);
  if (extra.length === 0) {
    const hint = Number(trailer?.get(RETRY_AFTER_MS_TRAILER) ?? NaN);
    const field = fieldInMessage(error.code, error.details);
    found = {
      ...(error.code === Status.RESOURCE_EXHAUSTED && Number.isFinite(hint) && hint >= 0 ? { retryAfterMs: hint } : {}),
      ...(field === undefined ? {} : { field }),
    };
  }
  return new BrokerCallError(error.code, error.details, method, { cause: error, ...found });
}
