/**
 * The broker's typed errors. Every layer throws these; the transport maps them to gRPC status codes
 * in exactly one place (`transport/error-mapping.ts`).
 */
import type { TaskStatus } from './task.js';

/** Base class of every error the broker means to report to a client. */
export abstract class BrokerError extends Error {
  /** Stable machine-readable reason, e.g. `TASK_NOT_FOUND`. */
  abstract readonly reason: string;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A request field is missing or malformed. The message starts with the field's path. */
export class InvalidArgumentError extends BrokerError {
  readonly reason = 'INVALID_ARGUMENT';

  /**
   * @param field - path of the offending field, e.g. `tasks[2].name`
   * @param problem - what is wrong with it, e.g. `must not be empty`
   */
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/** A payload, a batch or the disk is over a limit. */
export class ResourceExhaustedError extends BrokerError {
  readonly reason = 'RESOURCE_EXHAUSTED';
}

/** No task has this id. */
export class TaskNotFoundError extends BrokerError {
  readonly reason = 'TASK_NOT_FOUND';

  constructor(readonly taskId: string) {
    super(`task ${taskId} not found`);
  }
}

/** The task's status forbids the operation. */
export class FailedPreconditionError extends BrokerError {
  readonly reason = 'FAILED_PRECONDITION';
}

/**
 * A transition the state machine (`domain/transitions/table.ts`) does not allow from the task's
 * status: cancelling a task that already ended, or, from the store, a record whose status its
 * index entry contradicts. A FAILED_PRECONDITION, since the task's state forbids the operation.
 */
export class IllegalTransitionError extends FailedPreconditionError {
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
  readonly reason = 'ALREADY_EXISTS';
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
    /** How long the client should wait before sending the request again, in ms. */
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}
