/**
 * What `qtasks` exits with: one table ({@link EXIT_CODES}), the errors that carry a code, and the
 * mapping of the SDK's errors onto the table. `--help` and the README print the same table.
 */
import { BrokerCallError, QTasksConfigError, TaskUsageError } from '@qtasks/sdk';
import { CommanderError } from 'commander';
import { Status } from 'nice-grpc';

/** The exit codes of `qtasks`, by name. */
export const EXIT_CODES = {
  /** Done. */
  OK: 0,
  /** An unexpected error (a bug, or a broker error not listed here). */
  UNEXPECTED: 1,
  /** A usage error: an unknown command or flag, a bad value (the message names the flag). Nothing was sent. */
  USAGE: 2,
  /** The task (or id) does not exist. */
  NOT_FOUND: 3,
  /** The broker refused: bad or missing token, scope too small, invalid value, illegal transition. Do not retry unchanged. */
  REFUSED: 4,
  /** The broker could not serve: unreachable, shutting down, overloaded, out of disk, no answer in time. Try again later. */
  UNAVAILABLE: 5,
  /** The task waited for (`enqueue --wait`, `tasks watch`) ended in `error` or `cancel`. */
  TASK_FAILED: 6,
  /** The wait (`enqueue --wait`, `tasks watch --timeout`) ran out before the task ended. */
  TIMEOUT: 7,
} as const;

/** One of {@link EXIT_CODES}. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** The table as `qtasks --help` prints it. */
export function exitCodesHelp(): string {
  const lines: Record<ExitCode, string> = {
    0: 'ok',
    1: 'unexpected error',
    2: 'usage error: unknown command or flag, bad value (named); nothing was sent',
    3: 'not found: no task with that id',
    4: 'refused by the broker: token, scope, invalid value, illegal transition',
    5: 'broker unavailable: unreachable, shutting down, overloaded; try again later',
    6: 'the task waited for ended in error or cancel',
    7: 'timed out waiting for the task to end',
  };
  return Object.entries(lines).map(([code, text]) => `  ${code}  ${text}`).join('\n');
}

/** An error that ends `qtasks` with a given code and a one-line message. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A bad command line: exit 2. The message names the flag or argument at fault. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT_CODES.USAGE);
  }
}

/** Refusals that mean "not now" rather than "not this": the broker may take the same call later. */
const BUSY_REASONS = new Set(['OVERLOADED', 'DISK_FULL', 'TOO_MANY_CALLS', 'TOO_MANY_WATCHERS', 'WATCH_FELL_BEHIND', 'SHUTTING_DOWN']);

/** The exit code for an error thrown by a command. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT_CODES.OK;
    if (error.code === 'commander.help') return error.exitCode === 0 ? EXIT_CODES.OK : EXIT_CODES.USAGE;
    return EXIT_CODES.USAGE;
  }
  // Bad settings (a QTASKS_* variable, a TLS file) and calls the SDK refuses before sending.
  if (error instanceof QTasksConfigError || error instanceof TaskUsageError) return EXIT_CODES.USAGE;
  if (error instanceof BrokerCallError) {
    switch (error.code) {
      case Status.NOT_FOUND:
        return EXIT_CODES.NOT_FOUND;
      case Status.UNAVAILABLE:
      case Status.DEADLINE_EXCEEDED:
        return EXIT_CODES.UNAVAILABLE;
      case Status.RESOURCE_EXHAUSTED:
        return error.reason === undefined || BUSY_REASONS.has(error.reason) ? EXIT_CODES.UNAVAILABLE : EXIT_CODES.REFUSED;
      case Status.INVALID_ARGUMENT:
      case Status.FAILED_PRECONDITION:
      case Status.ALREADY_EXISTS:
      case Status.PERMISSION_DENIED:
      case Status.UNAUTHENTICATED:
        return EXIT_CODES.REFUSED;
      default:
        return EXIT_CODES.UNEXPECTED;
    }
  }
  return EXIT_CODES.UNEXPECTED;
}

/** The one line `qtasks` prints for an error (without the `qtasks: ` prefix). */
export function messageOf(error: unknown, broker: string | undefined): string {
  if (error instanceof BrokerCallError) {
    const reason = error.reason ? `, ${error.reason}` : '';
    switch (error.code) {
      case Status.UNAVAILABLE:
      case Status.DEADLINE_EXCEEDED:
        return `cannot reach the broker at ${broker ?? '?'} (${error.method}: ${error.details.replace(/\.? ?Resolution note: ?$/, '')})`;
      case Status.UNAUTHENTICATED:
        return `the broker refused the token (${error.details}): set --token or QTASKS_AUTH_TOKEN`;
      case Status.PERMISSION_DENIED:
        return `the token may not do this (${error.details})`;
      default:
        return `${error.method} refused: ${error.details} (${Status[error.code]}${reason})`;
    }
  }
  if (error instanceof CommanderError) return error.message.replace(/^error: /, '');
  if (error instanceof Error) return error.message;
  return String(error);
}
