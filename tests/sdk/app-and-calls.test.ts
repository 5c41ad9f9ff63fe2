/**
 * The SDK's app and calls against the real `qtasks-broker` process: config, the task registry
 * (function and decorator forms), `addTask` and its options, waiting for results, pre-built
 * runs, cancel, enqueue batching, and `sharedTask` with the default app.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { Status } from 'nice-grpc';
import {
  AsyncResult,
  AsyncTaskCls,
  BrokerCallError,
  DEFAULT_CONFIG,
  DuplicateTaskError,
  QTasks,
  QTasksConfigError,
  Task,
  TaskUsageError,
  envVariableOf,
  isAsyncTask,
  sharedTask,
  taskOf,
  type Logger,
  type QTasksOptions,
} from '@qtasks/sdk';
import { loadConfig } from '../../sdk-ts/src/config.js';
import { QTasksConfigError as SourceQTasksConfigError } from '../../sdk-ts/src/errors.js';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';

/** A logger that keeps what it is given (and keeps the test output quiet). */
interface RecordingLogger extends Logger {
  lines: { level: string; message: string }[];
}
function recordingLogger(): RecordingLogger {
  const lines: { level: string; message: string }[] = [];
  const log = (level: string) => (message: string) => void lines.push({ level, message });
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

let broker: BrokerProcess;
/** The first app created in this file, hence the default app of this vitest worker. */
let main: QTasks;
const mainLogger = recordingLogger();
const openApps: QTasks[] = [];

/** A new app on the test broker, closed after the test. */
function newApp(options: QTasksOptions = {}): QTasks {
  const app = new QTasks({ broker: broker.address, logger: recordingLogger(), ...options });
  openApps.push(app);
  return app;
}

/** A task name no other test uses. */
const unique = (label: string): string => `${label}-${randomUUID()}`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Runs `fn` with these environment variables set (or, for `undefined`, unset), then restores them. */
function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]));
  const apply = (values: Record<string, string | undefined>): void => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply(vars);
  try {
    return fn();
  } finally {
    apply(saved);
  }
}

/** Every `QTASKS_*` variable of a config field unset, so defaults are what they say. */
const NO_CONFIG_ENV = Object.fromEntries((Object.keys(DEFAULT_CONFIG) as (keyof typeof DEFAULT_CONFIG)[]).map((f) => [envVariableOf(f), undefined]));

beforeAll(async () => {
  broker = await startBrokerProcess();
  main = withEnv(NO_CONFIG_ENV, () => new QTasks({ name: 'main', broker: broker.address, logger: mainLogger }));
});

afterEach(async () => {
  await Promise.all(openApps.splice(0).map((app) => app.close()));
});

afterAll(async () => {
  await main?.close();
  await broker?.dispose();
});

