/**
 * The rules of each transition, on plain records: no LMDB, no clock. `table.test.ts` checks that
 * they stay inside the table; this file checks what they do inside it.
 */
import { describe, expect, it } from 'vitest';
import { FailedPreconditionError, IllegalTransitionError } from '../errors.js';
import { cancelTask } from './cancel.js';
import { settle } from './complete.js';
import { enqueueTask } from './enqueue.js';
import { expireLease } from './expire.js';
import { extendLease } from './heartbeat.js';
import { leaseRefusal, STALE_LEASE } from './lease-fence.js';
import { leaseTask } from './lease.js';
import { recordProgress } from './progress.js';
import { promoteTask } from './promote.js';
import { context, newTask, taskRecord } from './task-record.fixture.js';

const failure = (retryable: boolean) => ({ kind: 'failure' as const, error: { type: 'E', message: 'boom', traceback: '' }, retryable });

describe('enqueueTask', () => {
  it('stores a NEW task, ready at once, first version, next place in line', () => {
    const at = context();
    const task = enqueueTask(newTask({ idempotencyKey: 'k' }), 'id-1', at);
    expect(task).toMatchObject({ id: 'id-1', status: 'new', attempt: 0, version: 1, delayed: false, runAtMs: at.nowMs, seq: 101, idempotencyKey: 'k' });
    expect(task.createdAtMs).toBe(at.nowMs);
  });

  it('delays a task by delayMs or until its eta, in wall time; an eta already passed is ready', () => {
    const at = context();
    expect(enqueueTask(newTask({ delayMs: 500 }), 'a', at)).toMatchObject({ delayed: true, runAtMs: at.nowMs + 500 });
    expect(enqueueTask(newTask({ runAtMs: at.nowMs + 1, delayMs: 500 }), 'b', at)).toMatchObject({ delayed: true, runAtMs: at.nowMs + 1 });
    expect(enqueueTask(newTask({ runAtMs: at.nowMs }), 'c', at).delayed).toBe(false);
  });
});

describe('leaseTask', () => {
  it('starts the next attempt with the token, a steady-time deadline, and no old progress', () => {
    const at = context();
    const after = leaseTask(taskRecord('retry', { progress: Buffer.from('1') }), { workerId: 'w9', leaseMs: 30_000, token: 'tok' }, at);
    expect(after).toMatchObject({ status: 'process', attempt: 2, workerId: 'w9', startedAtMs: at.nowMs, version: 4 });
    expect(after.lease).toEqual({ token: 'tok', deadlineMs: at.steadyMs + 30_000, leaseMs: 30_000 });
    expect(after.progress).toBeUndefined();
  });

  it('never sets the deadline past the time limit, also in steady time', () => {
    const at = context();
    const after = leaseTask(taskRecord('new', { maxTimeMs: 2_000 }), { workerId: 'w', leaseMs: 30_000, token: 'tok' }, at);
    expect(after.lease).toEqual({ token: 'tok', deadlineMs: at.steadyMs + 2_000, leaseMs: 30_000, timeLimitAtMs: at.steadyMs + 2_000 });
  });

  it('refuses a task that is not waiting, or waits for its eta', () => {
    expect(() => leaseTask(taskRecord('process'), { workerId: 'w', leaseMs: 1, token: 't' }, context())).toThrow(IllegalTransitionError);
    expect(() => leaseTask(taskRecord('new', { delayed: true }), { workerId: 'w', leaseMs: 1, token: 't' }, context())).toThrow(IllegalTransitionError);
  });
});

describe('extendLease', () => {
  it('moves the deadline from steady now, by extendMs or the lease length, keeping the version', () => {
    const at = context();
    expect(extendLease(taskRecord('process'), 700, at)).toMatchObject({ version: 3, lease: { deadlineMs: at.steadyMs + 700 } });
    expect(extendLease(taskRecord('process'), 0, at).lease!.deadlineMs).toBe(at.steadyMs + 5_000);
  });

  it('stops at the time limit', () => {
    const at = context();
    const before = taskRecord('process', { lease: { token: 't1', deadlineMs: 5, leaseMs: 5_000, timeLimitAtMs: at.steadyMs + 10 } });
    expect(extendLease(before, 60_000, at).lease!.deadlineMs).toBe(at.steadyMs + 10);
  });

  it('refuses a task that is not running', () => {
    expect(() => extendLease(taskRecord('new'), 1, context())).toThrow(IllegalTransitionError);
  });
});

describe('recordProgress', () => {
  it('stores the progress as a new version', () => {
    const at = context();
    expect(recordProgress(taskRecord('process'), Buffer.from('{"p":1}'), at)).toMatchObject({ version: 4, updatedAtMs: at.nowMs, progress: Buffer.from('{"p":1}') });
  });
});

