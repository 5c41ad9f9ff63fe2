/**
 * Where `qtasks` writes: results on stdout (tables for people, JSON with `--json`), messages on
 * stderr. Colours only when stdout is a terminal, not with `--json`, and never under `NO_COLOR`.
 */
import type { Writable } from 'node:stream';

/** The ANSI styles `qtasks` uses. */
const STYLES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  gray: [90, 39],
} as const;

/** A style name of {@link Output.style}. */
export type Style = keyof typeof STYLES;

/** A column of {@link Output.table}: its header, and `right` for numbers. */
export interface Column {
  /** The header, printed in bold on a terminal. */
  header: string;
  /** Right-aligned (numbers). */
  right?: boolean;
}

const ANSI = /\x1b\[[0-9;]*m/g;

/** The width of text on a terminal, without its colour codes. */
function visibleLength(text: string): number {
  return text.replace(ANSI, '').length;
}

/** Options of {@link Output}. */
export interface OutputOptions {
  /** Write JSON rather than tables and text. */
  json: boolean;
  /** Where results go. @defaultValue `process.stdout` */
  stdout?: Writable & { isTTY?: boolean };
  /** Where messages go. @defaultValue `process.stderr` */
  stderr?: Writable & { isTTY?: boolean };
  /** The environment, read for `NO_COLOR`. @defaultValue `process.env` */
  env?: NodeJS.ProcessEnv;
}

/** The CLI's writer of results and messages. */
export class Output {
  /** True with `--json`: results are JSON documents. */
  readonly json: boolean;
  /** True when results may be coloured. */
  readonly color: boolean;
  /** True when stderr is a terminal (progress bars and questions go there). */
  readonly interactive: boolean;
  private readonly stdout: Writable;
  /** Where messages, progress and questions go. */
  readonly stderr: Writable;

  constructor(options: OutputOptions) {
    this.json = options.json;
    const stdout = options.stdout ?? process.stdout;
    const stderr = options.stderr ?? process.stderr;
    const env = options.env ?? process.env;
    this.stdout = stdout;
    this.stderr = stderr;
    this.color = !options.json && stdout.isTTY === true && (env.NO_COLOR ?? '') === '';
    this.interactive = stderr.isTTY === true;
  }

  /** `text` in a style, when colours are on. */
  style(style: Style, text: string): string {
    if (!this.color || text === '') return text;
    const [open, close] = STYLES[style];
    return `\x1b[${open}m${text}\x1b[${close}m`;
  }

  /** Writes one line of results. */
  line(text = ''): void {
    this.stdout.write(`${text}\n`);
  }

  /** Writes a JSON document: indented, or on one line (`compact`, one document per line for streams). */
  writeJson(value: unknown, compact = false): void {
    this.stdout.write(`${JSON.stringify(value, null, compact ? undefined : 2)}\n`);
  }

  /** Writes a message for people on stderr (never part of the results). */
  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  /** Writes rows under headers, columns padded to their widest cell. */
  table(columns: readonly Column[], rows: readonly string[][]): void {
    const widths = columns.map((column, i) => Math.max(column.header.length, ...rows.map((row) => visibleLength(row[i] ?? ''))));
    const render = (cells: readonly string[]): string =>
      cells
        .map((cell, i) => {
          const pad = ' '.repeat(widths[i]! - visibleLength(cell));
          return columns[i]!.right ? pad + cell : i === cells.length - 1 ? cell : cell + pad;
        })
        .join('  ')
        .trimEnd();
    this.line(this.style('bold', render(columns.map((column) => column.header))));
    for (const row of rows) this.line(render(row));
  }

  /** Writes `label  value` lines, labels padded to the widest. */
  fields(pairs: readonly (readonly [string, string])[]): void {
    const width = Math.max(...pairs.map(([label]) => label.length));
    for (const [label, value] of pairs) this.line(`${this.style('dim', label.padEnd(width))}  ${value}`);
  }
}
