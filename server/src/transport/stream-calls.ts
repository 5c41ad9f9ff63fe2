/**
 * The two hot streams, Work and Produce, served on grpc-js directly rather than through
 * nice-grpc. nice-grpc hands a bidi handler its requests through an async generator over the
 * readable stream, and takes its replies from another, each middleware adding a generator layer
 * of its own (error mapping, error details, strict decoding): four to five `yield*` hops and their
 * promises per message each way, and a copy of every reply's bytes (`Buffer.from`). Here a request
 * is one event and a reply one `write`, with the same rules as every other call:
 *
 * - the grpc-js interceptors still come first (token, call limit, reply flow control);
 * - requests are decoded by the same strict decoders (`request-decoding.ts`), and a request they
 *   refused fails the stream before the session sees it;
 * - errors end the stream with the status, message and rich details of the one error mapping
 *   (`error-mapping.ts`).
 */
import { Metadata, type ServerDuplexStream } from '@grpc/grpc-js';
import { problemOf } from './request-decoding.js';
import { statusObjectOf } from './error-mapping.js';
import type { StreamSession } from './outbox.js';

/** Requests read ahead of the session before the stream stops reading (HTTP/2 flow control then holds the client). */
const READ_AHEAD = 16;

/** A raw grpc-js bidi method: its path, handler and message codecs, for `Server.register`. */
export interface StreamMethod {
  path: string;
  handler: (call: ServerDuplexStream<unknown, unknown>) => void;
  serialize: (reply: unknown) => Buffer;
  deserialize: (bytes: Buffer) => unknown;
}

/**
 * Serves one stream with `session`: its requests go to {@link StreamSession.read} as they arrive,
 * its outbox is written to the client, and the session is closed however the stream ends.
 * `headers`, if given, are the stream's response headers, sent as it starts.
 */
export function serveStream<Request, Reply>(call: ServerDuplexStream<Request, Reply>, session: StreamSession<Request, Reply>, headers?: Record<string, string>): void {
  // Sent at once, not with the first message: a Work stream may carry none for as long as its
  // worker waits, and the client reads what the broker can do from them.
  if (headers) {
    const metadata = new Metadata();
    for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
    call.sendMetadata(metadata);
  }
  const requests = new IncomingRequests<Request>(call);
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    requests.stop();
    session.close();
  };
  call.on('cancelled', close);
  call.on('drain', () => session.outbox.drained());
  session.outbox.attach({
    write: (reply) => !closed && call.write(reply),
    end: (error) => {
      if (!closed) {
        if (error === undefined) call.end();
        else call.emit('error', statusObjectOf(error, call.getPath()));
      }
      close();
    },
  });
  void session.read(requests);
}

/**
 * The requests of one stream as an async iterable, fed by its `data` events: one promise per
 * request only when the session waits for it, and the stream paused while {@link READ_AHEAD}
 * requests wait for the session. A request the strict decoder refused ends it with that error.
 */
class IncomingRequests<T> implements AsyncIterableIterator<T> {
  private readonly queued: T[] = [];
  private waiter: { resolve(result: IteratorResult<T>): void; reject(error: unknown): void } | undefined;
  private done = false;
  private failure: { error: unknown } | undefined;
  private paused = false;

  constructor(private readonly call: ServerDuplexStream<T, unknown>) {
    call.on('data', (request: T) => this.arrived(request));
    call.on('end', () => this.finish());
    // A failed read (a message over the size limit, a broken connection) ends the requests; the
    // call's status is grpc-js's to send.
    call.on('error', () => this.finish());
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.queued.length > 0) {
      const request = this.queued.shift()!;
      if (this.paused && !this.done && this.queued.length < READ_AHEAD / 2) {
        this.paused = false;
        this.call.resume();
      }
      return Promise.resolve({ value: request, done: false });
    }
    if (this.failure) return Promise.reject(this.failure.error);
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** The reader is gone: no more requests are taken, nor read from the client. */
  stop(): void {
    this.queued.length = 0;
    this.finish();
  }

  async return(): Promise<IteratorResult<T>> {
    this.stop();
    return { value: undefined, done: true };
  }

  private arrived(request: T): void {
    if (this.done) return;
    const problem = problemOf(request);
    if (problem) {
      this.fail(problem);
      return;
    }
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter.resolve({ value: request, done: false });
      return;
    }
    this.queued.push(request);
    if (!this.paused && this.queued.length >= READ_AHEAD) {
      this.paused = true;
      this.call.pause();
    }
  }

  /** A request was refused: the ones before it are still read, then the error is thrown. */
  private fail(error: unknown): void {
    this.failure = { error };
    this.finish();
  }

  /**
   * No more requests come: the stream is paused for good (HTTP/2 flow control then holds a client
   * that goes on sending), and a waiting reader learns it.
   */
  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.paused = true;
    this.call.pause();
    const waiter = this.waiter;
    if (!waiter) return;
    this.waiter = undefined;
    if (this.failure) waiter.reject(this.failure.error);
    else waiter.resolve({ value: undefined, done: true });
  }
}

/** The shape of a ts-proto method, as far as its codecs go. */
interface TsProtoMethod {
  name: string;
  requestType: { decode(input: Uint8Array): unknown };
  responseType: { encode(message: never): { finish(): Uint8Array }; fromPartial(object: never): unknown };
}

/**
 * The grpc-js method of `definition.methods[key]`, served by `handler`: requests decoded by the
 * definition's decoder (the strict one: see `request-decoding.ts`), replies encoded by its encoder
 * (which passes an already encoded reply through: `encoded-replies.ts`), without a copy.
 */
export function streamMethod(
  definition: { fullName: string; methods: Record<string, TsProtoMethod> },
  key: string,
  handler: (call: ServerDuplexStream<never, never>) => void,
): StreamMethod {
  const method = definition.methods[key];
  if (!method) throw new Error(`${definition.fullName} has no method ${key}`);
  const { encode, fromPartial } = method.responseType as unknown as {
    encode(message: unknown): { finish(): Uint8Array };
    fromPartial(object: unknown): unknown;
  };
  return {
    path: `/${definition.fullName}/${method.name}`,
    handler: handler as StreamMethod['handler'],
    serialize: (reply) => {
      const bytes = encode(fromPartial(reply)).finish();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    deserialize: (bytes) => method.requestType.decode(bytes),
  };
}
