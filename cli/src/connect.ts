/**
 * The shared options of every command (broker address, token, TLS, `--json`, `--verbose`) and
 * the SDK app they open. The environment variables are the SDK's own names, so that a shell set
 * up for an app works for `qtasks` too.
 */
import { readFileSync } from 'node:fs';
import { QTasks, type Logger, type TlsOptions } from '@qtasks/sdk';
import { UsageError } from './exit-codes.js';
import { Output } from './output.js';

/** The shared options, as commander parses them (each also read from its variable). */
export interface GlobalOptions {
  /** `HOST:PORT` of the broker (`QTASKS_BROKER_ADDRESS`). */
  broker: string;
  /** The bearer token (`QTASKS_AUTH_TOKEN`). */
  token?: string;
  /** TLS with the system's CAs. */
  tls?: boolean;
  /** File of the CA(s) that signed the broker's certificate (`QTASKS_TLS_CA`). */
  tlsCa?: string;
  /** File of the client certificate, for mutual TLS (`QTASKS_TLS_CERT`). */
  tlsCert?: string;
  /** File of the client certificate's key (`QTASKS_TLS_KEY`). */
  tlsKey?: string;
  /** JSON results. */
  json?: boolean;
  /** Stack traces and the SDK's debug lines on stderr (`QTASKS_DEBUG`). */
  verbose?: boolean;
}

/** The default broker address. */
export const DEFAULT_BROKER = '127.0.0.1:50051';

/** Each shared option's environment variable: the SDK's names. */
export const ENV = {
  broker: 'QTASKS_BROKER_ADDRESS',
  token: 'QTASKS_AUTH_TOKEN',
  tlsCa: 'QTASKS_TLS_CA',
  tlsCert: 'QTASKS_TLS_CERT',
  tlsKey: 'QTASKS_TLS_KEY',
  verbose: 'QTASKS_DEBUG',
} as const;

/** What a command runs with: its output, and the app (connected on first use). */
export class Context {
  /** Where results and messages go. */
  readonly out: Output;
  private opened: QTasks | undefined;

  constructor(readonly options: GlobalOptions) {
    this.out = new Output({ json: options.json === true });
  }

  /** The SDK app on the broker, made on first use (a bad token or TLS file fails here, exit 2). */
  get app(): QTasks {
    return (this.opened ??= openApp(this.options, this.out));
  }

  /** Closes the app's connection, if one was opened. */
  async close(): Promise<void> {
    await this.opened?.close();
    this.opened = undefined;
  }
}

/** An app on the broker of `options`: its address, token and TLS files. */
export function openApp(options: GlobalOptions, out: Output): QTasks {
  // An empty variable is no setting, as in the SDK.
  const token = options.token || undefined;
  if (token !== undefined && !/^[\x21-\x7e]+$/.test(token)) {
    throw new UsageError(`--token (${ENV.token}): must be a non-empty token of printable ASCII without spaces`);
  }
  const tls = tlsOf(options);
  return new QTasks({
    name: 'qtasks-cli',
    broker: options.broker || DEFAULT_BROKER,
    logger: loggerOf(out, isVerbose(options)),
    ...(token === undefined ? {} : { auth: { token } }),
    ...(tls === undefined ? {} : { tls }),
  });
}

/** TLS settings from the flags (files read here); `undefined` for plaintext. */
function tlsOf(options: GlobalOptions): TlsOptions | undefined {
  const read = (flag: string, variable: string, path: string | undefined): Buffer | undefined => {
    if (path === undefined || path === '') return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      throw new UsageError(`${flag} (${variable}): cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  };
  const ca = read('--tls-ca', ENV.tlsCa, options.tlsCa);
  const cert = read('--tls-cert', ENV.tlsCert, options.tlsCert);
  const key = read('--tls-key', ENV.tlsKey, options.tlsKey);
  if ((cert === undefined) !== (key === undefined)) {
    throw new UsageError(cert === undefined ? '--tls-key: needs --tls-cert too' : '--tls-cert: needs --tls-key too');
  }
  if (!options.tls && ca === undefined && cert === undefined) return undefined;
  return { ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }) };
}

/** The SDK's warnings and errors on stderr; its debug and info lines only with `--verbose`. */
function loggerOf(out: Output, verbose: boolean): Logger {
  const write = (level: string) => (message: string) => out.note(`qtasks: ${level}${message.replace(/^\[qtasks\] /, '')}`);
  const quiet = (): void => {};
  return { debug: verbose ? write('debug: ') : quiet, info: verbose ? write('') : quiet, warn: write('warning: '), error: write('error: ') };
}

/** `--verbose`, or `QTASKS_DEBUG` set to anything but empty, `0` or `false`. */
export function isVerbose(options: { verbose?: boolean }): boolean {
  const env = process.env[ENV.verbose]?.trim().toLowerCase();
  return options.verbose === true || (env !== undefined && env !== '' && env !== '0' && env !== 'false');
}
