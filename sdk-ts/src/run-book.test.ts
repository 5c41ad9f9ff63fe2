/** The worker's run book: what the worker reads from the runs' states (slots, held order, leases to renew, the end of a stop). */
import { describe, expect, test } from 'vitest';
import { RunAbort } from './run-abort.js';
import { RunBook, type LeasedRun } from './run-book.js';
import { HELD, RunMoveError } from './run-state.js';
import type { Task } from './task.js';

/** A run as the worker makes it from a Lease reply; the book never reads the task itself. */
function leased(taskId: string, leaseToken = `${taskId}-token`): LeasedRun {
  return {
    task: {} as Task,
    taskName: 'name',
    taskId,
    leaseToken,
    abort: new RunAbort(),
    timeLimited: false,
    progress: undefined,
    leaseDeadlineMs: 0,
    receivedAtMs: 0,
    state: HELD,
  };
}

describe('counts and order', () => {
  test('counts follow the moves, and held runs come in lease order', () => {
    const book = new RunBook();
    const [a, b, c] = [leased('a'), leased('b'), leased('c')];
    for (const run of [a, b, c]) book.add(run);
    expect([book.count('held'), book.count('running'), book.count('reporting')]).toEqual([3, 0, 0]);

    book.move(b, { phase: 'running' });
    expect([...book.held()].map((run) => run.taskId)).toEqual(['a', 'c']);
    expect([book.count('held'), book.count('running')]).toEqual([2, 1]);

    book.move(b, { phase: 'reporting', outcome: 'success' });
    expect([book.count('running'), book.count('reporting')]).toEqual([0, 1]);
    book.move(b, { phase: 'settled', why: 'success' });
    expect(book.count('reporting')).toBe(0);
    expect(book.all()).toEqual([a, c]); // a settled run leaves the book
  });

  test('a run lets go of its task as it leaves running, or when it never ran', () => {
    const book = new RunBook();
    const [ran, givenUp, lost] = [leased('a'), leased('b'), leased('c')];
    for (const run of [ran, givenUp, lost]) book.add(run);
    book.move(ran, { phase: 'running' });
    expect(ran.task).toBeDefined();
    book.move(ran, { phase: 'reporting', outcome: 'success' });
    book.move(givenUp, { phase: 'reporting', outcome: 'released' });
    book.move(lost, { phase: 'settled', why: 'lease-lost' });
    expect([ran.task, givenUp.task, lost.task]).toEqual([undefined, undefined, undefined]);
    expect(ran.taskName).toBe('name'); // still there for log lines
  });

  test('a move the lifecycle refuses throws and changes nothing', () => {
    const book = new RunBook();
    const run = leased('a');
    book.add(run);
    expect(() => book.move(run, { phase: 'settled', why: 'success' })).toThrow(RunMoveError);
    expect(run.state).toEqual(HELD);
    expect([book.count('held'), book.all().length]).toEqual([1, 1]);
  });
});

describe('leases to renew', () => {
  test('a task leased again: the new run takes over the lease, the old one stays until it settles', () => {
    const book = new RunBook();
    const old = leased('a', 'first');
    book.add(old);
    book.move(old, { phase: 'running' });
    book.move(old, { phase: 'reporting', outcome: 'failure' });

    const again = leased('a', 'second');
    expect(book.add(again)).toBe(old);
    expect(book.leases().map((run) => run.leaseToken)).toEqual(['second']);
    expect(book.all()).toEqual([old, again]);

    // The old report ending must not take the new run's lease with it.
    book.move(old, { phase: 'settled', why: 'failure' });
    expect(book.leases()).toEqual([again]);
    expect(book.hasLeases()).toBe(true);
    book.move(again, { phase: 'settled', why: 'lease-lost' });
    expect(book.hasLeases()).toBe(false);
  });
});

describe('whenEmpty', () => {
  test('resolves at once with no run, else only once the last run has settled', async () => {
    const book = new RunBook();
    await expect(book.whenEmpty()).resolves.toBeUndefined();

    const [a, b] = [leased('a'), leased('b')];
    book.add(a);
    book.add(b);
    let empty = false;
    const waiting = book.whenEmpty().then(() => (empty = true));
    book.move(a, { phase: 'settled', why: 'lease-lost' });
    await new Promise((resolve) => setImmediate(resolve)); // every pending callback has run
    expect(empty).toBe(false);
    book.move(b, { phase: 'reporting', outcome: 'released' });
    book.move(b, { phase: 'settled', why: 'released' });
    await waiting;
    expect(empty).toBe(true);
  });
});
