/**
 * The two hot streams, Work and Produce, called on grpc-js directly rather than through nice-grpc
 * (as the broker serves them: `server/src/transport/stream-calls.ts`). nice-grpc hands a stream's
 * replies through an async generator over the readable stream and each client middleware (error
 * details, the bearer token) adds a generator layer of its own, and it copies every request's
 * bytes (`Buffer.from`). Here a reply is one `data` event and a request one `write`, with what
 * those middlewares did done once per call: the token goes in the call's metadata, and an error
 * becomes the {@link RichClientError} that nice-grpc-error-details would have made of it, so that
 * `toBrokerCallError` reads it as it reads every other call's.
 */
import { Metadata as GrpcMetadata, type Client, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { ClientError, Metadata } from 'nice-grpc';
import { BadRequest, ErrorInfo, RetryInfo, RichClientError, type ErrorDetails } from 'nice-grpc-error-details';
// Not re-exported by the package's index (its client middleware decodes the trailer with it).
import { Status as RpcStatus } from 'nice-grpc-error-details/lib/proto/google/rpc/status.js';

/** Replies read ahead of the reader before the stream stops reading (HTTP/2 flow control then holds the broker). */
const READ_AHEAD = 16;

/** A bidi method: its path and message codecs. */
export interface StreamMethod<Request, Reply> {
  path: string;
  encode(request: Request): Uint8Array;
  decode(bytes: Uint8Array): Reply;
}

/** What a stream call is made with. */
export interface StreamCallOptions {
  /** Cuts the call. */
  signal: AbortSignal;
  /** The bearer token, if the broker asks for one. */
  token?: string;
  /** Told the broker's response headers. */
  onHeader?: (header: Metadata) => void;
}

/**
 * Calls a bidi `method` on `client`: sends `requests` as they come, ending the client's side after
 * the last, and returns the replies. The replies end when the broker ends the stream, and throw the
 * call's error (a {@link ClientError}, a {@link RichClientError} when the broker sent details) if it
 * fails or is cut.
 */
export function callStream<Request, Reply>(
  client: Client,
  method: StreamMethod<Request, Reply>,
  requests: AsyncIterable<Request>,
  options: StreamCallOptions,
): AsyncIterable<Reply> {
  const metadata = new GrpcMetadata();
  if (options.token !== undefined) metadata.set('authorization', `Bearer ${options.token}`);
  const call = client.makeBidiStreamRequest<Request, Reply>(
    method.path,
    (request) => {
      const bytes = method.encode(request);
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    (bytes) => method.decode(bytes),
    metadata,
  );
  const { signal, onHeader } = options;
  if (onHeader) call.on('metadata', (header: GrpcMetadata) => onHeader(niceMetadataOf(header)));
  const cancel = (): void => call.cancel();
  if (signal.aborted) cancel();
  else signal.addEventListener('abort', cancel, { once: true });
  const replies = new IncomingReplies<Reply, Request>(call, method.path, () => signal.removeEventListener('abort', cancel));
  void sendAll(call, requests, replies);
  return replies;
}

/** Writes `requests` to the call as they come, waiting while it is full, then ends the client's side. */
async function sendAll<Request, Reply>(call: ClientDuplexStream<Request, Reply>, requests: AsyncIterable<Request>, replies: IncomingReplies<Reply, Request>): Promise<void> {
  try {
    for await (const request of requests) {
      if (replies.isOver) return;
      if (!call.write(request)) await new Promise<void>((resolve) => replies.onDrainOrEnd(resolve));
    }
    call.end();
  } catch {
    // The requests' source failed: the call cannot go on without them.
    call.cancel();
  }
}

/** The replies of one call as an async iterable, fed by its events (see the module comment). */
class IncomingReplies<T, Request = never> implements AsyncIterableIterator<T> {
  private readonly queued: T[] = [];
  private waiter: { resolve(result: IteratorResult<T>): void; reject(error: unknown): void } | undefined;
  private over = false;
  private failure: { error: unknown } | undefined;
  private paused = false;
  private readonly drainWaiters = new Set<() => void>();

  constructor(
    private readonly call: ClientDuplexStream<Request, T>,
    private readonly path: string,
    private readonly onOver: () => void,
  ) {
    call.on('data', (reply: T) => this.arrived(reply));
    call.on('drain', () => this.releaseDrainWaiters());
    // A failed call emits `error` at once, and `end` once the replies it had received are read
    // (a paused stream still holds some): the error is thrown after them, as nice-grpc does.
    call.on('error', (error: ServiceError) => (this.error ??= clientErrorOf(error, path)));
    call.on('end', () => this.finish(this.error));
  }

  /** The call's error, thrown once the replies before it are read. */
  private error: ClientError | undefined;

  /** True once the call has ended or failed. */
  get isOver(): boolean {
    return this.over;
  }

  /** Calls `resolve` when the call can take more requests, or has ended. */
  onDrainOrEnd(resolve: () => void): void {
    if (this.over) resolve();
    else this.drainWaiters.add(resolve);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.queued.length > 0) {
      const reply = this.queued.shift()!;
      if (this.paused && this.queued.length < READ_AHEAD / 2) {
        this.paused = false;
        this.call.resume();
      }
      return Promise.resolve({ value: reply, done: false });
    }
    if (this.failure) return Promise.reject(this.failure.error);
    if (this.over) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** The reader is gone: the call is cut. */
  async return(): Promise<IteratorResult<T>> {
    this.call.cancel();
    this.finish();
    return { value: undefined, done: true };
  }

  private arrived(reply: T): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter.resolve({ value: reply, done: false });
      return;
    }
    this.queued.push(reply);
    if (!this.paused && this.queued.length >= READ_AHEAD) {
      this.paused = true;
      this.call.pause();
    }
  }

  /** The call is over: with `error`, the replies queued are still read first, then it is thrown. */
  private finish(error?: unknown): void {
    if (this.over) return;
    this.over = true;
    if (error !== undefined) this.failure = { error };
    this.onOver();
    this.releaseDrainWaiters();
    const waiter = this.waiter;
    if (!waiter) return;
    this.waiter = undefined;
    if (error !== undefined) waiter.reject(error);
    else waiter.resolve({ value: undefined, done: true });
  }

  private releaseDrainWaiters(): void {
    for (const resolve of this.drainWaiters) resolve();
    this.drainWaiters.clear();
  }
}

/** The detail types the broker sends (see `errors.ts`), decoded as nice-grpc-error-details decodes them; others stay `Any`. */
const DETAIL_TYPES = [ErrorInfo, BadRequest, RetryInfo];

/** A grpc-js call error as nice-grpc's client (with its error-details middleware) throws it. */
function clientErrorOf(error: ServiceError, path: string): ClientError {
  const details = error.metadata?.get('grpc-status-details-bin')[0];
  if (details instanceof Buffer) {
    try {
      const extra = RpcStatus.decode(details).details.map((any): ErrorDetails => {
        const type = DETAIL_TYPES.find((candidate) => any.typeUrl.endsWith(`/${candidate.$type}`));
        return type ? type.decode(any.value) : any;
      });
      return new RichClientError(path, error.code, error.details, extra);
    } catch {
      // Undecodable details: the plain error still says what happened.
    }
  }
  return new ClientError(path, error.code, error.details);
}

/** grpc-js metadata as nice-grpc's. */
function niceMetadataOf(metadata: GrpcMetadata): Metadata {
  const nice = Metadata();
  for (const [key, value] of Object.entries(metadata.getMap())) {
    if (typeof value === 'string') nice.set(key, value);
  }
  return nice;
}
