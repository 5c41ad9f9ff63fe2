/**
 * The Produce stream: one producer's session. Each `enqueue` on it is the unary Enqueue (the same
 * {@link ProducerCalls.enqueue}: admission first, then validation, storage and the reply once
 * durable), answered with its `request_id` as soon as it is done, so answers may pass each other.
 * A refused request is answered with the code, message and retry hint the unary call would have
 * failed with, and the stream goes on. With `watch`, each stored task's later states follow on
 * the same stream (the core's watch, with its limits), until a final status or `stop_watching`.
 *
 * Memory stays bounded like the other streams': at most {@link MAX_REQUESTS_IN_FLIGHT} requests are
 * worked on at once and reading waits while the outbox is full (so HTTP/2 flow control holds a
 * client that sends faster than it reads), answers and states are written through the reply-flow
 * gate of every reply, and a watched task's states wait in the core, coalesced, while the client
 * does not read.
 */
import type { DeepPartial, EnqueueRequest, ProduceRequest, ProduceResponse } from '@qtasks/proto';
import type { Broker } from '../core/broker.js';
import { InvalidArgumentError, ShuttingDownError } from '../domain/errors.js';
import { isFinalStatus, type TaskRecord } from '../domain/task.js';
import type { EncodedReply } from './encoded-replies.js';
import { requestErrorOf } from './error-mapping.js';
import { Outbox, type StreamSession } from './outbox.js';
import type { ProducerCalls } from './producer-calls.js';
import { encodeProduceEnqueued, encodeProduceState } from './task-wire.js';

/** Messages queued for a client that reads slowly before the session stops reading its requests. */
const OUTBOX_CAPACITY = 64;
/** Requests being stored at once before reading waits (a unary client holds as many calls). */
const MAX_REQUESTS_IN_FLIGHT = 16;
/** Most task ids in one `stop_watching`, as many as one Enqueue may store. */
const MAX_STOP_WATCHING = 10_000;
/** The method, for the error mapping's log lines. */
const PATH = '/qtasks.broker.v1.BrokerService/Produce';

/** A message of the stream: answers and watched states come encoded (`encoded-replies.ts`). */
export type ProduceReply = DeepPartial<ProduceResponse> | EncodedReply;

/** A new Produce stream's session (see the module comment), served by `stream-calls.ts`. */
export function produceSession(broker: Broker, calls: ProducerCalls): StreamSession<ProduceRequest, ProduceReply> {
  return new ProduceSession(broker, calls);
}

/** The state of one Produce stream. */
class ProduceSession implements StreamSession<ProduceRequest, ProduceReply> {
  readonly outbox = new Outbox<ProduceReply>(OUTBOX_CAPACITY);
  private readonly inFlight = new Set<Promise<void>>();
  /** Open watches by task id (one task may be watched twice: two enqueues with one idempotency key). */
  private readonly watches = new Map<string, Set<AbortController>>();
  private readonly watching = new Set<Promise<void>>();
  /** Set when the broker shuts down or the stream fails: no further request is taken. */
  private stopped = false;
  private readonly onShutdown = (): void => void this.finish(new ShuttingDownError());

  constructor(
    private readonly broker: Broker,
    private readonly calls: ProducerCalls,
  ) {
    // A session waiting for its next request has nothing else that the shutdown would wake.
    broker.closingSignal.addEventListener('abort', this.onShutdown, { once: true });
  }

  /** Reads the producer's requests to their end, then ends the stream once all is answered. */
  async read(requests: AsyncIterable<ProduceRequest>): Promise<void> {
    try {
      for await (const request of requests) {
        if (this.stopped) break;
        this.take(request);
        while (this.inFlight.size >= MAX_REQUESTS_IN_FLIGHT) await Promise.race(this.inFlight);
        await this.outbox.space();
      }
      await this.finish();
    } catch (error) {
      await this.finish(error);
    }
  }

