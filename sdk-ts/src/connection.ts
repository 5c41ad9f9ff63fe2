/**
 * The SDK's one connection to the broker: a gRPC channel, and coalescing batchers for the calls
 * that are made many at a time (Enqueue, Complete, ReportProgress). Enqueue batches travel as
 * requests on one Produce stream where the broker has it (see `producer.ts`). Every error leaves
 * here as a {@link BrokerCallError}.
 */
import { setMaxListeners } from 'node:events';
import {
  BrokerServiceDefinition,
  type Completion,
  type CompletionResult,
  type DeepPartial,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type LeaseRequest,
  type LeaseResponse,
  type ProgressItem,
  type ProgressResult,
  type Task as ProtoTask,
  type TaskSpec,
  ProduceRequest,
  type ProduceResponse,
  WorkRequest,
  type WorkResponse,
  type WorkStart,
  WORK_FEATURES_HEADER,
} from '@qtasks/proto';
import { Status, createChannel, createClientFactory, type Channel, type Client, type Metadata } from 'nice-grpc';
import { errorDetailsClientMiddleware } from 'nice-grpc-error-details';
import { Batcher } from './batcher.js';
import { channelTarget } from './broker-addresses.js';
import { linkedSignal } from './backoff.js';
import { BrokerCallError, toBrokerCallError } from './errors.js';
import { bearerTokenMiddleware, type ConnectionSecurity } from './security.js';
import { WorkSession } from './work-session.js';
import { Producer } from './producer.js';
import type { EnqueuedTask } from './produce-stream.js';
import { decodeProduceResponse, decodeWorkResponse } from './task-decoding.js';
import { encodeProduceRequest, encodeWorkRequest } from './request-encoding.js';
import { callStream, type StreamMethod } from './stream-calls.js';
import { Client as GrpcClient, credentials } from '@grpc/grpc-js';

/** The gRPC path of one of the broker's methods. */
function methodPath(method: { name: string }): string {
  return `/${BrokerServiceDefinition.fullName}/${method.name}`;
}

/**
 * The Work stream, called on grpc-js directly (`stream-calls.ts`), its outcomes encoded and its pushes
 * decoded by hand (`request-encoding.ts`, `task-decoding.ts`).
 */
const WORK_METHOD: StreamMethod<DeepPartial<WorkRequest>, WorkResponse> = {
  path: methodPath(BrokerServiceDefinition.methods.work),
  encode: encodeWorkRequest,
  decode: decodeWorkResponse,
};

/** The Produce stream, as {@link WORK_METHOD}. */
const PRODUCE_METHOD: StreamMethod<DeepPartial<ProduceRequest>, ProduceResponse> = {
  path: methodPath(BrokerServiceDefinition.methods.produce),
  encode: encodeProduceRequest,
  decode: decodeProduceResponse,
};



/**
 * Most RPCs one batcher keeps in flight. Under a sustained stream of calls, later items wait for
 * one to finish and travel together, in fuller batches ("group commit"). Four batches of the
 * default 1000 tasks also stay under the broker's default limit of 5000 task writes in flight,
 * above which it refuses Enqueues: 20,000 concurrent `addTask`s no longer draw overload refusals
 * and their backoff waits.
 */
const MAX_IN_FLIGHT = 4;

/**
 * The HTTP/2 receive window this connection offers the broker, per stream and for the connection:
 * what the broker may send before the SDK has read it. grpc-js keeps HTTP/2's 64 KiB, and a Work
 * stream's pushes to a worker that holds hundreds of tasks in hand run past it, so the broker
 * stopped each time for the SDK's WINDOW_UPDATE, and the two sides took turns (a drain at 50 went
 * from 47.6k to 52.8–53.4k tasks/s with 1 MiB, measured in alternation with `bench/cpu-split.mjs`).
 * Go's and Python's gRPC size their windows from the measured bandwidth-delay product instead.
 */
const RECEIVE_WINDOW_BYTES = 1024 * 1024;

