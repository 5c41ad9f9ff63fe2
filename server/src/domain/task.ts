/**
 * The broker's task model: one record per task, with an attempt counter, whatever its status.
 * These types belong to no layer's technology: the store persists them, the core moves them
 * through the state machine, the transport maps them to and from protobuf.
 */

/** Where a task is in its lifecycle; QTasks' own status names. */
export type TaskStatus = 'new' | 'process' | 'retry' | 'success' | 'error' | 'cancel';

/** Every status, in the order of the protobuf enum (`TASK_STATUS_NEW` = 1, …). */
export const TASK_STATUSES: readonly TaskStatus[] = ['new', 'process', 'retry', 'success', 'error', 'cancel'];

/** True for the statuses a task never leaves: `success`, `error` and `cancel`. */
export function isFinalStatus(status: TaskStatus): boolean {
  return status === 'success' || status === 'error' || status === 'cancel';
}

/** True for a record that belongs in a ready line: NEW or RETRY, not waiting for an eta or backoff. */
export function isReady(task: TaskRecord): boolean {
  return (task.status === 'new' || task.status === 'retry') && !task.delayed;
}

/** Why an attempt failed. */
export interface TaskError {
  /** Error class name, e.g. `ValueError`, `TimeLimitExceeded`, `LeaseExpired`. */
  type: string;
  /** Human-readable message. */
  message: string;
  /** Stack trace in the worker language's own format; may be empty. */
  traceback: string;
}

/** Delay before each further attempt: `initialMs`, times `multiplier` per attempt, at most `maxMs`. */
export interface RetryBackoff {
  /** Delay before the first retry. */
  initialMs: number;
  /** Growth factor per retry (at least 1). */
  multiplier: number;
  /** Upper bound of one delay; 0 means unbounded. */
  maxMs: number;
}

/** The backoff of a task enqueued without one: 1 s, doubling, at most 100 s (Temporal's defaults). */
export const DEFAULT_RETRY_BACKOFF: Readonly<RetryBackoff> = { initialMs: 1000, multiplier: 2, maxMs: 100_000 };

/**
 * The W3C trace context of the producer's span that enqueued a task (`TaskSpec.trace_context`):
 * kept and handed back as sent, never interpreted by the broker.
 */
export interface TraceContext {
  /** `00-<trace id>-<parent span id>-<flags>`, lowercase hex, never empty. */
  traceparent: string;
  /** Vendor trace state; may be empty. */
  tracestate: string;
}

/** A worker's lease on a PROCESS task: the fencing token and the deadline it must beat. */
export interface TaskLease {
  /** Opaque token; an outcome or heartbeat carrying another token is refused. */
  token: string;
  /**
   * The lease runs out at this time unless a heartbeat extends it. Steady time (see
   * `domain/clock.ts`): a step of the wall clock neither expires nor prolongs a lease.
   */
  deadlineMs: number;
  /** Length of the lease as asked for; a heartbeat without `extendMs` extends by this much. */
  leaseMs: number;
  /** When the attempt's `maxTimeMs` runs out (steady time); the deadline never passes it. */
  timeLimitAtMs?: number;
}

/**
 * The stored state of one task. Every record object carries every field, the unset optional ones
 * as `undefined` (the store drops those when it encodes a record, and puts them back when it reads
 * one): V8 copies an object with a spread fast only when the copy adds no new keys, and every
 * transition is such a copy (`store/record-shape.ts`).
 */
export interface TaskRecord {
  /** Time-ordered UUID (version 7). */
  id: string;
  /** Task name: the handler a worker runs. */
  name: string;
  /** Queue the task waits in. */
  queue: string;
  /** Lower runs first. */
  priority: number;
  /** UTF-8 JSON array. */
  args: Uint8Array;
  /** UTF-8 JSON object. */
  kwargs: Uint8Array;
  /** Current status. */
  status: TaskStatus;
  /** Attempts started so far. */
  attempt: number;
  /** Further attempts allowed after the first. */
  maxRetries: number;
  /** Delay between attempts. */
  backoff: RetryBackoff;
  /** Time limit of one attempt; 0 means none. */
  maxTimeMs: number;
  /** When the task was stored. */
  createdAtMs: number;
  /** When the task last changed status or outcome. */
  updatedAtMs: number;
  /** When the current or last attempt started. */
  startedAtMs?: number;
  /** When the task reached a final status. */
  finishedAtMs?: number;
  /** When the task becomes (or became) ready: its eta, or the end of a retry backoff. */
  runAtMs?: number;
  /** True while the task waits for `runAtMs` in the delayed index rather than the ready one. */
  delayed: boolean;
  /** Position in the FIFO order, renewed each time the task becomes ready or delayed. */
  seq: number;
  /** The JSON result of a SUCCESS task. */
  result?: Uint8Array;
  /** The last failure. */
  error?: TaskError;
  /** Why the task was cancelled, or asked to cancel. */
  cancelReason?: string;
  /** Set when a cancel was asked while the task was PROCESS. */
  cancelRequested: boolean;
  /** Worker that holds or last held the task. */
  workerId?: string;
  /** Present exactly while the status is `process`. */
  lease?: TaskLease;
  /** Labels, as enqueued. */
  tags: string[];
  /** Key/value pairs, as enqueued. */
  metadata: Record<string, string>;
  /** Idempotency key the task was enqueued with. */
  idempotencyKey?: string;
  /** The latest progress (UTF-8 JSON) reported during the current attempt. */
  progress?: Uint8Array;
  /** How long to keep the task once ended, if shorter than the broker's retention; 0: not at all. */
  retentionMs?: number;
  /** The group of its queue the task counts against for per-key limits. */
  limitKey?: string;
  /** The attempts that did not succeed, oldest first (at most {@link MAX_HISTORY}). */
  history?: PastAttempt[];
  /** Attempts made before the last retry by hand (RetryTask); the retry budget counts from here. */
  attemptsBeforeRetry?: number;
  /** The producer's trace context, as enqueued. */
  traceContext?: TraceContext;
  /**
   * Increases by one with every change a watcher can see, so a watcher that reads the record and
   * also hears of its transitions can drop the ones it has already sent.
   */
  version: number;
}

