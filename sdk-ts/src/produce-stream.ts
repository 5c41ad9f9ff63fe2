/**
 * A producer's side of one Produce stream: each enqueue is one request with a number of its own,
 * answered by the message that carries that number, in whatever order answers come. A refused
 * request rejects its caller with the same {@link BrokerCallError} the unary Enqueue would have
 * (method `Enqueue`, its code, message and retry hint); the stream goes on. A request sent with
 * `watch` resolves to each task's {@link WatchedStates}, fed by the states the broker pushes: the
 * final one alone, or every one.
 *
 * When the stream fails (the broker went away, or no answer came within the call timeout), every
 * request still unanswered and every watch fail with a BrokerCallError of method `Produce` (see
 * {@link isStreamFailure}), and the stream takes no more requests. After a while with nothing to
 * answer or watch, it ends its side, so that an idle process is not kept alive by an open call.
 */
import type { DeepPartial, ProduceRequest, ProduceResponse, Task as ProtoTask, TaskSpec } from '@qtasks/proto';
import { Status } from 'nice-grpc';
import { BrokerCallError, fieldInMessage, toBrokerCallError } from './errors.js';
import { WatchedStates } from './watched-states.js';

/** Opens the gRPC stream with the requests to send, cut when `signal` aborts; returns its replies. */
export type OpenProduceStream = (requests: AsyncIterable<DeepPartial<ProduceRequest>>, signal: AbortSignal) => AsyncIterable<ProduceResponse>;

/** Which states of its tasks an enqueue is pushed: the final one alone (`watch_final_only`), or every one. */
export type StatesWanted = 'final' | 'all';

/** One task as an enqueue answered it, and its states when it was sent with `watch`. */
export interface EnqueuedTask {
  /** The task as stored (status `new`, or the task an idempotency key already named). */
  task: ProtoTask;
  /** Its states to come, for an enqueue sent with `watch` on a stream. */
  watch?: WatchedStates;
}

/** How long a stream with nothing to answer or watch stays open. */
const IDLE_CLOSE_MS = 1000;
/** Request ids are uint32; 0 is what the broker pushes on its own in other streams, so it is skipped. */
const MAX_REQUEST_ID = 0xffff_ffff;
/** The method named by a stream's own failures (a refused request names `Enqueue`). */
const STREAM_METHOD = 'Produce';

/** True for an error that says the stream failed, not that the broker refused a request. */
export function isStreamFailure(error: unknown): error is BrokerCallError {
  return error instanceof BrokerCallError && error.method === STREAM_METHOD;
}

interface Pending {
  watch: boolean;
  resolve(tasks: EnqueuedTask[]): void;
  reject(error: unknown): void;
}

/** One open Produce stream (see the module comment). */
export class ProduceStream {
  private lastRequestId = 0;
  private readonly pending = new Map<number, Pending>();
  /** Open watches by `requestId/taskId`, and how many of them each task id has. */
  private readonly watches = new Map<string, WatchedStates>();
  private readonly watchesOfTask = new Map<string, number>();
  private readonly outgoing: DeepPartial<ProduceRequest>[] = [];
  private wakeSender: (() => void) | undefined;
  private readonly cutter = new AbortController();
  private failure: BrokerCallError | undefined;
  private ending = false;
  /** When the oldest unanswered request must be answered by (one timer for all, re-aimed). */
  private deadlineTimer: NodeJS.Timeout | undefined;
  private readonly deadlines = new Map<number, number>();
  private idleTimer: NodeJS.Timeout | undefined;
  private lastActivityMs = 0;

  /**
   * @param open - opens the gRPC call
   * @param timeoutMs - how long a request may wait for its answer before the stream counts as dead
   */
  constructor(
    open: OpenProduceStream,
    private readonly timeoutMs: number,
  ) {
    void this.read(open(this.requests(), this.cutter.signal));
  }

  /** False once the stream failed or ended its side: open another one for new requests. */
  get accepting(): boolean {
    return this.failure === undefined && !this.ending;
  }

  /** Sends one enqueue; resolves to its tasks once they are durable, with the states `watch` asks for. */
  enqueue(tasks: DeepPartial<TaskSpec>[], watch?: StatesWanted): Promise<EnqueuedTask[]> {
    if (!this.accepting) return Promise.reject(this.failure ?? new BrokerCallError(Status.UNAVAILABLE, 'the stream was closed', STREAM_METHOD));
    this.lastRequestId = this.lastRequestId >= MAX_REQUEST_ID ? 1 : this.lastRequestId + 1;
    const requestId = this.lastRequestId;
    return new Promise<EnqueuedTask[]>((resolve, reject) => {
      this.pending.set(requestId, { watch: watch !== undefined, resolve, reject });
      this.deadlines.set(requestId, performance.now() + this.timeoutMs);
      if (!this.deadlineTimer) this.armDeadline(this.timeoutMs);
      this.send({ requestId, kind: { $case: 'enqueue', value: { tasks } }, watch: watch !== undefined, watchFinalOnly: watch === 'final' });
    });
  }

  /** Cuts the stream at once: what is unanswered or watched fails (the broker stops watching). */
  cut(error = new BrokerCallError(Status.CANCELLED, 'the stream was closed', STREAM_METHOD)): void {
    this.fail(error);
  }

  private send(request: DeepPartial<ProduceRequest>): void {
    this.lastActivityMs = performance.now();
    this.outgoing.push(request);
    this.wakeSender?.();
  }

  private async *requests(): AsyncGenerator<DeepPartial<ProduceRequest>> {
    for (;;) {
      while (this.outgoing.length > 0) yield this.outgoing.shift()!;
      if (this.ending || this.failure) return;
      await new Promise<void>((resolve) => (this.wakeSender = resolve));
      this.wakeSender = undefined;
    }
  }

