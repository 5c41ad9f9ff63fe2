/**
 * Shared pieces of the crash and fault tests: a seeded random generator (so that a failing run
 * can be repeated), settings from the environment, `qtasks-broker --check`, and listing a queue.
 */
import { execFile } from 'node:child_process';
import { BROKER_BIN } from './broker-process.js';

/** A positive integer from the environment variable `name`, or `fallback`. */
export function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

/** A random generator (mulberry32): the same seed gives the same sequence. */
export interface Random {
  /** In [0, 1). */
  (): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
}

/** A {@link Random} seeded with `seed`. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Object.assign(next, { int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)) });
}

/** What `qtasks-broker --check` printed and how it exited. */
export interface CheckResult {
  exitCode: number;
  /** The JSON report (absent if none was printed). */
  report?: { consistent: boolean; tasks: number; byStatus: Record<string, number>; problems: string[] };
  stderr: string;
}

/** Runs `qtasks-broker --check --data-dir DIR` (no broker may be writing to DIR). */
export function checkDataDir(dataDir: string): Promise<CheckResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BROKER_BIN, '--check', '--data-dir', dataDir], { encoding: 'utf8' }, (error, stdout, stderr) => {
      let report: CheckResult['report'];
      try {
        report = JSON.parse(stdout) as CheckResult['report'];
      } catch {
        report = undefined;
      }
      resolve({ exitCode: error ? Number(error.code ?? 1) : 0, ...(report ? { report } : {}), stderr });
    });
  });
}


/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
