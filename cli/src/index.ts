/**
 * `@qtasks/cli`: the `qtasks` operator command line, also usable from code (`runCli(argv)`).
 *
 * @module
 */
export { buildProgram, runCli } from './program.js';
export { CliError, EXIT_CODES, UsageError, exitCodeOf, type ExitCode } from './exit-codes.js';
export { statsOf, type Stats } from './commands/stats.js';
