/**
 * The one place where broker errors become gRPC status codes. Anything that is not a
 * {@link BrokerError} is a bug or an environment failure: it is logged and reported as INTERNAL,
 * except a full disk, which is RESOURCE_EXHAUSTED so that clients back off and retry.
 */
import { ServerError, Status, type ServerMiddleware } from 'nice-grpc';
import {
  AlreadyExistsError,
  BrokerError,
  FailedPreconditionError,
  InvalidArgumentError,
  OverloadedError,
  PermissionDeniedError,
  ResourceExhaustedError,
  ShuttingDownError,
  TaskNotFoundError,
  UnauthenticatedError,
} from '../domain/errors.js';

/** The gRPC status of a broker error. */
export function statusOf(error: BrokerError): Status {
  if (error instanceof InvalidArgumentError) return Status.INVALID_ARGUMENT;
  if (error instanceof TaskNotFoundError) return Status.NOT_FOUND;
  if (error instanceof FailedPreconditionError) return Status.FAILED_PRECONDITION;
  if (error instanceof AlreadyExistsError) return Status.ALREADY_EXISTS;
  if (error instanceof ResourceExhaustedError) return Status.RESOURCE_EXHAUSTED;
  if (error instanceof ShuttingDownError) return Status.UNAVAILABLE;
  if (error instanceof UnauthenticatedError) return Status.UNAUTHENTICATED;
  if (error instanceof PermissionDeniedError) return Status.PERMISSION_DENIED;
  return Status.INTERNAL;
}

/** True for the errors LMDB and the OS raise when the disk or the map is full. */
function isDiskFull(error: unknown): boolean {
  const text = error instanceof Error ? `${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}` : '';
  return /ENOSPC|MDB_MAP_FULL|No space left/i.test(text);
}

/** nice-grpc reports a call the client cancelled as CANCELLED when it sees an AbortError. */
function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/** Turns any error thrown by a call into the ServerError a client should see. */
export function toServerError(error: unknown, path: string): unknown {
  if (error instanceof ServerError || isAbortError(error)) return error;
  if (error instanceof BrokerError) return new ServerError(statusOf(error), error.message);
  if (isDiskFull(error)) return new ServerError(Status.RESOURCE_EXHAUSTED, 'the broker\'s disk is full; retry later');
  console.error(`qtasks-broker: unexpected error in ${path}`, error);
  return new ServerError(Status.INTERNAL, `internal error: ${error instanceof Error ? error.message : String(error)}`);
}

/**
 * Trailing metadata of a call refused because the broker is overloaded: how long to wait, in
 * milliseconds, before sending the same request again (nothing of it was stored).
 */
export const RETRY_AFTER_MS_TRAILER = 'retry-after-ms';

/**
 * Server middleware applying {@link toServerError} to every call, and adding the
 * {@link RETRY_AFTER_MS_TRAILER} trailer to an overload refusal.
 */
export const errorMappingMiddleware: ServerMiddleware = async function* (call, context) {
  try {
    return yield* call.next(call.request, context);
  } catch (error) {
    if (error instanceof OverloadedError) context.trailer.set(RETRY_AFTER_MS_TRAILER, String(error.retryAfterMs));
    throw toServerError(error, call.method.path);
  }
};

/**
 * The status of a call refused by a grpc-js interceptor, before nice-grpc and its middleware see
 * it (see call-guard.ts): the same mapping as {@link errorMappingMiddleware}, so a refusal reads
 * the same wherever it is made.
 */
export function statusObjectOf(error: unknown, path: string): { code: Status; details: string } {
  const mapped = toServerError(error, path);
  if (mapped instanceof ServerError) return { code: mapped.code, details: mapped.details };
  return { code: Status.CANCELLED, details: 'the call was cancelled' };
}

/**
 * The answer to one request of a stream that was refused (a Produce stream's `error`): the code
 * and message the unary call would have failed with, and an overload refusal's retry hint, the
 * same mapping as {@link errorMappingMiddleware}, so a refusal reads the same on either path.
 */
export function requestErrorOf(error: unknown, path: string): { code: Status; message: string; retryAfterMs: number } {
  const { code, details } = statusObjectOf(error, path);
  return { code, message: details, retryAfterMs: error instanceof OverloadedError ? error.retryAfterMs : 0 };
}
