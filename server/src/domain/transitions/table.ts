/**
 * The task state machine as data: every transition, the statuses it moves a task from and to,
 * and what triggers it. The functions next to this file implement the rows (each refuses a task
 * whose status its row does not list, see `guard.ts`); `transitions.test.ts` checks that what
 * they do stays inside the table, and that the table in `docs/decisions.md` is this one.
 *
 * ```
 *   (none) ──enqueue──────────▶ new
 *   new, retry ──lease────────▶ process
 *   new, retry ──cancel───────▶ cancel
 *   process ──succeed─────────▶ success
 *   process ──fail, expire────▶ retry | error | cancel
 *   process ──release─────────▶ new | retry | cancel
 *   process ──cancelByWorker──▶ cancel
 *   error, cancel ──replay────▶ retry
 *   in place: promote (new, retry: delayed → ready); heartbeat, progress, requestCancel (process)
 * ```
 */
import type { TaskStatus } from '../task.js';

/** The name of one transition: a row of {@link TRANSITIONS}. */
export type TransitionName =
  | 'enqueue'
  | 'lease'
  | 'heartbeat'
  | 'progress'
  | 'succeed'
  | 'fail'
  | 'cancelByWorker'
  | 'release'
  | 'cancel'
  | 'requestCancel'
  | 'promote'
  | 'expire'
  | 'replay';

/** The task store's verbs that run transitions (`store/task-store.ts`). */
export type StoreVerb = 'enqueue' | 'lease' | 'heartbeat' | 'reportProgress' | 'complete' | 'cancel' | 'promoteDue' | 'reapExpiredLeases' | 'retry';

/** One row of the state machine. */
export interface TransitionRule {
  /** The statuses a task may be in for this transition; empty for `enqueue`, which creates it. */
  readonly from: readonly TaskStatus[];
  /** The statuses it may end in, or `same` when it keeps its status and only other fields move. */
  readonly to: readonly TaskStatus[] | 'same';
  /** What sets it off: an RPC (and which of its cases), or the due timer. */
  readonly trigger: string;
  /** The store verb that runs it. */
  readonly verb: StoreVerb;
  /**
   * True if watchers see it (the record gets a new `version`). A heartbeat and a promotion move
   * only index positions (a lease deadline, delayed → ready), which no watcher can tell apart.
   */
  readonly watched: boolean;
  /**
   * What it writes to LMDB (`store/task-store.ts`): the lease and what happens under it live in
   * memory, so a task costs three writes from enqueue to success (the `enqueue` and `succeed` rows).
   */
  readonly writes: string;
  /** What it does, in one line for the docs. */
  readonly does: string;
}

