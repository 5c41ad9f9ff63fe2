/**
 * The messages a stream has to send, from several producers at once (a Work session's pushed
 * tasks, answers and cancel requests), read by the one generator that writes them to the client.
 * Bounded: producers that can wait ({@link Outbox.space}) do, while the client reads slowly.
 */

/** A queue of messages for one stream, ending with or without an error. */
export class Outbox<T> {
  private readonly items: T[] = [];
  private wake: (() => void) | undefined;
  private readonly spaceWaiters = new Set<() => void>();
  private ended = false;
  private failure: { error: unknown } | undefined;

  /** @param capacity - above this many waiting messages, {@link space} waits */
  constructor(private readonly capacity: number) {}

  /** Queues a message (never refused: callers that can wait call {@link space} first). */
  push(item: T): void {
    if (this.ended) return;
    this.items.push(item);
    this.wake?.();
  }

  /** Resolves once fewer than `capacity` messages wait, or the outbox has ended. */
  async space(): Promise<void> {
    while (this.items.length >= this.capacity && !this.ended) {
      await new Promise<void>((resolve) => this.spaceWaiters.add(resolve));
    }
  }

  /** No more messages: the stream ends after those queued, failing with `error` if one is given. */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (error !== undefined) this.failure = { error };
    this.wake?.();
    this.releaseSpaceWaiters();
  }

  /**
   * Ends the outbox at once, for a stream no one will read any more: returns the messages that
   * were never sent, so that the caller can undo what they carried.
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

  /** The messages in order, as they come, until the end (then the error, if any, is thrown). */
  async *drain(): AsyncGenerator<T, void, undefined> {
    for (;;) {
      while (this.items.length > 0) {
        const item = this.items.shift()!;
        if (this.items.length < this.capacity) this.releaseSpaceWaiters();
        yield item;
      }
      if (this.ended) {
        if (this.failure) throw this.failure.error;
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  private releaseSpaceWaiters(): void {
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

/**
 * Serves a bidi stream with `session`: reads its requests in the background and sends its outbox,
 * closing the session however the stream ends (the client cut it: `signal` aborts).
 */
export async function* serveSession<Request, Reply>(
  session: StreamSession<Request, Reply>,
  requests: AsyncIterable<Request>,
  signal: AbortSignal,
): AsyncGenerator<Reply, void, undefined> {
  const onAbort = (): void => session.close();
  signal.addEventListener('abort', onAbort, { once: true });
  void session.read(requests);
  try {
    yield* session.outbox.drain();
  } finally {
    signal.removeEventListener('abort', onAbort);
    session.close();
  }
}
