/**
 * The `qtasks` command line: its commands, shared options and help, and {@link runCli}, which
 * runs one command line and turns its outcome into an exit code.
 */
import { createRequire } from 'node:module';
import { Command, Option } from 'commander';
import { registerEnqueue } from './commands/enqueue.js';
import { registerQueues } from './commands/queues.js';
import { registerStats } from './commands/stats.js';
import { registerTasks } from './commands/tasks.js';
import { DEFAULT_BROKER, ENV, isVerbose } from './connect.js';
import { exitCodeOf, exitCodesHelp, messageOf, type ExitCode } from './exit-codes.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

const EPILOG = `
Every option above also works after a command (qtasks tasks list --json).

Environment (the SDK's names; a flag wins):
  ${ENV.broker}  ${ENV.token}  ${ENV.tlsCa}  ${ENV.tlsCert}  ${ENV.tlsKey}
  ${ENV.verbose}=1 (as --verbose)  NO_COLOR (no colours; there are none off a terminal anyway)

Exit codes:
${exitCodesHelp()}

Examples:
  qtasks stats
  qtasks tasks list --queue emails --status error --since 1h
  qtasks tasks retry --queue emails --status error
  qtasks enqueue add --args '[1, 2]' --wait 30
  qtasks tasks watch 0190c5a2-7b1e-7c3d-9a4f-2b8e6d1c0f3a
  qtasks queues purge emails --status new,retry --yes
  qtasks queues limits emails --max-running 5 --rate 100/s`;

/** Builds the `qtasks` program (errors are thrown rather than exiting, see {@link runCli}). */
export function buildProgram(): Command {
  const program = new Command('qtasks')
    .description("the QTasks broker's operator command line: tasks, queues, stats, enqueue")
    .version(version, '-V, --version')
    // Set before the commands are added: they inherit both.
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'qtasks: ')) })
    .showHelpAfterError('(add --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    .addOption(new Option('--broker <host:port>', 'the broker, or several sharing one store (HOST:PORT,HOST:PORT: the first that answers)').env(ENV.broker).default(DEFAULT_BROKER))
    .addOption(new Option('--token <token>', 'bearer token, for a broker that requires one (the variable keeps it out of ps)').env(ENV.token))
    .addOption(new Option('--tls', 'connect over TLS, trusting the system CAs'))
    .addOption(new Option('--tls-ca <file>', 'connect over TLS, trusting the CA(s) in this PEM file').env(ENV.tlsCa))
    .addOption(new Option('--tls-cert <file>', 'client certificate (PEM) for mutual TLS; needs --tls-key').env(ENV.tlsCert))
    .addOption(new Option('--tls-key <file>', "the client certificate's private key (PEM)").env(ENV.tlsKey))
    .option('--json', 'print results as JSON (for scripts); messages stay on stderr')
    // Not `.env()`: commander would turn any value on, `QTASKS_DEBUG=0` included (see `isVerbose`).
    .addOption(new Option('-v, --verbose', 'stack traces and the SDK\'s debug lines on stderr'))
    .addHelpText('after', EPILOG);
  registerTasks(program);
  registerQueues(program);
  registerStats(program);
  registerEnqueue(program);
  return program;
}

/**
 * Runs `qtasks` with these arguments (without `node` and the script); resolves to the exit code.
 * Errors print one line on stderr, `qtasks: ...` (with the stack under `--verbose`).
 */
export async function runCli(argv: readonly string[]): Promise<ExitCode> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    const code = exitCodeOf(error);
    // Commander printed its own errors (and help) already.
    if (!(error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('commander.'))) {
      const options = program.opts<{ broker?: string; verbose?: boolean }>();
      if (isVerbose(options) && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
      process.stderr.write(`qtasks: ${messageOf(error, options.broker)}\n`);
    }
    return code;
  }
}

