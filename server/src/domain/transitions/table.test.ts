/**
 * The table and the functions agree: every move a function makes is a row of {@link TRANSITIONS},
 * every status a row does not list is refused, and every move the table lists is made by some
 * input (so the table says no more than the code does).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IllegalTransitionError } from '../errors.js';
import { TASK_STATUSES, isFinalStatus, type TaskOutcome, type TaskRecord, type TaskStatus } from '../task.js';
import { cancelTask } from './cancel.js';
import { settle } from './complete.js';
import type { TransitionContext } from './context.js';
import { enqueueTask } from './enqueue.js';
import { expireLease } from './expire.js';
import { extendLease } from './heartbeat.js';
import { leaseTask } from './lease.js';
import { recordProgress } from './progress.js';
import { promoteTask } from './promote.js';
import { replayTask } from './replay.js';
import { TRANSITIONS, TRANSITION_NAMES, allowsFrom, allowsMove, ruleOf, type TransitionName } from './table.js';
import { context, newTask, taskRecord } from './task-record.fixture.js';

/** Something that happens to a stored task. */
type TaskEvent =
  | { kind: 'lease'; leaseMs: number }
  | { kind: 'heartbeat'; extendMs: number }
  | { kind: 'progress' }
  | { kind: 'complete'; outcome: TaskOutcome }
  | { kind: 'cancel' }
  | { kind: 'promote' }
  | { kind: 'expire' }
  | { kind: 'replay' };

/** The row an event runs for a task in `status`; cancel's row depends on the status. */
function rowOf(event: TaskEvent, status: TaskStatus): TransitionName {
  switch (event.kind) {
    case 'complete':
      return ({ success: 'succeed', failure: 'fail', cancelled: 'cancelByWorker', released: 'release' } as const)[event.outcome.kind];
    case 'cancel':
      return status === 'process' ? 'requestCancel' : 'cancel';
    default:
      return event.kind;
  }
}

/** Runs the transition function of an event, as the store does. */
function apply(event: TaskEvent, before: TaskRecord, at: TransitionContext): TaskRecord {
  switch (event.kind) {
    case 'lease':
      return leaseTask(before, { workerId: 'w2', leaseMs: event.leaseMs, token: 't2' }, at);
    case 'heartbeat':
      return extendLease(before, event.extendMs, at);
    case 'progress':
      return recordProgress(before, Buffer.from('1'), at);
    case 'complete':
      return settle(before, event.outcome, at);
    case 'cancel':
      return cancelTask(before, 'stop', at);
    case 'promote':
      return promoteTask(before, at);
    case 'expire':
      return expireLease(before, at);
    case 'replay':
      return replayTask(before, at);
  }
}

/** True where asking again is answered with the record as it is (cancel is idempotent). */
function isRepeat(event: TaskEvent, before: TaskRecord): boolean {
  return event.kind === 'cancel' && (before.status === 'cancel' || (before.status === 'process' && before.cancelRequested));
}

/**
 * What a transition must leave, whatever the row: a lease exactly while PROCESS, a finish time
 * exactly when final, and a place in the delayed index only while waiting.
 */
function expectWellFormed(task: TaskRecord): void {
  expect(task.lease !== undefined).toBe(task.status === 'process');
  expect(task.finishedAtMs !== undefined).toBe(isFinalStatus(task.status));
  if (task.status !== 'new' && task.status !== 'retry') expect(task.delayed).toBe(false);
}

/** Runs one event on one record and checks the outcome against the table; returns the move made. */
function check(event: TaskEvent, before: TaskRecord): string | undefined {
  const at = context();
  const row = rowOf(event, before.status);
  let after: TaskRecord;
  try {
    after = apply(event, before, at);
  } catch (error) {
    expect(error).toBeInstanceOf(IllegalTransitionError);
    // The one refusal inside the table: a task still waiting for its eta is not ready to lease.
    expect(allowsFrom(row, before.status)).toBe(event.kind === 'lease' && before.delayed);
    return undefined;
  }
  if (after === before) {
    expect(isRepeat(event, before)).toBe(true);
    return undefined;
  }
  expect(allowsMove(row, before.status, after.status), `${row}: ${before.status} → ${after.status}`).toBe(true);
  expect(after.version).toBe(before.version + (ruleOf(row).watched ? 1 : 0));
  expectWellFormed(after);
  return `${row}: ${before.status} → ${after.status}`;
}

/** Every move the table allows, as `row: from → to`. */
function tableMoves(): Set<string> {
  const moves = new Set<string>();
  for (const name of TRANSITION_NAMES) {
    const rule = ruleOf(name);
    for (const from of rule.from.length === 0 ? [undefined] : rule.from) {
      for (const to of rule.to === 'same' ? [from!] : rule.to) moves.add(`${name}: ${from ?? '(none)'} → ${to}`);
    }
  }
  return moves;
}

