/**
 * Runs the Python and Go clients' programs next to a TypeScript test: the Python worker and
 * producer fixtures (tests/cross-language/fixtures) in the venv `clients/setup.sh` makes, and
 * the Go fixture `qtasks-crosslang` (clients/go/cmd/qtasks-crosslang), built once per test file.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The Python interpreter of the clients' venv. */
export const PYTHON = join(ROOT, 'clients/python/.venv/bin/python');
const FIXTURES = join(ROOT, 'tests/cross-language/fixtures');
const run = promisify(execFile);

/** Fails with the command that fixes it when `clients/setup.sh` has not run. */
export function requirePythonClient(): void {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run \`bash clients/setup.sh\` (npm test does)`);
}

/** A child process whose stdout is collected line by line. */
export interface LineProcess {
  /** The child process. */
  child: ChildProcess;
  /** Every complete line written to stdout so far. */
  lines: string[];
  /** Resolves with the first line (already written or to come) that matches; rejects if the process exits first. */
  waitForLine(match: RegExp | string, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Sends `signal` (SIGTERM by default) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Spawns a program and collects its output lines. */
export function spawnLines(command: string, args: string[], env: Record<string, string>): LineProcess {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  let pending = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop()!;
    lines.push(...parts);
    for (const listener of listeners) listener();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const matches = (line: string, match: RegExp | string) => (typeof match === 'string' ? line === match : match.test(line));

  return {
    child,
    lines,
    exited,
    stderr: () => stderr,
    waitForLine(match, timeoutMs = 20_000) {
      return new Promise<string>((resolve, reject) => {
        const check = () => {
          const line = lines.find((candidate) => matches(candidate, match));
          if (line === undefined) return;
          done();
          resolve(line);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no line matching ${match} within ${timeoutMs} ms from ${command}; stdout:\n${lines.join('\n')}\nstderr:\n${stderr}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        void exited.then((code) => {
          check();
          if (!listeners.has(check)) return;
          done();
          reject(new Error(`${command} exited (${code}) before a line matching ${match}; stderr:\n${stderr}`));
        });
        listeners.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Starts the Python worker fixture and waits until its first Lease is in flight. */
export async function startPythonWorker(brokerAddress: string, env: Record<string, string> = {}): Promise<LineProcess> {
  requirePythonClient();
  const worker = spawnLines(PYTHON, [join(FIXTURES, 'python_worker.py')], { QTASKS_BROKER_ADDRESS: brokerAddress, ...env });
  await worker.waitForLine('READY');
  return worker;
}

/** Runs the Python producer fixture's `watch` command: enqueue one task, print each state until it ends. */
export function watchFromPython(brokerAddress: string, taskName: string, args: unknown[], kwargs: Record<string, unknown> = {}): LineProcess {
  requirePythonClient();
  return spawnLines(PYTHON, [join(FIXTURES, 'python_producer.py'), 'watch', taskName, JSON.stringify(args), JSON.stringify(kwargs)], {
    QTASKS_BROKER_ADDRESS: brokerAddress,
  });
}

/** Builds the Go fixture `qtasks-crosslang` into a temporary directory; resolves to its path. */
export async function buildGoFixture(): Promise<string> {
  const binary = join(await mkdtemp(join(tmpdir(), 'qtasks-go-')), 'qtasks-crosslang');
  await run('go', ['-C', join(ROOT, 'clients/go'), 'build', '-o', binary, './cmd/qtasks-crosslang'], { timeout: 170_000 });
  return binary;
}

/** Runs a Go fixture command to the end; resolves to its stdout parsed as JSON. */
export async function runGo<T>(binary: string, args: string[], brokerAddress: string, timeoutMs = 60_000): Promise<T> {
  const { stdout } = await run(binary, args, {
    env: { ...process.env, QTASKS_BROKER_ADDRESS: brokerAddress },
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as T;
}
