/** Running a handler to its outcome: a plain handler's synchronous path, and what it keeps of the executor's. */
import type { Task as ProtoTask } from '@qtasks/proto';
import { describe, expect, test } from 'vitest';
import { DEFAULT_CONFIG } from './config.js';
import { buildTaskExecSchema } from './registration.js';
import { RunAbort } from './run-abort.js';
import type { LeasedRun } from './run-book.js';
import { runHandler, type HandlerHost } from './run-handler.js';
import { HELD } from './run-state.js';
import type { TaskFunction, TaskOptions } from './task-exec-schema.js';
import { Task } from './task.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** Runs `func`, registered with `options`, on a task with these JSON args and kwargs. */
function runOf(func: TaskFunction, options: TaskOptions = {}, args: unknown[] = [], kwargs: Record<string, unknown> = {}, dropTask = false) {
  const schema = buildTaskExecSchema(func, { name: 't', ...options }, 0);
  const host: HandlerHost = {
    config: DEFAULT_CONFIG,
    tasks: new Map([['t', schema]]),
    get: async () => null,
    echoOf: () => {
      throw new Error('no echo here');
    },
  };
  const wire = { id: 'id-1', name: 't', queue: 'default', args: Buffer.from(JSON.stringify(args)), kwargs: Buffer.from(JSON.stringify(kwargs)), history: [], tags: [], metadata: {} };
  const task = new Task(wire as unknown as ProtoTask);
  const run: LeasedRun = { task, taskName: task.taskName, taskId: task.uuid, leaseToken: 'token', abort: new RunAbort(), timeLimited: false, progress: undefined, leaseDeadlineMs: Infinity, receivedAtMs: 0, state: HELD };
  if (dropTask) run.task = undefined;
  return runHandler(host, run, async () => ({ taskId: '', ok: true, reason: '' }) as never, silent);
}

const resultOf = (outcome: unknown) => JSON.parse(Buffer.from((outcome as { value: { result: Uint8Array } }).value.result).toString());

describe('a plain handler', () => {
  test('that returns a value is decided in the same call, with its args and kwargs as the executor passes them', () => {
    const outcome = runOf((a: number, b: number, kw: { c: number }) => a + b + kw.c, {}, [1, 2], { c: 3 });
    expect(outcome).not.toBeInstanceOf(Promise);
    expect(resultOf(outcome)).toBe(6);
  });

  test('that throws is decided in the same call, as a failure naming its error', () => {
    const outcome = runOf(() => {
      throw new RangeError('too big');
    });
    expect(outcome).toMatchObject({ $case: 'failure', value: { error: { type: 'RangeError', message: 'too big' }, retryable: true } });
  });

  test('whose result is not JSON fails, as through the executor', () => {
    expect(runOf(() => 10n)).toMatchObject({ $case: 'failure', value: { error: { type: 'TypeError' } } });
  });

  test('that returns a promise is awaited', async () => {
    const outcome = runOf(async (a: number) => a * 2, {}, [21]);
    expect(outcome).toBeInstanceOf(Promise);
    expect(resultOf(await outcome)).toBe(42);
  });

  test('has its time limit counted from its call, its synchronous part included', async () => {
    const startedMs = performance.now();
    const outcome = runOf(
      () => {
        while (performance.now() - startedMs < 350); // blocks past the limit before it returns a promise
        return new Promise(() => undefined);
      },
      { maxTime: 0.3 },
    );
    expect(await outcome).toMatchObject({ $case: 'failure', value: { error: { type: 'TimeLimitExceeded' } } });
    // Counted from the return instead, the limit would run out at ~650 ms.
    expect(performance.now() - startedMs).toBeLessThan(600);
  });
});

test('a run that no longer holds its task fails with an outcome that says so, without calling the handler', () => {
  let called = false;
  const outcome = runOf(() => (called = true), {}, [], {}, true);
  expect(outcome).toMatchObject({ $case: 'failure', value: { error: { type: 'RunNotRunning' } } });
  expect(called).toBe(false);
});

test('a task with middlewares still runs through its executor', async () => {
  const seen: string[] = [];
  class Before {
    constructor(private readonly executor: { args: unknown[] }) {}
    call(): void {
      seen.push('before');
      this.executor.args = [5];
    }
  }
  const outcome = runOf((a: number) => a, { middlewaresBefore: [Before as never] }, [1]);
  expect(outcome).toBeInstanceOf(Promise);
  expect(resultOf(await outcome)).toBe(5);
  expect(seen).toEqual(['before']);
});
