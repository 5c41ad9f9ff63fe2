/**
 * Access control and transport security of the real `qtasks-broker`: bearer tokens with scopes,
 * tokens files, TLS and mutual TLS, with certificates generated at test time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ChannelCredentials, Metadata, Status, type Channel } from 'nice-grpc';
import { HealthDefinition, HealthCheckResponse_ServingStatus } from 'nice-grpc-server-health/lib/proto/grpc/health/v1/health.js';
import { ServerReflectionService } from 'nice-grpc-server-reflection';
import { ServerReflectionRequest, type ServerReflectionResponse } from 'nice-grpc-server-reflection/lib/proto/grpc/reflection/v1/reflection_pb.js';
import { BrokerServiceDefinition, TaskStatus } from '@qtasks/proto';
import { BROKER_BIN, connectClient, startBrokerProcess, type BrokerClient, type BrokerProcess, type ClientSecurity } from '../helpers/broker-process.js';
import { createTestPki, type TestPki } from '../helpers/certs.js';
import { json, spec, uniqueQueue, workerId } from '../helpers/tasks.js';
import { openProduce } from '../helpers/work-stream.js';

const ALL = 'all-9f2c41d7e8a3';
const PRODUCER = 'producer-5b7e0c9a11f4';
const WORKER = 'worker-c3d8e6f2a0b9';
const FROM_ENV = 'env-token-71aa06e5';
const TOKENS_FILE = `# QTasks broker tokens
${ALL}            # no scope: all

${PRODUCER} producer
  ${WORKER}   worker   # indented, with a comment
`;

let tmp: string;
let pki: TestPki;
const channels: Channel[] = [];
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'qtasks-sec-'));
  pki = await createTestPki();
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
  await pki.dispose();
});
afterEach(() => {
  for (const channel of channels.splice(0)) channel.close();
});

/** A BrokerService client of `broker` with these credentials (closed after the test). */
function clientOf(broker: BrokerProcess, security: ClientSecurity): BrokerClient {
  const { client, channel } = connectClient(BrokerServiceDefinition, broker.address, security);
  channels.push(channel);
  return client;
}

/** Writes a file into the test's temporary directory; returns its path. */
async function file(name: string, text: string): Promise<string> {
  const path = join(tmp, name);
  await writeFile(path, text);
  return path;
}

/** Runs `qtasks-broker` to its exit (for configurations that must be refused). */
function run(args: string[], env: Record<string, string> = {}): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [BROKER_BIN, '--listen', '127.0.0.1:0', '--data-dir', join(tmp, 'never'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 20_000,
  });
  return { status: result.status, stderr: result.stderr };
}

const unauthenticated = { code: Status.UNAUTHENTICATED };
const denied = { code: Status.PERMISSION_DENIED };

