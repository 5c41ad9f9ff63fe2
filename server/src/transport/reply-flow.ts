/**
 * Flow control of replies across calls: a grpc-js server interceptor that holds back the replies of
 * a connection that does not read, by {@link UnsentReplies}. Per call, grpc-js already writes one
 * message at a time; this bounds the sum over calls and connections.
 *
 * Two gates, both waiting without a timer:
 * - a call's request reaches its handler only when its connection may start a reply: the reply is
 *   read from the store by the handler, and a reply held back afterwards would hold its memory
 *   just the same (a fresh copy of a 1 MiB task per WatchResult stream);
 * - each message is serialized and written only when its connection may be sent it; a WatchResult
 *   stream waiting here takes no further states, and the core keeps only the latest for it.
 * A message's bytes count until grpc-js reports them written to the socket, or the call ends.
 */
import { ServerInterceptingCall, type ServerInterceptor, type ServerInterceptingCallInterface } from '@grpc/grpc-js';
import type { CancelWait, UnsentReplies } from './unsent-replies.js';

/** The interceptor that gates replies by `unsent`. */
export function replyFlow(unsent: UnsentReplies): ServerInterceptor {
  return (method, call) => new FlowControlledCall(call, unsent, method.requestStream);
}

class FlowControlledCall extends ServerInterceptingCall {
  private readonly connection: string;
  private readonly waits = new Set<CancelWait>();
  /** What this call counts against the budget now: its admission, then its messages in flight. */
  private readonly releases = new Set<() => void>();
  private releaseAdmission: (() => void) | undefined;
  /** Whether the call's first message was let through; later ones wait behind it, then pass. */
  private admission: 'none' | 'waiting' | 'done' = 'none';
  private readonly queued: (() => void)[] = [];
  private ended = false;

  constructor(
    call: ServerInterceptingCallInterface,
    private readonly unsent: UnsentReplies,
    requestStream: boolean,
  ) {
    super(call, {
      start: (next) =>
        next({
          onReceiveMessage: (message, pass) => {
            // Only a call's first message waits to be let through: the later messages of a client
            // stream (a Work session's credit and outcomes) belong to a call already admitted, and
            // admitting each anew counted every one as a reply to come, until the stream's own
            // pushes waited for room that only its end would free.
            if (this.admission === 'done') return pass(message);
            // Later messages keep their order behind a first one still waiting.
            if (this.admission === 'waiting') return void this.queued.push(() => pass(message));
            this.admission = 'waiting';
            this.gate((proceed) =>
              this.unsent.admit(this.connection, (release) => {
                this.releaseAdmission = this.hold(release);
                this.admission = 'done';
                proceed();
                pass(message);
                for (const passQueued of this.queued.splice(0)) passQueued();
                // A client stream (a Work session) may stay silent for as long as its worker is
                // idle: counted as a reply to come all that time, 32 of them took the whole budget
                // and stalled every other call of their connection. Its handler has started; each
                // message it sends is gated on its own.
                if (requestStream) {
                  this.releaseAdmission?.();
                  this.releaseAdmission = undefined;
                }
              }),
            );
          },
          onCancel: () => this.end(),
        }),
    });
    const info = call.getConnectionInfo();
    this.connection = `${info.remoteAddress ?? '?'}:${info.remotePort ?? '?'}`;
  }

  override sendMessage(message: unknown, callback: () => void): void {
    // Replying: the call no longer counts as one let through, whatever its reply waits for.
    this.releaseAdmission?.();
    this.releaseAdmission = undefined;
    this.gate((proceed) =>
      this.unsent.send(this.connection, approximateBytes(message), (release) => {
        const held = this.hold(release);
        proceed();
        super.sendMessage(message, () => {
          held();
          callback();
        });
      }),
    );
  }

  /** Registers `release` to run when the call ends, unless run before; returns the run-once release. */
  private hold(release: () => void): () => void {
    const once = (): void => {
      this.releases.delete(once);
      release();
    };
    this.releases.add(once);
    return once;
  }

  /** Runs `wait`, keeping its cancel until it proceeds, so that the end of the call drops it. */
  private gate(wait: (proceed: () => void) => CancelWait): void {
    if (this.ended) return;
    let done = false;
    let cancel: CancelWait | undefined;
    cancel = wait(() => {
      done = true;
      if (cancel) this.waits.delete(cancel);
    });
    // Room at once: it has proceeded already and there is nothing to cancel.
    if (!done) this.waits.add(cancel);
  }

  /** Every end of the call: what it waited for is dropped, what it held no longer counts. */
  private end(): void {
    this.ended = true;
    for (const cancel of this.waits) cancel();
    this.waits.clear();
    for (const release of [...this.releases]) release();
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
