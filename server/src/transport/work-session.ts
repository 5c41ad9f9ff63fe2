/**
 * The Work stream: one worker's session. Three things run at once and write to one outbox:
 *
 * - the request reader: `start` first (who, which queues, lease length), then credit grants and
 *   batches of heartbeats, progress and outcomes, each answered with its `request_id` as soon as
 *   it is done (an outcome after its fsync, a heartbeat at once, so they may pass each other);
 * - the lease loop: while credit is left, one parked Lease for as many tasks as the credit allows,
 *   pushed the moment it returns;
 * - cancel pushes: each task pushed is followed (core `onTransition`) until it leaves this
 *   worker's lease, and a cancel request on it is pushed at once.
 *
 * The session holds no lease state of its own: leases are the core's, as for the unary calls, so
 * the end of a stream ends nothing but the waiting. Tasks that never reached the worker (leased as
 * the stream ends, or still queued when it is cut) are given back at once.
 */
import { WorkResponse, type DeepPartial, type WorkRequest } from '@qtasks/proto';
import type { Broker } from '../core/broker.js';
import { InvalidArgumentError, ShuttingDownError } from '../domain/errors.js';
import { leasesOf, type HeldLease, type LeaseOptions, type TaskRecord } from '../domain/task.js';
import { encodeReply, type EncodedReply } from './encoded-replies.js';
import { Outbox, type StreamSession } from './outbox.js';
import { checkWorkCredit, parseWorkStart } from './validation.js';
import { Credit } from './work-credit.js';
import type { WorkerCalls } from './worker-calls.js';

/** Messages queued for a client that reads slowly before the session stops reading its requests. */
const OUTBOX_CAPACITY = 64;
/** Requests being worked on at once (heartbeats, progress, outcomes) before reading waits. */
const MAX_REQUESTS_IN_FLIGHT = 16;
/** Most tasks one push carries, like one Lease call. */
const MAX_PUSH = 1000;
/** How long one parked Lease of the loop waits before it parks again: any value works. */
const PARK_MS = 60_000;

/** A message of the stream: pushes of tasks and answers to outcomes come encoded (`encoded-replies.ts`). */
export type WorkReply = DeepPartial<WorkResponse> | EncodedReply;

/** The leases each encoded push carries, for giving back those of a push never sent. */
const unsentLeases = new WeakMap<EncodedReply, readonly HeldLease[]>();


/** A new Work stream's session (see the module comment), served by `stream-calls.ts`. */
export function workSession(broker: Broker, calls: WorkerCalls): StreamSession<WorkRequest, WorkReply> {
  return new Session(broker, calls);
}

/** The state of one Work stream. */
class Session implements StreamSession<WorkRequest, WorkReply> {
  readonly outbox = new Outbox<WorkReply>(OUTBOX_CAPACITY);
  /** Aborted when the session stops taking tasks, for whatever reason: the parked Lease returns. */
  private readonly ending = new AbortController();
  private readonly credit = new Credit();
  private readonly held = new Map<string, () => void>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly onShutdown = (): void => this.finish(new ShuttingDownError());
  /** Takes the session off the connected workers' gauges (set once it has started). */
  private disconnect: (() => void) | undefined;

  constructor(
    private readonly broker: Broker,
    private readonly calls: WorkerCalls,
  ) {
    // A session waiting for credit has no parked Lease to be woken by the shutdown: it listens.
    broker.closingSignal.addEventListener('abort', this.onShutdown, { once: true });
  }

  /** Reads the worker's requests to their end, then lets the answers in flight finish. */
  async read(requests: AsyncIterable<WorkRequest>): Promise<void> {
    let leasing: Promise<void> | undefined;
    try {
      for await (const request of requests) {
        if (this.outbox.isEnded) break;
        if (request.kind?.$case === 'start') {
          if (leasing) throw new InvalidArgumentError('start', 'was sent twice: only the first message of a Work stream is start');
          const worker = parseWorkStart(request.kind.value);
          leasing = this.lease(worker);
        } else if (!leasing) {
          parseWorkStart(undefined); // throws: a Work stream begins with start
        }
        if (request.creditLimit !== undefined) this.credit.limitTo(request.creditLimit);
        this.credit.grant(checkWorkCredit(request.credit));
        const answering = this.answer(request);
        if (answering) await this.track(answering);
        await this.outbox.space();
      }
      // The worker ended its side: it is stopping, so it takes no more tasks; what it asked
      // before is still answered.
      this.stopLeasing();
      await Promise.all([...this.inFlight, leasing]);
      this.finish();
    } catch (error) {
      this.finish(error);
    }
  }

  /** The stream is over (ended, failed or cut): stops everything and gives back what was never sent. */
  close(): void {
    this.stopLeasing();
    const unsent = this.outbox.discard();
    const leases = unsent.flatMap((reply) => (reply instanceof Uint8Array ? (unsentLeases.get(reply) ?? []) : []));
    if (leases.length > 0) this.release(leases);
    this.unfollowAll();
  }

  /** Ends the session after what is queued, failing with `error` if one is given. */
  private finish(error?: unknown): void {
    this.stopLeasing();
    this.unfollowAll();
    this.outbox.end(error);
  }

  private stopLeasing(): void {
    this.disconnect?.();
    this.ending.abort();
    this.credit.close();
    this.broker.closingSignal.removeEventListener('abort', this.onShutdown);
  }

  private unfollowAll(): void {
    for (const unsubscribe of this.held.values()) unsubscribe();
    this.held.clear();
  }

