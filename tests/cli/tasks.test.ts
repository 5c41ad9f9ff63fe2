/**
 * `qtasks enqueue` and `qtasks tasks list|get|cancel|retry|watch`, the compiled command run as a
 * child process against the real `qtasks-broker` process, with workers in the test process.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { QTasks } from '@qtasks/sdk';
import { uname, useBrokerWithApps } from '../helpers/sdk-app.js';
import { runCli, startCli } from '../helpers/cli.js';

const env = useBrokerWithApps();
const newApp = (): QTasks => env.newApp();

/** `qtasks ARGS` against the test broker (through its variable, as a shell would set it). */
const qtasks = (...args: string[]) => runCli(args, { QTASKS_BROKER_ADDRESS: env.broker.address });

/** `qtasks --json ARGS`, expecting exit 0; resolves to the parsed stdout. */
async function qtasksJson<T = any>(...args: string[]): Promise<T> {
  const result = await qtasks('--json', ...args);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

describe('enqueue and tasks get', () => {
  test('enqueue prints the new task; get shows it as JSON and as fields', async () => {
    const name = uname('cli-add');
    const task = await qtasksJson('enqueue', name, '--args', '[1, 2]', '--kwargs', '{"scale": 3}', '--priority', '4');
    expect(task).toMatchObject({ status: 'new', taskName: name, queue: name, args: [1, 2], kwargs: { scale: 3 }, priority: 4 });

    expect(await qtasksJson('tasks', 'get', task.uuid)).toMatchObject({ uuid: task.uuid, status: 'new', args: [1, 2] });
    const human = await qtasks('tasks', 'get', task.uuid);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^id\\s+${task.uuid}$`, 'm'));
    expect(human.stdout).toMatch(/^status\s+new$/m);
    expect(human.stdout).toMatch(/^args\s+\[1,2\]$/m);
  });

  test('enqueue --wait prints the result (exit 0), a failure (exit 6), or times out (exit 7)', async () => {
    const app = newApp();
    const [ok, bad, idle] = [uname('cli-ok'), uname('cli-bad'), uname('cli-idle')];
    app.task({ name: ok }, async (a: number, b: number) => a + b);
    app.task({ name: bad }, async () => {
      throw new TypeError('no such user');
    });
    app.worker.start();

    const done = await qtasks('--json', 'enqueue', ok, '--args', '[20, 22]', '--wait', '15');
    expect(done.code, done.stderr).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ status: 'success', returning: 42 });

    const failed = await qtasks('enqueue', bad, '--wait', '15');
    expect(failed.code).toBe(6);
    expect(failed.stdout).toMatch(/^status\s+error$/m);
    expect(failed.stderr).toMatch(/ended error: TypeError: no such user/);

    // No worker runs this task.
    const waited = await qtasks('enqueue', idle, '--wait', '0.5');
    expect(waited.code).toBe(7);
    expect(waited.stderr).toMatch(/did not end within 0\.5 s \(still new\)/);
  });

  test('bad input exits 2 naming the flag, before anything is sent', async () => {
    const name = uname('cli-bad-input');
    for (const [args, flag] of [
      [['enqueue', name, '--args', '[1,'], '--args: not valid JSON'],
      [['enqueue', name, '--args', '{"a": 1}'], '--args: must be a JSON array'],
      [['enqueue', name, '--kwargs', '[1]'], '--kwargs: must be a JSON object'],
      [['enqueue', name, '--wait', 'soon'], '--wait: must be a number of seconds'],
      [['tasks', 'list', '--status', 'done'], '--status: unknown status "done"'],
      [['tasks', 'list', '--since', 'yesterday'], '--since: must be a duration'],
      [['tasks', 'list', '--status', 'new', '--since', '1h'], '--since: the broker lists tasks by the time they ended'],
      [['tasks', 'list', '--limit', '0'], '--limit: must be a whole number'],
      [['tasks', 'nope'], "unknown command 'nope'"],
    ] as const) {
      const result = await qtasks(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(`qtasks: ${flag}`);
    }
    const { tasks } = await newApp().listTasks({ queue: name });
    expect(tasks).toEqual([]);
  });

  test('an unknown id exits 3; a value the broker refuses exits 4, naming the field', async () => {
    const missing = randomUUID();
    for (const args of [['tasks', 'get', missing], ['tasks', 'cancel', missing], ['tasks', 'retry', missing], ['tasks', 'watch', missing]]) {
      const result = await qtasks(...args);
      expect(result.code, args.join(' ')).toBe(3);
      expect(result.stderr).toMatch(/^qtasks: /);
    }
    const refused = await qtasks('tasks', 'list', '--queue', 'bad\tname');
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/^qtasks: ListTasks refused: queue: .*\(INVALID_ARGUMENT, INVALID_FIELD\)$/m);
  });
});

describe('tasks list', () => {
  test('filters by queue and status, limits with a note, and --since lists what ended since', async () => {
    const app = newApp();
    const queue = uname('cli-list');
    const job = app.task({ name: queue }, async (n: number) => {
      if (n < 0) throw new Error('negative');
      return n;
    });
    const ended = await Promise.all([job.addTask([1]), job.addTask([-1])]);
    app.worker.start();
    await Promise.all(ended.map((task) => task.waitResult(10)));
    // Stopped: the next three stay new.
    await app.worker.stop();
    const waiting = await Promise.all([1, 2, 3].map((n) => job.addTask([n])));

    const all = await qtasksJson<{ uuid: string; status: string }[]>('tasks', 'list', '--queue', queue);
    expect(all).toHaveLength(5);
    const news = await qtasksJson<{ uuid: string }[]>('tasks', 'list', '--queue', queue, '--status', 'new');
    expect(news.map((task) => task.uuid)).toEqual(waiting.map((task) => task.uuid));
    const finished = await qtasksJson<{ status: string }[]>('tasks', 'list', '--queue', queue, '--status', 'success,error');
    expect(finished.map((task) => task.status)).toEqual(['success', 'error']);
    expect(await qtasksJson('tasks', 'list', '--queue', queue, '--since', '10m')).toHaveLength(2);
    expect(await qtasksJson('tasks', 'list', '--queue', queue, '--since', new Date(Date.now() + 60_000).toISOString())).toEqual([]);

    const limited = await qtasks('tasks', 'list', '--queue', queue, '--status', 'new', '--limit', '2');
    expect(limited.code).toBe(0);
    expect(limited.stdout.trim().split('\n')).toHaveLength(3); // header + 2 rows
    expect(limited.stdout).toMatch(/^ID\s+NAME\s+QUEUE\s+STATUS/);
    expect(limited.stdout).toContain(waiting[1]!.uuid);
    expect(limited.stdout).not.toContain(waiting[2]!.uuid);
    expect(limited.stderr).toContain('showing the first 2; more match');
    const everything = await qtasks('tasks', 'list', '--queue', queue, '--all', '--limit', '1');
    expect(everything.stdout.trim().split('\n')).toHaveLength(6);
    expect(everything.stderr).toBe('');
  });
});

describe('tasks cancel, retry and watch', () => {
  test('cancel ends a waiting task cancel, with its reason', async () => {
    const queue = uname('cli-cancel');
    const task = await newApp().addTask(queue, [1]);
    const result = await qtasks('tasks', 'cancel', task.uuid, '--reason', 'operator said so');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(`${task.uuid}  cancel`);
    expect(await newApp().get(task.uuid)).toMatchObject({ status: 'cancel', cancelReason: 'operator said so' });
    // Cancelling it again changes nothing; it is no error.
    expect(await qtasks('tasks', 'cancel', task.uuid)).toMatchObject({ code: 0, stdout: `${task.uuid}  cancel\n` });
  });

  test('cancel of several ids cancels each; one that fails is reported and sets the exit code', async () => {
    const app = newApp();
    const queue = uname('cli-cancel-many');
    const [a, b] = await Promise.all([app.addTask(queue, [1]), app.addTask(queue, [2])]);
    const missing = randomUUID();
    const result = await qtasks('--json', 'tasks', 'cancel', a.uuid, missing, b.uuid);
    expect(result.code).toBe(3);
    expect((JSON.parse(result.stdout) as { uuid: string; status: string }[]).map(({ uuid, status }) => [uuid, status])).toEqual([
      [a.uuid, 'cancel'],
      [b.uuid, 'cancel'],
    ]);
    expect(result.stderr).toContain(`qtasks: ${missing}: CancelTask refused`);
    expect(result.stderr).toContain('qtasks: cancel: 1 of 3 failed');
  });

  test('retry runs a failed task again; by filter it retries every failed task of a queue', async () => {
    const app = newApp();
    const queue = uname('cli-retry');
    let fail = true;
    const job = app.task({ name: queue }, async (n: number) => {
      if (fail) throw new Error(`failed ${n}`);
      return n;
    });
    app.worker.start();
    const failed = await Promise.all([1, 2, 3].map((n) => job.addTask([n], { timeout: 10 })));
    expect(failed.map((task) => task?.status)).toEqual(['error', 'error', 'error']);
    fail = false;

    const one = await qtasksJson<{ uuid: string; status: string }[]>('tasks', 'retry', failed[0]!.uuid);
    expect(one).toMatchObject([{ uuid: failed[0]!.uuid, status: 'retry' }]);
    expect(await app.waitForResult(failed[0]!.uuid, 10)).toMatchObject({ status: 'success', returning: 1 });
    // A task that succeeded cannot be retried: the broker refuses (exit 4).
    const again = await qtasks('tasks', 'retry', failed[0]!.uuid);
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/FAILED_PRECONDITION/);

    const bulk = await qtasks('tasks', 'retry', '--queue', queue, '--status', 'error');
    expect(bulk.code, bulk.stderr).toBe(0);
    expect(bulk.stdout.trim()).toBe('retried 2 of 2 tasks');
    const results = await Promise.all(failed.slice(1).map((task) => app.waitForResult(task!.uuid, 10)));
    expect(results.map((task) => task?.returning)).toEqual([2, 3]);
    expect((await qtasks('tasks', 'retry', '--queue', queue, '--status', 'success')).code).toBe(2);
  });

  test('watch prints each transition as it happens, until success (exit 0) or failure (exit 6)', async () => {
    const app = newApp();
    const queue = uname('cli-watch');
    let release!: () => void;
    const running = new Promise<void>((resolve) => (release = resolve));
    const job = app.task({ name: queue }, async (n: number) => {
      await running;
      if (n < 0) throw new RangeError('below zero');
      return n * 2;
    });
    const task = await job.addTask([21]);
    const watch = startCli(['tasks', 'watch', task.uuid], { QTASKS_BROKER_ADDRESS: env.broker.address });
    await watch.waitForStdout(/ new /);
    app.worker.start();
    await watch.waitForStdout(/ process /);
    release();
    const result = await watch.done;
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines.map((line) => line.split(/\s+/)[1])).toEqual(['new', 'process', 'success']);
    expect(lines[2]).toContain('result 42');

    // --json: one object per line; a failed task exits 6.
    const failing = await job.addTask([-1]);
    const failed = await runCli(['tasks', 'watch', failing.uuid, '--json', '--timeout', '15'], { QTASKS_BROKER_ADDRESS: env.broker.address });
    expect(failed.code).toBe(6);
    const states = failed.stdout.trim().split('\n').map((line) => JSON.parse(line) as { status: string });
    expect(states.at(-1)).toMatchObject({ status: 'error', error: { type: 'RangeError', message: 'below zero' } });
    expect(failed.stderr).toContain(`task ${failing.uuid} ended error: RangeError: below zero`);
  });
});
