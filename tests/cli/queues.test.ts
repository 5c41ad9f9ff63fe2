/**
 * `qtasks queues list|pause|resume|purge|limits`, `qtasks stats`, the shared options (broker,
 * token) and the exit codes that are not about one task, against the real `qtasks-broker`.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { QTasks } from '@qtasks/sdk';
import { startBrokerProcess } from '../helpers/broker-process.js';
import { uname, useBrokerWithApps } from '../helpers/sdk-app.js';
import { createTestPki } from '../helpers/certs.js';
import { runCli } from '../helpers/cli.js';

const env = useBrokerWithApps();
const newApp = (): QTasks => env.newApp();

/** `qtasks ARGS` against the test broker, given by flag. */
const qtasks = (...args: string[]) => runCli(['--broker', env.broker.address, ...args]);

async function qtasksJson<T = any>(...args: string[]): Promise<T> {
  const result = await qtasks(...args, '--json');
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

describe('queues', () => {
  test('pause stops a worker getting tasks, resume lets it; list shows the state', async () => {
    const app = newApp();
    const queue = uname('cli-pause');
    const job = app.task({ name: queue }, async (n: number) => n + 1);
    expect(await qtasksJson('queues', 'pause', queue)).toMatchObject({ name: queue, paused: true });
    app.worker.start();
    const task = await job.addTask([1]);
    expect(await task.waitResult(0.7)).toBeNull();

    const table = await qtasks('queues', 'list');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^QUEUE\s+STATE\s+NEW\s+PROCESS/);
    expect(table.stdout).toMatch(new RegExp(`^${queue}\\s+paused\\s+1\\s+0\\s`, 'm'));

    const resumed = await qtasks('queues', 'resume', queue);
    expect(resumed).toMatchObject({ code: 0, stdout: `queue ${queue} resumed (1 waiting, 0 running)\n` });
    expect(await task.waitResult(10)).toMatchObject({ status: 'success', returning: 2 });
    expect((await qtasksJson<{ name: string; paused: boolean }[]>('queues', 'list')).find((q) => q.name === queue)).toMatchObject({ paused: false });
  });

  test('limits shows them, sets the ones given and keeps the others, and --clear removes them', async () => {
    const queue = uname('cli-limits');
    const shown = await qtasks('queues', 'limits', queue);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^max-running\s+none$/m);

    expect(await qtasksJson('queues', 'limits', queue, '--max-running', '5', '--rate', '100/s')).toEqual({
      queue,
      limits: { maxRunning: 5, rate: { count: 100, periodMs: 1000 }, maxRunningPerKey: 0 },
    });
    // Only the per-key rate changes; the rest stays.
    await qtasks('queues', 'limits', queue, '--key-rate', '10/1m');
    expect(await newApp().getQueueLimits(queue)).toEqual({
      maxRunning: 5,
      rate: { count: 100, periodMs: 1000 },
      maxRunningPerKey: 0,
      ratePerKey: { count: 10, periodMs: 60_000 },
    });
    const human = await qtasks('queues', 'limits', queue, '--rate', 'none');
    expect(human.stdout).toMatch(/^rate\s+none$/m);
    expect(human.stdout).toMatch(/^key-rate\s+10\/1m$/m);

    const bad = await qtasks('queues', 'limits', queue, '--rate', '100/fortnight');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('qtasks: --rate: must be COUNT/PERIOD');

    await qtasks('queues', 'limits', queue, '--clear');
    expect(await newApp().getQueueLimits(queue)).toEqual({ maxRunning: 0, rate: undefined, maxRunningPerKey: 0, ratePerKey: undefined });
  });

  test('purge asks for --yes off a terminal, then removes the tasks in the given statuses only', async () => {
    const app = newApp();
    const queue = uname('cli-purge');
    const tasks = await Promise.all([1, 2, 3].map((n) => app.addTask(queue, [n])));
    await app.cancel(tasks[0]!.uuid);

    const unconfirmed = await qtasks('queues', 'purge', queue, '--status', 'new');
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('add --yes to confirm');
    expect((await qtasks('queues', 'purge', queue, '--yes')).stderr).toContain('--status is required');
    expect((await qtasks('queues', 'purge', queue, '--status', 'process', '--yes')).stderr).toContain('running tasks (process) are never purged');
    expect((await app.listTasks({ queue })).tasks).toHaveLength(3);

    expect(await qtasksJson('queues', 'purge', queue, '--status', 'new', '--yes')).toEqual({ queue, purged: 2, byStatus: { new: 2 } });
    expect((await app.listTasks({ queue })).tasks.map((task) => task.uuid)).toEqual([tasks[0]!.uuid]);
    const human = await qtasks('queues', 'purge', queue, '--status', 'cancel,retry', '--yes');
    expect(human.stdout).toBe(`purged 1 tasks from queue ${queue} (cancel 1, retry 0)\n`);
  });
});

