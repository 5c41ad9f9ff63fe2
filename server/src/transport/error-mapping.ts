/**
 * The one place where broker errors become gRPC status codes. Anything that is not a
 * {@link BrokerError} is a bug or an environment failure: it is logged and reported as INTERNAL,
 * except a full disk, which is RESOURCE_EXHAUSTED so that clients back off and retry.
 *
 * Every refusal also carries the standard rich error model (`google.rpc.Status` in the
 * `grpc-status-details-bin` trailer), so that clients read what to do from typed fields rather
 * than from message text: an `ErrorInfo` (domain {@link ERROR_DOMAIN}, a stable
 * {@link ErrorReason}), a `BadRequest` naming the field of an INVALID_ARGUMENT, and a `RetryInfo`
 * with the wait of an overload refusal.
 */
import { logger } from '../logger.js';
import { Metadata as GrpcMetadata } from '@grpc/grpc-js';
import { ServerError, Status, composeServerMiddleware, type ServerMiddleware } from 'nice-grpc';
import {
  Any,
  BadRequest,
  ErrorInfo,
  RetryInfo,
  RichServerError,
  errorDetailsServerMiddleware,
  type ErrorDetails,
} from 'nice-grpc-error-details';
// Not re-exported by the package's index; needed where grpc-js, not nice-grpc, sends the status.
import { Status as RpcStatus } from 'nice-grpc-error-details/lib/proto/google/rpc/status.js';
import {
  AlreadyExistsError,
  BrokerError,
  ERROR_DOMAIN,
  FailedPreconditionError,
  IllegalTransitionError,
  InvalidArgumentError,
  OverloadedError,
  PermissionDeniedError,
  ResourceExhaustedError,
  ShuttingDownError,
  TaskNotFoundError,
  UnauthenticatedError,
  type ErrorReason,
} from '../domain/errors.js';

/** The standard trailer that carries a serialized `google.rpc.Status` with the error details. */
export const STATUS_DETAILS_TRAILER = 'grpc-status-details-bin';

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

/**
 * True for the errors of a database connection that failed or was lost (`--store postgres`): the
 * driver's own codes, the socket's, and PostgreSQL's connection exceptions (SQLSTATE class 08)
 * and shutdowns (57P01–57P03). The broker reconnects by itself; the call may be sent again.
 */
function isStoreUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') return false;
  return STORE_UNREACHABLE_CODES.has(code) || code.startsWith('08') || /^57P0[123]$/.test(code);
}

const STORE_UNREACHABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN',
  'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT',
  // too_many_connections: the database takes no more connections for now.
  '53300',
]);

/** nice-grpc reports a call the client cancelled as CANCELLED when it sees an AbortError. */
function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/**
 * `ErrorInfo.metadata` of a refusal: the field it names and what identifies the thing refused.
 * Keys are lowerCamelCase, as AIP-193 asks; values never hold a token or a payload.
 */
function errorMetadataOf(error: BrokerError): Record<string, string> {
  const metadata: Record<string, string> = {};
  if (error.field !== undefined) metadata.field = error.field;
  if (error instanceof TaskNotFoundError) metadata.taskId = error.taskId;
  if (error instanceof IllegalTransitionError) {
    metadata.transition = error.transition;
    if (error.from !== undefined) metadata.status = error.from;
  }
  return metadata;
}

/** The `ErrorInfo` every refusal carries. */
function errorInfo(reason: ErrorReason, metadata: Record<string, string> = {}): ErrorInfo {
  return ErrorInfo.fromPartial({ reason, domain: ERROR_DOMAIN, metadata });
}

/** The rich error details of a typed broker error: ErrorInfo first, then BadRequest or RetryInfo. */
export function errorDetailsOf(error: BrokerError): ErrorDetails[] {
  const details: ErrorDetails[] = [errorInfo(error.reason, errorMetadataOf(error))];
  if (error instanceof InvalidArgumentError) {
    details.push(BadRequest.fromPartial({ fieldViolations: [{ field: error.field, description: error.problem }] }));
  }
  if (error instanceof OverloadedError) {
    const ms = Math.max(0, Math.round(error.retryAfterMs));
    details.push(RetryInfo.fromPartial({ retryDelay: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 } }));
  }
  return details;
}

/**
 * Turns any error thrown by a call into the ServerError a client should see: a
 * {@link RichServerError} carrying {@link errorDetailsOf}, except a ServerError thrown as is
 * (nothing of ours throws one) and a client's cancel.
 */
export function toServerError(error: unknown, path: string): unknown {
  if (error instanceof ServerError || isAbortError(error)) return error;
  if (error instanceof BrokerError) return new RichServerError(statusOf(error), error.message, errorDetailsOf(error));
  if (isDiskFull(error)) {
    return new RichServerError(Status.RESOURCE_EXHAUSTED, 'the broker\'s disk is full; retry later', [errorInfo('DISK_FULL')]);
  }
  if (isStoreUnreachable(error)) {
    const cause = error instanceof Error ? error.message : String(error);
    return new RichServerError(Status.UNAVAILABLE, `the broker's database cannot be reached (${cause}); retry`, [errorInfo('STORE_UNAVAILABLE')]);
  }
  logger.error({ err: error, method: path }, 'unexpected error in a call');
  return new RichServerError(Status.INTERNAL, `internal error: ${error instanceof Error ? error.message : String(error)}`, [errorInfo('INTERNAL')]);
}

