/**
 * A worker's side of one Work stream: the requests it sends (start, credit grants, and batches of
 * outcomes, heartbeats and progress) and the pushes it receives (tasks, cancel requests, and the
 * answers to those batches, matched by `request_id`).
 *
 * Outcomes and progress reported in the same event-loop turn travel in one message, like the
 * connection's batchers coalesce unary calls, and credit granted in that turn rides on it: the
 * outcome that freed a slot asks for the next task, with no message of its own. An outcome
 * reported while the worker runs nothing else leaves sooner, once its microtasks are done:
 * nothing would join it, and a producer may be waiting for its result.
 */
import { Status } from 'nice-grpc';
import { CREDIT_LIMIT_FEATURE } from '@qtasks/proto';
import type {
  Completion,
  CompletionResult,
  DeepPartial,
  HeartbeatRequest,
  HeartbeatResponse,
  ProgressItem,
  ProgressResult,
  WorkRequest,
  WorkResponse,
  WorkStart,
} from '@qtasks/proto';
import { Batcher } from './batcher.js';
import { BrokerCallError } from './errors.js';

/**
 * Opens the gRPC stream with the requests to send, cut when `signal` aborts; returns its replies,
 * and calls `onFeatures` with what the broker lists in its `WORK_FEATURES_HEADER` response header.
 */
export type OpenWorkStream = (
  requests: AsyncIterable<DeepPartial<WorkRequest>>,
  signal: AbortSignal,
  onFeatures: (features: readonly string[]) => void,
) => AsyncIterable<WorkResponse>;


/** The most credit the broker accepts granted and not yet used, on one stream. */
export const MAX_OUTSTANDING_CREDIT = 10_000;

/**
 * A request on the stream that gets no answer: the stream ended or failed first, or had ended when
 * it was made, or no answer came within a call's deadline. Whatever it carried may or may not have
 * reached the broker; the caller sends it again another way (outcomes and heartbeats are safe to
 * repeat).
 */
export class WorkStreamEndedError extends BrokerCallError {
  constructor(cause?: unknown) {
    super(Status.UNAVAILABLE, 'the Work stream ended before answering', 'Work', { cause });
  }
}

/** The kinds of request that get an answer, and the answer each gets. */
type Asked = Extract<NonNullable<WorkRequest['kind']>, { $case: 'heartbeat' | 'progress' | 'complete' }>;
type AnswerTo<C extends Asked['$case']> = Extract<NonNullable<WorkResponse['kind']>, { $case: C }>['value'];

interface Waiting {
  asked: Asked['$case'];
  resolve(reply: WorkResponse): void;
  reject(error: unknown): void;
}

/** One open Work stream. */
export class WorkSession {
  private readonly outgoing: DeepPartial<WorkRequest>[] = [];
  private wakeSender: (() => void) | undefined;
  private ended = false;
  private readonly cutter = new AbortController();
  /** Tasks the worker has taken from this stream's pushes, mod 2^32 (the count `credit_limit` is set against; see {@link took}). */
  private received = 0;
  /** Credit granted by increments so far, mod 2^32 (all there is for a broker without `credit_limit`). */
  private granted = 0;
  /** Whether the broker takes `credit_limit` (its `qtasks-work-features` response header says so). */
  private limitTaken = false;
  /** Credit to send on the next message, an increment and a limit (see {@link want}). */
  private creditToSend = 0;
  private limitToSend: number | undefined;
  private lastLimitSent: number | undefined;
  private creditFlushScheduled = false;
  private lastRequestId = 0;
  /** Requests sent and not answered yet, by `request_id`. */
  private readonly waiting = new Map<number, Waiting>();
  /** What the broker pushes on its own (tasks, cancel requests), until it ends the stream (after {@link end}) or the stream fails. */
  readonly pushes: AsyncIterable<WorkResponse>;
  /** Coalesces the outcomes of one turn into one `complete` request. */
  readonly completions: Batcher<DeepPartial<Completion>, CompletionResult>;
  /** Coalesces the progress items of one turn into one `progress` request. */
  readonly progress: Batcher<DeepPartial<ProgressItem>, ProgressResult>;

  /**
   * Opens the stream with `start` and an initial `credit`; `maxBatch` is the most items per
   * request, and a request not answered within `answerTimeoutMs` fails as if the stream had ended
   * (the stream has no deadline, and a report must not wait forever on a broker that froze).
   * `nothingRunning` tells whether the worker runs no task now: an outcome reported then leaves
   * without waiting for the end of the turn.
   */
  constructor(
    open: OpenWorkStream,
    start: DeepPartial<WorkStart>,
    credit: number,
    maxBatch: number,
    private readonly answerTimeoutMs: number,
    nothingRunning: () => boolean = () => false,
  ) {
    this.outgoing.push({ kind: { $case: 'start', value: start }, credit });
    this.granted = credit;
    const onFeatures = (features: readonly string[]): void => void (this.limitTaken = features.includes(CREDIT_LIMIT_FEATURE));
    this.pushes = this.answered(open(this.requests(), this.cutter.signal, onFeatures));
    // No maxInFlight, unlike the unary batchers: holding outcomes back would hold back the credit
    // they carry, and the broker already commits the outcomes that arrive together as one.
    this.completions = new Batcher({
      maxBatch,
      // With other runs going, their outcomes join this one's message at the end of the turn;
      // alone, it leaves before the rest of the turn's I/O is read (handlers started meanwhile by
      // microtasks still join it).
      flushSoon: nothingRunning,
      // The worker acts on `accepted` and `reason` only: the tasks would be encoded and decoded for nothing.
      send: async (completions) => (await this.ask({ $case: 'complete', value: { completions, omitTasks: true } })).results,
    });
    this.progress = new Batcher({ maxBatch, send: async (items) => (await this.ask({ $case: 'progress', value: { items } })).results });
  }

