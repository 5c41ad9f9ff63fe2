/**
 * Flow control of replies across calls: a grpc-js server interceptor that holds back the replies of
 * a connection that does not read, by {@link UnsentReplies}. Per call, grpc-js already writes one
 * message at a time; this bounds the sum over calls and connections.
 *
 * Two gates, both waiting without a timer:
 * - a call's request reaches its handler only when its connection may be sent a reply: the reply
 *   is read from the store by the handler, and a reply held back afterwards would hold its memory
 *   just the same (a fresh copy of a 1 MiB task per WatchResult stream);
 * - each message is serialized and written only when its connection may be sent it; a WatchResult
 *   stream waiting here takes no further states, and the core keeps only the latest for it.
 * A message's bytes count until grpc-js reports them written to the socket, or the call ends.
 */
import { ServerInterceptingCall, type ServerInterceptor, type ServerInterceptingCallInterface } from '@grpc/grpc-js';
import type { CancelWait, UnsentReplies } from './unsent-replies.js';

/** The interceptor that gates replies by `unsent`. */
export function replyFlow(unsent: UnsentReplies): ServerInterceptor {
  return (_method, call) => new FlowControlledCall(call, unsent);
}

class FlowControlledCall extends ServerInterceptingCall {
  private readonly connection: string;
  private readonly waits = new Set<CancelWait>();
  private readonly releases = new Set<() => void>();
  private ended = false;

  constructor(
    call: ServerInterceptingCallInterface,
    private readonly unsent: UnsentReplies,
  ) {
    super(call, {
      start: (next) =>
        next({
          onReceiveMessage: (message, pass) => this.whenRoom(() => pass(message)),
          onCancel: () => this.end(),
        }),
    });
    const info = call.getConnectionInfo();
    this.connection = `${info.remoteAddress ?? '?'}:${info.remotePort ?? '?'}`;
  }

  override sendMessage(message: unknown, callback: () => void): void {
    this.whenRoom(() => {
      const release = this.unsent.charge(this.connection, approximateBytes(message));
      this.releases.add(release);
      super.sendMessage(message, () => {
        this.releases.delete(release);
        release();
        callback();
      });
    });
  }

  private whenRoom(proceed: () => void): void {
    if (this.ended) return;
    let done = false;
    let cancel: CancelWait | undefined;
    cancel = this.unsent.whenRoom(this.connection, () => {
      done = true;
      if (cancel) this.waits.delete(cancel);
      proceed();
    });
    // Room at once: `proceed` has run already and there is nothing to cancel.
    if (!done) this.waits.add(cancel);
  }

  /** Every end of the call: what it waited for is dropped, what it wrote no longer counts. */
  private end(): void {
    this.ended = true;
    for (const cancel of this.waits) cancel();
    this.waits.clear();
    for (const release of this.releases) release();
    this.releases.clear();
  }
}

/**
 * The bytes a reply message takes on the wire, near enough for accounting: its byte and string
 * fields, which are all that can be large, without serializing it a second time.
 */
export function approximateBytes(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (value instanceof Uint8Array) return value.byteLength + 4;
  if (typeof value === 'string') return value.length + 4;
  if (typeof value !== 'object') return 8;
  if (value instanceof Date) return 12;
  let bytes = 4;
  if (Array.isArray(value)) for (const item of value) bytes += approximateBytes(item);
  else for (const key in value) bytes += approximateBytes((value as Record<string, unknown>)[key]);
  return bytes;
}