/**
 * The serialized `google.rpc.Status` of a refusal, as {@link STATUS_DETAILS_TRAILER} carries it:
 * what nice-grpc-error-details' middleware sends, for the path where grpc-js sends the status.
 * Its code and message are the call's own: grpcio-status and grpc-go check that they match.
 */
export function encodeStatusDetails(error: RichServerError): Uint8Array {
  const details = error.extra.map((detail) =>
    detail.$type === Any.$type
      ? detail
      : Any.fromPartial({ typeUrl: `type.googleapis.com/${detail.$type}`, value: encodeDetail(detail) }),
  );
  return RpcStatus.encode(RpcStatus.fromPartial({ code: error.code, message: error.details, details })).finish();
}

/** Encodes one detail, of the message types the broker sends. */
function encodeDetail(detail: ErrorDetails): Uint8Array {
  switch (detail.$type) {
    case ErrorInfo.$type:
      return ErrorInfo.encode(detail).finish();
    case BadRequest.$type:
      return BadRequest.encode(detail).finish();
    case RetryInfo.$type:
      return RetryInfo.encode(detail).finish();
    default:
      throw new Error(`the broker does not send error details of type ${detail.$type}`);
  }
}

/**
 * Trailing metadata of a call refused because the broker is overloaded: how long to wait, in
 * milliseconds, before sending the same request again (nothing of it was stored).
 * @deprecated the refusal's `RetryInfo` carries the same wait; this trailer is sent for one more
 *   release, for clients written against the older broker, then removed.
 */
export const RETRY_AFTER_MS_TRAILER = 'retry-after-ms';

/** Maps errors to ServerErrors and adds the overload trailer; see {@link errorMappingMiddleware}. */
const mapErrors: ServerMiddleware = async function* (call, context) {
  try {
    return yield* call.next(call.request, context);
  } catch (error) {
    // Kept for one release beside RetryInfo, for clients written against the older broker.
    if (error instanceof OverloadedError) context.trailer.set(RETRY_AFTER_MS_TRAILER, String(error.retryAfterMs));
    throw toServerError(error, call.method.path);
  }
};

/**
 * Server middleware applying {@link toServerError} to every call, adding the
 * {@link RETRY_AFTER_MS_TRAILER} trailer to an overload refusal (deprecated: kept for one release,
 * RetryInfo replaces it), and sending the rich error details of every refusal in
 * {@link STATUS_DETAILS_TRAILER} (nice-grpc-error-details' middleware, outside, does that from the
 * RichServerError mapped inside).
 */
export const errorMappingMiddleware: ServerMiddleware = composeServerMiddleware(errorDetailsServerMiddleware, mapErrors);

/**
 * The status of a call that grpc-js, not nice-grpc, ends: refused by an interceptor (see
 * call-guard.ts) or a stream served on grpc-js directly (stream-calls.ts). The same mapping as
 * {@link errorMappingMiddleware}, details and overload trailers included, so a refusal reads the
 * same wherever it is made.
 */
export function statusObjectOf(error: unknown, path: string): { code: Status; details: string; metadata?: GrpcMetadata } {
  const mapped = toServerError(error, path);
  if (!(mapped instanceof RichServerError)) return codeAndMessageOf(mapped);
  const metadata = new GrpcMetadata();
  metadata.set(STATUS_DETAILS_TRAILER, Buffer.from(encodeStatusDetails(mapped)));
  // Kept for one release beside RetryInfo, as the middleware does.
  if (error instanceof OverloadedError) metadata.set(RETRY_AFTER_MS_TRAILER, String(error.retryAfterMs));
  return { code: mapped.code, details: mapped.details, metadata };
}

/** Code and message of what {@link toServerError} returned (a client's cancel as CANCELLED). */
function codeAndMessageOf(mapped: unknown): { code: Status; details: string } {
  if (mapped instanceof ServerError) return { code: mapped.code, details: mapped.details };
  return { code: Status.CANCELLED, details: 'the call was cancelled' };
}

/**
 * The answer to one request of a stream that was refused (a Produce stream's `error`): the code
 * and message the unary call would have failed with, and an overload refusal's retry hint, the
 * same mapping as {@link errorMappingMiddleware}, so a refusal reads the same on either path.
 */
export function requestErrorOf(error: unknown, path: string): { code: Status; message: string; retryAfterMs: number } {
  // A RequestError has no details field: the Status is not encoded for nothing (overload
  // refusals of a busy stream come by the thousand). Nor is a ServerError built for a broker
  // error: nice-grpc's errors (ts-error) format their stack trace as they are made, ~0.1 ms each.
  const { code, details } = error instanceof BrokerError ? { code: statusOf(error), details: error.message } : codeAndMessageOf(toServerError(error, path));
  return { code, message: details, retryAfterMs: error instanceof OverloadedError ? error.retryAfterMs : 0 };
}
