/**
 * Type-level checks of the public API (vitest's expectTypeOf). They run as ordinary tests, and
 * `npm run typecheck` also compiles them with tsc, which is where a wrong type fails.
 */
import { afterAll, describe, expectTypeOf, test } from 'vitest';
import { QTasks, taskOf, type AsyncTask, type QueueInfo, type QueueLimits, type Task } from './index.js';

describe('types flow through', () => {
  // Nothing listens there, and nothing here calls the broker: these tests only check types.
  const app = new QTasks({ broker: '127.0.0.1:1' });
  afterAll(() => app.close());

  test('a plain function task knows its args and result', () => {
    const add = app.task({ name: 't-add' }, async (a: number, b: number) => a + b);
    expectTypeOf(add).toEqualTypeOf<AsyncTask<[a: number, b: number], number>>();
    expectTypeOf(add.addTask).parameter(0).toEqualTypeOf<[a: number, b: number] | undefined>();
    // Wrapped in functions: the calls are typed here, never made.
    expectTypeOf(() => add.addTask([1, 2])).returns.resolves.toEqualTypeOf<Task<number>>();
    expectTypeOf(() => add.addTask([1, 2], { timeout: 5 })).returns.resolves.toEqualTypeOf<Task<number> | null>();
    expectTypeOf(() => add(1, 2).args).returns.toEqualTypeOf<[a: number, b: number]>();
  });

  test('an echo task drops self from its args, annotated or not', () => {
    const unannotated = app.task({ name: 't-echo1', echo: true }, async (self, x: string) => {
      expectTypeOf(self.ctx).not.toBeAny();
      return x.length;
    });
    expectTypeOf(unannotated).toEqualTypeOf<AsyncTask<[x: string], number>>();
    const annotated = app.task({ name: 't-echo2', echo: true }, async (_self: AsyncTask, x: string) => x);
    expectTypeOf(annotated).toEqualTypeOf<AsyncTask<[x: string], string>>();
  });

  test('generator tasks result in the list of their items', () => {
    const gen = app.task({ name: 't-gen' }, async function* (n: number) {
      for (let i = 0; i < n; i++) yield `item ${i}`;
    });
    expectTypeOf(gen).toEqualTypeOf<AsyncTask<[n: number], string[]>>();
  });

  test('taskOf types a decorated static method', () => {
    class Jobs {
      static async resize(width: number, height: number): Promise<string> {
        return `${width}x${height}`;
      }
    }
    expectTypeOf(() => taskOf(Jobs.resize)).returns.toEqualTypeOf<AsyncTask<[width: number, height: number], string>>();
  });

  test('the queue verbs are typed: retry resolves to a Task, purgeQueue refuses process', () => {
    // Wrapped in functions: typed here, never called.
    expectTypeOf(() => app.retry<number>('id')).returns.resolves.toEqualTypeOf<Task<number>>();
    expectTypeOf(() => app.listQueues()).returns.resolves.toEqualTypeOf<QueueInfo[]>();
    expectTypeOf(() => app.setQueueLimits('q', { maxRunning: 1 })).returns.resolves.toEqualTypeOf<QueueLimits>();
    expectTypeOf(() => app.purgeQueue('q', ['success', 'error'])).returns.resolves.toEqualTypeOf<number>();
    // @ts-expect-error: running tasks are never purged; cancel them
    expectTypeOf(() => app.purgeQueue('q', ['process'])).toBeFunction();
    // A read-back limits object can be spread into a new set.
    expectTypeOf<QueueLimits>().toExtend<Parameters<QTasks['setQueueLimits']>[1]>();
  });
});
