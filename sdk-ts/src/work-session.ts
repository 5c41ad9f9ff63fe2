/**
 * A worker's side of one Work stream: the requests it sends (start, then credit grants) and the
 * pushes it receives (tasks, cancel requests). Outcomes and heartbeats still go through the
 * connection's batchers; the stream carries what used to need a Lease round trip per batch.
 */
import type { DeepPartial, WorkRequest, WorkResponse, WorkStart } from '@qtasks/proto';

/** Opens the gRPC stream with the requests to send, cut when `signal` aborts; returns its replies. */
export type OpenWorkStream = (requests: AsyncIterable<DeepPartial<WorkRequest>>, signal: AbortSignal) => AsyncIterable<WorkResponse>;

/** The most credit the broker accepts granted and not yet used, on one stream. */
export const MAX_OUTSTANDING_CREDIT = 10_000;

/** One open Work stream. */
export class WorkSession {
  private readonly outgoing: DeepPartial<WorkRequest>[] = [];
  private wakeSender: (() => void) | undefined;
  private ended = false;
  private readonly cutter = new AbortController();
  /** What the broker pushes, until it ends the stream (after {@link end}) or the stream fails. */
  readonly pushes: AsyncIterable<WorkResponse>;

  /** Opens the stream with `start` and an initial `credit`. */
  constructor(open: OpenWorkStream, start: DeepPartial<WorkStart>, credit: number) {
    this.outgoing.push({ kind: { $case: 'start', value: start }, credit });
    this.pushes = open(this.requests(), this.cutter.signal);
  }

  /** Tells the broker the worker can take `credit` more tasks. */
  grant(credit: number): void {
    if (credit <= 0 || this.ended) return;
    this.outgoing.push({ credit });
    this.wakeSender?.();
  }

  /** Ends the worker's side: the broker answers what is in flight, then ends the stream. */
  end(): void {
    this.ended = true;
    this.wakeSender?.();
  }

  /** Cuts the stream at once (the broker gives back what it had not delivered). */
  cut(): void {
    this.end();
    this.cutter.abort();
  }

  private async *requests(): AsyncGenerator<DeepPartial<WorkRequest>> {
    for (;;) {
      while (this.outgoing.length > 0) yield this.outgoing.shift()!;
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wakeSender = resolve));
      this.wakeSender = undefined;
    }
  }
}