/** Every transition a task can make; nothing else changes a stored task. */
export const TRANSITIONS = {
  enqueue: {
    from: [],
    to: ['new'],
    trigger: 'Enqueue',
    verb: 'enqueue',
    watched: true,
    writes: 'the record (+ a delayed entry if its eta is ahead, + its idempotency key)',
    does: 'stores the task, ready at once or delayed until its eta',
  },
  lease: {
    from: ['new', 'retry'],
    to: ['process'],
    trigger: 'Lease',
    verb: 'lease',
    watched: true,
    writes: 'nothing: the lease lives in memory',
    does: 'starts an attempt: attempt + 1, a fresh lease token, a deadline in steady time',
  },
  heartbeat: {
    from: ['process'],
    to: 'same',
    trigger: 'Heartbeat',
    verb: 'heartbeat',
    watched: false,
    writes: 'nothing',
    does: 'moves the lease deadline, never past the attempt\'s time limit',
  },
  progress: {
    from: ['process'],
    to: 'same',
    trigger: 'ReportProgress',
    verb: 'reportProgress',
    watched: true,
    writes: 'nothing: progress lives with the lease',
    does: 'records the attempt\'s latest progress',
  },
  succeed: {
    from: ['process'],
    to: ['success'],
    trigger: 'Complete (success)',
    verb: 'complete',
    watched: true,
    writes: 'the record + its ended-index entry (+ an expiry entry if it has its own retention; a retention of 0 removes the record instead)',
    does: 'stores the result; kept even if a cancel was requested (the work was done)',
  },
  fail: {
    from: ['process'],
    to: ['retry', 'error', 'cancel'],
    trigger: 'Complete (failure)',
    verb: 'complete',
    watched: true,
    writes: 'the record (+ a delayed entry, or the entries of an ended task as for succeed)',
    does: 'cancel if a cancel was requested, retry after the backoff if retryable with retries left, else error',
  },
  cancelByWorker: {
    from: ['process'],
    to: ['cancel'],
    trigger: 'Complete (cancelled)',
    verb: 'complete',
    watched: true,
    writes: 'the record + the entries of an ended task, as for succeed',
    does: 'ends the task as cancelled by its worker',
  },
  release: {
    from: ['process'],
    to: ['new', 'retry', 'cancel'],
    trigger: 'Complete (released), or a Lease whose caller has gone',
    verb: 'complete',
    watched: true,
    writes: 'the record',
    does: 'gives the attempt back: ready at once in its old place in line (its seq kept), attempt - 1 (cancel if a cancel was requested)',
  },
  cancel: {
    from: ['new', 'retry'],
    to: ['cancel'],
    trigger: 'CancelTask',
    verb: 'cancel',
    watched: true,
    writes: 'the record + the entries of an ended task, as for succeed (− its delayed entry)',
    does: 'cancels a waiting task at once (a cancel task is returned unchanged; success and error are refused)',
  },
  requestCancel: {
    from: ['process'],
    to: 'same',
    trigger: 'CancelTask',
    verb: 'cancel',
    watched: true,
    writes: 'the stored record, flagged, so that a restart ends it in cancel',
    does: 'marks a running task cancel-requested, for its worker to see',
  },
  promote: {
    from: ['new', 'retry'],
    to: 'same',
    trigger: 'due timer: eta or retry backoff reached',
    verb: 'promoteDue',
    watched: false,
    writes: 'the record − its delayed entry',
    does: 'moves a delayed task to ready, at the back of its priority',
  },
  expire: {
    from: ['process'],
    to: ['retry', 'error', 'cancel'],
    trigger: 'due timer: lease deadline passed',
    verb: 'reapExpiredLeases',
    watched: true,
    writes: 'the record (+ the entries of an ended task, as for succeed)',
    does: 'fails the attempt with LeaseExpired or TimeLimitExceeded: retry at once if retries are left, else error (cancel if requested)',
  },
  replay: {
    from: ['error', 'cancel'],
    to: ['retry'],
    trigger: 'RetryTask',
    verb: 'retry',
    watched: true,
    writes: 'the record − its ended-index and expiry entries',
    does: 'runs an ended task again: same id, ready at once, a fresh retry budget; its history keeps the failed attempts',
  },
} as const satisfies Record<TransitionName, TransitionRule>;

/** Every transition name, in table order. */
export const TRANSITION_NAMES = Object.keys(TRANSITIONS) as TransitionName[];

/** The row of a transition, typed as a plain {@link TransitionRule}. */
export function ruleOf(name: TransitionName): TransitionRule {
  return TRANSITIONS[name];
}

/** True if the table lets `name` start from `status` (`undefined`: no task yet). */
export function allowsFrom(name: TransitionName, status: TaskStatus | undefined): boolean {
  const rule = ruleOf(name);
  return status === undefined ? rule.from.length === 0 : rule.from.includes(status);
}

/** True if the table lets `name` move a task from `from` (`undefined`: no task yet) to `to`. */
export function allowsMove(name: TransitionName, from: TaskStatus | undefined, to: TaskStatus): boolean {
  if (!allowsFrom(name, from)) return false;
  const rule = ruleOf(name);
  return rule.to === 'same' ? to === from : rule.to.includes(to);
}