  /** The answer to a heartbeat, progress or outcome batch, pushed with the request's id. */
  private answer(request: WorkRequest): Promise<void> | undefined {
    const requestId = request.requestId;
    const kind = request.kind;
    switch (kind?.$case) {
      case 'heartbeat':
        return this.calls.heartbeat(kind.value).then((value) => this.outbox.push({ kind: { $case: 'heartbeat', value }, requestId }));
      case 'progress':
        return this.calls.reportProgress(kind.value).then((value) => this.outbox.push({ kind: { $case: 'progress', value }, requestId }));
      case 'complete':
        return this.calls.complete(kind.value).then((value) => this.outbox.push(encodeReply(WorkResponse, { kind: { $case: 'complete', value }, requestId })));
      default:
        return undefined;
    }
  }

  /** Keeps at most {@link MAX_REQUESTS_IN_FLIGHT} answers in the works; a failed one ends the session. */
  private async track(answering: Promise<void>): Promise<void> {
    const tracked = answering.catch((error: unknown) => this.finish(error)).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    if (this.inFlight.size >= MAX_REQUESTS_IN_FLIGHT) await Promise.race(this.inFlight);
  }

  /**
   * The lease loop: while credit is left and the client takes what it is sent, one parked Lease
   * for up to that many tasks. A task enqueued while it is parked is handed over in the enqueue's
   * own turn (Broker.lease's `handOver`), so that its push is written ahead of the enqueue's answer.
   */
  private async lease(worker: Omit<LeaseOptions, 'maxTasks'>): Promise<void> {
    if (!this.ending.signal.aborted) this.disconnect = this.broker.workers.add(() => this.credit.left);
    const push = (tasks: TaskRecord[]): void => this.push(tasks);
    try {
      while (!this.ending.signal.aborted) {
        // A client that does not read gets no more tasks: they would wait here, their leases
        // running, and come back to someone else when they expire.
        await this.outbox.space();
        if (!(await this.credit.available())) continue;
        const options = { ...worker, maxTasks: Math.min(this.credit.left, MAX_PUSH), replyBudget: this.calls.leaseBudget };
        this.push(await this.broker.lease(options, PARK_MS, this.ending.signal, push));
      }
    } catch (error) {
      this.finish(error);
    }
  }

  /**
   * Pushes leased tasks to the worker; those it can no longer take go back at once. Called inside
   * an enqueue for a hand-over: a give-back then waits for a microtask, and the store issues its
   * write after the enqueue's own (see TaskStore.letPushesLeave): a write that ends a lease must
   * commit after the task's record.
   */
  private push(tasks: TaskRecord[]): void {
    if (tasks.length === 0) return;
    const giveBack = (leases: HeldLease[]): void => queueMicrotask(() => this.release(leases));
    if (this.outbox.isEnded) return giveBack(leasesOf(tasks));
    // The worker lowered its limit (`credit_limit`) while the Lease was parked: what it no
    // longer wants goes back to the queue at once.
    if (tasks.length > this.credit.left) {
      giveBack(leasesOf(tasks.splice(this.credit.left)));
      if (tasks.length === 0) return;
    }
    this.credit.use(tasks.length);
    const push = this.calls.encodedPush(tasks);
    unsentLeases.set(push, leasesOf(tasks));
    this.outbox.push(push);
    // After the push: it leaves first, and a cancel request found for one of its tasks follows it.
    this.followAll(tasks);
  }

  /** Gives leased tasks that never reached the worker back to the queue (see Broker.release). */
  private release(leases: readonly HeldLease[]): void {
    // A broker shutting down may refuse it: the leases then come back when they run out.
    this.broker.release(leases).catch(() => undefined);
  }

  /**
   * Pushes a cancel request for each task this worker was just leased, until the task leaves its
   * lease. A cancel committed between the lease and the subscriptions has no transition left to
   * come: the tasks are read once more after subscribing, all in one read.
   */
  private followAll(leased: readonly TaskRecord[]): void {
    const followed = new Map(leased.map((task) => [task.id, this.follow(task)]));
    // Told only while that lease is still followed; a failed read changes nothing (the
    // transitions still come).
    const tellEach = (current: readonly TaskRecord[]): void => {
      for (const task of current) {
        const following = followed.get(task.id);
        if (following && this.held.get(task.id) === following.unsubscribe) following.tell(task);
      }
    };
    const current = this.broker.peekTasks(leased.map((task) => task.id));
    if (current instanceof Promise) void current.then(tellEach, () => undefined);
    else tellEach(current);
  }

  /** Subscribes to one leased task's transitions (see {@link followAll}): what tells it a state, and what ends it. */
  private follow(leased: TaskRecord): { tell: (task: TaskRecord) => void; unsubscribe: () => void } {
    const token = leased.lease!.token;
    let told = false;
    const tell = (task: TaskRecord): void => {
      // A state from before the lease: the task's NEW, published at its enqueue's commit when the
      // task was pushed ahead of it (store/early-tasks.ts).
      if (task.version < leased.version) return;
      if (task.status !== 'process' || task.lease?.token !== token) {
        // Its own subscription only: this worker may hold the task again under a new lease (a
        // task given back keeps its place, so it may come straight back), followed on its own.
        unsubscribe();
        if (this.held.get(leased.id) === unsubscribe) this.held.delete(leased.id);
      } else if (task.cancelRequested && !told) {
        told = true;
        this.outbox.push({ kind: { $case: 'cancel', value: { tasks: [{ taskId: task.id, reason: task.cancelReason ?? '' }] } }, requestId: 0 });
      }
    };
    const unsubscribe = this.broker.onTransition(leased.id, tell);
    this.held.set(leased.id, unsubscribe);
    return { tell, unsubscribe };
  }
}
