/**
 * Runs the compiled `qtasks` command (`cli/bin/qtasks.js`, as `npm run build` leaves it) as a
 * child process. Asynchronously: a test's worker runs in the test process and must keep running
 * while the command waits.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The CLI's command, as installed in `node_modules/.bin/qtasks`. */
export const CLI_BIN = fileURLToPath(new URL('../../cli/bin/qtasks.js', import.meta.url));

/** How a `qtasks` run ended. */
export interface CliResult {
  /** The exit code (-1 if it was killed by a signal). */
  code: number;
  stdout: string;
  stderr: string;
}

/** A `qtasks` run in progress. */
export interface CliRun {
  /** Settles when the process exits. */
  done: Promise<CliResult>;
  /** What it wrote to stdout so far. */
  stdout(): string;
  /** Resolves once stdout matches `pattern` (rejects if the process exits first). */
  waitForStdout(pattern: RegExp): Promise<void>;
}

/**
 * Starts `qtasks ARGS` with no `QTASKS_*` variable of the test's environment, plus `env`.
 * It is killed after `timeoutMs`.
 */
export function startCli(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 20_000): CliRun {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('QTASKS_')));
  const child = spawn(process.execPath, [CLI_BIN, ...args], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const listener of listeners) listener();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
  return {
    done,
    stdout: () => stdout,
    waitForStdout: (pattern) =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (!pattern.test(stdout)) return;
          listeners.delete(check);
          resolve();
        };
        listeners.add(check);
        check();
        void done.then(() => (pattern.test(stdout) ? resolve() : reject(new Error(`qtasks exited before printing ${pattern}: ${stdout}\n${stderr}`))));
      }),
  };
}

/** Runs `qtasks ARGS` to its end. */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return startCli(args, env).done;
}