/** A gRPC connection to a broker. */
export class BrokerConnection {
  private readonly channel: Channel;
  private readonly client: Client<typeof BrokerServiceDefinition>;
  /** The same channel as grpc-js sees it, for the two streams called on it directly (`stream-calls.ts`). */
  private readonly streamClient: GrpcClient;
  private readonly token: string | undefined;
  /** Aborted by close(): ends the watches still open. */
  private readonly closing = new AbortController();
  /** Coalesces concurrent enqueues. */
  readonly enqueues: Batcher<DeepPartial<TaskSpec>, ProtoTask>;
  /** Coalesces concurrent enqueues whose callers wait for the result (`addTask(…, { timeout })`): pushed final states. */
  readonly watchedEnqueues: Batcher<DeepPartial<TaskSpec>, EnqueuedTask>;
  /** As {@link watchedEnqueues}, for callers that wait for a status before the end too: pushed every state. */
  readonly everyStateEnqueues: Batcher<DeepPartial<TaskSpec>, EnqueuedTask>;
  /** Where enqueues go: a Produce stream, or the unary Enqueue on a broker without one. */
  private readonly producer: Producer;
  /** Coalesces concurrent completions. */
  readonly completions: Batcher<DeepPartial<Completion>, CompletionResult>;
  /** Coalesces concurrent progress reports. */
  readonly progress: Batcher<DeepPartial<ProgressItem>, ProgressResult>;

  /**
   * @param addresses - `HOST:PORT` of the broker, or of several sharing one store, in the order
   *   they are tried (see `broker-addresses.ts`)
   * @param batchSize - most items in one batched RPC
   * @param callTimeoutMs - how long one call may take beyond any wait it asks for. Without a
   *   deadline, a call to a broker that froze (or a network that drops packets) hangs until TCP
   *   gives up, and with it the worker's heartbeats, outcomes and stop(). A call that runs out
   *   fails as a transient DEADLINE_EXCEEDED.
   * @param security - the bearer token and TLS credentials; plaintext without a token by default
   */
  constructor(
    readonly addresses: readonly string[],
    private readonly batchSize: number,
    private readonly callTimeoutMs: number,
    security: ConnectionSecurity = {},
  ) {
    // grpc-js backs reconnects off up to 120 s by default, so a worker could sit idle for minutes
    // after a broker outage; keep the channel's reconnects on the SDK's own Backoff (100 ms to 5 s).
    const target = channelTarget(addresses);
    this.channel = createChannel(target, security.credentials, {
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 5000,
      'grpc-node.flow_control_window': RECEIVE_WINDOW_BYTES,
    });
    // Decodes the broker's `grpc-status-details-bin` into RichClientErrors, so that errors leave
    // with the reason, field and retry delay the broker gave (see toBrokerCallError).
    const details = createClientFactory().use(errorDetailsClientMiddleware);
    const factory = security.token === undefined ? details : details.use(bearerTokenMiddleware(security.token));
    this.client = factory.create(BrokerServiceDefinition, this.channel);
    this.streamClient = new GrpcClient(target, security.credentials ?? credentials.createInsecure(), { channelOverride: this.channel });
    this.token = security.token;
    // Every open watch listens to `closing`: no warning past Node's default of 10 listeners.
    setMaxListeners(0, this.closing.signal);
    this.producer = new Producer(
      (requests, signal) =>
        this.stream('Produce', (linked) => callStream(this.streamClient, PRODUCE_METHOD, requests, { signal: linked, ...this.tokenOption() }), signal),
      async (tasks) => (await this.call('Enqueue', (signal, onTrailer) => this.client.enqueue({ tasks }, { signal, onTrailer }))).tasks,
      callTimeoutMs,
    );
    const enqueueBatcher = <O>(send: (tasks: DeepPartial<TaskSpec>[]) => Promise<O[]>): Batcher<DeepPartial<TaskSpec>, O> =>
      new Batcher({
        maxBatch: batchSize,
        maxInFlight: MAX_IN_FLIGHT,
        send,
        failedItemIndex: (error) => itemIndexOf(error, 'tasks'),
        // An overloaded broker refuses an Enqueue before storing any of it: resending is safe.
        retryDelayMs: overloadRetryDelayMs,
        maxRetries: MAX_OVERLOAD_RESENDS,
      });
    this.enqueues = enqueueBatcher(async (tasks) => (await this.producer.enqueue(tasks)).map(({ task }) => task));
    this.watchedEnqueues = enqueueBatcher((tasks) => this.producer.enqueue(tasks, 'final'));
    this.everyStateEnqueues = enqueueBatcher((tasks) => this.producer.enqueue(tasks, 'all'));
    this.completions = new Batcher({
      maxBatch: batchSize,
      maxInFlight: MAX_IN_FLIGHT,
      // The worker acts on `accepted` and `reason` only: the tasks would be encoded and decoded for nothing.
      send: async (completions) => (await this.call('Complete', (signal) => this.client.complete({ completions, omitTasks: true }, { signal }))).results,
      failedItemIndex: (error) => itemIndexOf(error, 'completions'),
    });
    this.progress = new Batcher({
      maxBatch: batchSize,
      maxInFlight: MAX_IN_FLIGHT,
      send: async (items) => (await this.call('ReportProgress', (signal) => this.client.reportProgress({ items }, { signal }))).results,
      failedItemIndex: (error) => itemIndexOf(error, 'items'),
    });
  }