/** The most past attempts a record keeps: the oldest go first. */
export const MAX_HISTORY = 100;

/** One attempt that did not succeed, kept in {@link TaskRecord.history}. */
export interface PastAttempt {
  /** Which attempt (1 for the first). */
  attempt: number;
  /** What it ended the task as: `retry`, `error` or `cancel`. */
  status: TaskStatus;
  /** Why it failed. */
  error?: TaskError;
  /** Why it was cancelled. */
  cancelReason?: string;
  /** When it started. */
  startedAtMs?: number;
  /** When it ended. */
  endedAtMs: number;
  /** The worker that ran it. */
  workerId?: string;
}

/** A validated request to create a task, as the store takes it. */
export interface NewTask {
  name: string;
  queue: string;
  priority: number;
  args: Uint8Array;
  kwargs: Uint8Array;
  maxRetries: number;
  backoff: RetryBackoff;
  maxTimeMs: number;
  /** Absolute earliest start (from `eta`); when absent, `delayMs` from the enqueue's commit. */
  runAtMs?: number;
  /** Delay from now, used when `runAtMs` is absent; 0 means ready at once. */
  delayMs: number;
  idempotencyKey?: string;
  tags: string[];
  metadata: Record<string, string>;
  /** See {@link TaskRecord.retentionMs}. */
  retentionMs?: number;
  /** See {@link TaskRecord.limitKey}. */
  limitKey?: string;
  /** See {@link TaskRecord.traceContext}. */
  traceContext?: TraceContext;
}

/** What a worker reports for one leased task. */
export type TaskOutcome =
  | { kind: 'success'; result: Uint8Array }
  | { kind: 'failure'; error: TaskError; retryable: boolean }
  | { kind: 'cancelled'; reason: string }
  /** Given back unfinished: ready again at once, and the attempt does not count. */
  | { kind: 'released' };

/** One outcome, fenced by the lease token it was leased with. */
export interface Completion {
  taskId: string;
  leaseToken: string;
  outcome: TaskOutcome;
}

/** The answer to one {@link Completion}. */
export interface CompletionResult {
  taskId: string;
  /** True if the outcome was recorded. */
  accepted: boolean;
  /** The task after the outcome, or as it is when refused (absent if unknown). */
  task?: TaskRecord;
  /** Why the outcome was refused. */
  reason?: string;
}

/** One lease to keep alive. */
export interface HeartbeatItem {
  taskId: string;
  leaseToken: string;
}

/** One progress report of a leased task. */
export interface ProgressItem {
  taskId: string;
  leaseToken: string;
  /** UTF-8 JSON. */
  progress: Uint8Array;
}

/** The answer to one {@link ProgressItem}. */
export interface ProgressResult {
  taskId: string;
  /** True if the progress was recorded. */
  ok: boolean;
  /** Why the item was refused. */
  reason?: string;
}

/** The answer to one {@link HeartbeatItem}. */
export interface HeartbeatResult {
  taskId: string;
  /** True if the lease was valid and is extended. */
  ok: boolean;
  /** True if the task was asked to cancel. */
  cancelRequested: boolean;
  /** The new deadline, when `ok` (steady time, like {@link TaskLease.deadlineMs}). */
  leaseDeadlineMs?: number;
  /** Why the item was refused. */
  reason?: string;
}

/** A lease as its holder names it: the task and the fencing token it was leased with. */
export interface HeldLease {
  taskId: string;
  leaseToken: string;
}

/** The leases `tasks` (leased records) are held under: to give them back, or fence with them. */
export function leasesOf(tasks: readonly TaskRecord[]): HeldLease[] {
  return tasks.map((task) => ({ taskId: task.id, leaseToken: task.lease!.token }));
}

/** A request to lease ready tasks, already validated. */
export interface LeaseOptions {
  workerId: string;
  /** Distinct queue names. */
  queues: string[];
  maxTasks: number;
  leaseMs: number;
  /** Fewer than `maxTasks` are leased where more would no longer fit in one reply. */
  replyBudget?: ReplyBudget;
}

/**
 * A cap on the bytes of the tasks one reply carries, so that the reply fits in one gRPC message:
 * a reply over the transport's limit is not sent at all, and the client sees RESOURCE_EXHAUSTED
 * for a call whose work was done (tasks leased to no one, for a Lease).
 */
export interface ReplyBudget {
  /** Most bytes the tasks of one reply may take together. */
  maxBytes: number;
  /** An upper bound of the bytes one task takes in the reply. */
  sizeOf(task: TaskRecord): number;
}

/**
 * Counts tasks against a budget: the returned function is true for the first task (one task too
 * big on its own is still handed out, or it would block its queue forever) and then for as long
 * as the tasks seen so far fit. Without a budget, every task fits.
 */
export function replyMeter(budget: ReplyBudget | undefined): (task: TaskRecord) => boolean {
  let usedBytes = 0;
  let count = 0;
  return (task) => {
    if (!budget) return true;
    usedBytes += budget.sizeOf(task);
    return count++ === 0 || usedBytes <= budget.maxBytes;
  };
}

/** How many of `tasks` each queue holds. */
export function countByQueue(tasks: readonly TaskRecord[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const task of tasks) counts.set(task.queue, (counts.get(task.queue) ?? 0) + 1);
  return counts;
}
