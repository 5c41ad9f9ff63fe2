/** `qtasks`: runs the command line of this process and exits with its code. */
import { runCli } from './program.js';

// A reader that stops early (`qtasks tasks list --all | head`) closes the pipe: that ends the
// output, as for any Unix tool, rather than an unhandled EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await runCli(process.argv.slice(2));
