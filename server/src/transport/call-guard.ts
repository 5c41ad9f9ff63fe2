/**
 * The first thing every call meets: a grpc-js server interceptor that decides on the request
 * headers alone, before a byte of the body is read. nice-grpc middleware runs only once the whole
 * request has arrived and been decoded, so a client without a token could make the broker buffer
 * a 60 MB message per stream before being told no. Here the body is never read: grpc-js starts
 * reading a request only when the metadata is passed on, and a refused call is not.
 *
 * It refuses, with the status the error mapping gives the typed error:
 * - a call without a valid token, or whose token's scope does not cover the method
 *   (UNAUTHENTICATED / PERMISSION_DENIED; health is open, see auth.ts);
 * - a call past `maxCalls` open at once, health included (RESOURCE_EXHAUSTED): every open call
 *   holds some memory (about 13 KB for an idle health `Watch`), and HTTP/2's per-connection
 *   stream limit alone does not bound the calls of many connections;
 * - a call to an open method (health) past a tenth of `maxCalls`: anyone may make those, token
 *   or not, and they must not take the room of the clients the broker serves.
 */
import { ServerInterceptingCall, type ServerInterceptor } from '@grpc/grpc-js';
import { ResourceExhaustedError } from '../domain/errors.js';
import type { TokenCheck } from './auth.js';
import { statusObjectOf } from './error-mapping.js';

/** Open methods (health) may hold at most 1/this of `maxCalls`. */
const OPEN_METHOD_SHARE = 10;

/** Options of {@link callGuard}. */
export interface CallGuardOptions {
  /** The token check, when tokens are configured; absent: no authentication. */
  checkToken?: TokenCheck;
  /** True for methods anyone may call without a token (health). */
  isOpen: (path: string) => boolean;
  /** Most calls open at once; one more is refused with RESOURCE_EXHAUSTED. */
  maxCalls: number;
  /**
   * Told of every call's end: its method, status code and duration in seconds (a stream: its whole
   * life). Here, where grpc-js sends the status, a call costs one more callback, not one more
   * async step per message as a nice-grpc middleware would on a stream.
   */
  onCallEnd?: (path: string, code: number, seconds: number) => void;
}

/** What {@link callGuard} reports about the calls it let through. */
export interface CallGuard {
  /** The interceptor, for the grpc-js `interceptors` server option. */
  interceptor: ServerInterceptor;
  /** Calls open now. */
  readonly openCalls: number;
  /**
   * Calls let through since the start, by method name (`Complete`, `Work`, …): what the clients
   * really call, e.g. whether a worker's outcomes take its Work stream or unary Completes.
   */
  readonly callsByMethod: Readonly<Record<string, number>>;
}

/** Builds the interceptor that authenticates and counts calls on their headers. */
export function callGuard(options: CallGuardOptions): CallGuard {
  let openCalls = 0;
  let openMethodCalls = 0;
  const callsByMethod: Record<string, number> = {};
  const maxOpenMethodCalls = Math.max(1, Math.floor(options.maxCalls / OPEN_METHOD_SHARE));
  const interceptor: ServerInterceptor = (method, call) => {
    let counted = false;
    const open = options.isOpen(method.path);
    const onCallEnd = options.onCallEnd;
    const startedMs = onCallEnd ? performance.now() : 0;
    const intercepted: ServerInterceptingCall = new ServerInterceptingCall(call, {
      ...(onCallEnd
        ? {
            sendStatus(status, next) {
              onCallEnd(method.path, status.code, (performance.now() - startedMs) / 1000);
              next(status);
            },
          }
        : {}),
      start(next) {
        next({
          onReceiveMetadata(metadata, pass) {
            try {
              if (options.checkToken && !open) options.checkToken(metadata.get('authorization'), method.path);
              if (openCalls >= options.maxCalls) {
                throw new ResourceExhaustedError(
                  'TOO_MANY_CALLS',
                  `the broker holds ${openCalls} calls open, its limit (--max-calls); close idle streams or retry later`,
                );
              }
              if (open && openMethodCalls >= maxOpenMethodCalls) {
                throw new ResourceExhaustedError(
                  'TOO_MANY_CALLS',
                  `the broker holds ${openMethodCalls} health calls open, a tenth of --max-calls; close idle health streams or retry later`,
                );
              }
            } catch (error) {
              // The metadata is not passed on, so the handler never asks grpc-js to read the body.
              intercepted.sendStatus(statusObjectOf(error, method.path));
              return;
            }
            openCalls++;
            if (open) openMethodCalls++;
            const name = method.path.slice(method.path.lastIndexOf('/') + 1);
            callsByMethod[name] = (callsByMethod[name] ?? 0) + 1;
            counted = true;
            pass(metadata);
          },
          onCancel() {
            // grpc-js reports every end of a call here, a normal one included (after its status).
            if (counted) {
              openCalls--;
              if (open) openMethodCalls--;
            }
            counted = false;
          },
        });
      },
    });
    return intercepted;
  };
  return {
    interceptor,
    get openCalls() {
      return openCalls;
    },
    callsByMethod,
  };
}
