/** The logger handed to tasks (`ctx.logger`) and used by the worker. */

/** What the SDK logs through; `console` fits, and so do pino and winston loggers. */
export interface Logger {
  debug(message: string, ...details: unknown[]): void;
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
}

/**
 * A logger that prefixes every message with `[prefix]`. `prefix` may be a function, called only
 * when something is logged: a worker makes one of these per run, and most runs log nothing.
 */
export function prefixedLogger(base: Logger, prefix: string | (() => string)): Logger {
  return new PrefixedLogger(base, prefix);
}

/** See {@link prefixedLogger}: methods on the prototype, so that one costs one small object. */
class PrefixedLogger implements Logger {
  constructor(
    private readonly base: Logger,
    private prefix: string | (() => string),
  ) {}

  debug(message: string, ...details: unknown[]): void {
    this.base.debug(this.prefixed(message), ...details);
  }

  info(message: string, ...details: unknown[]): void {
    this.base.info(this.prefixed(message), ...details);
  }

  warn(message: string, ...details: unknown[]): void {
    this.base.warn(this.prefixed(message), ...details);
  }

  error(message: string, ...details: unknown[]): void {
    this.base.error(this.prefixed(message), ...details);
  }

  private prefixed(message: string): string {
    if (typeof this.prefix === 'function') this.prefix = this.prefix();
    return `[${this.prefix}] ${message}`;
  }
}