describe('config', () => {
  test('defaults: taskDefaultPriority 0, maxTasksProcess 10, resultStatusesEnd success/error/cancel', () => {
    const app = withEnv(NO_CONFIG_ENV, () => newApp());
    expect(app.config.taskDefaultPriority).toBe(0);
    expect(app.config.maxTasksProcess).toBe(10);
    expect(app.config.resultStatusesEnd).toEqual(['success', 'error', 'cancel']);
    expect(loadConfig({}, {})).toMatchObject({ taskDefaultPriority: 0, maxTasksProcess: 10, resultStatusesEnd: ['success', 'error', 'cancel'] });
    // Each app has its own copy: changing one app's list does not change the defaults.
    app.config.resultStatusesEnd.push('process');
    expect(DEFAULT_CONFIG.resultStatusesEnd).toEqual(['success', 'error', 'cancel']);
    expect(withEnv(NO_CONFIG_ENV, () => newApp()).config.resultStatusesEnd).toEqual(['success', 'error', 'cancel']);
  });

  test('values given to new QTasks({ config }) are used, also for priorities of enqueued tasks', async () => {
    const app = withEnv(NO_CONFIG_ENV, () =>
      newApp({ config: { taskDefaultPriority: 3, maxTasksProcess: 2, resultStatusesEnd: ['success', 'error'] } }),
    );
    expect(app.config.taskDefaultPriority).toBe(3);
    expect(app.config.maxTasksProcess).toBe(2);
    expect(app.config.resultStatusesEnd).toEqual(['success', 'error']);
    const name = unique('cfg');
    const handle = app.task({ name }, async () => 1);
    expect(handle.priority).toBe(3);
    expect(app.tasks.get(name)!.priority).toBe(3);
    // A task this process does not know also gets the app's default priority.
    const foreign = await app.addTask(unique('cfg-foreign'), []);
    expect(foreign.priority).toBe(3);
    expect((await handle.addTask([])).priority).toBe(3);
  });

  test('maxTasksProcess is the worker\'s concurrency', async () => {
    const app = withEnv(NO_CONFIG_ENV, () => newApp({ config: { maxTasksProcess: 2 } }));
    let running = 0;
    let most = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let twoStarted!: () => void;
    const started = new Promise<void>((resolve) => (twoStarted = resolve));
    const work = app.task({ name: unique('concurrency') }, async (n: number) => {
      most = Math.max(most, ++running);
      if (running === 2) twoStarted();
      await gate;
      running--;
      return n;
    });
    // All five are ready before the worker starts: one Lease could hand them all out at once.
    const queued = await Promise.all([1, 2, 3, 4, 5].map((n) => work.addTask([n])));
    app.worker.start();
    await started;
    expect(app.worker.runningCount).toBe(2);
    release();
    const done = await Promise.all(queued.map((t) => t.waitResult(10)));
    expect(done.map((t) => t?.returning)).toEqual([1, 2, 3, 4, 5]);
    expect(most).toBe(2);
  });

  test('environment variables QTASKS_<FIELD_IN_SNAKE_CASE> win over given values (loadConfig)', () => {
    expect(envVariableOf('taskDefaultPriority')).toBe('QTASKS_TASK_DEFAULT_PRIORITY');
    expect(envVariableOf('maxTasksProcess')).toBe('QTASKS_MAX_TASKS_PROCESS');
    expect(envVariableOf('resultStatusesEnd')).toBe('QTASKS_RESULT_STATUSES_END');
    const config = loadConfig(
      { maxTasksProcess: 5, taskDefaultPriority: 1, resultStatusesEnd: ['success'] },
      { QTASKS_MAX_TASKS_PROCESS: '3', QTASKS_RESULT_STATUSES_END: 'success, error' },
    );
    expect(config.maxTasksProcess).toBe(3);
    expect(config.taskDefaultPriority).toBe(1); // given, no variable
    expect(config.resultStatusesEnd).toEqual(['success', 'error']);
    expect(loadConfig({}, { QTASKS_RESULT_STATUSES_END: '["cancel"]' }).resultStatusesEnd).toEqual(['cancel']);
    expect(loadConfig({}, { QTASKS_TASK_DEFAULT_PRIORITY: '-2' }).taskDefaultPriority).toBe(-2);
    // An empty variable is unset.
    expect(loadConfig({ maxTasksProcess: 7 }, { QTASKS_MAX_TASKS_PROCESS: '' }).maxTasksProcess).toBe(7);
  });

  test('environment variables win over given values (process.env, new QTasks)', () => {
    const app = withEnv({ ...NO_CONFIG_ENV, QTASKS_MAX_TASKS_PROCESS: '4', QTASKS_TASK_DEFAULT_PRIORITY: '2' }, () =>
      newApp({ config: { maxTasksProcess: 8, taskDefaultPriority: 9 } }),
    );
    expect(app.config.maxTasksProcess).toBe(4);
    expect(app.config.taskDefaultPriority).toBe(2);
    expect(app.task({ name: unique('env') }, async () => 1).priority).toBe(2);
    // Restored afterwards.
    expect(process.env.QTASKS_MAX_TASKS_PROCESS).toBeUndefined();
  });

  test('a bad environment value throws QTasksConfigError naming the variable', () => {
    const bad = (env: Record<string, string>): unknown => {
      try {
        loadConfig({}, env);
      } catch (error) {
        return error;
      }
      return undefined;
    };
    for (const [variable, value] of [
      ['QTASKS_MAX_TASKS_PROCESS', 'ten'],
      ['QTASKS_MAX_TASKS_PROCESS', '2.5'],
      ['QTASKS_TASK_DEFAULT_PRIORITY', 'high'],
      ['QTASKS_RESULT_STATUSES_END', '{"a":1}'],
      // Parsed fine, but out of range or unknown: still the variable is at fault.
      ['QTASKS_MAX_TASKS_PROCESS', '0'],
      ['QTASKS_RESULT_STATUSES_END', 'success,finished'],
    ] as const) {
      const error = bad({ [variable]: value });
      expect(error, `${variable}=${value}`).toBeInstanceOf(SourceQTasksConfigError);
      expect((error as Error).message, `${variable}=${value}`).toContain(variable);
    }
    // Through the constructor, with process.env.
    expect(() => withEnv({ QTASKS_TASK_DEFAULT_PRIORITY: 'high' }, () => newApp())).toThrow(QTasksConfigError);
    expect(() => withEnv({ QTASKS_TASK_DEFAULT_PRIORITY: 'high' }, () => newApp())).toThrow(/QTASKS_TASK_DEFAULT_PRIORITY/);
    // A bad given value names the field.
    expect(() => loadConfig({ maxTasksProcess: 0 }, {})).toThrow(/maxTasksProcess/);
  });
});

