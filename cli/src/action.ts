/**
 * Runs a command's handler with a {@link Context} made from the shared options, and closes its
 * connection afterwards, whatever happened. Errors go on to `runCli`, which prints one line and
 * picks the exit code.
 */
import type { Command } from 'commander';
import { Context, type GlobalOptions } from './connect.js';

/** A command's work: its positional arguments and options, then the context. */
export type Handler<A extends unknown[]> = (ctx: Context, ...args: A) => Promise<void>;

/**
 * A commander action calling `handler(ctx, ...args, options)`: commander passes the positional
 * arguments, the command's options, then the command itself (last), whose `optsWithGlobals()`
 * holds the shared options.
 */
export function action<A extends unknown[]>(handler: Handler<A>): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const ctx = new Context(command.optsWithGlobals<GlobalOptions>());
    try {
      await handler(ctx, ...(args.slice(0, -1) as A));
    } finally {
      await ctx.close();
    }
  };
}
