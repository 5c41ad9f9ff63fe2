/**
 * Accounting of reply bytes the broker has written but its clients have not taken yet, by
 * connection. A client that does not read (an HTTP/2 window of 0) leaves every reply it is sent in
 * the broker's memory; 2,000 WatchResult streams of a 1 MiB task on such a connection held 3.7 GB.
 *
 * Two things count against the budget of `maxBytes`:
 * - bytes written and not yet taken (`charge`);
 * - calls let through to produce a reply and that have not written one yet (`admit`), at
 *   `provisionalBytes` each: the handler reads its reply from the store as soon as it runs, so a
 *   burst of calls let through at once would each hold a copy before any of them counted.
 *
 * The rule: a reply may be produced, or a call let through, while the budget is not used up; or,
 * whatever the budget, for a connection with no bytes unsent and fewer than `exemptCalls` calls
 * let through that have not replied yet. So a client that reads is never held up by one that does
 * not (a worker's parked Lease and its Heartbeats stay well under `exemptCalls`), and memory stays
 * below the budget plus a few replies per connection. What may not proceed waits, without a timer,
 * for bytes to be taken or calls to end, in arrival order.
 */

/** A wait for room: call it to give up the wait. */
export type CancelWait = () => void;

/** Options of {@link UnsentReplies}. */
export interface UnsentRepliesOptions {
  /** Bytes (unsent, plus the provisional bytes of calls let through) past which only exempt connections proceed. */
  maxBytes: number;
  /** What a call let through counts until it writes its first reply. @defaultValue 1 MiB */
  provisionalBytes?: number;
  /** Calls let through and not yet replied under which a connection without unsent bytes always proceeds. @defaultValue 8 */
  exemptCalls?: number;
}

interface Connection {
  unsentBytes: number;
  admittedCalls: number;
  /** Replies waiting, in order; they go before calls, as they end calls instead of starting them. */
  sends: Set<Waiter>;
  /** Calls waiting to be let through, in order. */
  calls: Set<Waiter>;
}

interface Waiter {
  connection: string;
  kind: 'call' | 'bytes';
  proceed: (release: () => void) => void;
  bytes: number;
}

/** Unsent reply bytes and calls let through, in all and by connection, and what waits for room. */
export class UnsentReplies {
  private totalBytes = 0;
  private readonly connections = new Map<string, Connection>();
  /** Every waiter in arrival order, for wake-ups when the budget frees. */
  private readonly waiting = new Set<Waiter>();
  readonly maxBytes: number;
  private readonly provisionalBytes: number;
  private readonly exemptCalls: number;

  constructor(options: UnsentRepliesOptions) {
    this.maxBytes = options.maxBytes;
    this.provisionalBytes = options.provisionalBytes ?? 1024 * 1024;
    this.exemptCalls = options.exemptCalls ?? 8;
  }

  /** Bytes counted now: unsent, plus the provisional bytes of calls let through. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** Calls and replies waiting for room. */
  get waitingReplies(): number {
    return this.waiting.size;
  }

  /**
   * Lets a call of `connection` through to its handler now or as soon as there is room; `proceed`
   * gets the function to call when the call writes its first reply or ends (once is enough).
   */
  admit(connection: string, proceed: (release: () => void) => void): CancelWait {
    return this.whenRoom({ connection, kind: 'call', proceed, bytes: this.provisionalBytes });
  }

  /**
   * Writes `bytes` to `connection` now or as soon as there is room; `proceed` gets the function to
   * call when the bytes are taken or their call ends (once is enough).
   */
  send(connection: string, bytes: number, proceed: (release: () => void) => void): CancelWait {
    return this.whenRoom({ connection, kind: 'bytes', proceed, bytes });
  }

  private whenRoom(waiter: Waiter): CancelWait {
    const connection = this.connectionOf(waiter.connection);
    const queue = waiter.kind === 'bytes' ? connection.sends : connection.calls;
    const ahead = waiter.kind === 'bytes' ? queue.size : queue.size + connection.sends.size;
    if (ahead === 0 && this.hasRoom(connection)) {
      this.start(waiter, connection);
      return () => undefined;
    }
    queue.add(waiter);
    this.waiting.add(waiter);
    return () => {
      queue.delete(waiter);
      this.waiting.delete(waiter);
      this.forgetIfIdle(waiter.connection, connection);
    };
  }

  private start(waiter: Waiter, connection: Connection): void {
    this.totalBytes += waiter.bytes;
    if (waiter.kind === 'call') connection.admittedCalls++;
    else connection.unsentBytes += waiter.bytes;
    let released = false;
    waiter.proceed(() => {
      if (released) return;
      released = true;
      this.totalBytes -= waiter.bytes;
      if (waiter.kind === 'call') connection.admittedCalls--;
      else connection.unsentBytes -= waiter.bytes;
      this.wake(waiter.connection, connection);
    });
  }

  private hasRoom(connection: Connection): boolean {
    return this.totalBytes < this.maxBytes || (connection.unsentBytes === 0 && connection.admittedCalls < this.exemptCalls);
  }

  /** After a release on `name`: its own waiters first (it may be exempt now), then anyone's, in order, while the budget has room. */
  private wake(name: string, connection: Connection): void {
    while (this.hasRoom(connection)) {
      const next = this.nextOf(connection);
      if (!next) break;
      this.startWaiting(next, connection);
    }
    for (const waiter of this.waiting) {
      if (this.totalBytes >= this.maxBytes) break;
      const owner = this.connections.get(waiter.connection)!;
      // In order within a connection too: only its next waiter may go.
      if (this.nextOf(owner) === waiter) this.startWaiting(waiter, owner);
    }
    this.forgetIfIdle(name, connection);
  }

  private nextOf(connection: Connection): Waiter | undefined {
    return connection.sends.values().next().value ?? connection.calls.values().next().value;
  }

  private startWaiting(waiter: Waiter, connection: Connection): void {
    (waiter.kind === 'bytes' ? connection.sends : connection.calls).delete(waiter);
    this.waiting.delete(waiter);
    this.start(waiter, connection);
  }

  private connectionOf(name: string): Connection {
    let connection = this.connections.get(name);
    if (!connection) this.connections.set(name, (connection = { unsentBytes: 0, admittedCalls: 0, sends: new Set(), calls: new Set() }));
    return connection;
  }

  private forgetIfIdle(name: string, connection: Connection): void {
    if (connection.unsentBytes === 0 && connection.admittedCalls === 0 && connection.sends.size === 0 && connection.calls.size === 0) {
      this.connections.delete(name);
    }
  }
}
