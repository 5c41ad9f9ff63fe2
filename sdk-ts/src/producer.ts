/**
 * Where the SDK's enqueues go: a Produce stream when the broker has one (a request on an open
 * stream costs a fraction of a unary call's set-up), the unary Enqueue otherwise.
 *
 * - The stream is opened on the first enqueue and again after it failed or closed itself for
 *   idleness; a broker that answers UNIMPLEMENTED (one older than the stream) gets unary calls
 *   from then on, the refused request included (nothing of it was read).
 * - A stream that breaks with requests unanswered leaves it unknown whether they were stored.
 *   Requests whose every task has an idempotency key are sent once more on a new stream (a
 *   stored task is then returned, not stored twice); the others fail with the stream's error,
 *   as a unary Enqueue cut in the middle does. An answered request is never sent again.
 */
import type { DeepPartial, Task as ProtoTask, TaskSpec } from '@qtasks/proto';
import { Status } from 'nice-grpc';
import { BrokerCallError } from './errors.js';
import { isStreamFailure, ProduceStream, type EnqueuedTask, type OpenProduceStream, type StatesWanted } from './produce-stream.js';

/** Sends one batch with the unary Enqueue. */
export type UnaryEnqueue = (tasks: DeepPartial<TaskSpec>[]) => Promise<ProtoTask[]>;

/** The SDK's producer side of one connection (see the module comment). */
export class Producer {
  private stream: ProduceStream | undefined;
  /** Set once the broker answered UNIMPLEMENTED: it has no Produce stream. */
  private unaryOnly = false;

  /**
   * @param open - opens a Produce stream
   * @param unary - the unary Enqueue, for brokers without the stream
   * @param timeoutMs - how long one request waits for its answer (the connection's call timeout)
   */
  constructor(
    private readonly open: OpenProduceStream,
    private readonly unary: UnaryEnqueue,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Stores `tasks` atomically; resolves once they are durable, with each task and, if `watch`,
   * the states it asks for when the stream carries them (a unary Enqueue does not: then the
   * task's `watch` is absent).
   */
  async enqueue(tasks: DeepPartial<TaskSpec>[], watch?: StatesWanted): Promise<EnqueuedTask[]> {
    for (let resent = false; ; resent = true) {
      if (this.unaryOnly) return (await this.unary(tasks)).map((task) => ({ task }));
      try {
        return await this.streamNow().enqueue(tasks, watch);
      } catch (error) {
        if (!isStreamFailure(error)) throw error;
        if (error.code === Status.UNIMPLEMENTED) {
          this.unaryOnly = true;
          continue;
        }
        // Named as the call the caller made, like every other failure of an enqueue.
        if (resent || !tasks.every((task) => task.idempotencyKey)) {
          const { reason, field, retryAfterMs } = error;
          throw new BrokerCallError(error.code, error.details, 'Enqueue', { cause: error, reason, field, retryAfterMs });
        }
      }
    }
  }

  /** Cuts the stream (the connection is closing): its watches fail with `reason`. */
  close(reason: BrokerCallError): void {
    this.stream?.cut(reason);
    this.stream = undefined;
  }

  private streamNow(): ProduceStream {
    if (!this.stream?.accepting) this.stream = new ProduceStream(this.open, this.timeoutMs);
    return this.stream;
  }
}