describe('registry', () => {
  test('app.task(fn) names the task after the function; options name and priority', () => {
    const app = newApp();
    async function addNumbers(a: number, b: number): Promise<number> {
      return a + b;
    }
    const add = app.task(addNumbers);
    expect(add.taskName).toBe('addNumbers');
    expect(app.tasks.get('addNumbers')?.func).toBe(addNumbers);
    expect(isAsyncTask(add)).toBe(true);

    const named = app.task({ name: 'renamed', priority: 4 }, addNumbers);
    expect(named.taskName).toBe('renamed');
    expect(named.priority).toBe(4);
    expect(app.tasks.get('renamed')?.priority).toBe(4);
    expect(app.tasks.get('addNumbers')?.priority).toBe(0);
    expect([...app.tasks.keys()].sort()).toEqual(['addNumbers', 'renamed']);
    // An anonymous function needs a name.
    expect(() => app.task((() => 1) as unknown as () => number)).toThrow(TaskUsageError);
  });

  test('a duplicate name throws DuplicateTaskError and keeps the first registration', () => {
    const app = newApp();
    const first = async (): Promise<number> => 1;
    app.task({ name: 'dup' }, first);
    expect(() => app.task({ name: 'dup' }, async () => 2)).toThrow(DuplicateTaskError);
    expect(() => app.task({ name: 'dup' }, async () => 2)).toThrow(/dup/);
    expect(app.tasks.get('dup')?.func).toBe(first);
    expect(() => {
      class Dup {
        @app.task({ name: 'dup' })
        static async m(): Promise<number> {
          return 3;
        }
      }
      return Dup;
    }).toThrow(DuplicateTaskError);
    // Another app has its own registry.
    expect(() => newApp().task({ name: 'dup' }, async () => 4)).not.toThrow();
  });

  test('app.tasks holds the TaskExecSchema with the options; app.worker.tasks is the same registry', () => {
    const app = newApp();
    const fn = async (a: number): Promise<number> => a;
    const handle = app.task(
      { name: 'full', priority: 5, retry: 2, maxTime: 1.5, tags: ['math', 'fast'], description: 'adds', foo: 1, bar: { x: 'y' } },
      fn,
    );
    const schema = app.tasks.get('full')!;
    expect(schema).toMatchObject({
      name: 'full',
      priority: 5,
      queue: 'full',
      retry: 2,
      maxTime: 1.5,
      tags: ['math', 'fast'],
      description: 'adds',
      echo: false,
      generating: false,
      extra: { foo: 1, bar: { x: 'y' } },
    });
    expect(schema.func).toBe(fn);
    expect(Object.keys(schema.extra).sort()).toEqual(['bar', 'foo']); // known options are not extra
    expect(app.worker.tasks).toBe(app.tasks);
    // The handle.
    expect(handle.taskName).toBe('full');
    expect(handle.priority).toBe(5);
    expect(handle.extra).toEqual({ foo: 1, bar: { x: 'y' } });
    expect(handle.tags).toEqual(['math', 'fast']);
    expect(handle.description).toBe('adds');
    expect(handle.retry).toBe(2);
    expect(handle.maxTime).toBe(1.5);
    expect(handle.schema).toBe(schema);
    // Registered later: seen by the worker too.
    app.task({ name: 'later' }, async () => 0);
    expect(app.worker.tasks.has('later')).toBe(true);
  });
});

describe('decorator form', () => {
  test('@app.task({ name }) on a static method registers the same schema as the function form and runs with this = the class', async () => {
    const app = newApp();
    const name = unique('deco');
    const fnName = unique('fn');
    class T {
      static factor = 10;
      @app.task({ name, priority: 2, tags: ['d'], foo: 1 })
      static async m(a: number): Promise<number> {
        return a * this.factor;
      }
    }
    app.task({ name: fnName, priority: 2, tags: ['d'], foo: 1 }, async (a: number) => a);
    const deco = app.tasks.get(name)!;
    const func = app.tasks.get(fnName)!;
    expect(Object.keys(deco).sort()).toEqual(Object.keys(func).sort());
    expect(deco).toMatchObject({ name, priority: 2, queue: name, tags: ['d'], extra: { foo: 1 }, retry: 0, echo: false });
    expect(deco.thisArg).toBe(T);

    expect(isAsyncTask(T.m)).toBe(true);
    const handle = taskOf(T.m);
    expect(handle.taskName).toBe(name);
    expect(handle.priority).toBe(2);
    expect(handle.schema).toBe(deco);
    const queued = await handle.addTask([3]);
    expect(queued.status).toBe('new');
    expect(queued.taskName).toBe(name);
    expect(queued.args).toEqual([3]);
    expect(queued.priority).toBe(2);

    app.worker.start();
    expect((await queued.waitResult(10))?.returning).toBe(30);
    const done = await taskOf(T.m).addTask([4], { timeout: 10 });
    expect(done?.status).toBe('success');
    expect(done?.returning).toBe(40);
  });

  test('a bare @app.task names the task after the method', async () => {
    const app = newApp();
    class Bare {
      @app.task
      static async bareMultiply(a: number, b: number): Promise<number> {
        return a * b;
      }
    }
    expect(app.tasks.has('bareMultiply')).toBe(true);
    expect(app.tasks.get('bareMultiply')!.thisArg).toBe(Bare);
    expect(app.tasks.get('bareMultiply')!.priority).toBe(0);
    expect(taskOf(Bare.bareMultiply).taskName).toBe('bareMultiply');
    app.worker.start();
    const done = await taskOf(Bare.bareMultiply).addTask([6, 7], { timeout: 10 });
    expect(done?.returning).toBe(42);
  });

  test('both decorator forms type-check under tsc (the SDK\'s published types)', () => {
    // vitest does not type-check; this compiles a user's file against sdk-ts/dist/*.d.ts.
    const fileName = fileURLToPath(new URL('./__virtual-decorator-user.ts', import.meta.url));
    const source = [
      "import { QTasks, taskOf } from '@qtasks/sdk';",
      "const app = new QTasks({ broker: '127.0.0.1:50051' });",
      'export class Tasks {',
      "  @app.task({ name: 'x' })",
      '  static async withOptions(a: number): Promise<number> { return a; }',
      '  @app.task',
      '  static async bare(a: number, b: number): Promise<number> { return a * b; }',
      '}',
      'const n: Promise<number> = Tasks.bare(1, 2);',
      'export const name: string = taskOf(Tasks.bare).taskName + taskOf(Tasks.withOptions).taskName + String(n);',
    ].join('\n');
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2023.d.ts'],
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
    };
    const host = ts.createCompilerHost(options);
    const { getSourceFile, fileExists, readFile } = host;
    host.getSourceFile = (name, language, ...rest) =>
      name === fileName ? ts.createSourceFile(name, source, language) : getSourceFile.call(host, name, language, ...rest);
    host.fileExists = (name) => name === fileName || fileExists.call(host, name);
    host.readFile = (name) => (name === fileName ? source : readFile.call(host, name));
    const program = ts.createProgram([fileName], options, host);
    const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === fileName);
    expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
  });

  test('taskOf on an undecorated function throws TaskUsageError', () => {
    expect(() => taskOf(async () => 1)).toThrow(TaskUsageError);
  });
});