describe('stats', () => {
  test('sums the counts of every queue', async () => {
    const app = newApp();
    const [a, b] = [uname('cli-stats-a'), uname('cli-stats-b')];
    const before = await qtasksJson<{ queues: number; counts: Record<string, number>; waiting: number }>('stats');
    await Promise.all([app.addTask(a, [1]), app.addTask(a, [2]), app.addTask(b, [3])]);
    await qtasks('queues', 'pause', b);

    const after = await qtasksJson<{ queues: number; paused: number; counts: Record<string, number>; waiting: number; oldestReadyAgeMs: number }>('stats');
    expect(after.queues).toBe(before.queues + 2);
    expect(after.paused).toBeGreaterThanOrEqual(1);
    expect(after.counts.new).toBe(before.counts.new! + 3);
    expect(after.waiting).toBe(before.waiting + 3);
    expect(after.oldestReadyAgeMs).toBeGreaterThanOrEqual(0);

    const human = await qtasks('stats');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^new\\s+${after.counts.new}$`, 'm'));
    expect(human.stdout).toMatch(/^queues\s+\d+ \(\d+ paused\)$/m);
  });
});

describe('shared options and exit codes', () => {
  test('--help lists the commands and the exit codes; no command is a usage error', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const text of ['tasks', 'queues', 'stats', 'enqueue', 'QTASKS_BROKER_ADDRESS', 'QTASKS_AUTH_TOKEN', '5  broker unavailable']) expect(help.stdout).toContain(text);
    expect((await runCli([])).code).toBe(2);
  });

  test('a broker that cannot be reached exits 5', async () => {
    const result = await runCli(['stats'], { QTASKS_BROKER_ADDRESS: '127.0.0.1:1' });
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/^qtasks: cannot reach the broker at 127\.0\.0\.1:1 /);
  });

  test('--broker takes several brokers sharing one store: one that cannot be reached is passed over', async () => {
    const gone = await startBrokerProcess();
    const unreachable = gone.address;
    await gone.dispose();
    const result = await runCli(['--broker', `${unreachable},${env.broker.address}`, 'stats']);
    expect(result.code, result.stderr).toBe(0);
    expect((await runCli(['--broker', `${unreachable},nowhere`, 'stats'])).stderr).toContain('broker: "nowhere" is not HOST:PORT');
  });

  test('a broker that requires a token: none or a wrong one exits 4; --token or QTASKS_AUTH_TOKEN works', async () => {
    const token = `cli-${randomUUID()}`;
    const secured = await startBrokerProcess({ args: ['--auth-token', token] });
    try {
      const none = await runCli(['stats'], { QTASKS_BROKER_ADDRESS: secured.address });
      expect(none.code).toBe(4);
      expect(none.stderr).toMatch(/^qtasks: the broker refused the token .*set --token or QTASKS_AUTH_TOKEN$/m);
      const wrong = await runCli(['--token', 'nope', 'stats'], { QTASKS_BROKER_ADDRESS: secured.address });
      expect(wrong.code).toBe(4);
      expect(wrong.stderr).not.toContain('nope');
      expect((await runCli(['stats', '--token', token, '--broker', secured.address])).code).toBe(0);
      expect((await runCli(['stats'], { QTASKS_BROKER_ADDRESS: secured.address, QTASKS_AUTH_TOKEN: token })).code).toBe(0);
    } finally {
      await secured.dispose();
    }
  });

  test('a TLS broker: --tls-ca (or QTASKS_TLS_CA) connects, plaintext cannot', async () => {
    const pki = await createTestPki();
    const secured = await startBrokerProcess({ args: ['--tls-cert', pki.paths.serverCert, '--tls-key', pki.paths.serverKey] });
    try {
      expect((await runCli(['--broker', secured.address, '--tls-ca', pki.paths.ca, 'stats'])).code).toBe(0);
      expect((await runCli(['stats'], { QTASKS_BROKER_ADDRESS: secured.address, QTASKS_TLS_CA: pki.paths.ca })).code).toBe(0);
      // Several addresses: the certificate is checked against the first one's host (127.0.0.1 here).
      const unused = await startBrokerProcess();
      await unused.dispose();
      expect((await runCli(['--broker', `${unused.address},${secured.address}`, '--tls-ca', pki.paths.ca, 'stats'])).code).toBe(0);
      expect((await runCli(['--broker', secured.address, 'stats'])).code).toBe(5);
      const missing = await runCli(['--broker', secured.address, '--tls-ca', `${pki.dir}/none.pem`, 'stats']);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('qtasks: --tls-ca (QTASKS_TLS_CA): cannot read');
    } finally {
      await secured.dispose();
      await pki.dispose();
    }
  });
});
