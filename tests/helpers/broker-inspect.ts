/**
 * Looking at a broker from outside: its whole state read back over gRPC, its memory from /proc, its
 * in-memory counts from its SIGUSR2 stats line, and the consistency of its data directory from
 * `qtasks-broker --check`.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { BROKER_BIN, type BrokerProcess } from './broker-process.js';

const run = promisify(execFile);


/** Resident memory of a process in KiB (`VmRSS` of /proc/PID/status). */
export function residentKiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]);
}

/** What the broker prints on SIGUSR2 (see `server/src/main.ts`), as far as tests read it. */
export interface BrokerStatsLine {
  memory: { rss: number; heapUsed: number };
  /** Tasks with at least one WatchResult stream open. */
  watchedTasks: number;
  [key: string]: unknown;
}

/** Asks the broker for its stats line (SIGUSR2) and waits for it on stderr. */
export async function brokerStats(broker: BrokerProcess, timeoutMs = 5000): Promise<BrokerStatsLine> {
  const seen = broker.stderr().length;
  broker.child.kill('SIGUSR2');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = /\{"qtasksBrokerStats":.*\}\n/.exec(broker.stderr().slice(seen));
    if (match) return (JSON.parse(match[0]) as { qtasksBrokerStats: BrokerStatsLine }).qtasksBrokerStats;
    if (Date.now() > deadline) throw new Error(`no stats line from the broker within ${timeoutMs} ms:\n${broker.stderr().slice(seen)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The report of `qtasks-broker --check` (see `server/src/store/invariants.ts`). */
export interface CheckReport {
  consistent: boolean;
  tasks: number;
  byStatus: Record<'new' | 'process' | 'retry' | 'success' | 'error' | 'cancel', number>;
  problems: string[];
  /** The command's exit code: 0 when consistent. */
  exitCode: number;
}

/** Runs `qtasks-broker --check --data-dir DIR` on a stopped broker's data directory. */
export function checkDataDir(dataDir: string): Promise<CheckReport> {
  return runCheck(['--data-dir', dataDir]);
}

/** Runs `qtasks-broker --check` on a stopped broker's store: its data directory, or its database on a PostgreSQL run. */
export function checkStoreOf(broker: Pick<BrokerProcess, 'dataDir' | 'databaseUrl'>): Promise<CheckReport> {
  return broker.databaseUrl ? runCheck(['--store', 'postgres', '--database-url', broker.databaseUrl]) : checkDataDir(broker.dataDir);
}

async function runCheck(storeArgs: string[]): Promise<CheckReport> {
  let stdout: string;
  let exitCode = 0;
  try {
    ({ stdout } = await run(process.execPath, [BROKER_BIN, '--check', ...storeArgs]));
  } catch (error) {
    const failed = error as { stdout?: string; code?: number; stderr?: string };
    if (typeof failed.code !== 'number' || !failed.stdout) throw error;
    stdout = failed.stdout;
    exitCode = failed.code;
  }
  return { ...(JSON.parse(stdout) as Omit<CheckReport, 'exitCode'>), exitCode };
}

/** Milliseconds `call` takes. */
export async function timed(call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await call();
  return performance.now() - started;
}

/** The median of some numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
