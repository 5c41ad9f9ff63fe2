/**
 * Hostile and careless clients against the real `qtasks-broker` (issue 10, findings 4 and 5):
 * replies that would show a caller what its scope may not read, crafted page tokens, names that
 * differ only by Unicode normalization or invisible characters, a reused idempotency key, deeply
 * nested JSON, bad TLS files at start, and an open listener without authentication.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ClientError, Status, type Channel } from 'nice-grpc';
import { BrokerServiceDefinition, TaskStatus } from '@qtasks/proto';
import { BROKER_BIN, connectClient, startBrokerProcess, type BrokerClient, type BrokerProcess } from '../helpers/broker-process.js';
import { createTestPki, issueDatedCertificate, type TestPki } from '../helpers/certs.js';
import { json, listAllTasks, parseJson, spec, uniqueQueue, workerId } from '../helpers/tasks.js';

const ALL = 'all-4e1b7c9d02f3';
const PRODUCER = 'producer-8a3f5d1e6c20';
const WORKER = 'worker-2d9c7b4a1e58';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'qtasks-hostile-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

/** The error a call fails with (the test fails if it succeeds). */
async function refusal(call: Promise<unknown>): Promise<ClientError> {
  const error = await call.then(
    (reply) => new Error(`expected a refusal, got ${JSON.stringify(reply)?.slice(0, 300)}`),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ClientError);
  return error as ClientError;
}

/** Runs `qtasks-broker` to its exit, for configurations that must be refused at start. */
function run(args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [BROKER_BIN, '--listen', '127.0.0.1:0', '--data-dir', join(tmp, 'never'), ...args], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: result.status, stderr: result.stderr };
}

/** A JSON array nested `depth` levels deep. */
const nested = (depth: number): Buffer => Buffer.from('['.repeat(depth) + ']'.repeat(depth));

const success = (result: unknown) => ({ $case: 'success' as const, value: { result: json(result) } });

describe('scopes: no reply shows a caller what its scope could not read with GetTask', () => {
  let broker: BrokerProcess;
  let worker: BrokerClient;
  let producer: BrokerClient;
  const channels: Channel[] = [];
  beforeAll(async () => {
    const tokens = join(tmp, 'tokens');
    await writeFile(tokens, `${ALL} all\n${PRODUCER} producer\n${WORKER} worker\n`);
    broker = await startBrokerProcess({ args: ['--auth-tokens-file', tokens], client: { token: ALL } });
    const clientOf = (token: string): BrokerClient => {
      const { client, channel } = connectClient(BrokerServiceDefinition, broker.address, { token });
      channels.push(channel);
      return client;
    };
    worker = clientOf(WORKER);
    producer = clientOf(PRODUCER);
  });
  afterAll(async () => {
    for (const channel of channels) channel.close();
    await broker.dispose();
  });

  const UNKNOWN_ID = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

  test('a worker token guessing a lease token gets no task back, and learns nothing a guess at an unknown id would not', async () => {
    const queue = uniqueQueue();
    const secret = { card: '4111 1111 1111 1111' };
    const [task] = (await producer.enqueue({ tasks: [spec(queue, { args: json([secret]), kwargs: json({ secret }) })] })).tasks;
    await expect(worker.getTask({ taskId: task!.id })).rejects.toMatchObject({ code: Status.PERMISSION_DENIED });

    const guess = (taskId: string) => ({ taskId, leaseToken: 'guess', outcome: success('forged') });
    const { results } = await worker.complete({ completions: [guess(task!.id), guess(UNKNOWN_ID)] });
    expect(results.map((r) => [r.accepted, r.task])).toEqual([[false, undefined], [false, undefined]]);
    // The same reason for a task that exists and one that does not: no existence, status or attempt.
    expect(results[0]!.reason).toBe(results[1]!.reason);
    expect(JSON.stringify(results)).not.toContain('4111');

    const beats = await worker.heartbeat({ items: [{ taskId: task!.id, leaseToken: 'guess' }, { taskId: UNKNOWN_ID, leaseToken: 'guess' }] });
    expect(beats.results.map((r) => [r.ok, r.cancelRequested, r.leaseDeadline])).toEqual([[false, false, undefined], [false, false, undefined]]);
    expect(beats.results[0]!.reason).toBe(beats.results[1]!.reason);
    const progress = await worker.reportProgress({ items: [{ taskId: task!.id, leaseToken: 'guess', progress: json(1) }, { taskId: UNKNOWN_ID, leaseToken: 'guess', progress: json(1) }] });
    expect(progress.results.map((r) => r.ok)).toEqual([false, false]);
    expect(progress.results[0]!.reason).toBe(progress.results[1]!.reason);

    // Nothing changed: still new, attempt 0.
    const { task: after } = await broker.client.getTask({ taskId: task!.id });
    expect([after!.status, after!.attempt, after!.progress.length]).toEqual([TaskStatus.TASK_STATUS_NEW, 0, 0]);
  });

  test('a finished task\'s result is not handed to a worker that completes it again with a guessed or an old token', async () => {
    const queue = uniqueQueue();
    const [task] = (await producer.enqueue({ tasks: [spec(queue)] })).tasks;
    const [leased] = (await worker.lease({ workerId: workerId(), queues: [queue], maxTasks: 1 })).tasks;
    const done = await worker.complete({ completions: [{ taskId: task!.id, leaseToken: leased!.leaseToken, outcome: success({ token: 'the-result' }) }] });
    // The worker that holds the lease gets its own task back, as before.
    expect(parseJson(done.results[0]!.task!.result)).toEqual({ token: 'the-result' });

    for (const leaseToken of ['guess', leased!.leaseToken]) {
      const { results } = await worker.complete({ completions: [{ taskId: task!.id, leaseToken, outcome: success('again') }] });
      expect(results[0]).toMatchObject({ accepted: false, task: undefined });
      expect(results[0]!.reason).not.toMatch(/success|attempt/);
    }
  });
});

