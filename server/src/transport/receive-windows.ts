/**
 * The HTTP/2 receive windows of the broker's connections: how much a client may send before the
 * broker has read it.
 *
 * Why wider than HTTP/2's 64 KiB: a producer's four batches of 1,000 tasks in flight (~300 KB
 * each, on one Produce stream) crossed in 64 KiB steps, each waiting for a WINDOW_UPDATE that a
 * broker busy with the batch before sent late: sent at once, they arrived 6–27 ms apart.
 *
 * Why only for a few connections of few streams: what a client can make the broker hold unread
 * is its streams' windows. Node takes a connection's window back as the bytes arrive, whether or
 * not a stream reads them (`OnDataChunkReceived` consumes the connection's share at once); a
 * stream's window waits until the stream reads, and the broker stops reading a Work or Produce
 * stream that is 16 requests ahead of it (`stream-calls.ts`). So the bound is the streams open
 * (`--max-calls`, 10,000) times their window: 640 MiB at 64 KiB, 10 GiB at 1 MiB for all. Hence:
 * - the first {@link WIDE_SESSIONS} connections open at once get a {@link WIDE_WINDOW_BYTES}
 *   window for each of their streams (a SETTINGS frame of their own) and for the connection;
 *   the others keep HTTP/2's;
 * - a wide connection that opens more than {@link WIDE_STREAMS} streams at once is narrowed back
 *   to 64 KiB for good (what it sent into the wide windows stays, at most one wide window per
 *   stream it had then), and keeps its place until it closes.
 * The bound grows by at most {@link WIDE_SESSIONS} × ({@link WIDE_STREAMS} + 1) wide windows
 * (80 MiB), whatever the clients do. An SDK app uses two streams (Produce, Work) on its connection.
 */
import type { Http2Session } from 'node:http2';

/** HTTP/2's initial window (RFC 9113, 6.9.2): what every connection and stream starts with. */
export const DEFAULT_WINDOW_BYTES = 65_535;

/** The receive window of a wide connection, and of each of its streams. */
export const WIDE_WINDOW_BYTES = 1024 * 1024;

/** Connections open at once that get wide windows. */
export const WIDE_SESSIONS = 16;

/** Streams open at once on a wide connection past which it is narrowed back for good. */
export const WIDE_STREAMS = 4;

/** Gives the first connections wide receive windows (see the file's comment). */
export class ReceiveWindows {
  private wide = 0;

  constructor(
    private readonly maxWideSessions: number = WIDE_SESSIONS,
    private readonly maxStreams: number = WIDE_STREAMS,
  ) {}

  /** Connections holding a wide place now (narrowed ones included, until they close). */
  get wideSessions(): number {
    return this.wide;
  }

  /** Widens a new connection's session if a place is free; told first of its streams, to narrow it back. */
  widen(session: Http2Session): void {
    if (this.wide >= this.maxWideSessions || session.destroyed) return;
    // Both throw only for a session already torn down (never thrown into the connection's accept).
    if (!applied(() => (session.setLocalWindowSize(WIDE_WINDOW_BYTES), session.settings({ initialWindowSize: WIDE_WINDOW_BYTES })))) return;
    this.wide++;
    session.once('close', () => this.wide--);
    let open = 0;
    const counted = (stream: { once(event: 'close', listener: () => void): unknown }): void => {
      open++;
      stream.once('close', () => open--);
      if (open <= this.maxStreams) return;
      session.off('stream', counted);
      applied(() => session.settings({ initialWindowSize: DEFAULT_WINDOW_BYTES }));
    };
    session.on('stream', counted);
  }
}

/** Runs `change`; false if it threw. */
function applied(change: () => void): boolean {
  try {
    change();
    return true;
  } catch {
    return false;
  }
}
