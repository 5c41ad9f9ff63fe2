/** A bidi stream (Work, Produce) driven step by step from a test: send a request, take the next reply. */
import type { DeepPartial, ProduceRequest, ProduceResponse, WorkRequest, WorkResponse } from '@qtasks/proto';
import type { Metadata } from 'nice-grpc';
import type { BrokerClient } from './broker-process.js';

/** One open bidi stream. */
export interface BidiStream<Request, Reply> {
  /** Sends a request on the stream. */
  send(request: DeepPartial<Request>): void;
  /** The next reply the broker sent; rejects with the stream's error if it failed. */
  next(): Promise<Reply>;
  /** Ends the client's side of the stream. */
  end(): void;
  /** Resolves when the broker ends the stream: `undefined`, or the error it ended with. */
  closed: Promise<unknown>;
}

/** One open Work stream. */
export type WorkStream = BidiStream<WorkRequest, WorkResponse>;
/** One open Produce stream. */
export type ProduceStream = BidiStream<ProduceRequest, ProduceResponse>;

/** Opens a Work stream on `client` (`onHeader`: told the broker's response header). */
export function openWork(client: BrokerClient, options: { signal?: AbortSignal; onHeader?: (header: Metadata) => void } = {}): WorkStream {
  return openBidi((requests) => client.work(requests, options));
}

/** Opens a Produce stream on `client`. */
export function openProduce(client: BrokerClient, options: { signal?: AbortSignal } = {}): ProduceStream {
  return openBidi((requests) => client.produce(requests, options));
}

function openBidi<Request, Reply>(call: (requests: AsyncIterable<DeepPartial<Request>>) => AsyncIterable<Reply>): BidiStream<Request, Reply> {
  const outgoing: DeepPartial<Request>[] = [];
  let wakeSender: (() => void) | undefined;
  let ended = false;
  async function* requests(): AsyncGenerator<DeepPartial<Request>> {
    for (;;) {
      while (outgoing.length > 0) yield outgoing.shift()!;
      if (ended) return;
      await new Promise<void>((resolve) => (wakeSender = resolve));
    }
  }
  const replies = call(requests())[Symbol.asyncIterator]();
  const received: Reply[] = [];
  const readers: { resolve(reply: Reply): void; reject(error: unknown): void }[] = [];
  let failure: { error: unknown } | undefined;
  const closed = (async (): Promise<unknown> => {
    try {
      for (;;) {
        const { value, done } = await replies.next();
        if (done) {
          failure = { error: new Error('the stream ended') };
          for (const reader of readers.splice(0)) reader.reject(failure.error);
          return undefined;
        }
        const reader = readers.shift();
        if (reader) reader.resolve(value);
        else received.push(value);
      }
    } catch (error) {
      failure = { error };
      for (const reader of readers.splice(0)) reader.reject(error);
      return error;
    }
  })();
  return {
    send(request) {
      outgoing.push(request);
      wakeSender?.();
    },
    next() {
      if (received.length > 0) return Promise.resolve(received.shift()!);
      if (failure) return Promise.reject(failure.error);
      return new Promise((resolve, reject) => readers.push({ resolve, reject }));
    },
    end() {
      ended = true;
      wakeSender?.();
    },
    closed,
  };
}