describe('bad input on a default broker', () => {
  let broker: BrokerProcess;
  beforeAll(async () => {
    broker = await startBrokerProcess();
  });
  afterAll(() => broker.dispose());

  /** Expects INVALID_ARGUMENT (or `code`) with a message matching `message`, and no task stored or changed. */
  async function expectRefused(call: () => Promise<unknown>, message: RegExp, code = Status.INVALID_ARGUMENT): Promise<void> {
    const before = await listAllTasks(broker.client);
    const error = await refusal(call());
    expect({ code: Status[error.code], details: error.details }).toEqual({ code: Status[code], details: expect.stringMatching(message) });
    expect(await listAllTasks(broker.client)).toEqual(before);
  }

  describe('page_token', () => {
    const token = (cursor: unknown): string => Buffer.from(JSON.stringify(cursor)).toString('base64url');

    test.each([
      ['a 5,000-character task id', [`x${'a'.repeat(5000)}`]],
      ['a 5,000-character queue in a status cursor', [0, 'q'.repeat(5000), 'id']],
      ['a status out of range', [99, 'q', 'id']],
      ['a two-part cursor', ['a', 'b']],
      ['an empty key', ['']],
    ])('%s is INVALID_ARGUMENT naming page_token, with nothing logged', async (_label, cursor) => {
      await expectRefused(() => broker.client.listTasks({ pageToken: token(cursor) }), /^page_token: /);
      await expectRefused(() => broker.client.listTasks({ queue: 'q', pageToken: token(cursor) }), /^page_token: /);
      // A stack trace, raw or inside a JSON log line.
      expect(broker.stderr()).not.toMatch(/unexpected error|(\n|\\n)\s+at /);
    });

    test('the tokens ListTasks hands out still page through every task', async () => {
      const queue = uniqueQueue();
      await broker.client.enqueue({ tasks: [spec(queue), spec(queue), spec(queue)] });
      const first = await broker.client.listTasks({ queue, pageSize: 2 });
      const second = await broker.client.listTasks({ queue, pageSize: 2, pageToken: first.nextPageToken });
      expect(first.tasks.length + second.tasks.length).toBe(3);
      const all = await broker.client.listTasks({ pageSize: 1 });
      await broker.client.listTasks({ pageSize: 1, pageToken: all.nextPageToken });
    });
  });

  describe('Unicode names', () => {
    const nfc = (label: string): string => `caf\u00e9-${uniqueQueue(label)}`;
    const nfd = (name: string): string => name.normalize('NFD');

    test('an NFD producer and an NFC worker meet in one queue, and the task carries the NFC names', async () => {
      const queue = nfc('q');
      const name = nfc('task');
      expect(nfd(queue)).not.toBe(queue);
      const [task] = (await broker.client.enqueue({ tasks: [{ name: nfd(name), queue: nfd(queue), tags: [nfd('r\u00e9sum\u00e9')] }] })).tasks;
      expect([task!.queue, task!.name, task!.tags]).toEqual([queue, name, ['r\u00e9sum\u00e9']]);
      const { tasks } = await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 1 });
      expect(tasks.map((t) => t.task!.id)).toEqual([task!.id]);
    });

    test('an NFC producer and an NFD worker meet too, and a queue defaulted from an NFD name is NFC', async () => {
      const name = nfc('named');
      const [task] = (await broker.client.enqueue({ tasks: [{ name }] })).tasks;
      const { tasks } = await broker.client.lease({ workerId: nfd(workerId('w\u00e9')), queues: [nfd(name)], maxTasks: 1 });
      expect(tasks.map((t) => [t.task!.id, t.task!.queue])).toEqual([[task!.id, name]]);
      expect(tasks[0]!.task!.workerId).toBe(tasks[0]!.task!.workerId.normalize('NFC'));
      expect(await broker.client.listTasks({ queue: nfd(name) })).toMatchObject({ tasks: [{ id: task!.id }] });
    });

    test('idempotency keys are normalized too: the NFD and NFC spellings of a key are one key', async () => {
      const queue = uniqueQueue();
      const key = 'order-\u00e9-1';
      const [first] = (await broker.client.enqueue({ tasks: [spec(queue, { idempotencyKey: key })] })).tasks;
      const [again] = (await broker.client.enqueue({ tasks: [spec(queue, { idempotencyKey: nfd(key) })] })).tasks;
      expect(again!.id).toBe(first!.id);
    });

    test('the 255-byte limit counts the NFC form, and metadata keys are normalized', async () => {
      const hangulNfd = '\u1100\u1161\u11a8'.repeat(30); // 270 bytes as jamo, 90 as syllables
      expect(Buffer.byteLength(hangulNfd)).toBeGreaterThan(255);
      const [task] = (await broker.client.enqueue({ tasks: [spec(uniqueQueue(), { name: hangulNfd, metadata: { 'cafe\u0301': '1', plain: '2' } })] })).tasks;
      expect(task!.name).toBe(hangulNfd.normalize('NFC'));
      expect(task!.metadata).toEqual({ 'caf\u00e9': '1', plain: '2' });
      await expectRefused(
        () => broker.client.enqueue({ tasks: [spec('q', { metadata: { 'cafe\u0301': '1', 'caf\u00e9': '2' } })] }),
        /^tasks\[0\]\.metadata\[.*\]: is the same key as another once normalized to NFC$/,
      );
    });

    test('fullwidth names stay distinct (NFC, not NFKC): a fullwidth queue is not the ASCII one', async () => {
      const queue = uniqueQueue('fw');
      const fullwidth = `\uff51${queue}`;
      const [task] = (await broker.client.enqueue({ tasks: [spec(fullwidth)] })).tasks;
      expect(task!.queue).toBe(fullwidth);
      expect((await broker.client.lease({ workerId: workerId(), queues: [`q${queue}`], maxTasks: 1 })).tasks).toEqual([]);
    });

    test.each([
      ['a zero-width space in a queue', () => ({ tasks: [spec('a\u200bb')] }), /^tasks\[0\]\.queue: must not contain invisible.*U\+200B/],
      ['a right-to-left override in a name', () => ({ tasks: [{ name: 'invoice\u202efdp.exe' }] }), /^tasks\[0\]\.name: .*U\+202E/],
      ['a bidi isolate in a tag', () => ({ tasks: [spec('q', { tags: ['ok', 'a\u2067b'] })] }), /^tasks\[0\]\.tags\[1\]: .*U\+2067/],
      ['a zero-width joiner in an idempotency key', () => ({ tasks: [spec('q', { idempotencyKey: 'k\u200d1' })] }), /^tasks\[0\]\.idempotency_key: .*U\+200D/],
      ['a byte-order mark in a metadata key', () => ({ tasks: [spec('q', { metadata: { '\ufeffk': 'v' } })] }), /^tasks\[0\]\.metadata\[.*\]: .*U\+FEFF/],
    ])('Enqueue refuses %s, naming the field', async (_label, request, message) => {
      await expectRefused(() => broker.client.enqueue(request()), message);
    });

    test('Lease refuses invisible characters in worker_id and queues, naming the field', async () => {
      await expectRefused(() => broker.client.lease({ workerId: 'w\u200b', queues: ['q'], maxTasks: 1 }), /^worker_id: .*U\+200B/);
      await expectRefused(() => broker.client.lease({ workerId: 'w', queues: ['q', '\u2066q'], maxTasks: 1 }), /^queues\[1\]: .*U\+2066/);
      await expectRefused(() => broker.client.listTasks({ queue: 'q\u200e' }), /^queue: .*U\+200E/);
    });
  });

  describe('idempotency keys', () => {
    test('the same key with the same task returns the first task', async () => {
      const queue = uniqueQueue();
      const [first] = (await broker.client.enqueue({ tasks: [spec(queue, { idempotencyKey: 'k', args: json([1]) })] })).tasks;
      const [again] = (await broker.client.enqueue({ tasks: [spec(queue, { idempotencyKey: 'k', args: json([1]), delayMs: 5 })] })).tasks;
      expect(again!.id).toBe(first!.id);
    });

    test.each([
      ['args', { args: json([2]) }],
      ['kwargs', { kwargs: json({ a: 1 }) }],
      ['name', { name: 'other.task' }],
      ['priority', { priority: 3 }],
      ['tags', { tags: ['t'] }],
    ])('the same key with other %s is ALREADY_EXISTS naming tasks[i].idempotency_key, and nothing of the batch is stored', async (field, change) => {
      const queue = uniqueQueue();
      const [first] = (await broker.client.enqueue({ tasks: [spec(queue, { idempotencyKey: 'k', args: json([1]) })] })).tasks;
      const batch = [spec(queue, { idempotencyKey: 'fresh' }), spec(queue), spec(queue, { idempotencyKey: 'k', args: json([1]), ...change })];
      await expectRefused(
        () => broker.client.enqueue({ tasks: batch }),
        new RegExp(`^tasks\\[2\\]\\.idempotency_key: "k" is already used .*${first!.id}.* another ${field}\\b`),
        Status.ALREADY_EXISTS,
      );
      expect((await listAllTasks(broker.client, queue)).map((t) => t.id)).toEqual([first!.id]);
      // The fresh key was not taken by the refused batch.
      const [fresh] = (await broker.client.enqueue({ tasks: [spec(queue, { idempotencyKey: 'fresh', args: json([9]) })] })).tasks;
      expect(parseJson(fresh!.args)).toEqual([9]);
    });

    test('two tasks of one batch with the same key and different args are refused the same way', async () => {
      const queue = uniqueQueue();
      await expectRefused(
        () => broker.client.enqueue({ tasks: [spec(queue, { idempotencyKey: 'k', args: json([1]) }), spec(queue, { idempotencyKey: 'k', args: json([2]) })] }),
        /^tasks\[1\]\.idempotency_key: .* another args/,
        Status.ALREADY_EXISTS,
      );
    });
  });

  describe('JSON depth (default 512)', () => {
    test('512 levels are accepted; 513 and 100,000 are refused in args and kwargs, naming the field', async () => {
      const queue = uniqueQueue();
      const [task] = (await broker.client.enqueue({ tasks: [spec(queue, { args: nested(512) })] })).tasks;
      expect(Buffer.from(task!.args).equals(nested(512))).toBe(true);
      await expectRefused(() => broker.client.enqueue({ tasks: [spec(queue, { args: nested(513) })] }), /^tasks\[0\]\.args: nests .* more than 512 levels/);
      await expectRefused(() => broker.client.enqueue({ tasks: [spec(queue, { args: nested(100_000) })] }), /^tasks\[0\]\.args: nests/);
      const kwargs = Buffer.from(`{"a":${nested(512).toString()}}`);
      await expectRefused(() => broker.client.enqueue({ tasks: [spec(queue), spec(queue, { kwargs })] }), /^tasks\[1\]\.kwargs: nests/);
    });

    test('the deepest args accepted decode in Python\'s json.loads, even 100 frames down a worker\'s stack', async () => {
      const queue = uniqueQueue();
      await broker.client.enqueue({ tasks: [spec(queue, { args: nested(512) })] });
      const [leased] = (await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 1 })).tasks;
      const script = 'import json, sys\ndata = sys.stdin.buffer.read()\ndef down(n):\n    return json.loads(data) if n == 0 else down(n - 1)\ndown(100)\nprint("decoded")';
      const python = spawnSync(process.env.PYTHON ?? 'python3', ['-c', script], { input: Buffer.from(leased!.task!.args), encoding: 'utf8', timeout: 20_000 });
      expect(python.stderr).toBe('');
      expect(python.stdout.trim()).toBe('decoded');
    });

    test('a result or a progress report nested too deep is refused, naming the field, and the lease stays', async () => {
      const queue = uniqueQueue();
      const [task] = (await broker.client.enqueue({ tasks: [spec(queue)] })).tasks;
      const [leased] = (await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 1 })).tasks;
      const leaseToken = leased!.leaseToken;
      await expectRefused(
        () => broker.client.reportProgress({ items: [{ taskId: task!.id, leaseToken, progress: nested(600) }] }),
        /^items\[0\]\.progress: nests/,
      );
      await expectRefused(
        () => broker.client.complete({ completions: [{ taskId: task!.id, leaseToken, outcome: { $case: 'success', value: { result: nested(600) } } }] }),
        /^completions\[0\]\.success\.result: nests/,
      );
      const { results } = await broker.client.complete({ completions: [{ taskId: task!.id, leaseToken, outcome: { $case: 'success', value: { result: nested(512) } } }] });
      expect(results[0]!.accepted).toBe(true);
    });
  });
});