describe('bearer tokens', () => {
  let broker: BrokerProcess;
  let admin: BrokerClient;
  beforeAll(async () => {
    broker = await startBrokerProcess({
      args: ['--auth-tokens-file', await file('tokens', TOKENS_FILE)],
      env: { QTASKS_BROKER_AUTH_TOKEN: FROM_ENV },
      client: { token: ALL },
    });
    admin = broker.client;
  });
  afterAll(() => broker.dispose());

  /** The tasks of a queue, read with a good token. */
  async function tasksIn(queue: string) {
    return (await admin.listTasks({ queue })).tasks;
  }

  test('a call without a token is UNAUTHENTICATED on every BrokerService method, and changes nothing', async () => {
    const queue = uniqueQueue();
    const [task] = (await admin.enqueue({ tasks: [spec(queue)] })).tasks;
    const anonymous = clientOf(broker, {});
    const lease = { taskId: task!.id, leaseToken: 'x' };
    await expect(anonymous.enqueue({ tasks: [spec(queue)] })).rejects.toMatchObject(unauthenticated);
    await expect(anonymous.getTask({ taskId: task!.id })).rejects.toMatchObject(unauthenticated);
    await expect(anonymous.listTasks({ queue })).rejects.toMatchObject(unauthenticated);
    await expect(anonymous.cancelTask({ taskId: task!.id })).rejects.toMatchObject(unauthenticated);
    await expect(anonymous.watchResult({ taskId: task!.id })[Symbol.asyncIterator]().next()).rejects.toMatchObject(unauthenticated);
    await expect(anonymous.lease({ workerId: workerId(), queues: [queue], maxTasks: 1 })).rejects.toMatchObject(unauthenticated);
    await expect(anonymous.heartbeat({ items: [lease] })).rejects.toMatchObject(unauthenticated);
    await expect(anonymous.reportProgress({ items: [{ ...lease, progress: json(1) }] })).rejects.toMatchObject(unauthenticated);
    await expect(
      anonymous.complete({ completions: [{ ...lease, outcome: { $case: 'success', value: { result: json(1) } } }] }),
    ).rejects.toMatchObject(unauthenticated);
    // Still the one task, still new (not cancelled, not leased).
    const tasks = await tasksIn(queue);
    expect(tasks.map((t) => [t.id, t.status, t.attempt])).toEqual([[task!.id, TaskStatus.TASK_STATUS_NEW, 0]]);
  });

  test('a wrong or malformed token is UNAUTHENTICATED, stores nothing, and is never echoed', async () => {
    const queue = uniqueQueue();
    const wrong = `${ALL}x`;
    const error = await clientOf(broker, { token: wrong }).enqueue({ tasks: [spec(queue)] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ ...unauthenticated, details: 'invalid token' });
    // A prefix of a good token, and a header that is not "Bearer TOKEN".
    await expect(clientOf(broker, { token: ALL.slice(0, -1) }).enqueue({ tasks: [spec(queue)] })).rejects.toMatchObject(unauthenticated);
    const basic = connectClient(BrokerServiceDefinition, broker.address);
    channels.push(basic.channel);
    await expect(
      basic.client.enqueue({ tasks: [spec(queue)] }, { metadata: Metadata({ authorization: `Basic ${ALL}` }) }),
    ).rejects.toMatchObject(unauthenticated);
    expect(await tasksIn(queue)).toEqual([]);
    expect(broker.stderr()).not.toContain(ALL.slice(0, 8));
  });

  test('the "all" token of the file and the one of QTASKS_BROKER_AUTH_TOKEN may do everything', async () => {
    for (const token of [ALL, FROM_ENV]) {
      const client = clientOf(broker, { token });
      const queue = uniqueQueue();
      const [task] = (await client.enqueue({ tasks: [spec(queue)] })).tasks;
      const [leased] = (await client.lease({ workerId: workerId(), queues: [queue], maxTasks: 1 })).tasks;
      expect(leased!.task!.id).toBe(task!.id);
      const { results } = await client.complete({
        completions: [{ taskId: task!.id, leaseToken: leased!.leaseToken, outcome: { $case: 'success', value: { result: json(3) } } }],
      });
      expect(results[0]!.accepted).toBe(true);
      expect((await client.getTask({ taskId: task!.id })).task!.status).toBe(TaskStatus.TASK_STATUS_SUCCESS);
    }
  });

  test('a producer token enqueues (unary and on a Produce stream), reads, watches, lists and cancels, but cannot run tasks', async () => {
    const producer = clientOf(broker, { token: PRODUCER });
    const queue = uniqueQueue();
    const [first, second] = (await producer.enqueue({ tasks: [spec(queue), spec(queue)] })).tasks;
    const produce = openProduce(producer);
    produce.send({ requestId: 1, kind: { $case: 'enqueue', value: { tasks: [spec(uniqueQueue())] } } });
    expect((await produce.next()).kind?.$case).toBe('enqueued');
    produce.end();
    expect((await producer.getTask({ taskId: first!.id })).task!.status).toBe(TaskStatus.TASK_STATUS_NEW);
    expect((await producer.listTasks({ queue })).tasks).toHaveLength(2);
    const watch = producer.watchResult({ taskId: second!.id })[Symbol.asyncIterator]();
    expect((await watch.next()).value?.task?.status).toBe(TaskStatus.TASK_STATUS_NEW);
    expect((await producer.cancelTask({ taskId: second!.id, reason: 'changed my mind' })).task!.status).toBe(TaskStatus.TASK_STATUS_CANCEL);
    expect((await watch.next()).value?.task?.status).toBe(TaskStatus.TASK_STATUS_CANCEL);

    const error = await producer.lease({ workerId: workerId(), queues: [queue], maxTasks: 1 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ ...denied, details: 'a producer token may not call Lease' });
    // A real lease (with a good token) to try Heartbeat, ReportProgress and Complete on.
    const [leased] = (await admin.lease({ workerId: workerId(), queues: [queue], maxTasks: 1 })).tasks;
    const item = { taskId: first!.id, leaseToken: leased!.leaseToken };
    await expect(producer.heartbeat({ items: [item] })).rejects.toMatchObject(denied);
    await expect(producer.reportProgress({ items: [{ ...item, progress: json('half') }] })).rejects.toMatchObject(denied);
    await expect(producer.complete({ completions: [{ ...item, outcome: { $case: 'success', value: { result: json(1) } } }] })).rejects.toMatchObject(denied);
    const task = (await admin.getTask({ taskId: first!.id })).task!;
    expect([task.status, task.attempt, task.progress.length]).toEqual([TaskStatus.TASK_STATUS_PROCESS, 1, 0]);
  });

  test('a producer token reads queues and retries a task; only an all token pauses, resumes, purges and sets limits', async () => {
    const producer = clientOf(broker, { token: PRODUCER });
    const worker = clientOf(broker, { token: WORKER });
    const queue = uniqueQueue();
    const [task] = (await producer.enqueue({ tasks: [spec(queue)] })).tasks;
    await producer.cancelTask({ taskId: task!.id });
    expect((await producer.retryTask({ taskId: task!.id })).task!.status).toBe(TaskStatus.TASK_STATUS_RETRY);
    expect((await producer.listQueues({})).queues.some((q) => q.name === queue)).toBe(true);
    expect((await producer.getQueueLimits({ queue })).limits).toMatchObject({ maxRunning: 0 });
    for (const [name, call] of [
      ['PauseQueue', () => producer.pauseQueue({ queue })],
      ['ResumeQueue', () => producer.resumeQueue({ queue })],
      ['PurgeQueue', () => producer.purgeQueue({ queue, statuses: [TaskStatus.TASK_STATUS_RETRY] })],
      ['SetQueueLimits', () => producer.setQueueLimits({ queue, limits: { maxRunning: 1, maxRunningPerKey: 0 } })],
    ] as const) {
      await expect(call(), name).rejects.toMatchObject({ ...denied, details: `a producer token may not call ${name}` });
    }
    await expect(worker.listQueues({})).rejects.toMatchObject({ ...denied, details: 'a worker token may not call ListQueues' });
    expect((await admin.listQueues({})).queues.find((q) => q.name === queue)).toMatchObject({ paused: false, counts: expect.objectContaining({ retry: 1 }) });
    expect((await admin.pauseQueue({ queue })).queue!.paused).toBe(true);
  });

  test('a worker token leases, heartbeats, reports progress and completes, but cannot enqueue or read', async () => {
    const worker = clientOf(broker, { token: WORKER });
    const queue = uniqueQueue();
    await expect(worker.enqueue({ tasks: [spec(queue)] })).rejects.toMatchObject({ ...denied, details: 'a worker token may not call Enqueue' });
    const produce = openProduce(worker);
    produce.send({ requestId: 1, kind: { $case: 'enqueue', value: { tasks: [spec(queue)] } } });
    expect(await produce.closed).toMatchObject({ ...denied, details: 'a worker token may not call Produce' });
    expect(await tasksIn(queue)).toEqual([]);
    const [task] = (await admin.enqueue({ tasks: [spec(queue)] })).tasks;
    await expect(worker.getTask({ taskId: task!.id })).rejects.toMatchObject(denied);
    await expect(worker.cancelTask({ taskId: task!.id })).rejects.toMatchObject(denied);
    await expect(worker.listTasks({ queue })).rejects.toMatchObject(denied);
    await expect(worker.watchResult({ taskId: task!.id })[Symbol.asyncIterator]().next()).rejects.toMatchObject(denied);

    const [leased] = (await worker.lease({ workerId: workerId(), queues: [queue], maxTasks: 1 })).tasks;
    const item = { taskId: task!.id, leaseToken: leased!.leaseToken };
    expect((await worker.heartbeat({ items: [item] })).results[0]!.ok).toBe(true);
    expect((await worker.reportProgress({ items: [{ ...item, progress: json('half') }] })).results[0]!.ok).toBe(true);
    const { results } = await worker.complete({ completions: [{ ...item, outcome: { $case: 'success', value: { result: json(2) } } }] });
    expect(results[0]!.accepted).toBe(true);
    expect((await admin.getTask({ taskId: task!.id })).task!.status).toBe(TaskStatus.TASK_STATUS_SUCCESS);
  });

  test('health answers without a token; reflection needs one (of any scope)', async () => {
    const health = connectClient(HealthDefinition, broker.address);
    channels.push(health.channel);
    expect((await health.client.check({ service: '' })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);

    const listServices = async (security: ClientSecurity): Promise<string[]> => {
      const { client, channel } = connectClient(ServerReflectionService, broker.address, security);
      channels.push(channel);
      async function* requests() {
        const request = new ServerReflectionRequest();
        request.setListServices('*');
        yield request;
      }
      const names: string[] = [];
      for await (const response of client.serverReflectionInfo(requests()) as AsyncIterable<ServerReflectionResponse>) {
        names.push(...(response.getListServicesResponse()?.getServiceList().map((s) => s.getName()) ?? []));
      }
      return names;
    };
    await expect(listServices({})).rejects.toMatchObject(unauthenticated);
    await expect(listServices({ token: 'nope' })).rejects.toMatchObject(unauthenticated);
    expect(await listServices({ token: WORKER })).toContain('qtasks.broker.v1.BrokerService');
  });
});

describe('configuration', () => {
  test('--help lists the security flags and their variables', () => {
    const help = spawnSync(process.execPath, [BROKER_BIN, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    for (const text of ['--auth-token', '--auth-tokens-file', '--tls-cert', '--tls-key', '--tls-client-ca', 'QTASKS_BROKER_AUTH_TOKENS_FILE', 'QTASKS_BROKER_TLS_CLIENT_CA']) {
      expect(help.stdout).toContain(text);
    }
  });

  test('a bad tokens file stops the broker with exit code 2, naming the file and line but never a token', async () => {
    const unknownScope = await file('unknown-scope', `${ALL}\n${PRODUCER} admin\n`);
    let result = run(['--auth-tokens-file', unknownScope]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`--auth-tokens-file ${unknownScope}: line 2: unknown scope "admin" (expected producer, worker, all)`);
    expect(result.stderr).not.toContain(PRODUCER);

    const empty = await file('empty', '# nobody yet\n\n   \n');
    result = run([], { QTASKS_BROKER_AUTH_TOKENS_FILE: empty });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`QTASKS_BROKER_AUTH_TOKENS_FILE ${empty}: holds no tokens`);

    result = run(['--auth-tokens-file', join(tmp, 'missing')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`--auth-tokens-file: cannot read ${join(tmp, 'missing')} (ENOENT)`);

    const duplicate = await file('duplicate', `${ALL} all\n${ALL} producer\n`);
    result = run(['--auth-tokens-file', duplicate]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('line 2: the same token as line 1');
    expect(result.stderr).not.toContain(ALL);

    result = run(['--auth-token', 'has space']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--auth-token: a token must be printable ASCII without spaces');
  });

  test('incomplete or wrong TLS settings stop the broker with exit code 2', () => {
    let result = run(['--tls-cert', pki.paths.serverCert]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--tls-cert: needs a private key too (--tls-key or QTASKS_BROKER_TLS_KEY)');

    result = run([], { QTASKS_BROKER_TLS_KEY: pki.paths.serverKey });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('QTASKS_BROKER_TLS_KEY: needs a certificate too');

    result = run(['--tls-client-ca', pki.paths.ca]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("--tls-client-ca: mutual TLS needs the server's --tls-cert and --tls-key too");

    result = run(['--tls-cert', pki.paths.serverCert, '--tls-key', pki.paths.clientKey]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`--tls-key: ${pki.paths.clientKey} is not the key of ${pki.paths.serverCert}`);

    result = run(['--tls-cert', pki.paths.serverKey, '--tls-key', pki.paths.serverKey]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`--tls-cert: ${pki.paths.serverKey} is not a PEM certificate`);
  });
});

describe('TLS', () => {
  test('a TLS broker serves clients that trust its CA, and refuses plaintext clients and clients that do not', async () => {
    const broker = await startBrokerProcess({
      args: ['--tls-cert', pki.paths.serverCert, '--tls-key', pki.paths.serverKey],
      client: { credentials: ChannelCredentials.createSsl(pki.ca) },
    });
    try {
      const queue = uniqueQueue();
      const [task] = (await broker.client.enqueue({ tasks: [spec(queue)] })).tasks;
      expect(task!.status).toBe(TaskStatus.TASK_STATUS_NEW);
      // Also through the name in the certificate, not only its IP address.
      const byName = connectClient(BrokerServiceDefinition, broker.address.replace('127.0.0.1', 'localhost'), {
        credentials: ChannelCredentials.createSsl(pki.ca),
      });
      channels.push(byName.channel);
      expect((await byName.client.getTask({ taskId: task!.id })).task!.id).toBe(task!.id);

      await expect(clientOf(broker, {}).getTask({ taskId: task!.id })).rejects.toMatchObject({ code: Status.UNAVAILABLE });
      // The system's CAs do not know the test CA.
      await expect(clientOf(broker, { credentials: ChannelCredentials.createSsl() }).getTask({ taskId: task!.id })).rejects.toMatchObject({
        code: Status.UNAVAILABLE,
      });
      expect((await broker.client.listTasks({ queue })).tasks).toHaveLength(1);
    } finally {
      await broker.dispose();
    }
  });

  test('a mutual-TLS broker refuses clients without a certificate or with one from another CA', async () => {
    const broker = await startBrokerProcess({
      env: {
        QTASKS_BROKER_TLS_CERT: pki.paths.serverCert,
        QTASKS_BROKER_TLS_KEY: pki.paths.serverKey,
        QTASKS_BROKER_TLS_CLIENT_CA: pki.paths.ca,
      },
      client: { credentials: ChannelCredentials.createSsl(pki.ca, pki.clientKey, pki.clientCert) },
    });
    try {
      const queue = uniqueQueue();
      const [task] = (await broker.client.enqueue({ tasks: [spec(queue)] })).tasks;
      expect(task!.status).toBe(TaskStatus.TASK_STATUS_NEW);

      const noCert = clientOf(broker, { credentials: ChannelCredentials.createSsl(pki.ca) });
      await expect(noCert.enqueue({ tasks: [spec(queue)] })).rejects.toMatchObject({ code: Status.UNAVAILABLE });
      const rogue = clientOf(broker, { credentials: ChannelCredentials.createSsl(pki.ca, pki.rogueClientKey, pki.rogueClientCert) });
      await expect(rogue.enqueue({ tasks: [spec(queue)] })).rejects.toMatchObject({ code: Status.UNAVAILABLE });
      expect((await broker.client.listTasks({ queue })).tasks).toHaveLength(1);
    } finally {
      await broker.dispose();
    }
  });

  test('mutual TLS and tokens together: a trusted certificate still needs a token', async () => {
    const broker = await startBrokerProcess({
      args: ['--tls-cert', pki.paths.serverCert, '--tls-key', pki.paths.serverKey, '--tls-client-ca', pki.paths.ca, '--auth-token', ALL],
      client: { credentials: ChannelCredentials.createSsl(pki.ca, pki.clientKey, pki.clientCert), token: ALL },
    });
    try {
      const queue = uniqueQueue();
      const certOnly = clientOf(broker, { credentials: ChannelCredentials.createSsl(pki.ca, pki.clientKey, pki.clientCert) });
      await expect(certOnly.enqueue({ tasks: [spec(queue)] })).rejects.toMatchObject(unauthenticated);
      expect((await broker.client.enqueue({ tasks: [spec(queue)] })).tasks).toHaveLength(1);
      expect((await broker.client.listTasks({ queue })).tasks).toHaveLength(1);
      // Health needs no token, but over mutual TLS it still needs the certificate.
      const health = connectClient(HealthDefinition, broker.address, { credentials: ChannelCredentials.createSsl(pki.ca, pki.clientKey, pki.clientCert) });
      channels.push(health.channel);
      expect((await health.client.check({ service: '' })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    } finally {
      await broker.dispose();
    }
  });
});
