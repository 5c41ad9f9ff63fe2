/**
 * Server-sent events on one HTTP response: the framing (`event:` and `data:` lines), the headers
 * that keep proxies and caches from holding events back, and backpressure: a write the client has
 * not taken yet makes the writer wait for `drain` rather than pile up replies in memory.
 */
import type { ServerResponse } from 'node:http';

/** One open event stream. */
export class EventStream {
  private closed = false;
  private readonly closedSignal = new AbortController();

  /** Starts the stream: sends the headers at once, so the client sees it open. */
  constructor(private readonly response: ServerResponse) {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // nginx and similar proxies buffer responses unless told not to.
      'x-accel-buffering': 'no',
    });
    response.flushHeaders();
    const onClose = (): void => {
      this.closed = true;
      this.closedSignal.abort();
    };
    response.once('close', onClose);
  }

  /** Aborted when the client goes away or {@link end} is called. */
  get signal(): AbortSignal {
    return this.closedSignal.signal;
  }

  /** True once the client has gone or the stream ended. */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Sends one event whose data is `data` as JSON; resolves once the client can take more (at
   * once, unless the socket's buffer is full). Sends nothing on a closed stream.
   */
  async send(event: string, data: unknown): Promise<void> {
    if (this.closed) return;
    // JSON.stringify never emits a raw newline, so the data is always one `data:` line.
    if (this.response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.response.off('drain', done);
        this.response.off('close', done);
        resolve();
      };
      this.response.on('drain', done);
      this.response.on('close', done);
    });
  }

  /** Ends the stream (the client sees its end and does not reconnect by itself). */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.response.end();
    this.closedSignal.abort();
  }
}