const outcomes: TaskOutcome[] = [
  { kind: 'success', result: Buffer.from('1') },
  { kind: 'failure', error: { type: 'E', message: '', traceback: '' }, retryable: true },
  { kind: 'failure', error: { type: 'E', message: '', traceback: '' }, retryable: false },
  { kind: 'cancelled', reason: '' },
  { kind: 'released' },
];

const events: TaskEvent[] = [
  { kind: 'lease', leaseMs: 1_000 },
  { kind: 'heartbeat', extendMs: 0 },
  { kind: 'progress' },
  ...outcomes.map((outcome): TaskEvent => ({ kind: 'complete', outcome })),
  { kind: 'cancel' },
  { kind: 'promote' },
  { kind: 'expire' },
  { kind: 'replay' },
];

/** A well-formed record in any status, with the fields the transitions branch on drawn at random. */
const records: fc.Arbitrary<TaskRecord> = fc
  .record({
    status: fc.constantFrom(...TASK_STATUSES),
    attempt: fc.integer({ min: 1, max: 5 }),
    maxRetries: fc.integer({ min: 0, max: 5 }),
    cancelRequested: fc.boolean(),
    delayed: fc.boolean(),
    maxTimeMs: fc.constantFrom(0, 500),
    version: fc.integer({ min: 1, max: 1_000 }),
  })
  .map(({ status, delayed, ...fields }) =>
    taskRecord(status, {
      ...fields,
      ...(status === 'new' ? { attempt: 0 } : {}),
      delayed: (status === 'new' || status === 'retry') && delayed,
      cancelRequested: status === 'process' && fields.cancelRequested,
    }),
  );

describe('the transition table', () => {
  it('holds every move a function makes, and every refusal is a status its row does not list', () => {
    fc.assert(
      fc.property(records, fc.constantFrom(...events), (before, event) => {
        check(event, before);
      }),
      { numRuns: 2_000 },
    );
  });

  it('lists no move that no input makes', () => {
    const made = new Set<string>();
    made.add(`enqueue: (none) → ${enqueueTask(newTask(), 'id', context()).status}`);
    for (const status of TASK_STATUSES) {
      for (const cancelRequested of [false, true]) {
        // Attempt 1 of 3 (a retry is left, and a release goes back to NEW) and 3 of 3 (none left).
        for (const attempt of [1, 3]) {
          const before = taskRecord(status, { cancelRequested: status === 'process' && cancelRequested, ...(status === 'new' ? {} : { attempt }) });
          for (const event of events) {
            const move = check(event, before);
            if (move !== undefined) made.add(move);
          }
        }
      }
    }
    expect([...made].sort()).toEqual([...tableMoves()].sort());
  });

  it('gives every row a trigger, and creates tasks only by enqueue', () => {
    for (const name of TRANSITION_NAMES) {
      expect(TRANSITIONS[name].trigger).not.toBe('');
      expect(ruleOf(name).from.length === 0).toBe(name === 'enqueue');
    }
  });

  it('moves no task out of a final status but by hand: RetryTask replays an ERROR or CANCEL task', () => {
    for (const name of TRANSITION_NAMES) {
      for (const status of TASK_STATUSES.filter(isFinalStatus)) expect(allowsFrom(name, status)).toBe(name === 'replay' && status !== 'success');
    }
  });

  it('replays with a fresh retry budget, keeping each failed attempt in the history', () => {
    const failing = { kind: 'failure', error: { type: 'E', message: 'boom', traceback: '' }, retryable: true } as const;
    let task = taskRecord('process', { attempt: 1, maxRetries: 1 });
    task = settle(task, failing, context());
    expect(task.status).toBe('retry');
    task = settle(leaseTask({ ...task, delayed: false }, { workerId: 'w', leaseMs: 1000, token: 't' }, context()), failing, context());
    expect([task.status, task.history?.map((past) => `${past.attempt}:${past.status}`)]).toEqual(['error', ['1:retry', '2:error']]);
    task = replayTask(task, context());
    expect([task.status, task.attemptsBeforeRetry, task.finishedAtMs, task.history?.length]).toEqual(['retry', 2, undefined, 2]);
    // Two more attempts (the first run again and its one retry) before it ends in ERROR again.
    task = settle(leaseTask(task, { workerId: 'w', leaseMs: 1000, token: 't' }, context()), failing, context());
    expect(task.status).toBe('retry');
    task = settle(leaseTask({ ...task, delayed: false }, { workerId: 'w', leaseMs: 1000, token: 't' }, context()), failing, context());
    expect([task.status, task.attempt, task.history?.length]).toEqual(['error', 4, 4]);
  });

  it('records a task cancelled while it waited in its history when it is replayed', () => {
    const cancelled = cancelTask(taskRecord('new'), 'not now', context());
    const replayed = replayTask(cancelled, context());
    expect(replayed.history).toEqual([expect.objectContaining({ attempt: 0, status: 'cancel', cancelReason: 'not now' })]);
    expect(replayed.cancelReason).toBeUndefined();
  });
});