  /** The stream is over (ended, failed or cut): stops the watches; answers in flight go nowhere. */
  close(): void {
    this.stopped = true;
    this.outbox.discard();
    this.stopAllWatches();
    this.broker.closingSignal.removeEventListener('abort', this.onShutdown);
  }

  /**
   * Ends the stream once the requests in flight are answered: with `error` at once after them
   * (their watches stopped), or, when the client ended its side, after the watches end too.
   */
  private async finish(error?: unknown): Promise<void> {
    this.stopped = true;
    this.broker.closingSignal.removeEventListener('abort', this.onShutdown);
    await Promise.all(this.inFlight);
    if (error === undefined) await Promise.all(this.watching);
    this.stopAllWatches();
    this.outbox.end(error);
  }

  private take(request: ProduceRequest): void {
    const { requestId, kind } = request;
    switch (kind?.$case) {
      case 'enqueue':
        this.track(this.enqueue(requestId, kind.value, request.watch, request.watchFinalOnly));
        return;
      case 'stopWatching':
        if (kind.value.taskIds.length > MAX_STOP_WATCHING) {
          const error = new InvalidArgumentError('stop_watching.task_ids', `holds ${kind.value.taskIds.length} ids, over ${MAX_STOP_WATCHING}`);
          this.outbox.push({ requestId, kind: { $case: 'error', value: requestErrorOf(error, PATH) } });
          return;
        }
        for (const taskId of kind.value.taskIds) for (const stop of this.watches.get(taskId) ?? []) stop.abort();
        return;
      default:
        this.outbox.push({ requestId, kind: { $case: 'error', value: requestErrorOf(new InvalidArgumentError('kind', 'a request carries enqueue or stop_watching'), PATH) } });
    }
  }

  private track(answering: Promise<void>): void {
    this.inFlight.add(answering);
    void answering.finally(() => this.inFlight.delete(answering));
  }

  /** Stores one request's tasks as Enqueue does and answers it; never throws (a refusal is an answer). */
  private async enqueue(requestId: number, request: EnqueueRequest, watch: boolean, finalOnly: boolean): Promise<void> {
    let stored: TaskRecord[];
    try {
      stored = await this.calls.enqueue(request);
      this.outbox.push(encodeProduceEnqueued(requestId, stored));
    } catch (error) {
      this.outbox.push({ requestId, kind: { $case: 'error', value: requestErrorOf(error, PATH) } });
      return;
    }
    if (watch && !this.outbox.isEnded) for (const task of stored) this.watch(requestId, task, finalOnly);
  }

  /**
   * Pushes the states of `enqueued` after the one just answered, until a final one or a stop;
   * with `finalOnly`, the final one alone.
   */
  private watch(requestId: number, enqueued: TaskRecord, finalOnly: boolean): void {
    const stop = new AbortController();
    const taskId = enqueued.id;
    let stops = this.watches.get(taskId);
    if (!stops) this.watches.set(taskId, (stops = new Set()));
    stops.add(stop);
    const pushing = (async () => {
      try {
        for await (const task of this.broker.watch(taskId, stop.signal)) {
          // The watch begins with the current state, most often the one the answer carried.
          if (task.version === enqueued.version || (finalOnly && !isFinalStatus(task.status))) continue;
          // A client that does not read leaves the states waiting in the core, coalesced. Checked
          // first, so that a final state leaves in the turn of its commit, ahead of the worker's answer.
          if (this.outbox.full) await this.outbox.space();
          if (stop.signal.aborted) return;
          this.outbox.push(encodeProduceState(requestId, task));
        }
      } catch (error) {
        if (!stop.signal.aborted) this.outbox.push({ requestId, kind: { $case: 'watchError', value: { taskId, error: requestErrorOf(error, PATH) } } });
      } finally {
        stops.delete(stop);
        if (stops.size === 0) this.watches.delete(taskId);
      }
    })();
    this.watching.add(pushing);
    void pushing.finally(() => this.watching.delete(pushing));
  }

  private stopAllWatches(): void {
    for (const stops of this.watches.values()) for (const stop of stops) stop.abort();
  }
}
