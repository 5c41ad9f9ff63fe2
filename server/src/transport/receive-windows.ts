/**
 * The HTTP/2 receive windows of the broker's connections: how much a client may send before the
 * broker has read it.
 *
 * Why larger than HTTP/2's 64 KiB: a producer's four batches of 1,000 tasks in flight (~300 KB
 * each, on one Produce stream) crossed in 64 KiB steps, each waiting for a WINDOW_UPDATE that a
 * broker busy with the batch before sent late: sent at once, they arrived 6–27 ms apart.
 *
 * Why a pool: what a client makes the broker hold unread (a Produce stream the broker stops
 * reading while its writes are refused for overload, say) is bounded by its connection's window.
 * At 64 KiB each, the 1,000 connections `--max-connections` allows hold at most 64 MiB; at 1 MiB
 * each, 1 GiB. So every connection starts at 64 KiB, and those that open while the pool has
 * room get up to {@link WIDE_WINDOW_BYTES}, the extra taken from a pool of
 * {@link WINDOW_POOL_BYTES} and given back when the connection closes: the bound grows by the
 * pool, not by the connections. A broker's usual clients (tens of connections) all get the wide
 * window.
 *
 * Each stream's own window is {@link WIDE_WINDOW_BYTES} for every connection (a setting of the
 * server, `grpc-node.flow_control_window` through our patch of grpc-js): a connection's window
 * caps what its streams hold together.
 */
import type { Http2Session } from 'node:http2';

/** HTTP/2's initial window (RFC 9113, 6.9.2): what every connection starts with. */
export const DEFAULT_WINDOW_BYTES = 65_535;

/** The receive window of a connection that got its extra from the pool, and of every stream. */
export const WIDE_WINDOW_BYTES = 1024 * 1024;

/** The extra window shared by the connections open at once (~34 wide ones). */
export const WINDOW_POOL_BYTES = 32 * 1024 * 1024;

/** Widens connections' receive windows while a shared pool lasts (see the file's comment). */
export class ReceiveWindows {
  private spare: number;

  constructor(poolBytes: number = WINDOW_POOL_BYTES) {
    this.spare = poolBytes;
  }

  /** Extra bytes the pool can still hand out. */
  get spareBytes(): number {
    return this.spare;
  }

  /**
   * Gives a new connection's session as wide a window as the pool allows, up to
   * {@link WIDE_WINDOW_BYTES}; its extra returns to the pool when the session closes.
   */
  widen(session: Http2Session): void {
    const extra = Math.min(WIDE_WINDOW_BYTES - DEFAULT_WINDOW_BYTES, this.spare);
    if (extra <= 0 || session.destroyed) return;
    session.setLocalWindowSize(DEFAULT_WINDOW_BYTES + extra);
    this.spare -= extra;
    session.once('close', () => {
      this.spare += extra;
    });
  }
}
