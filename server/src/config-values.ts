/**
 * The parsers of configuration values, each naming the flag or variable a bad value came from.
 */
import { readFileSync } from 'node:fs';

/** A configuration value that cannot be used; the message says which and why. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A value as given, and where: `--flag` or the variable's name. */
export interface Setting {
  value: string;
  source: string;
}

/** Splits `HOST:PORT` (IPv6 hosts in brackets). @throws ConfigError */
export function parseListenAddress(address: string, source = 'listen'): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(address);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) throw new ConfigError(`${source}: must be HOST:PORT (e.g. 127.0.0.1:50051), got "${address}"`);
  return { host: match[1]!, port };
}

/** A whole number ≥ 0. @throws ConfigError */
export function nonNegativeInteger(setting: Setting): number {
  const value = Number(setting.value);
  if (!/^\d+$/.test(setting.value) || !Number.isSafeInteger(value)) {
    throw new ConfigError(`${setting.source}: must be a non-negative integer, got "${setting.value}"`);
  }
  return value;
}

/** A whole number ≥ 1. @throws ConfigError */
export function positiveInteger(setting: Setting): number {
  const value = Number(setting.value);
  if (!/^\d+$/.test(setting.value) || !Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(`${setting.source}: must be a positive integer, got "${setting.value}"`);
  }
  return value;
}

/** A whole number from 1 to `max`. @throws ConfigError */
export function positiveIntegerAtMost(max: number): (setting: Setting) => number {
  return (setting) => {
    const value = positiveInteger(setting);
    if (value > max) throw new ConfigError(`${setting.source}: must be at most ${max}, got ${value}`);
    return value;
  };
}

/** One of `choices`. @throws ConfigError */
export function oneOf<T extends string>(...choices: T[]): (setting: Setting) => T {
  return (setting) => {
    if (!(choices as string[]).includes(setting.value)) {
      throw new ConfigError(`${setting.source}: must be ${choices.map((c) => `"${c}"`).join(' or ')}, got "${setting.value}"`);
    }
    return setting.value as T;
  };
}

/**
 * A PostgreSQL connection URL (`postgres://` or `postgresql://`). The error never repeats the
 * value: it may hold a password. @throws ConfigError
 */
export function databaseUrl(setting: Setting): string {
  let url: URL | undefined;
  try {
    url = new URL(setting.value);
  } catch {
    // Reported below.
  }
  if (!url || !/^postgres(ql)?:$/.test(url.protocol)) {
    throw new ConfigError(`${setting.source}: must be a URL such as postgres://user:password@127.0.0.1:5432/qtasks`);
  }
  return setting.value;
}

/** Milliseconds per unit of a duration. */
const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration such as `0`, `500ms`, `30s`, `15m`, `24h` or `7d`, in ms (a bare number needs no unit
 * only when it is 0). @throws ConfigError naming the setting
 */
export function duration(setting: Setting): number {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(setting.value.trim());
  const ms = match ? Number(match[1]) * DURATION_UNITS[match[2] ?? 'ms']! : NaN;
  if (!match || (match[2] === undefined && ms !== 0) || !Number.isSafeInteger(ms)) {
    throw new ConfigError(`${setting.source}: must be a duration such as 0, 500ms, 30s, 15m, 24h or 7d, got "${setting.value}"`);
  }
  return ms;
}

/** The bytes of the file a setting names. @throws ConfigError */
export function readSettingFile(setting: Setting): Buffer {
  try {
    return readFileSync(setting.value);
  } catch (error) {
    throw new ConfigError(`${setting.source}: cannot read ${setting.value} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}
