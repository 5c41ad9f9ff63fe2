/**
 * A progress bar for long work (bulk retry, purge): one line on stderr, redrawn in place at most
 * ten times a second, and only when stderr is a terminal; elsewhere it writes nothing, so logs
 * and pipes get the results alone.
 */
import type { Writable } from 'node:stream';

const WIDTH = 30;
const REDRAW_MS = 100;

/** A progress bar over `total` units of work. */
export class ProgressBar {
  private done = 0;
  private lastDraw = 0;
  private readonly started = Date.now();
  private drawn = false;

  /**
   * @param stream - where to draw (stderr)
   * @param enabled - false to draw nothing (stderr is not a terminal)
   * @param label - what is being done, e.g. `retrying`
   * @param total - units of work; 0 when unknown
   */
  constructor(
    private readonly stream: Writable,
    private readonly enabled: boolean,
    private readonly label: string,
    private total: number,
  ) {}

  /** Counts `n` more units done; redraws when due. */
  tick(n = 1): void {
    this.done += n;
    if (this.done > this.total) this.total = this.done;
    const now = Date.now();
    if (now - this.lastDraw >= REDRAW_MS) this.draw(now);
  }

  /** Draws the final state and ends the line. */
  finish(): void {
    if (!this.enabled) return;
    this.draw(Date.now());
    this.stream.write('\n');
  }

  private draw(now: number): void {
    if (!this.enabled) return;
    this.lastDraw = now;
    const ratio = this.total > 0 ? this.done / this.total : 1;
    const filled = Math.round(ratio * WIDTH);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}`;
    const seconds = ((now - this.started) / 1000).toFixed(1);
    this.stream.write(`\r${this.drawn ? '\x1b[K' : ''}${this.label} ${bar} ${this.done}/${this.total} ${Math.floor(ratio * 100)}% ${seconds}s`);
    this.drawn = true;
  }
}