  /** Leases tasks (a long poll); `signal` ends the wait early. */
  lease(request: DeepPartial<LeaseRequest>, signal?: AbortSignal): Promise<LeaseResponse> {
    return this.call('Lease', (callSignal) => this.client.lease(request, { signal: callSignal }), (request.waitMs ?? 0) + this.callTimeoutMs, signal);
  }

  /**
   * Opens a Work stream (see `work-session.ts`) with `start` and an initial `credit`. It has no
   * deadline: it lives as long as the worker, until the session or close() cuts it.
   * `nothingRunning` tells whether the worker runs no task now (its lone outcomes leave sooner).
   */
  work(start: DeepPartial<WorkStart>, credit: number, nothingRunning?: () => boolean): WorkSession {
    return new WorkSession((requests, signal, onFeatures) => this.workStream(requests, signal, onFeatures), start, credit, this.batchSize, this.callTimeoutMs, nothingRunning);
  }

  private workStream(
    requests: AsyncIterable<DeepPartial<WorkRequest>>,
    signal: AbortSignal,
    onFeatures: (features: readonly string[]) => void,
  ): AsyncIterable<WorkResponse> {
    const onHeader = (header: Metadata): void => onFeatures(header.get(WORK_FEATURES_HEADER)?.split(',') ?? []);
    return this.stream('Work', (linked) => callStream(this.streamClient, WORK_METHOD, requests, { signal: linked, onHeader, ...this.tokenOption() }), signal);
  }

  /** The bearer token of the stream calls, when there is one. */
  private tokenOption(): { token?: string } {
    return this.token === undefined ? {} : { token: this.token };
  }

  /** A stream call cut by `signal` or close(); its errors leave as BrokerCallError. */
  private async *stream<T>(method: string, open: (signal: AbortSignal) => AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
    const linked = linkedSignal(signal, this.closing.signal);
    try {
      yield* open(linked.signal);
    } catch (error) {
      throw toBrokerCallError(error, method);
    } finally {
      linked.dispose();
    }
  }

  /** Extends leases and reads cancel requests. */
  heartbeat(request: DeepPartial<HeartbeatRequest>): Promise<HeartbeatResponse> {
    return this.call('Heartbeat', (signal) => this.client.heartbeat(request, { signal }));
  }

  /** One task, or `undefined` if the broker does not know it. */
  async getTask(taskId: string): Promise<ProtoTask | undefined> {
    try {
      return (await this.call('GetTask', (signal) => this.client.getTask({ taskId }, { signal }))).task;
    } catch (error) {
      if ((error as { code?: Status }).code === Status.NOT_FOUND) return undefined;
      throw error;
    }
  }

  /** Cancels a task. */
  async cancelTask(taskId: string, reason: string): Promise<ProtoTask> {
    return (await this.call('CancelTask', (signal) => this.client.cancelTask({ taskId, reason }, { signal }))).task!;
  }

  /** Puts an `error` or `cancel` task back to ready (RetryTask). */
  async retryTask(taskId: string): Promise<ProtoTask> {
    return (await this.call('RetryTask', (signal) => this.client.retryTask({ taskId }, { signal }))).task!;
  }

