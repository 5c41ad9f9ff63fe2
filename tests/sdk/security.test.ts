/**
 * The SDK against a broker that requires mutual TLS and tokens: configured by options and by
 * environment variables, with scoped tokens split between a producer and a worker app, and the
 * errors a wrong setup gives.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { Status } from 'nice-grpc';
import { BrokerCallError, QTasks, QTasksConfigError, type Logger, type QTasksOptions } from '@qtasks/sdk';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { createTestPki, type TestPki } from '../helpers/certs.js';

const ALL = 'sdk-all-4e1f9a0c';
const PRODUCER = 'sdk-producer-77b2d3e5';
const WORKER = 'sdk-worker-0a9c8b1d';
const ENV_KEYS = ['QTASKS_AUTH_TOKEN', 'QTASKS_TLS_CA', 'QTASKS_TLS_CERT', 'QTASKS_TLS_KEY'] as const;

/** A logger that keeps what it is given, and tells `onWarn` about each warning. */
function recordingLogger(onWarn: (args: unknown[]) => void = () => undefined): Logger & { warnings: unknown[][] } {
  const warnings: unknown[][] = [];
  const quiet = (): void => undefined;
  return {
    warnings,
    debug: quiet,
    info: quiet,
    error: quiet,
    warn: (...args: unknown[]) => {
      warnings.push(args);
      onWarn(args);
    },
  };
}

let tmp: string;
let pki: TestPki;
let broker: BrokerProcess;
const apps: QTasks[] = [];
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'qtasks-sdk-sec-'));
  pki = await createTestPki();
  const tokens = join(tmp, 'tokens');
  await writeFile(tokens, `${ALL}\n${PRODUCER} producer\n${WORKER} worker\n`);
  broker = await startBrokerProcess({
    args: ['--tls-cert', pki.paths.serverCert, '--tls-key', pki.paths.serverKey, '--tls-client-ca', pki.paths.ca, '--auth-tokens-file', tokens],
  });
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  for (const key of ENV_KEYS) delete process.env[key];
});
afterAll(async () => {
  await broker.dispose();
  await pki.dispose();
  await rm(tmp, { recursive: true, force: true });
});

/** A new app on the test broker, closed after the test. */
function newApp(options: QTasksOptions = {}): QTasks {
  const app = new QTasks({ broker: broker.address, logger: recordingLogger(), ...options });
  apps.push(app);
  return app;
}

/** Mutual-TLS options of the test client: PEM Buffers and strings both work. */
const mtls = () => ({ ca: pki.ca, cert: pki.clientCert.toString('utf8'), key: pki.clientKey });

/** Registers an `add` task under a fresh name, runs a worker, and sends one task through it. */
async function roundTrip(app: QTasks): Promise<unknown> {
  const add = app.task({ name: `add-${randomUUID()}` }, async (a: number, b: number) => a + b);
  app.worker.start();
  const done = await add.addTask([20, 22], { timeout: 10 });
  expect(done?.status).toBe('success');
  return done?.returning;
}

describe('end to end over mutual TLS with a token', () => {
  test('configured by options', async () => {
    expect(await roundTrip(newApp({ auth: { token: ALL }, tls: mtls() }))).toBe(42);
  });

  test('configured by QTASKS_AUTH_TOKEN and QTASKS_TLS_* (file paths)', async () => {
    Object.assign(process.env, {
      QTASKS_AUTH_TOKEN: ALL,
      QTASKS_TLS_CA: pki.paths.ca,
      QTASKS_TLS_CERT: pki.paths.clientCert,
      QTASKS_TLS_KEY: pki.paths.clientKey,
    });
    expect(await roundTrip(newApp())).toBe(42);
  });

  test('options win over the environment', async () => {
    Object.assign(process.env, { QTASKS_AUTH_TOKEN: 'not-a-known-token', QTASKS_TLS_CA: join(tmp, 'no-such-ca.pem') });
    expect(await roundTrip(newApp({ auth: { token: ALL }, tls: mtls() }))).toBe(42);
  });

  test('scoped tokens: a producer app enqueues and waits, a worker app runs', async () => {
    const name = `scoped-${randomUUID()}`;
    const worker = newApp({ auth: { token: WORKER }, tls: mtls() });
    worker.task({ name }, async (text: string) => text.toUpperCase());
    worker.worker.start();
    const producer = newApp({ auth: { token: PRODUCER }, tls: mtls() });
    const done = await producer.addTask(name, ['shout'], { timeout: 10 });
    expect([done?.status, done?.returning]).toEqual(['success', 'SHOUT']);
    expect((await producer.get(done!.uuid))?.status).toBe('success');
  });
});

