/**
 * How the SDK authenticates to the broker: a bearer token on every call, and TLS (or mutual TLS)
 * on the channel. Options given to `new QTasks(...)` win; each unset one falls back to its
 * environment variable.
 */
import { readFileSync } from 'node:fs';
import { ChannelCredentials, Metadata, type ClientMiddleware } from 'nice-grpc';
import { QTasksConfigError } from './errors.js';

/** `new QTasks({ auth })`: the broker's bearer token. */
export interface AuthOptions {
  /**
   * Sent on every call as `authorization: Bearer TOKEN`. Without TLS it crosses the network in
   * plaintext: fine on loopback, a leak anywhere else.
   * @defaultValue `QTASKS_AUTH_TOKEN`
   */
  token: string;
}

/**
 * `new QTasks({ tls })`: connect over TLS. PEM text or Buffers (read files yourself, e.g.
 * `readFileSync('ca.pem')`); each unset field falls back to its variable, which holds a file path.
 * `tls: {}` trusts the system's CAs.
 */
export interface TlsOptions {
  /** The CA(s) that signed the broker's certificate. @defaultValue file `QTASKS_TLS_CA`, else the system's CAs */
  ca?: string | Buffer;
  /** The client certificate chain, for brokers that require one (mutual TLS). Needs `key`. @defaultValue file `QTASKS_TLS_CERT` */
  cert?: string | Buffer;
  /** The client certificate's private key. Needs `cert`. @defaultValue file `QTASKS_TLS_KEY` */
  key?: string | Buffer;
}

/** The resolved security of a connection. @internal */
export interface ConnectionSecurity {
  /** The bearer token, if any. */
  token?: string;
  /** The channel's credentials: TLS, or (undefined) plaintext. */
  credentials?: ChannelCredentials;
}

const TLS_VARIABLES = { ca: 'QTASKS_TLS_CA', cert: 'QTASKS_TLS_CERT', key: 'QTASKS_TLS_KEY' } as const;

/**
 * Resolves the token and TLS settings from options, then the environment.
 * @throws QTasksConfigError naming the option or variable at fault (never quoting the token)
 * @internal
 */
export function resolveSecurity(
  options: { auth?: AuthOptions; tls?: TlsOptions },
  env: NodeJS.ProcessEnv = process.env,
): ConnectionSecurity {
  const security: ConnectionSecurity = {};
  const [token, tokenSource] =
    options.auth !== undefined ? [options.auth.token, 'auth.token'] : [nonEmpty(env.QTASKS_AUTH_TOKEN), 'QTASKS_AUTH_TOKEN'];
  if (token !== undefined) {
    if (typeof token !== 'string' || !/^[\x21-\x7e]+$/.test(token)) {
      throw new QTasksConfigError(`${tokenSource}: must be a non-empty token of printable ASCII without spaces`);
    }
    security.token = token;
  }
  const pem = (field: keyof TlsOptions): Buffer | undefined => {
    const given = options.tls?.[field];
    if (given !== undefined) {
      if (Buffer.isBuffer(given)) return given;
      if (typeof given === 'string' && given.includes('-----BEGIN ')) return Buffer.from(given);
      throw new QTasksConfigError(`tls.${field}: must be PEM text or a Buffer (to use a file, pass readFileSync(path))`);
    }
    const variable = TLS_VARIABLES[field];
    const path = nonEmpty(env[variable]);
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      throw new QTasksConfigError(`${variable}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  };
  const [ca, cert, key] = [pem('ca'), pem('cert'), pem('key')];
  if (options.tls === undefined && ca === undefined && cert === undefined && key === undefined) return security;
  if ((cert === undefined) !== (key === undefined)) {
    const [has, lacks]: [keyof TlsOptions, keyof TlsOptions] = cert === undefined ? ['key', 'cert'] : ['cert', 'key'];
    throw new QTasksConfigError(`tls.${has} (or ${TLS_VARIABLES[has]}): needs tls.${lacks} (or ${TLS_VARIABLES[lacks]}) too`);
  }
  try {
    security.credentials = ChannelCredentials.createSsl(ca ?? null, key ?? null, cert ?? null);
  } catch (error) {
    throw new QTasksConfigError(`tls: ${(error as Error).message}`, { cause: error });
  }
  return security;
}

/**
 * Adds `authorization: Bearer TOKEN` to every call. A client middleware rather than grpc-js
 * call credentials: grpc-js refuses to compose call credentials with a plaintext channel, and a
 * token over plaintext to a broker on loopback is a setup we support (with the risk documented).
 * @internal
 */
export function bearerTokenMiddleware(token: string): ClientMiddleware {
  const value = `Bearer ${token}`;
  return async function* bearerToken(call, options) {
    const metadata = Metadata(options.metadata).set('authorization', value);
    return yield* call.next(call.request, { ...options, metadata });
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