  /**
   * One unary call of `method` on the broker's client, with the deadline and error mapping of
   * every call here (its errors leave as BrokerCallError). For the queue verbs of `queues.ts`.
   */
  unary<T>(method: string, run: (client: Client<typeof BrokerServiceDefinition>, signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.call(method, (signal) => run(this.client, signal));
  }

  /** The task's states: the current one, then each transition, until a final status or `signal` aborts. */
  async *watch(taskId: string, signal: AbortSignal): AsyncGenerator<ProtoTask> {
    const linked = linkedSignal(signal, this.closing.signal);
    try {
      for await (const { task } of this.client.watchResult({ taskId }, { signal: linked.signal })) {
        if (task) yield task;
      }
    } catch (error) {
      throw toBrokerCallError(error, 'WatchResult');
    } finally {
      linked.dispose();
    }
  }

  /**
   * Sends what the batchers hold (calls already made are not lost), ends open watches (their
   * waits fail), then closes the channel.
   */
  async close(): Promise<void> {
    await Promise.all([this.enqueues.drained(), this.watchedEnqueues.drained(), this.completions.drained(), this.progress.drained()]);
    const closed = new BrokerCallError(Status.CANCELLED, 'the connection was closed', 'close');
    this.producer.close(closed);
    this.closing.abort(closed);
    this.channel.close();
  }

  /**
   * Runs one call with a deadline; errors leave as BrokerCallError (a caller's abort as is). A call
   * that hands `onTrailer` to nice-grpc gets the broker's retry hint into the error.
   */
  private async call<T>(
    method: string,
    run: (signal: AbortSignal, onTrailer: (trailer: Metadata) => void) => Promise<T>,
    timeoutMs = this.callTimeoutMs,
    callerSignal?: AbortSignal,
  ): Promise<T> {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    const linked = linkedSignal(callerSignal, deadline.signal);
    let trailer: Metadata | undefined;
    try {
      return await run(linked.signal, (received) => (trailer = received));
    } catch (error) {
      if (deadline.signal.aborted && !callerSignal?.aborted) {
        throw new BrokerCallError(Status.DEADLINE_EXCEEDED, `no answer within ${timeoutMs} ms`, method, { cause: error });
      }
      throw toBrokerCallError(error, method, trailer);
    } finally {
      clearTimeout(timer);
      linked.dispose();
    }
  }
}

/** Most times one Enqueue batch is sent again after an overloaded broker refused it. */
export const MAX_OVERLOAD_RESENDS = 10;
/** Longest wait before one resend. */
const MAX_OVERLOAD_WAIT_MS = 5000;

/**
 * The wait before sending again a batch that an overloaded broker refused (RESOURCE_EXHAUSTED
 * with a retry delay, nothing stored): the delay, doubled with each further refusal of
 * the same batch (at most 5 s), plus up to half again at random, so that producers refused
 * together do not all come back at the same moment. `undefined` for every other error, which
 * fails the callers as before.
 *
 * @param retry - how many times the batch was sent again already
 */
export function overloadRetryDelayMs(error: unknown, retry: number): number | undefined {
  if (!(error instanceof BrokerCallError) || error.code !== Status.RESOURCE_EXHAUSTED || error.retryAfterMs === undefined) return undefined;
  const waitMs = Math.min(MAX_OVERLOAD_WAIT_MS, Math.max(1, error.retryAfterMs) * 2 ** retry);
  return Math.round(waitMs * (1 + Math.random() / 2));
}

/** For a refusal about the field `tasks[3].name`, the 3 (`list` being `tasks`). */
function itemIndexOf(error: unknown, list: string): number | undefined {
  // The broker's refusal, from a unary call or a stream's answer alike.
  if (!(error instanceof BrokerCallError) || error.field === undefined) return undefined;
  // ALREADY_EXISTS too: an idempotency key reused for another task is that one call's fault, not
  // the fault of the other calls that share its Enqueue.
  if (error.code !== Status.INVALID_ARGUMENT && error.code !== Status.RESOURCE_EXHAUSTED && error.code !== Status.ALREADY_EXISTS) return undefined;
  const match = new RegExp(`^${list}\\[(\\d+)\\]`).exec(error.field);
  return match ? Number(match[1]) : undefined;
}