describe('refusals', () => {
  test('without a token, or with a wrong one, calls fail with UNAUTHENTICATED (not transient)', async () => {
    for (const options of [{ tls: mtls() }, { auth: { token: 'wrong-token' }, tls: mtls() }]) {
      const error = await newApp(options).addTask('anything', [1]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BrokerCallError);
      expect(error).toMatchObject({ code: Status.UNAUTHENTICATED, method: 'Enqueue', transient: false });
    }
  });

  test("a producer app's worker is refused Lease with PERMISSION_DENIED and says so", async () => {
    let sawDenial!: () => void;
    const denied = new Promise<void>((resolve) => (sawDenial = resolve));
    const logger = recordingLogger((args) => {
      if (args.some((arg) => arg instanceof BrokerCallError && arg.code === Status.PERMISSION_DENIED)) sawDenial();
    });
    const app = newApp({ auth: { token: PRODUCER }, tls: mtls(), logger });
    app.task({ name: `never-${randomUUID()}` }, async () => 1);
    app.worker.start();
    await denied;
  });

  test('a plaintext app, or one without a client certificate, cannot reach the broker', async () => {
    const config = { callTimeoutMs: 5000 };
    for (const options of [{ auth: { token: ALL } }, { auth: { token: ALL }, tls: { ca: pki.ca } }]) {
      const error = await newApp({ ...options, config }).get(randomUUID()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BrokerCallError);
      expect((error as BrokerCallError).code).toBe(Status.UNAVAILABLE);
    }
  });
});

describe('settings', () => {
  test('bad token and TLS settings are QTasksConfigError naming the option or variable', () => {
    const refused = (options: QTasksOptions, message: string): void => {
      expect(() => new QTasks({ broker: '127.0.0.1:1', ...options })).toThrow(QTasksConfigError);
      expect(() => new QTasks({ broker: '127.0.0.1:1', ...options })).toThrow(message);
    };
    refused({ auth: { token: '' } }, 'auth.token: must be a non-empty token of printable ASCII without spaces');
    refused({ auth: { token: 'two words' } }, 'auth.token: must be a non-empty token');
    refused({ tls: { cert: pki.clientCert } }, 'tls.cert (or QTASKS_TLS_CERT): needs tls.key (or QTASKS_TLS_KEY) too');
    refused({ tls: { ca: pki.paths.ca } }, 'tls.ca: must be PEM text or a Buffer (to use a file, pass readFileSync(path))');
    process.env.QTASKS_TLS_CA = join(tmp, 'missing.pem');
    refused({}, `QTASKS_TLS_CA: cannot read ${join(tmp, 'missing.pem')} (ENOENT)`);
    delete process.env.QTASKS_TLS_CA;
    process.env.QTASKS_TLS_KEY = pki.paths.clientKey;
    refused({}, 'tls.key (or QTASKS_TLS_KEY): needs tls.cert (or QTASKS_TLS_CERT) too');
  });

  test('a token sent in plaintext off loopback is warned about, never quoted', () => {
    const logger = recordingLogger();
    apps.push(new QTasks({ broker: '10.1.2.3:50051', auth: { token: ALL }, logger }));
    expect(logger.warnings.map((args) => String(args[0]))).toEqual(['[qtasks] the auth token goes to 10.1.2.3:50051 in plaintext: set tls to encrypt it']);
    const quiet = recordingLogger();
    apps.push(new QTasks({ broker: '127.0.0.1:50051', auth: { token: ALL }, logger: quiet }));
    expect(quiet.warnings).toEqual([]);
  });
});