describe('addTask', () => {
  test('resolves at once to a Task with status new and its fields (no worker running)', async () => {
    const app = newApp();
    const name = unique('add');
    const add = app.task({ name }, async (a: number, b: number) => a + b);
    const before = Date.now();
    const task = await add.addTask([1, 2], { kwargs: { c: 3 } });
    expect(task).toBeInstanceOf(Task);
    expect(task.status).toBe('new');
    expect(task.uuid).toMatch(UUID);
    expect(task.taskName).toBe(name);
    expect(task.queue).toBe(name);
    expect(task.args).toEqual([1, 2]);
    expect(task.kwargs).toEqual({ c: 3 });
    expect(task.priority).toBe(0);
    expect(task.attempt).toBe(0);
    expect(task.returning).toBeUndefined();
    expect(task.traceback).toBeUndefined();
    expect(task.isFinal).toBe(false);
    expect(task.createdAt).toBeInstanceOf(Date);
    expect(task.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(task.createdAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect(task.updatedAt.getTime()).toBeGreaterThanOrEqual(task.createdAt.getTime());
    expect(app.worker.state).toBe('idle');
    // Without args: an empty list.
    expect((await add.addTask()).args).toEqual([]);
    // Still queued: nobody runs it.
    expect((await app.get(task.uuid))?.status).toBe('new');
  });

  test('app.addTask by a name no handler is registered for is accepted and readable with app.get', async () => {
    const app = newApp();
    const name = unique('python-only');
    const task = await app.addTask(name, ['x', 1], { kwargs: { lang: 'py' } });
    expect(task.status).toBe('new');
    expect(task.taskName).toBe(name);
    expect(task.priority).toBe(0);
    const read = await app.get(task.uuid);
    expect(read).toBeInstanceOf(Task);
    expect(read).toMatchObject({ uuid: task.uuid, status: 'new', taskName: name, args: ['x', 1], kwargs: { lang: 'py' }, attempt: 0 });
    expect(read!.createdAt.getTime()).toBe(task.createdAt.getTime());
    // Another app (another process, say) reads it too.
    expect((await main.get(task.uuid))?.uuid).toBe(task.uuid);
    expect(await app.get(randomUUID())).toBeNull();
  });

  test('priority: from the registration, overridden per call; a per-call 0 stays 0', async () => {
    const app = newApp();
    const name = unique('prio');
    const add = app.task({ name, priority: 7 }, async () => 1);
    expect((await add.addTask([])).priority).toBe(7);
    expect((await add.addTask([], { priority: 3 })).priority).toBe(3);
    expect((await add.addTask([], { priority: 0 })).priority).toBe(0);
    expect((await app.addTask(name, [])).priority).toBe(7);
    expect((await app.addTask(name, [], { priority: 0 })).priority).toBe(0);
    expect((await app.addTask(unique('prio-foreign'), [], { priority: 0 })).priority).toBe(0);
    expect((await app.addTask(unique('prio-foreign'), [], { priority: 12 })).priority).toBe(12);
  });

  test('delay (seconds) and eta set the eta in the future', async () => {
    const app = newApp();
    const add = app.task({ name: unique('delay') }, async () => 1);
    const before = Date.now();
    const delayed = await add.addTask([], { delay: 30 });
    expect(delayed.status).toBe('new');
    expect(delayed.eta).toBeInstanceOf(Date);
    expect(delayed.eta!.getTime()).toBeGreaterThanOrEqual(before + 29_000);
    expect(delayed.eta!.getTime()).toBeLessThanOrEqual(Date.now() + 31_000);
    const at = new Date(Date.now() + 60_000);
    const scheduled = await add.addTask([], { eta: at });
    expect(scheduled.eta?.getTime()).toBe(at.getTime());
    // A delayed task does not run early: with a worker on, the wait runs out.
    app.worker.start();
    expect(await delayed.waitResult(0.3)).toBeNull();
  });

  test('a delay past what an int32 of ms holds (24.8 days) becomes an eta; numbers out of range are refused naming the option', async () => {
    const app = newApp();
    const add = app.task({ name: unique('far') }, async () => 1);
    const fiftyDaysMs = 50 * 86_400_000;
    const before = Date.now();
    const far = await add.addTask([], { delay: fiftyDaysMs / 1000 });
    expect(far.eta!.getTime()).toBeGreaterThanOrEqual(before + fiftyDaysMs - 1000);
    expect(far.eta!.getTime()).toBeLessThanOrEqual(Date.now() + fiftyDaysMs + 1000);
    await expect(add.addTask([], { delay: -1 })).rejects.toThrow(/delay must be a number of seconds from 0 on, got -1/);
    await expect(add.addTask([], { priority: 2 ** 31 })).rejects.toThrow(/priority must be a whole number from -2147483648 to 2147483647, got 2147483648/);
    await expect(add.addTask([], { retry: 1.5 })).rejects.toThrow(/retry must be a whole number/);
    await expect(add.addTask([], { delay: fiftyDaysMs / 1000, eta: new Date() })).rejects.toThrow(/give delay or eta, not both/);
    // The messages name the call, though they are built only when thrown.
    await expect(add.addTask([], { retention: -1 })).rejects.toThrow(new RegExp(`addTask\\(${add.taskName}\\): retention must be`));
    await expect(add.addTask([1n] as unknown as [])).rejects.toThrow(`the args of ${add.taskName} is not JSON-serializable`);
    await expect(add.addTask([], { kwargs: { n: 1n } })).rejects.toThrow(`the kwargs of ${add.taskName} is not JSON-serializable`);
  });

  test('idempotencyKey returns the same uuid twice, also for calls in the same batch', async () => {
    const app = newApp();
    const add = app.task({ name: unique('idem') }, async (a: number) => a);
    const key = unique('key');
    const first = await add.addTask([1], { idempotencyKey: key });
    const second = await add.addTask([1], { idempotencyKey: key });
    expect(second.uuid).toBe(first.uuid);
    expect((await add.addTask([3], { idempotencyKey: unique('key') })).uuid).not.toBe(first.uuid);
    const other = unique('key');
    const [a, b] = await Promise.all([add.addTask([4], { idempotencyKey: other }), add.addTask([4], { idempotencyKey: other })]);
    expect(a.uuid).toBe(b.uuid);
  });

  test('a task registered under an NFD name runs: the broker hands it back in NFC, and the worker finds it', async () => {
    const app = newApp();
    const nfd = unique('cafe\u0301');
    const add = app.task({ name: nfd }, async (a: number) => a + 1);
    app.worker.start();
    const done = await add.addTask([1], { timeout: 10 });
    expect(done?.taskName).toBe(nfd.normalize('NFC'));
    expect([done?.status, done?.returning]).toEqual(['success', 2]);
    expect((await app.addTask(nfd, [2], { timeout: 10 }))?.returning).toBe(3);
  });

  test('idempotencyKey reused with other args rejects that call only, not the others of its batch', async () => {
    const app = newApp();
    const add = app.task({ name: unique('idem') }, async (a: number) => a);
    const key = unique('key');
    const first = await add.addTask([1], { idempotencyKey: key });
    const [reused, fresh] = await Promise.allSettled([add.addTask([2], { idempotencyKey: key }), add.addTask([3], { idempotencyKey: unique('key') })]);
    expect(reused.status).toBe('rejected');
    expect(String((reused as PromiseRejectedResult).reason)).toMatch(/idempotency_key.*already used/);
    expect(fresh.status).toBe('fulfilled');
    expect((await app.get(first.uuid))?.args).toEqual([1]);
  });

  test('args that are not an array reject with TaskUsageError, and nothing is sent', async () => {
    const app = newApp();
    const add = app.task({ name: unique('usage') }, async (a: number) => a);
    const before = app.connection().enqueues.rpcCount;
    // addTask returns a Promise: a bad call rejects it (it does not throw synchronously).
    let pending: Promise<unknown>[] = [];
    expect(() => {
      pending = [
        add.addTask(5 as unknown as [number]),
        add.addTask({ 0: 1 } as unknown as [number]),
        app.addTask(add.taskName, 'x' as unknown as unknown[]),
        app.addTask('', []),
      ];
    }).not.toThrow();
    for (const call of pending) await expect(call).rejects.toThrow(TaskUsageError);
    expect(app.connection().enqueues.rpcCount).toBe(before);
  });
});

describe('waiting for a result', () => {
  test('with a worker, addTask(args, { timeout }) resolves to the final Task with returning', async () => {
    const app = newApp();
    const name = unique('sum');
    const add = app.task({ name }, async (a: number, b: number, kw?: { c?: number }) => a + b + (kw?.c ?? 0));
    app.worker.start();
    const done = await add.addTask([2, 3], { timeout: 10 });
    expect(done).toBeInstanceOf(Task);
    expect(done!.status).toBe('success');
    expect(done!.returning).toBe(5);
    expect(done!.isFinal).toBe(true);
    expect(done!.attempt).toBe(1);
    expect(done!.args).toEqual([2, 3]);
    expect(done!.traceback).toBeUndefined();
    expect(done!.finishedAt).toBeInstanceOf(Date);
    // kwargs reach the handler as one more, last argument.
    expect((await add.addTask([2, 3], { timeout: 10, kwargs: { c: 10 } }))?.returning).toBe(15);
    // By name, through the app.
    expect((await app.addTask(name, [20, 22], { timeout: 10 }))?.returning).toBe(42);
    // Objects come back decoded.
    const obj = app.task({ name: unique('obj') }, async (x: string) => ({ x, list: [1, null, 'y'] }));
    await app.worker.stop(); // the worker leases the queues registered when it starts
    app.worker.start();
    expect((await obj.addTask(['v'], { timeout: 10 }))?.returning).toEqual({ x: 'v', list: [1, null, 'y'] });
  });

  test('resultStatusesEnd with a status before the end (process): addTask({ timeout }) resolves at it', async () => {
    const app = newApp({ config: { resultStatusesEnd: ['process', 'success', 'error', 'cancel'] } });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const slow = app.task({ name: unique('slow') }, async () => (await released, 1));
    app.worker.start();
    // Its enqueue asks the Produce stream for every state, not the final one alone.
    const seen = await slow.addTask([], { timeout: 10 });
    release();
    expect(seen?.status).toBe('process');
    expect([app.connection().everyStateEnqueues.rpcCount, app.connection().watchedEnqueues.rpcCount]).toEqual([1, 0]);
  });

  test('with no worker, the wait resolves to null after the timeout', async () => {
    const logger = recordingLogger();
    const app = newApp({ logger });
    const add = app.task({ name: unique('idle') }, async () => 1);
    let start = Date.now();
    const result = await add.addTask([], { timeout: 0.5 });
    let elapsed = Date.now() - start;
    expect(result).toBeNull();
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(5000);
    expect(logger.lines.some((line) => line.level === 'warn' && /timed out/.test(line.message))).toBe(true);

    const queued = await add.addTask([]);
    start = Date.now();
    expect(await new AsyncResult(queued.uuid, app).result(0.3)).toBeNull();
    expect(await queued.waitResult(0.3)).toBeNull();
    elapsed = Date.now() - start;
    expect(elapsed).toBeGreaterThanOrEqual(550);
    expect(elapsed).toBeLessThan(5000);
    expect((await app.get(queued.uuid))?.status).toBe('new');
  });

  test('AsyncResult(uuid, app).result and task.waitResult wait for a task enqueued earlier', async () => {
    const app = newApp();
    const add = app.task({ name: unique('later') }, async (a: number, b: number) => a + b);
    const queued = await add.addTask([4, 5]);
    expect(queued.status).toBe('new');
    // Both waits start before any worker runs: they see the transition as it happens.
    const viaResult = new AsyncResult<number>(queued.uuid, app).result(10);
    const viaTask = queued.waitResult(10);
    const viaDefaultApp = new AsyncResult<number>(queued.uuid).result(10); // the default app: same broker
    app.worker.start();
    const [a, b, c] = await Promise.all([viaResult, viaTask, viaDefaultApp]);
    for (const done of [a, b, c]) {
      expect(done?.status).toBe('success');
      expect(done?.returning).toBe(9);
      expect(done?.uuid).toBe(queued.uuid);
    }
    // Once finished, a new wait resolves at once to the final task.
    const start = Date.now();
    expect((await new AsyncResult(queued.uuid, app).result(10))?.returning).toBe(9);
    expect(Date.now() - start).toBeLessThan(2000);
  });

  test('a task that ends in error resolves (status error, traceback set) rather than null', async () => {
    const app = newApp();
    const name = unique('boom');
    const boom = app.task({ name }, async (what: string) => {
      throw new RangeError(`bad input: ${what}`);
    });
    app.worker.start();
    const failed = await boom.addTask(['x'], { timeout: 10 });
    expect(failed).not.toBeNull();
    expect(failed!.status).toBe('error');
    expect(failed!.isFinal).toBe(true);
    expect(failed!.returning).toBeUndefined();
    expect(failed!.traceback).toEqual(expect.stringContaining('bad input: x'));
    expect(failed!.traceback).toEqual(expect.stringContaining('RangeError'));
    expect(failed!.error?.type).toBe('RangeError');
    expect(failed!.error?.message).toBe('bad input: x');
    expect((await new AsyncResult(failed!.uuid, app).result(5))?.status).toBe('error');
  });

  test('an unknown uuid resolves to null without waiting for the timeout', async () => {
    const app = newApp();
    const start = Date.now();
    expect(await new AsyncResult(randomUUID(), app).result(10)).toBeNull();
    expect(Date.now() - start).toBeLessThan(5000);
  });

  test('the wait ends at a status of app.config.resultStatusesEnd, even an intermediate one', async () => {
    const app = newApp({ config: { resultStatusesEnd: ['process', 'success', 'error', 'cancel'] } });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = app.task({ name: unique('gate') }, async () => {
      await gate;
      return 'done';
    });
    app.worker.start();
    const running = await slow.addTask([], { timeout: 10 });
    expect(running?.status).toBe('process');
    expect(running?.attempt).toBe(1);
    // Through this app, a new wait ends at once (the task is still running)...
    expect((await running!.waitResult(10))?.status).toBe('process');
    release();
    // ...through the default app (default statuses) it waits for the end.
    expect((await new AsyncResult<string>(running!.uuid, main).result(10))?.returning).toBe('done');
  });
});

describe('pre-building: add(1, 2) gives an AsyncTaskCls', () => {
  test('holds taskName, priority, timeout, args, kwargs; JSON.stringify keeps them; nothing is sent', async () => {
    const app = newApp();
    const name = unique('pre');
    const add = app.task({ name, priority: 7 }, async (a: number, b: number) => a + b);
    const rpcs = app.connection().enqueues.rpcCount;
    const cls = add(1, 2);
    expect(cls).toBeInstanceOf(AsyncTaskCls);
    expect(cls.taskName).toBe(name);
    expect(cls.priority).toBe(7);
    expect(cls.timeout).toBeUndefined();
    expect('timeout' in cls).toBe(true);
    expect(cls.args).toEqual([1, 2]);
    expect(cls.kwargs).toEqual({});
    expect(JSON.parse(JSON.stringify(cls))).toEqual({ taskName: name, priority: 7, args: [1, 2], kwargs: {} });
    cls.timeout = 5;
    expect(JSON.parse(JSON.stringify(cls))).toEqual({ taskName: name, priority: 7, timeout: 5, args: [1, 2], kwargs: {} });
    expect(Object.keys(cls).sort()).toEqual(['args', 'kwargs', 'priority', 'taskName', 'timeout']);
    await Promise.resolve();
    expect(app.connection().enqueues.rpcCount).toBe(rpcs);
  });

  test('changed fields are what cls.addTask() sends; a priority of 0 stays 0', async () => {
    const app = newApp();
    const name = unique('pre-send');
    const add = app.task({ name, priority: 7 }, async (a: number, b: number, kw?: { c?: number }) => a + b + (kw?.c ?? 0));
    const cls = add(1, 2);
    cls.args = [10, 20];
    cls.kwargs = { c: 5 };
    cls.priority = 0;
    const sent = await cls.addTask();
    expect(sent?.status).toBe('new');
    expect(sent?.taskName).toBe(name);
    expect(sent?.args).toEqual([10, 20]);
    expect(sent?.kwargs).toEqual({ c: 5 });
    expect(sent?.priority).toBe(0);
    // The same object sent again, with a timeout, once a worker runs.
    app.worker.start();
    cls.timeout = 10;
    cls.args = [100, 200];
    const done = await cls.addTask();
    expect(done?.status).toBe('success');
    expect(done?.returning).toBe(305);
    expect(done?.priority).toBe(0);
    expect((await sent!.waitResult(10))?.returning).toBe(35);
    // A changed task name sends that task instead (a foreign one gets the app default priority unless set).
    const other = add(1, 1);
    other.taskName = unique('pre-other');
    other.priority = 4;
    const foreign = await other.addTask();
    expect(foreign?.taskName).toBe(other.taskName);
    expect(foreign?.priority).toBe(4);
  });
});

describe('cancel', () => {
  test('app.cancel of a queued task gives status cancel with the reason; a worker never runs it', async () => {
    const app = newApp();
    const ran: number[] = [];
    const work = app.task({ name: unique('cancel') }, async (n: number) => {
      ran.push(n);
      return n;
    });
    const queued = await work.addTask([1]);
    const waiting = queued.waitResult(10);
    const cancelled = await app.cancel(queued.uuid, 'not needed any more');
    expect(cancelled).toBeInstanceOf(Task);
    expect(cancelled.uuid).toBe(queued.uuid);
    expect(cancelled.status).toBe('cancel');
    expect(cancelled.cancelReason).toBe('not needed any more');
    expect(cancelled.isFinal).toBe(true);
    // A wait started before the cancel ends with it (cancel is in resultStatusesEnd).
    expect((await waiting)?.status).toBe('cancel');
    expect((await app.get(queued.uuid))?.status).toBe('cancel');
    // A worker now runs the next task of the same queue, never the cancelled one.
    app.worker.start();
    expect((await work.addTask([2], { timeout: 10 }))?.returning).toBe(2);
    expect(ran).toEqual([2]);
    expect((await app.get(queued.uuid))?.status).toBe('cancel');
    expect((await app.get(queued.uuid))?.attempt).toBe(0);
  });

  test('cancelling a finished task is refused (FAILED_PRECONDITION), an unknown one NOT_FOUND', async () => {
    const app = newApp();
    const work = app.task({ name: unique('cancel-done') }, async () => 1);
    app.worker.start();
    const done = await work.addTask([], { timeout: 10 });
    expect(done?.status).toBe('success');
    const refused = await app.cancel(done!.uuid, 'late').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BrokerCallError);
    expect((refused as BrokerCallError).code).toBe(Status.FAILED_PRECONDITION);
    const unknown = await app.cancel(randomUUID()).catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(BrokerCallError);
    expect((unknown as BrokerCallError).code).toBe(Status.NOT_FOUND);
  });
});

describe('batching', () => {
  test('1,000 concurrent addTask calls make fewer than 50 Enqueue RPCs, with 1,000 distinct uuids', async () => {
    const app = newApp();
    const add = app.task({ name: unique('batch') }, async (a: number, b: number) => a + b);
    const conn = app.connection();
    const before = conn.enqueues.rpcCount;
    const tasks = await Promise.all(Array.from({ length: 1000 }, (_, i) => add.addTask([i, 1])));
    const rpcs = conn.enqueues.rpcCount - before;
    expect(rpcs).toBeGreaterThanOrEqual(1);
    expect(rpcs).toBeLessThan(50);
    expect(new Set(tasks.map((t) => t.uuid)).size).toBe(1000);
    // Each caller gets its own task back.
    tasks.forEach((task, i) => {
      expect(task.args).toEqual([i, 1]);
      expect(task.status).toBe('new');
    });
  });

  test('10,000 concurrent addTask calls do not make 10,000 RPCs', async () => {
    const app = newApp();
    const add = app.task({ name: unique('batch10k') }, async (a: number) => a);
    const conn = app.connection();
    const before = conn.enqueues.rpcCount - conn.enqueues.retryCount;
    const tasks = await Promise.all(Array.from({ length: 10_000 }, (_, i) => add.addTask([i])));
    // Batches the broker refused for overload (10 batches of 1,000 at once is over its default
    // limit of writes in flight) are sent again; those resends are not new batches.
    expect(conn.enqueues.rpcCount - conn.enqueues.retryCount - before).toBeLessThanOrEqual(Math.ceil(10_000 / app.config.batchSize));
    expect(new Set(tasks.map((t) => t.uuid)).size).toBe(10_000);
    expect(tasks[9_999]!.args).toEqual([9_999]);
  });

  test('an invalid task in a batch fails alone, with a BrokerCallError naming the field', async () => {
    const app = newApp();
    const add = app.task({ name: unique('mixed') }, async (a: number) => a);
    const conn = app.connection();
    const before = conn.enqueues.rpcCount;
    const calls = Array.from({ length: 10 }, (_, i) => (i === 5 ? app.addTask('n'.repeat(300), [i]) : add.addTask([i])));
    const settled = await Promise.allSettled(calls);
    expect(conn.enqueues.rpcCount - before).toBeLessThanOrEqual(3);
    settled.forEach((result, i) => {
      if (i === 5) {
        expect(result.status).toBe('rejected');
        const error = (result as PromiseRejectedResult).reason as BrokerCallError;
        expect(error).toBeInstanceOf(BrokerCallError);
        expect(error.code).toBe(Status.INVALID_ARGUMENT);
        expect(error.message).toMatch(/tasks\[5\]\.name/);
      } else {
        expect(result.status, `call ${i}`).toBe('fulfilled');
        const task = (result as PromiseFulfilledResult<Task>).value;
        expect(task.status).toBe('new');
        expect(task.args).toEqual([i]);
      }
    });
    const uuids = settled.flatMap((r) => (r.status === 'fulfilled' ? [(r.value as Task).uuid] : []));
    expect(new Set(uuids).size).toBe(9);
  });

  test('two invalid tasks in one batch both fail alone; the rest are stored once', async () => {
    const app = newApp();
    const name = unique('mixed2');
    const add = app.task({ name }, async (a: number) => a);
    const calls = Array.from({ length: 6 }, (_, i) => {
      if (i === 1) return app.addTask('m'.repeat(300), [i]);
      if (i === 4) return add.addTask([i], { kwargs: [1, 2] as unknown as Record<string, unknown> });
      return add.addTask([i]);
    });
    const settled = await Promise.allSettled(calls);
    expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(((settled[1] as PromiseRejectedResult).reason as Error).message).toMatch(/\.name/);
    expect((settled[4] as PromiseRejectedResult).reason).toBeInstanceOf(BrokerCallError);
    expect(((settled[4] as PromiseRejectedResult).reason as Error).message).toMatch(/kwargs/);
    // Exactly the four good tasks exist, each once: run them all and count.
    const good = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value as Task] : []));
    expect(good.map((t) => t.args)).toEqual([[0], [2], [3], [5]]);
    const runs: number[] = [];
    const counter = newApp();
    counter.task({ name }, async (a: number) => void runs.push(a));
    counter.worker.start();
    await Promise.all(good.map((t) => t.waitResult(10)));
    expect(runs.sort()).toEqual([0, 2, 3, 5]);
  });
});