describe('settle', () => {
  it('keeps a success even after a cancel request, and drops the lease', () => {
    const after = settle(taskRecord('process', { cancelRequested: true }), { kind: 'success', result: Buffer.from('1') }, context());
    expect(after).toMatchObject({ status: 'success', result: Buffer.from('1'), finishedAtMs: 10_000_000, delayed: false });
    expect(after.lease).toBeUndefined();
  });

  it('retries a retryable failure after the backoff, in wall time, at the back of the line', () => {
    const at = context();
    const after = settle(taskRecord('process', { attempt: 2 }), failure(true), at);
    // Backoff after attempt 2: 1000 × 2.
    expect(after).toMatchObject({ status: 'retry', attempt: 2, runAtMs: at.nowMs + 2_000, delayed: true, seq: 101, error: { type: 'E' } });
    expect(after.lease).toBeUndefined();
    expect(after.finishedAtMs).toBeUndefined();
  });

  it('ends in ERROR when no retry is left or the failure is not retryable, in CANCEL when asked to cancel', () => {
    expect(settle(taskRecord('process', { attempt: 3 }), failure(true), context()).status).toBe('error');
    expect(settle(taskRecord('process'), failure(false), context()).status).toBe('error');
    expect(settle(taskRecord('process', { cancelRequested: true }), failure(true), context())).toMatchObject({ status: 'cancel', error: { type: 'E' } });
  });

  it('cancels with the worker\'s reason, or the reason asked with, or a default', () => {
    const worker = (reason: string, cancelReason?: string) =>
      settle(taskRecord('process', cancelReason ? { cancelReason } : {}), { kind: 'cancelled', reason }, context()).cancelReason;
    expect(worker('mine', 'asked')).toBe('mine');
    expect(worker('', 'asked')).toBe('asked');
    expect(worker('')).toBe('cancelled by the worker');
  });

  it('gives a released attempt back in its old place in line: NEW after the first, RETRY after a later one, CANCEL if asked', () => {
    const at = context();
    const first = settle(taskRecord('process', { progress: Buffer.from('1') }), { kind: 'released' }, at);
    expect(first).toMatchObject({ status: 'new', attempt: 0, runAtMs: taskRecord('process').runAtMs, delayed: false, seq: 7 });
    expect(at.seqs).toBe(0);
    expect(first.progress).toBeUndefined();
    expect(settle(taskRecord('process', { attempt: 2 }), { kind: 'released' }, at)).toMatchObject({ status: 'retry', attempt: 1 });
    expect(settle(taskRecord('process', { cancelRequested: true }), { kind: 'released' }, at).status).toBe('cancel');
  });

  it('refuses an outcome for a task that is not running', () => {
    expect(() => settle(taskRecord('success'), { kind: 'success', result: Buffer.from('1') }, context())).toThrow(IllegalTransitionError);
  });
});

describe('cancelTask', () => {
  it('cancels a waiting task at once', () => {
    const at = context();
    expect(cancelTask(taskRecord('retry'), 'stop', at)).toMatchObject({ status: 'cancel', cancelReason: 'stop', finishedAtMs: at.nowMs, version: 4 });
  });

  it('asks a running task to cancel, once', () => {
    const asked = cancelTask(taskRecord('process'), 'stop', context());
    expect(asked).toMatchObject({ status: 'process', cancelRequested: true, cancelReason: 'stop', version: 4 });
    expect(cancelTask(asked, 'again', context())).toBe(asked);
  });

  it('returns a cancelled task as it is', () => {
    const cancelled = taskRecord('cancel');
    expect(cancelTask(cancelled, 'again', context())).toBe(cancelled);
  });

  it('refuses an ended task with a FAILED_PRECONDITION that says why', () => {
    const refuse = () => cancelTask(taskRecord('error'), 'late', context());
    expect(refuse).toThrow(FailedPreconditionError);
    expect(refuse).toThrow('task task-1 already ended in error; it cannot be cancelled');
  });
});

describe('promoteTask', () => {
  it('makes a delayed task ready at the back of the line, keeping its version', () => {
    const after = promoteTask(taskRecord('retry', { delayed: true }), context());
    expect(after).toMatchObject({ status: 'retry', delayed: false, seq: 101, version: 3 });
  });
});

describe('expireLease', () => {
  it('runs the task again at once as a new attempt, with LeaseExpired', () => {
    const at = context();
    const after = expireLease(taskRecord('process'), at);
    expect(after).toMatchObject({ status: 'retry', runAtMs: at.nowMs, delayed: false, error: { type: 'LeaseExpired' } });
    expect(after.error!.message).toContain('worker "w1" on attempt 1');
  });

  it('says TimeLimitExceeded when the deadline was the time limit, and ends in ERROR on the last attempt', () => {
    const lease = { token: 't1', deadlineMs: 900, leaseMs: 5_000, timeLimitAtMs: 900 };
    const after = expireLease(taskRecord('process', { attempt: 3, maxTimeMs: 800, lease }), context());
    expect(after).toMatchObject({ status: 'error', error: { type: 'TimeLimitExceeded', message: 'attempt 3 ran longer than max_time_ms (800 ms)' } });
  });
});

describe('leaseRefusal', () => {
  it('accepts the current token before its deadline, and refuses at the deadline, another token or another status', () => {
    const task = taskRecord('process');
    expect(leaseRefusal(task, 't1', 4_999)).toBeUndefined();
    expect(leaseRefusal(task, 't1', 5_000)).toBe('lease expired');
    expect(leaseRefusal(task, 't2', 0)).toBe(STALE_LEASE);
    expect(leaseRefusal(taskRecord('retry'), 't1', 0)).toBe(STALE_LEASE);
    expect(leaseRefusal(undefined, 't1', 0)).toBe(STALE_LEASE);
  });
});
