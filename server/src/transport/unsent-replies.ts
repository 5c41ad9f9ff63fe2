/**
 * Accounting of reply bytes the broker has written but its clients have not taken yet, by
 * connection. A client that does not read (an HTTP/2 window of 0) leaves every reply it is sent in
 * the broker's memory; 2,000 WatchResult streams of a 1 MiB task on such a connection held 3.7 GB.
 *
 * The rule: a reply to a connection may be produced while the broker holds fewer than `maxBytes`
 * unsent bytes in all, or when that connection has nothing unsent (a client that reads is never
 * held up by one that does not). Otherwise it waits, without a timer, until bytes are taken or
 * their call ends. So the unsent bytes stay below `maxBytes` plus at most one reply per
 * connection.
 */

/** A wait for room, as returned by {@link UnsentReplies.whenRoom}: call it to give up the wait. */
export type CancelWait = () => void;

/** Unsent reply bytes, in all and by connection, and the replies waiting for room. */
export class UnsentReplies {
  private totalBytes = 0;
  private readonly byConnection = new Map<string, number>();
  private readonly waiting = new Set<{ connection: string; proceed: () => void }>();

  /** @param maxBytes - unsent bytes above which a connection that has some unsent already waits */
  constructor(readonly maxBytes: number) {}

  /** Bytes written and not yet taken, in all. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** Replies waiting for room. */
  get waitingReplies(): number {
    return this.waiting.size;
  }

  /** Runs `proceed` now if a reply to `connection` may be produced, or as soon as it may. */
  whenRoom(connection: string, proceed: () => void): CancelWait {
    if (this.hasRoom(connection)) {
      proceed();
      return () => undefined;
    }
    const entry = { connection, proceed };
    this.waiting.add(entry);
    return () => this.waiting.delete(entry);
  }

  /** Counts `bytes` written to `connection`; returns the function that uncounts them, once. */
  charge(connection: string, bytes: number): () => void {
    this.totalBytes += bytes;
    this.byConnection.set(connection, (this.byConnection.get(connection) ?? 0) + bytes);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.totalBytes -= bytes;
      const left = this.byConnection.get(connection)! - bytes;
      if (left === 0) this.byConnection.delete(connection);
      else this.byConnection.set(connection, left);
      this.wakeWaiting();
    };
  }

  private hasRoom(connection: string): boolean {
    return this.totalBytes < this.maxBytes || !this.byConnection.has(connection);
  }

  /** In arrival order; a woken reply charges its bytes at once, so later ones see them. */
  private wakeWaiting(): void {
    for (const entry of this.waiting) {
      if (!this.hasRoom(entry.connection)) continue;
      this.waiting.delete(entry);
      entry.proceed();
    }
  }
}