describe('--max-json-depth', () => {
  test('sets the limit', async () => {
    const broker = await startBrokerProcess({ args: ['--max-json-depth', '3'] });
    try {
      const queue = uniqueQueue();
      await broker.client.enqueue({ tasks: [spec(queue, { args: json([[[1]]]) })] });
      const error = await refusal(broker.client.enqueue({ tasks: [spec(queue, { args: json([[[[1]]]]) })] }));
      expect([error.code, error.details]).toEqual([Status.INVALID_ARGUMENT, expect.stringMatching(/^tasks\[0\]\.args: .* more than 3 levels/)]);
    } finally {
      await broker.dispose();
    }
  });

  test.each([['0'], ['10001'], ['deep']])('refuses %s at start, naming the flag', (value) => {
    const { status, stderr } = run(['--max-json-depth', value]);
    expect(status).toBe(2);
    expect(stderr).toMatch(/^qtasks-broker: --max-json-depth: must be/);
  });
});

describe('TLS files are checked at start', () => {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await createTestPki();
  });
  afterAll(() => pki.dispose());

  /** Expects `args` to stop the broker with exit code 2 and one clear line (no stack trace) matching `message`. */
  function expectRefusedAtStart(args: string[], message: RegExp): void {
    const { status, stderr } = run(args);
    expect(status).toBe(2);
    const firstLine = stderr.split('\n')[0]!;
    expect(firstLine).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at |Error:/);
  }

  test('an expired server certificate', async () => {
    const expired = await issueDatedCertificate(pki, 'expired', '20200101000000Z', '20200102000000Z');
    expectRefusedAtStart(['--tls-cert', expired.cert, '--tls-key', expired.key], /^qtasks-broker: --tls-cert: .*expired\.pem: certificate 1 \(CN=expired\) expired on /);
  });

  test('a server certificate not valid yet', async () => {
    const future = await issueDatedCertificate(pki, 'future', '20990101000000Z', '20990102000000Z');
    expectRefusedAtStart(['--tls-cert', future.cert, '--tls-key', future.key], /^qtasks-broker: --tls-cert: .*future\.pem: .* is not valid before /);
  });

  test('a leaf certificate given as --tls-client-ca', () => {
    expectRefusedAtStart(
      ['--tls-cert', pki.paths.serverCert, '--tls-key', pki.paths.serverKey, '--tls-client-ca', pki.paths.clientCert],
      /^qtasks-broker: --tls-client-ca: .*client\.pem: certificate 1 \(CN=qtasks-test-client\) is not a CA certificate/,
    );
  });

  test.each([
    ['truncated', (pem: string) => `${pem}-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n`, /block 2 \(CERTIFICATE\) has no END line/],
    ['corrupt', (pem: string) => `${pem}-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU!!!!\n-----END CERTIFICATE-----\n`, /block 2 is not a valid certificate/],
  ])('a certificate file with a %s trailing block', async (label, corrupt, message) => {
    const path = join(tmp, `${label}.pem`);
    await writeFile(path, corrupt(await readFile(pki.paths.serverCert, 'utf8')));
    expectRefusedAtStart(['--tls-cert', path, '--tls-key', pki.paths.serverKey], new RegExp(`^qtasks-broker: --tls-cert: ${path}: ${message.source}`));
    const ca = join(tmp, `${label}-ca.pem`);
    await writeFile(ca, corrupt(pki.ca.toString('utf8')));
    expectRefusedAtStart(
      ['--tls-cert', pki.paths.serverCert, '--tls-key', pki.paths.serverKey, '--tls-client-ca', ca],
      new RegExp(`^qtasks-broker: --tls-client-ca: ${ca}: ${message.source}`),
    );
  });

  test('a good chain and CA still serve', async () => {
    const broker = await startBrokerProcess({ args: ['--tls-cert', pki.paths.serverCert, '--tls-key', pki.paths.serverKey, '--tls-client-ca', pki.paths.ca] });
    await broker.dispose();
  });
});