  /**
   * The worker has taken `count` pushed tasks into its hand: they count against the credit from
   * now on. Counted as it takes them, not as they arrive, so that a want made in between (a task
   * finishing) does not count them twice, once as received and once as still wanted.
   */
  took(count: number): void {
    this.received = (this.received + count) >>> 0;
  }

  /** Whether the broker takes back credit (`credit_limit`): tasks given back are then not pushed right back. */
  get canTakeBack(): boolean {
    return this.limitTaken;
  }

  /** True until {@link end}: requests may still be sent. */
  get open(): boolean {
    return !this.ended;
  }

  /**
   * Tells the broker the worker can take `count` more tasks than it has been pushed so far: fewer
   * than before too, on a broker that takes `credit_limit` (a grant cannot be taken back on one
   * that does not). It waits for the end of the turn, so that the outcome batch of the slot that
   * freed it carries it; alone only if none does.
   */
  want(count: number): void {
    if (this.ended) return;
    if (this.limitTaken) {
      const limit = (this.received + count) >>> 0;
      if (limit === (this.limitToSend ?? this.lastLimitSent)) return;
      // The limit says it all: an increment still waiting would be counted twice.
      this.limitToSend = limit;
      this.creditToSend = 0;
    } else {
      const more = count - ((this.granted - this.received) | 0);
      if (more <= 0) return;
      this.creditToSend += more;
      this.granted = (this.granted + more) >>> 0;
    }
    if (this.creditFlushScheduled) return;
    this.creditFlushScheduled = true;
    // Two turns: the batchers flush by the end of the first, and take the credit with them.
    setImmediate(() =>
      setImmediate(() => {
        this.creditFlushScheduled = false;
        if ((this.creditToSend > 0 || this.limitToSend !== undefined) && !this.ended) this.send({});
      }),
    );
  }

  /** One Heartbeat on the stream: keeps these leases alive. @throws WorkStreamEndedError */
  heartbeat(request: DeepPartial<HeartbeatRequest>): Promise<HeartbeatResponse> {
    return this.ask({ $case: 'heartbeat', value: request });
  }

  /** Ends the worker's side: the broker answers what is in flight, then ends the stream. */
  end(): void {
    this.ended = true;
    this.wakeSender?.();
  }

  /** Cuts the stream at once (the broker gives back what it had not delivered). */
  cut(): void {
    this.end();
    this.cutter.abort();
  }

  /** Sends one request that the broker answers, and resolves to the answer. */
  private async ask<C extends Asked['$case']>(kind: DeepPartial<Extract<Asked, { $case: C }>>): Promise<AnswerTo<C>> {
    if (this.ended) throw new WorkStreamEndedError();
    // request_id is a uint32 and 0 marks the broker's own pushes: wrap around past 0.
    this.lastRequestId = (this.lastRequestId % 0xffff_ffff) + 1;
    const requestId = this.lastRequestId;
    let timer: NodeJS.Timeout | undefined;
    const reply = await new Promise<WorkResponse>((resolve, reject) => {
      this.waiting.set(requestId, { asked: kind.$case, resolve, reject });
      this.send({ kind: kind as DeepPartial<WorkRequest>['kind'], requestId });
      timer = setTimeout(() => {
        this.waiting.delete(requestId);
        reject(new WorkStreamEndedError(new Error(`no answer within ${this.answerTimeoutMs} ms`)));
      }, this.answerTimeoutMs);
    }).finally(() => clearTimeout(timer));
    return reply.kind!.value as AnswerTo<C>;
  }

  /** Queues `request` with all the credit not sent yet. */
  private send(request: DeepPartial<WorkRequest>): void {
    const limit = this.limitToSend;
    this.outgoing.push(limit === undefined ? { ...request, credit: this.creditToSend } : { ...request, credit: this.creditToSend, creditLimit: limit });
    if (limit !== undefined) this.lastLimitSent = limit;
    this.creditToSend = 0;
    this.limitToSend = undefined;
    this.wakeSender?.();
  }

  private async *requests(): AsyncGenerator<DeepPartial<WorkRequest>> {
    for (;;) {
      while (this.outgoing.length > 0) yield this.outgoing.shift()!;
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wakeSender = resolve));
      this.wakeSender = undefined;
    }
  }

  /**
   * The broker's replies with the answers taken out and handed to their requests. Once the stream
   * is over, requests still unanswered fail with {@link WorkStreamEndedError}.
   */
  private async *answered(replies: AsyncIterable<WorkResponse>): AsyncGenerator<WorkResponse> {
    let cause: unknown;
    try {
      for await (const reply of replies) {
        if (reply.requestId === 0) {
          yield reply;
          continue;
        }
        const waiting = this.waiting.get(reply.requestId);
        this.waiting.delete(reply.requestId);
        if (waiting && reply.kind?.$case === waiting.asked) waiting.resolve(reply);
        else waiting?.reject(new BrokerCallError(Status.INTERNAL, `the broker answered a ${waiting.asked} with ${reply.kind?.$case}`, 'Work'));
      }
    } catch (error) {
      cause = error;
      throw error;
    } finally {
      // No more answers can come: what is unanswered goes another way.
      this.ended = true;
      for (const waiting of this.waiting.values()) waiting.reject(new WorkStreamEndedError(cause));
      this.waiting.clear();
      this.wakeSender?.();
    }
  }
}