  private async read(replies: AsyncIterable<ProduceResponse>): Promise<void> {
    try {
      for await (const reply of replies) this.dispatch(reply);
      this.fail(new BrokerCallError(Status.UNAVAILABLE, 'the broker ended the stream', STREAM_METHOD));
    } catch (error) {
      const failure = toBrokerCallError(error, STREAM_METHOD);
      this.fail(failure instanceof BrokerCallError ? failure : new BrokerCallError(Status.CANCELLED, String(error), STREAM_METHOD, { cause: error }));
    }
  }

  private dispatch(reply: ProduceResponse): void {
    const { requestId, kind } = reply;
    switch (kind?.$case) {
      case 'enqueued': {
        const request = this.answered(requestId);
        request?.resolve(kind.value.tasks.map((task) => ({ task, ...(request.watch ? { watch: this.watch(requestId, task) } : {}) })));
        this.idleCheck();
        break;
      }
      case 'error': {
        // A RequestError has no rich details: its field is the path its message starts with.
        const { code, message, retryAfterMs } = kind.value;
        const hint = code === Status.RESOURCE_EXHAUSTED && retryAfterMs > 0 ? { retryAfterMs } : {};
        this.answered(requestId)?.reject(new BrokerCallError(code, message, 'Enqueue', { ...hint, field: fieldInMessage(code, message) }));
        this.idleCheck();
        break;
      }
      case 'state':
        this.watches.get(`${requestId}/${kind.value.id}`)?.push(kind.value);
        this.forgetOver(requestId, kind.value.id);
        break;
      case 'watchError': {
        const { taskId, error } = kind.value;
        this.watches.get(`${requestId}/${taskId}`)?.fail(new BrokerCallError(error?.code ?? Status.UNKNOWN, error?.message ?? '', 'WatchResult'));
        this.forgetOver(requestId, taskId);
        break;
      }
    }
  }

  private answered(requestId: number): Pending | undefined {
    const request = this.pending.get(requestId);
    this.pending.delete(requestId);
    this.deadlines.delete(requestId);
    return request;
  }

  private watch(requestId: number, task: ProtoTask): WatchedStates {
    const key = `${requestId}/${task.id}`;
    const states = new WatchedStates(task, () => this.leave(requestId, task.id));
    if (!states.isOver) {
      this.watches.set(key, states);
      this.watchesOfTask.set(task.id, (this.watchesOfTask.get(task.id) ?? 0) + 1);
    }
    return states;
  }

  /** A consumer left before the end: the broker stops pushing once no watch of the task is left. */
  private leave(requestId: number, taskId: string): void {
    if (!this.watches.delete(`${requestId}/${taskId}`)) return;
    if (this.uncount(taskId) === 0 && this.accepting) this.send({ kind: { $case: 'stopWatching', value: { taskIds: [taskId] } } });
    this.idleCheck();
  }

  /** Drops a watch that has seen its last state. */
  private forgetOver(requestId: number, taskId: string): void {
    const key = `${requestId}/${taskId}`;
    if (!this.watches.get(key)?.isOver) return;
    this.watches.delete(key);
    this.uncount(taskId);
    this.idleCheck();
  }

  private uncount(taskId: string): number {
    const left = (this.watchesOfTask.get(taskId) ?? 1) - 1;
    if (left === 0) this.watchesOfTask.delete(taskId);
    else this.watchesOfTask.set(taskId, left);
    return left;
  }

  /** Fails the stream if its oldest request is past its deadline, else waits for that deadline. */
  private checkDeadlines(): void {
    this.deadlineTimer = undefined;
    const oldest = this.deadlines.values().next().value;
    if (oldest === undefined) return this.idleCheck();
    const leftMs = oldest - performance.now();
    if (leftMs <= 0) return this.fail(new BrokerCallError(Status.DEADLINE_EXCEEDED, `no answer within ${this.timeoutMs} ms`, STREAM_METHOD));
    this.armDeadline(leftMs);
  }

  private armDeadline(ms: number): void {
    this.deadlineTimer = setTimeout(() => this.checkDeadlines(), ms);
    // Only an open stream needs it, and an open stream keeps the process alive by itself.
    this.deadlineTimer.unref();
  }

  /**
   * With nothing left to answer or watch for {@link IDLE_CLOSE_MS}, ends the stream's side. One
   * timer, armed when the stream falls idle and re-aimed at the last request when it fires, so that
   * a busy stream costs no timer per request.
   */
  private idleCheck(): void {
    if (this.idleTimer || !this.idle) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (!this.idle) return;
      const leftMs = this.lastActivityMs + IDLE_CLOSE_MS - performance.now();
      if (leftMs > 0) return this.idleCheck();
      this.ending = true;
      this.wakeSender?.();
    }, Math.max(1, this.lastActivityMs + IDLE_CLOSE_MS - performance.now()));
    // The open call keeps the process alive until then; the timer itself must not.
    this.idleTimer.unref();
  }

  private get idle(): boolean {
    return this.pending.size === 0 && this.watches.size === 0 && this.accepting;
  }

  private fail(error: BrokerCallError): void {
    if (this.failure) return;
    this.failure = error;
    clearTimeout(this.deadlineTimer);
    clearTimeout(this.idleTimer);
    for (const request of this.pending.values()) request.reject(error);
    this.pending.clear();
    this.deadlines.clear();
    for (const states of this.watches.values()) states.fail(error);
    this.watches.clear();
    this.watchesOfTask.clear();
    this.wakeSender?.();
    this.cutter.abort();
  }
}