describe('sharedTask and the default app', () => {
  test('a sharedTask is registered in every app; calling it uses the default app (the first one created)', async () => {
    // Created after `main`; its broker address has nobody listening, so using it would fail.
    const other = newApp({ broker: '127.0.0.1:1' });
    const name = unique('shared');
    const shared = sharedTask({ name, priority: 0 }, async (a: number, b: number) => a * b);
    expect(shared.taskName).toBe(name);
    expect(main.tasks.get(name)).toBe(shared.schema);
    expect(other.tasks.get(name)).toBe(shared.schema);
    // An app created later adopts it too.
    const later = newApp({ broker: '127.0.0.1:1' });
    expect(later.tasks.get(name)).toBe(shared.schema);
    expect(later.worker.tasks.has(name)).toBe(true);

    const before = main.connection().enqueues.rpcCount;
    const queued = await shared.addTask([6, 7]);
    expect(queued.status).toBe('new');
    expect(queued.taskName).toBe(name);
    expect(main.connection().enqueues.rpcCount).toBe(before + 1);
    expect((await main.get(queued.uuid))?.uuid).toBe(queued.uuid);

    // The default app's worker runs it; a pre-built run goes through the default app too.
    main.worker.start();
    try {
      expect((await queued.waitResult(10))?.returning).toBe(42);
      const cls = shared(2, 3);
      cls.timeout = 10;
      expect((await cls.addTask())?.returning).toBe(6);
      expect((await shared.addTask([3, 3], { timeout: 10 }))?.returning).toBe(9);
    } finally {
      await main.worker.stop();
    }
  });

  test('sharedTask(fn) names the task after the function and ignores the apps\' default priority', () => {
    const app = withEnv(NO_CONFIG_ENV, () => newApp({ config: { taskDefaultPriority: 5 } }));
    async function sharedNamedAfterFunction(): Promise<number> {
      return 1;
    }
    const shared = sharedTask(sharedNamedAfterFunction);
    expect(shared.taskName).toBe('sharedNamedAfterFunction');
    expect(shared.priority).toBe(0);
    expect(app.tasks.get('sharedNamedAfterFunction')?.priority).toBe(0);
    // A task the app registers itself does get the app's default.
    expect(app.task({ name: unique('own') }, async () => 1).priority).toBe(5);
  });
});
