/**
 * A stand-in broker in front of the real one, for the SDK's Produce paths that the real broker
 * never takes: a broker without Produce (UNIMPLEMENTED, as one older than the stream answers), and
 * a stream cut just before or just after its first answer. Its Produce stores each request with
 * the real broker's Enqueue (no states are pushed); Enqueue, GetTask and WatchResult pass through.
 */
import { BrokerServiceDefinition, type EnqueueRequest, type GetTaskRequest, type ProduceRequest, type WatchResultRequest } from '@qtasks/proto';
import { ServerError, Status, createServer, type CallContext, type ClientError } from 'nice-grpc';
import type { BrokerClient } from './broker-process.js';

/** What the proxy's Produce does. */
export interface ProxyOptions {
  /** Answer every Produce with UNIMPLEMENTED. */
  unimplemented?: boolean;
  /** How many of the first streams are cut (UNAVAILABLE) at their first request, and when. */
  cut?: { streams: number; when: 'before-answer' | 'after-answer' };
}

/** A running proxy and what it saw. */
export interface ProduceProxy {
  address: string;
  counts: { streams: number; openStreams: number; requests: number; unaryEnqueues: number };
  close(): Promise<void>;
}

/** Starts a proxy of `real` on a free loopback port. */
export async function startProduceProxy(real: BrokerClient, options: ProxyOptions = {}): Promise<ProduceProxy> {
  const counts = { streams: 0, openStreams: 0, requests: 0, unaryEnqueues: 0 };
  const unimplemented = Object.fromEntries(Object.keys(BrokerServiceDefinition.methods).map((m) => [m, () => Promise.reject(new ServerError(Status.UNIMPLEMENTED, m))]));
  const server = createServer();
  server.add(BrokerServiceDefinition, {
    ...unimplemented,
    enqueue: (request: EnqueueRequest) => (counts.unaryEnqueues++, real.enqueue(request)),
    getTask: (request: GetTaskRequest) => real.getTask(request),
    watchResult: (request: WatchResultRequest, context: CallContext) => real.watchResult(request, { signal: context.signal }),
    async *produce(requests: AsyncIterable<ProduceRequest>) {
      const cut = ++counts.streams <= (options.cut?.streams ?? 0) ? options.cut?.when : undefined;
      if (options.unimplemented) throw new ServerError(Status.UNIMPLEMENTED, 'no Produce on this broker');
      counts.openStreams++;
      try {
        for await (const { requestId, kind } of requests) {
          counts.requests++;
          if (kind?.$case !== 'enqueue') continue;
          const reply = await real.enqueue(kind.value).then(
            (value) => ({ requestId, kind: { $case: 'enqueued' as const, value } }),
            (error: ClientError) => ({ requestId, kind: { $case: 'error' as const, value: { code: error.code, message: error.details, retryAfterMs: 0 } } }),
          );
          if (cut === 'before-answer') throw new ServerError(Status.UNAVAILABLE, 'cut before the answer');
          yield reply;
          if (cut === 'after-answer') throw new ServerError(Status.UNAVAILABLE, 'cut after the answer');
        }
      } finally {
        counts.openStreams--;
      }
    },
  } as never);
  const port = await server.listen('127.0.0.1:0');
  return { address: `127.0.0.1:${port}`, counts, close: () => server.shutdown() };
}
