/**
 * The option table is the one source of the broker's configuration: every config field has its
 * option, the README's tables list exactly the table's options with its variables and defaults,
 * and values are parsed with the flag or variable named.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, OPTIONS, USAGE, loadConfig } from './config.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The rows of the README's Markdown tables whose first cell names flags: flags → the other cells. */
function readmeRows(): { flags: string[]; cells: string[] }[] {
  return README.split('\n')
    .filter((line) => line.startsWith('| `--'))
    .map((line) => {
      const cells = line.split(' | ').map((cell) => cell.replace(/^\| /, '').replace(/ \|$/, '').replaceAll('`', '').trim());
      return { flags: cells[0]!.split(', ').map((flag) => flag.replace(/^--/, '')), cells: cells.slice(1) };
    });
}

describe('the option table', () => {
  it('has an option for every field of the configuration', () => {
    const fields = OPTIONS.flatMap((option) => (option.field ? [option.field] : []));
    expect(fields.sort()).toEqual(Object.keys(DEFAULT_CONFIG).sort());
  });

  it('is what the README tables list: each option with its variable and default, and nothing else', () => {
    const rows = readmeRows();
    const listed = rows.flatMap((row) => row.flags);
    expect(listed.sort()).toEqual(OPTIONS.filter((option) => option.section !== 'action').map((option) => option.flag).sort());
    for (const option of OPTIONS.filter((o) => o.section !== 'action')) {
      const row = rows.find((r) => r.flags.includes(option.flag))!;
      expect(row.cells[0], `README row of --${option.flag}: variable`).toContain(option.env);
      if (option.section === 'running') expect(row.cells[1], `README row of --${option.flag}: default`).toBe(option.shownDefault);
    }
  });

  it('gives every option a line in --help, with its variable and default, and the README usage block names every flag', () => {
    for (const option of OPTIONS) {
      expect(USAGE).toContain(`--${option.flag}`);
      if (option.env) expect(USAGE).toContain(`[${option.env}]`);
      if (option.flag !== 'help') expect(README, `the README's usage block names --${option.flag}`).toContain(`--${option.flag}`);
    }
  });
});

describe('loadConfig', () => {
  it('takes a variable, lets a flag win over it, and keeps the defaults of the rest', () => {
    const config = loadConfig(['--max-batch-size', '7'], { QTASKS_BROKER_MAX_BATCH_SIZE: '3', QTASKS_BROKER_RETAIN_FAILED: '15m', QTASKS_BROKER_DURABILITY: '' });
    expect(config).toMatchObject({ maxBatchSize: 7, retainFailedMs: 900_000, durability: 'strict', listen: DEFAULT_CONFIG.listen });
  });

  it.each([
    [['--retain-succeeded', '5'], {}, '--retain-succeeded: must be a duration such as 0, 500ms, 30s, 15m, 24h or 7d, got "5"'],
    [[], { QTASKS_BROKER_MAX_JSON_DEPTH: '20000' }, 'QTASKS_BROKER_MAX_JSON_DEPTH: must be at most 10000, got 20000'],
    [['--max-calls', '0'], {}, '--max-calls: must be a positive integer, got "0"'],
    [['--min-free-bytes=-1'], {}, '--min-free-bytes: must be a non-negative integer, got "-1"'],
    [['--listen', 'nowhere'], {}, '--listen: must be HOST:PORT'],
  ])('refuses %j %j naming the setting', (argv, env, message) => {
    expect(() => loadConfig(argv, env)).toThrow(ConfigError);
    expect(() => loadConfig(argv, env)).toThrow(message);
  });

  it('reads the durations of retention: 0, ms, s, m, h, d', () => {
    const ms = (value: string) => (loadConfig(['--retain-succeeded', value], {}) as { retainSucceededMs: number }).retainSucceededMs;
    expect(['0', '500ms', '30s', '15m', '24h', '7d'].map(ms)).toEqual([0, 500, 30_000, 900_000, 86_400_000, 604_800_000]);
  });
});
