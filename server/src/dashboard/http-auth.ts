/**
 * Who may call the dashboard API: the broker's own token check (`transport/auth.ts`), run for each
 * route as for the gRPC method it stands for, so that the scope rules live in one place. A read
 * (`GET /api/tasks`) needs what `ListTasks` needs, a retry what `RetryTask` needs, a pause what
 * `PauseQueue` needs (an `all` token). Without tokens configured, everything is open, as over gRPC.
 *
 * Two browser-only attacks are refused on top, since a page elsewhere can make a browser send
 * requests here:
 * - cross-site requests that change something (CSRF): an action must come as
 *   `content-type: application/json`, which a cross-origin page cannot send without a CORS
 *   preflight that this server never grants, and with an `Origin`, when the browser sends one,
 *   of this very host;
 * - DNS rebinding, when no token protects the API: a request must name this server by an IP
 *   address or `localhost` in its `Host`, not by a name a hostile page could point here.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { BrokerServiceDefinition } from '@qtasks/proto';
import type { TokenCheck } from '../transport/auth.js';
import { HttpError } from './http-errors.js';

/** The BrokerService methods the API's routes stand for. */
export type GuardedMethod = 'ListQueues' | 'ListTasks' | 'GetTask' | 'WatchResult' | 'CancelTask' | 'RetryTask' | 'PauseQueue' | 'ResumeQueue';

/** Checks one API request's credentials for the method its route stands for. */
export type ApiGuard = (request: IncomingMessage, method: GuardedMethod) => void;

/**
 * The guard of the API: `checkToken` is the broker's check when it has tokens, absent otherwise.
 *
 * @throws UnauthenticatedError or PermissionDeniedError from the token check (401, 403)
 * @throws HttpError 421 for a host name while no token protects the API
 */
export function apiGuard(checkToken: TokenCheck | undefined): ApiGuard {
  const servicePath = `/${BrokerServiceDefinition.fullName}/`;
  return (request, method) => {
    if (checkToken) checkToken(request.headersDistinct.authorization ?? [], servicePath + method);
    else checkLocalHost(request.headers.host);
  };
}

/**
 * Refuses an action a cross-site page could have made a browser send: see the module comment.
 *
 * @throws HttpError 415 without a JSON content type, 403 for a foreign `Origin`
 */
export function checkSameOriginAction(request: IncomingMessage): void {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new HttpError(415, 'JSON_REQUIRED', 'an action must be sent with "content-type: application/json" (a JSON object body, "{}" when empty)');
  }
  // An opaque origin (`Origin: null`: a sandboxed frame, a file) parses to no host, and is refused too.
  const origin = request.headers.origin;
  if (origin !== undefined && hostOfOrigin(origin) !== request.headers.host?.toLowerCase()) {
    throw new HttpError(403, 'CROSS_ORIGIN', 'actions from another origin are refused');
  }
}

/** `host[:port]` of an Origin header, lower-cased; undefined when it does not parse. */
function hostOfOrigin(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/** @throws HttpError 421 unless `host` names this server by an IP address or `localhost` */
function checkLocalHost(host: string | undefined): void {
  const name = (host ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (name === 'localhost' || isIP(name) !== 0) return;
  throw new HttpError(
    421,
    'HOST_NOT_ALLOWED',
    'without tokens the dashboard answers only requests to an IP address or localhost (a host name could be a DNS-rebinding page); configure --auth-token or --auth-tokens-file to serve it under a name',
  );
}
