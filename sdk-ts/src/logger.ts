/** The logger handed to tasks (`ctx.logger`) and used by the worker. */

/** What the SDK logs through; `console` fits, and so do pino and winston loggers. */
export interface Logger {
  debug(message: string, ...details: unknown[]): void;
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
}

/** A logger that prefixes every message with `[prefix]`. */
export function prefixedLogger(base: Logger, prefix: string): Logger {
  return {
    debug: (message, ...details) => base.debug(`[${prefix}] ${message}`, ...details),
    info: (message, ...details) => base.info(`[${prefix}] ${message}`, ...details),
    warn: (message, ...details) => base.warn(`[${prefix}] ${message}`, ...details),
    error: (message, ...details) => base.error(`[${prefix}] ${message}`, ...details),
  };
}
