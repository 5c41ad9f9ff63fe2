/**
 * The workers connected now on Work streams, and the credit each has granted and not used: what
 * an operator asks first when tasks wait ("is anyone taking them?"), served as gauges. A session
 * registers a reader of its credit; nothing is counted per task, and the sum is read only when
 * someone asks (a scrape).
 */

/** The open Work-stream sessions, each with a reader of its credit left. */
export class ConnectedWorkers {
  private readonly creditReaders = new Set<() => number>();

  /** Registers a session by its credit reader; returns the unregister (call it when the session stops taking tasks). */
  add(creditLeft: () => number): () => void {
    this.creditReaders.add(creditLeft);
    return () => void this.creditReaders.delete(creditLeft);
  }

  /** Sessions connected now. */
  get count(): number {
    return this.creditReaders.size;
  }

  /** Credit granted by every session and not used yet: how many more tasks they would take now. */
  get credit(): number {
    let total = 0;
    for (const read of this.creditReaders) total += read();
    return total;
  }
}
