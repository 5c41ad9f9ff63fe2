/** A Work stream driven step by step from a test: send a request, take the next reply. */
import type { DeepPartial, WorkRequest, WorkResponse } from '@qtasks/proto';
import type { BrokerClient } from './broker-process.js';

/** One open Work stream. */
export interface WorkStream {
  /** Sends a request on the stream. */
  send(request: DeepPartial<WorkRequest>): void;
  /** The next reply the broker sent; rejects with the stream's error if it failed. */
  next(): Promise<WorkResponse>;
  /** Ends the worker's side of the stream. */
  end(): void;
  /** Resolves when the broker ends the stream: `undefined`, or the error it ended with. */
  closed: Promise<unknown>;
}

/** Opens a Work stream on `client`. */
export function openWork(client: BrokerClient, options: { signal?: AbortSignal } = {}): WorkStream {
  const outgoing: DeepPartial<WorkRequest>[] = [];
  let wakeSender: (() => void) | undefined;
  let ended = false;
  async function* requests(): AsyncGenerator<DeepPartial<WorkRequest>> {
    for (;;) {
      while (outgoing.length > 0) yield outgoing.shift()!;
      if (ended) return;
      await new Promise<void>((resolve) => (wakeSender = resolve));
    }
  }
  const replies = client.work(requests(), options)[Symbol.asyncIterator]();
  const received: WorkResponse[] = [];
  const readers: { resolve(reply: WorkResponse): void; reject(error: unknown): void }[] = [];
  let failure: { error: unknown } | undefined;
  const closed = (async (): Promise<unknown> => {
    try {
      for (;;) {
        const { value, done } = await replies.next();
        if (done) {
          failure = { error: new Error('the Work stream ended') };
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
      const ready = received.shift();
      if (ready) return Promise.resolve(ready);
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
