/**
 * The one place where the dashboard API's refusals become HTTP answers. A broker error goes
 * through the gRPC mapping first (`transport/error-mapping.ts`: the same reasons, the same
 * logging of unexpected errors, a full disk as RESOURCE_EXHAUSTED), and its gRPC code is then
 * turned into an HTTP status here, so the API and gRPC never disagree on what a refusal is.
 *
 * The body is `{"error": {"code", "reason", "message", "field"?, "metadata"}}`: `code` the gRPC
 * code's name, `reason` the stable `ErrorInfo.reason` a client acts on, `field` the request field
 * at fault. No message ever holds a token or a payload (the core's messages never do).
 */
import type { ServerResponse } from 'node:http';
import { ServerError, Status } from 'nice-grpc';
import { ErrorInfo, RichServerError } from 'nice-grpc-error-details';
import { toServerError } from '../transport/error-mapping.js';

/** An HTTP-level refusal that has no gRPC counterpart: unknown route, wrong method, bad body framing. */
export class HttpError extends Error {
  /**
   * @param status - the HTTP status to answer with
   * @param reason - a stable, machine-readable reason (e.g. `ROUTE_NOT_FOUND`)
   * @param message - what is wrong, for a person
   * @param headers - extra response headers (e.g. `allow` for a 405)
   */
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/**
 * HTTP status of each gRPC code the broker sends, after Google's HTTP mapping of `google.rpc.Code`
 * except FAILED_PRECONDITION, which is 409 here: for a page, "the task's state forbids it" is a
 * conflict with the resource, not a malformed request.
 */
const HTTP_STATUS: ReadonlyMap<Status, number> = new Map([
  [Status.INVALID_ARGUMENT, 400],
  [Status.NOT_FOUND, 404],
  [Status.ALREADY_EXISTS, 409],
  [Status.FAILED_PRECONDITION, 409],
  [Status.RESOURCE_EXHAUSTED, 429],
  [Status.UNAUTHENTICATED, 401],
  [Status.PERMISSION_DENIED, 403],
  [Status.UNAVAILABLE, 503],
  [Status.CANCELLED, 499],
  [Status.INTERNAL, 500],
]);

/** A refusal as the API answers it. */
export interface ApiError {
  /** HTTP status. */
  status: number;
  /** Extra headers (`www-authenticate` on a 401, `allow` on a 405). */
  headers: Record<string, string>;
  /** The JSON body. */
  body: { error: { code: string; reason: string; message: string; field?: string; metadata: Record<string, string> } };
}

/**
 * The API answer to any error a handler threw; `route` names the call in the log line of an
 * unexpected error (never its parameters).
 */
export function apiErrorOf(error: unknown, route: string): ApiError {
  if (error instanceof HttpError) {
    return { status: error.status, headers: error.headers, body: { error: { code: httpCodeName(error.status), reason: error.reason, message: error.message, metadata: {} } } };
  }
  const mapped = toServerError(error, route);
  const code = mapped instanceof ServerError ? mapped.code : Status.CANCELLED;
  const message = mapped instanceof ServerError ? mapped.details : 'the request was cancelled';
  const info = mapped instanceof RichServerError ? mapped.extra.find((detail): detail is ErrorInfo => detail.$type === ErrorInfo.$type) : undefined;
  const metadata = { ...(info?.metadata ?? {}) };
  const status = HTTP_STATUS.get(code) ?? 500;
  return {
    status,
    headers: status === 401 ? { 'www-authenticate': 'Bearer realm="qtasks-broker"' } : {},
    body: { error: { code: Status[code], reason: info?.reason ?? 'INTERNAL', message, ...(metadata.field ? { field: metadata.field } : {}), metadata } },
  };
}

/** Sends {@link apiErrorOf} `error`, unless the response has started already (a stream ends instead). */
export function sendApiError(response: ServerResponse, error: unknown, route: string): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  const answer = apiErrorOf(error, route);
  sendJson(response, answer.status, answer.body, answer.headers);
}

/** Sends a JSON body that no cache may keep (tasks and queues change all the time). */
export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text), ...headers })
    .end(text);
}

/** A name for an HTTP-only refusal's `code`, in the style of the gRPC names. */
function httpCodeName(status: number): string {
  switch (status) {
    case 404:
      return 'NOT_FOUND';
    case 405:
      return 'METHOD_NOT_ALLOWED';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 421:
      return 'MISDIRECTED_REQUEST';
    default:
      return status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT';
  }
}
