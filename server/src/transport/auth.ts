/**
 * Bearer-token authentication and scope checks, for the BrokerService and server reflection, never
 * for health (load balancers and orchestrators probe health without credentials). The transport
 * runs the check on the request headers, before the body is read, so a refused call changes
 * nothing and costs no memory for its body.
 *
 * Refusals are typed errors, turned into UNAUTHENTICATED / PERMISSION_DENIED by the error mapping
 * like every other broker error. Neither the refusal nor any log line ever holds a token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { PermissionDeniedError, UnauthenticatedError } from '../domain/errors.js';

/**
 * What a token may do: `producer` enqueues and reads tasks (Enqueue, Produce, GetTask, WatchResult,
 * CancelTask, ListTasks, RetryTask, GetQueueLimits, ListQueues); `worker` runs them (Lease,
 * Heartbeat, Complete, ReportProgress, Work); `all` does both, and alone may change a queue
 * (PauseQueue, ResumeQueue, PurgeQueue, SetQueueLimits).
 */
export type AuthScope = 'producer' | 'worker' | 'all';

/** The scopes a token may have, as written in a tokens file. */
export const AUTH_SCOPES: readonly AuthScope[] = ['producer', 'worker', 'all'];

/** A token the broker accepts, and what it may do. */
export interface AuthToken {
  /** The secret clients send as `authorization: Bearer TOKEN`: printable ASCII, no spaces. */
  token: string;
  /** What the token may do. @defaultValue `all` in a tokens file */
  scope: AuthScope;
}

const SERVICE = '/qtasks.broker.v1.BrokerService/';

/**
 * The scope each BrokerService method needs. A method missing here (one added later and not yet
 * classified) needs an `all` token: new RPCs are closed until someone decides who may call them.
 */
const METHOD_SCOPES: ReadonlyMap<string, Exclude<AuthScope, 'all'>> = new Map([
  ...['Enqueue', 'Produce', 'GetTask', 'WatchResult', 'CancelTask', 'ListTasks', 'RetryTask', 'GetQueueLimits', 'ListQueues'].map(
    (m) => [SERVICE + m, 'producer'] as const,
  ),
  ...['Lease', 'Heartbeat', 'Complete', 'ReportProgress', 'Work'].map((m) => [SERVICE + m, 'worker'] as const),
]);

/** True when a token string can travel as a gRPC metadata value after `Bearer `. */
export function isValidToken(token: string): boolean {
  return /^[\x21-\x7e]+$/.test(token);
}

/** SHA-256 first, so that timingSafeEqual compares equal lengths and the time says nothing about the token's length. */
function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * Checks one call's credentials: `authorization` is every value of the call's `authorization`
 * metadata, `path` the method's path. Calls to BrokerService methods also need the method's scope;
 * any valid token may call the other services it guards (server reflection).
 */
export type TokenCheck = (authorization: readonly (string | Buffer)[], path: string) => void;

/**
 * The check of every call's `authorization` metadata against `tokens`. It needs the headers only,
 * so the transport runs it before it reads the request's body (see call-guard.ts).
 *
 * @throws UnauthenticatedError for a missing, malformed or unknown token
 * @throws PermissionDeniedError for a token whose scope does not cover the method
 */
export function tokenCheck(tokens: readonly AuthToken[]): TokenCheck {
  const known = tokens.map(({ token, scope }) => ({ digest: digest(token), scope }));
  const scopeOf = (presented: string): AuthScope | undefined => {
    const given = digest(presented);
    let found: AuthScope | undefined;
    // No early exit: every call costs the same comparisons, whichever token (if any) matches.
    for (const entry of known) {
      if (timingSafeEqual(entry.digest, given) && found === undefined) found = entry.scope;
    }
    return found;
  };
  return (headers, path) => {
    if (headers.length === 0) {
      throw new UnauthenticatedError('this broker requires a token: send metadata "authorization: Bearer TOKEN"');
    }
    const match = headers.length === 1 && typeof headers[0] === 'string' ? /^Bearer +(\S+) *$/i.exec(headers[0]) : null;
    if (!match) throw new UnauthenticatedError('the authorization metadata must be a single "Bearer TOKEN"');
    const scope = scopeOf(match[1]!);
    if (scope === undefined) throw new UnauthenticatedError('invalid token');
    if (path.startsWith(SERVICE) && scope !== 'all' && METHOD_SCOPES.get(path) !== scope) {
      const method = path.slice(SERVICE.length);
      throw new PermissionDeniedError(`a ${scope} token may not call ${method}`);
    }
  };
}
