/**
 * The messages a stream has to send, from several producers at once (a Work session's pushed
 * tasks, answers and cancel requests), handed to the stream that writes them to the client
 * (`stream-calls.ts`). A message goes straight to the stream when it can take it; the outbox holds
 * only what the stream refused while its client reads slowly. Bounded: producers that can wait
 * ({@link Outbox.space}) do, while it is full.
 */

/** Where an outbox's messages go: the writable side of a stream. */
export interface OutboxSink<T> {
  /** Writes one message; false when the stream takes no more until it calls {@link Outbox.drained}. */
  write(item: T): boolean;
  /** The outbox has ended and everything in it was written: ends the stream, failing with `error` if given. */
  end(error?: unknown): void;
}

/** A queue of messages for one stream, ending with or without an error. */
export class Outbox<T> {
  private readonly items: T[] = [];
  private sink: OutboxSink<T> | undefined;
  /** The sink refused the last message: nothing more is written until it drains. */
  private blocked = false;
  private readonly spaceWaiters = new Set<() => void>();
  private ended = false;
  private sinkEnded = false;
  private failure: { error: unknown } | undefined;

  /** @param capacity - above this many waiting messages, {@link space} waits */
  constructor(private readonly capacity: number) {}

  /** Sends a message, or queues it while the stream cannot take it (never refused: callers that can wait call {@link space} first). */
  push(item: T): void {
    if (this.ended) return;
    if (this.sink && !this.blocked && this.items.length === 0) {
      this.blocked = !this.sink.write(item);
      return;
    }
    this.items.push(item);
  }

  /** Starts writing to `sink`: what was queued first, then each message as it is pushed. */
  attach(sink: OutboxSink<T>): void {
    this.sink = sink;
    this.flush();
  }

  /** The sink can take messages again (its stream drained). */
  drained(): void {
    this.blocked = false;
    this.flush();
  }

  /** True while `capacity` messages or more wait: {@link space} would wait. */
  get full(): boolean {
    return this.items.length >= this.capacity && !this.ended;
  }

  /** Resolves once fewer than `capacity` messages wait, or the outbox has ended. */
  async space(): Promise<void> {
    while (this.full) {
      await new Promise<void>((resolve) => this.spaceWaiters.add(resolve));
    }
  }

  /** No more messages: the stream ends after those queued, failing with `error` if one is given. */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (error !== undefined) this.failure = { error };
    this.releaseSpaceWaiters();
    this.flush();
  }

  /**
   * Ends the outbox at once, for a stream no one will read any more: returns the messages that
   * were never handed to the stream, so that the caller can undo what they carried.
   */
  discard(): T[] {
    const unsent = this.items.splice(0);
    this.end();
    return unsent;
  }

  /** True once {@link end} was called. */
  get isEnded(): boolean {
    return this.ended;
  }

  /** Writes what waits while the sink takes it, frees room for producers, and ends the sink after the last. */
  private flush(): void {
    const sink = this.sink;
    if (!sink) return;
    while (!this.blocked && this.items.length > 0) this.blocked = !sink.write(this.items.shift()!);
    if (this.items.length < this.capacity) this.releaseSpaceWaiters();
    if (this.ended && this.items.length === 0 && !this.sinkEnded) {
      this.sinkEnded = true;
      sink.end(this.failure?.error);
    }
  }

  private releaseSpaceWaiters(): void {
    if (this.spaceWaiters.size === 0) return;
    for (const resolve of this.spaceWaiters) resolve();
    this.spaceWaiters.clear();
  }
}

/** A stream's session: it reads the client's requests and fills its outbox until it ends. */
export interface StreamSession<Request, Reply> {
  /** What the stream sends, in order. */
  readonly outbox: Outbox<Reply>;
  /** Reads the requests to their end (never rejects: a failure ends the outbox). */
  read(requests: AsyncIterable<Request>): Promise<void>;
  /** The stream is over, however it ended: stop everything and undo what was never sent. */
  close(): void;
}
