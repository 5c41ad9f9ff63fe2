/**
 * The broker's one logger (pino): JSON lines on stderr, one object per event with `level`, `time`
 * and `msg`; readable lines instead when stderr is a terminal (pino-pretty). stdout is kept for
 * what scripts read: the ready line and the answers of `--check` and `--backup`.
 *
 * Nothing logs a token or a payload: the call sites log none, and the fields that could hold one
 * are redacted anyway, should an error object carry them.
 */
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

/** The levels `--log-level` takes, most verbose first. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Fields never written, wherever they appear in a logged object (two levels deep). */
const REDACTED = ['authorization', 'token', 'args', 'kwargs', 'result', 'progress'].flatMap((key) => [key, `*.${key}`]);

/**
 * A logger at `level` writing to `stream` (default: stderr, readable on a terminal).
 * Writes are synchronous, so that the lines of a process about to exit are not lost.
 */
export function createLogger(level: LogLevel, stream?: NodeJS.WritableStream): Logger {
  const options = { level, base: { name: 'qtasks-broker' }, redact: { paths: REDACTED, censor: '[redacted]' } };
  if (stream) return pino(options, stream);
  if (process.stderr.isTTY) return pino(options, pretty({ destination: 2, sync: true, colorize: true, ignore: 'pid,hostname,name' }));
  return pino(options, pino.destination({ fd: 2, sync: true }));
}

/** The logger of this process; `qtasks-broker` sets its level from `--log-level` before it serves. */
export let logger: Logger = createLogger('info');

/** Replaces the process's logger (at start, from the configuration; tests pass their own stream). */
export function useLogger(next: Logger): void {
  logger = next;
}