describe('an open listener', () => {
  /**
   * Waits until the broker's stderr matches `pattern` (the warning follows the ready line), or
   * fails after 10 s: bounded, so that a broker that never warns is still stopped by the test.
   */
  async function stderrMatching(broker: BrokerProcess, pattern: RegExp): Promise<string> {
    if (pattern.test(broker.stderr())) return broker.stderr();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        broker.child.stderr!.off('data', onData);
        reject(new Error(`no stderr line matched ${pattern} within 10 s; stderr: ${broker.stderr()}`));
      }, 10_000);
      const onData = (): void => {
        if (!pattern.test(broker.stderr())) return;
        clearTimeout(timer);
        broker.child.stderr!.off('data', onData);
        resolve(broker.stderr());
      };
      broker.child.stderr!.on('data', onData);
    });
  }

  test('--listen 0.0.0.0 without a token warns on stderr (a JSON log line at level warn), saying TLS is off', async () => {
    const broker = await startBrokerProcess({ listen: '0.0.0.0:0' });
    try {
      const stderr = await stderrMatching(broker, /"level":40/);
      const warning = JSON.parse(stderr.split('\n').find((line) => line.includes('"level":40'))!) as { msg: string; name: string };
      expect(warning.name).toBe('qtasks-broker');
      expect(warning.msg).toMatch(/^listening on 0\.0\.0\.0, reachable from other machines, without authentication \(TLS off\)/);
    } finally {
      await broker.dispose();
    }
  });

  test('a loopback listener does not warn', async () => {
    const broker = await startBrokerProcess();
    try {
      await broker.client.listTasks({ pageSize: 1 });
      expect(broker.stderr()).not.toMatch(/"level":40|warning/);
    } finally {
      await broker.dispose();
    }
  });
});
