/**
 * The broker's typed errors. Every layer throws these; the transport maps them to gRPC status codes
 * in exactly one place (`transport/error-mapping.ts`).
 */
import type { TaskStatus } from './task.js';

/**
 * The `domain` of the `google.rpc.ErrorInfo` every refusal carries: with it, a client knows the
 * `reason` is one of {@link ErrorReason}, not some proxy's.
 */
export const ERROR_DOMAIN = 'qtasks.broker.v1';

/**
 * The stable, machine-readable reasons of the broker's refusals, sent as `ErrorInfo.reason`. A
 * client acts on these, never on message text (messages may be reworded). Listed in the header of
 * `broker.proto` and in docs/protocol.md; a new one is added there first, an old one never renamed.
 */
export type ErrorReason =
  // INVALID_ARGUMENT
  | 'INVALID_FIELD'
  // NOT_FOUND
  | 'TASK_NOT_FOUND'
  // ALREADY_EXISTS
  | 'IDEMPOTENCY_KEY_CONFLICT'
  // FAILED_PRECONDITION
  | 'ILLEGAL_TRANSITION'
  // RESOURCE_EXHAUSTED
  | ResourceExhaustedReason
  // UNAVAILABLE
  | 'SHUTTING_DOWN'
  /** The broker's database (PostgreSQL) cannot be reached now: retry, here or on another broker. */
  | 'STORE_UNAVAILABLE'
  // UNAUTHENTICATED and PERMISSION_DENIED: one reason each, the code's own name
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  // INTERNAL: a bug or an environment failure, never a typed error
  | 'INTERNAL';

/** The reasons of a RESOURCE_EXHAUSTED refusal: which limit was hit decides what the client does. */
export type ResourceExhaustedReason =
  /** Enqueue only: too many writes in flight; resend after the RetryInfo delay. */
  | 'OVERLOADED'
  /** The data directory's disk is full or below its reserve; retry after space is freed. */
  | 'DISK_FULL'
  /** One payload (args, kwargs, result, …) is over `--max-payload-bytes`; the field names it. */
  | 'PAYLOAD_TOO_LARGE'
  /** Too many items in one request, or their reply would exceed the message size; split it. */
  | 'BATCH_TOO_LARGE'
  /** The broker holds `--max-calls` calls open (or a tenth of it for health). */
  | 'TOO_MANY_CALLS'
  /** Too many WatchResult streams open, overall or on one task. */
  | 'TOO_MANY_WATCHERS'
  /** A watch stream did not read its states in time and some were dropped: watch again. */
  | 'WATCH_FELL_BEHIND';

/** Base class of every error the broker means to report to a client. */
export abstract class BrokerError extends Error {
  /** Stable machine-readable reason, sent as `ErrorInfo.reason` (see {@link ErrorReason}). */
  abstract readonly reason: ErrorReason;
  /**
   * Path of the request field the refusal is about (e.g. `tasks[2].args`), where there is one; the
   * message then starts with it. Sent in `BadRequest` and as `ErrorInfo.metadata.field`.
   */
  declare readonly field?: string;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A request field is missing or malformed. The message starts with the field's path. */
export class InvalidArgumentError extends BrokerError {
  readonly reason = 'INVALID_FIELD';

  /**
   * @param field - path of the offending field, e.g. `tasks[2].name`
   * @param problem - what is wrong with it, e.g. `must not be empty` (the `BadRequest` description)
   */
  constructor(
    override readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/** A payload, a batch, the disk or a count of open calls is over a limit. */
export class ResourceExhaustedError extends BrokerError {
  /**
   * @param reason - which limit was hit
   * @param message - the refusal; when `field` is given, it starts with `field: `
   * @param field - the request field over the limit, if one is
   */
  constructor(
    readonly reason: ResourceExhaustedReason,
    message: string,
    override readonly field?: string,
  ) {
    super(message);
  }
}

/** No task has this id. */
export class TaskNotFoundError extends BrokerError {
  readonly reason = 'TASK_NOT_FOUND';

  constructor(readonly taskId: string) {
    super(`task ${taskId} not found`);
  }
}

/** The task's status forbids the operation. */
export abstract class FailedPreconditionError extends BrokerError {}

/**
 * A transition the state machine (`domain/transitions/table.ts`) does not allow from the task's
 * status: cancelling a task that already ended, or, from the store, a record whose status its
 * index entry contradicts. A FAILED_PRECONDITION, since the task's state forbids the operation.
 */
export class IllegalTransitionError extends FailedPreconditionError {
  readonly reason = 'ILLEGAL_TRANSITION';

  constructor(
    /** The transition refused (a name in the table). */
    readonly transition: string,
    /** The task's status, or undefined where there is no task yet. */
    readonly from: TaskStatus | undefined,
    message: string,
  ) {
    super(message);
  }
}

/**
 * What the caller asked to create exists already and is not what it describes: an idempotency key
 * reused for a different task. The message starts with the field's path.
 */
export class AlreadyExistsError extends BrokerError {
  readonly reason = 'IDEMPOTENCY_KEY_CONFLICT';

  /**
   * @param field - path of the idempotency key, e.g. `tasks[2].idempotency_key`
   * @param problem - which task holds it and what differs
   */
  constructor(
    override readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/** The broker is shutting down and takes no new work. */
export class ShuttingDownError extends BrokerError {
  readonly reason = 'SHUTTING_DOWN';

  constructor() {
    super('the broker is shutting down');
  }
}

/** The call carries no token, or one the broker does not accept. The message never holds the token. */
export class UnauthenticatedError extends BrokerError {
  readonly reason = 'UNAUTHENTICATED';
}

/** The call's token is valid but its scope does not grant this method (e.g. a producer token leasing). */
export class PermissionDeniedError extends BrokerError {
  readonly reason = 'PERMISSION_DENIED';
}

/**
 * The broker has more writes in flight than it admits: the request was refused before anything
 * was stored, so sending it again later is safe. `retryAfterMs` is how long to wait first.
 */
export class OverloadedError extends ResourceExhaustedError {
  constructor(
    message: string,
    /** How long the client should wait before sending the request again, in ms (`RetryInfo`). */
    readonly retryAfterMs: number,
  ) {
    super('OVERLOADED', message);
  }
}
