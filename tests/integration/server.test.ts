/** The `qtasks-broker` command itself: flags, environment, health, reflection, shutdown. */
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, test } from 'vitest';
import { Status, createChannel, createClient } from 'nice-grpc';
import { HealthDefinition, HealthCheckResponse_ServingStatus } from 'nice-grpc-server-health/lib/proto/grpc/health/v1/health.js';
import { ServerReflectionService } from 'nice-grpc-server-reflection';
import { ServerReflectionRequest, type ServerReflectionResponse } from 'nice-grpc-server-reflection/lib/proto/grpc/reflection/v1/reflection_pb.js';
import { TaskStatus } from '@qtasks/proto';
import { BROKER_BIN, startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { brokerStats } from '../helpers/broker-inspect.js';
import { spec, uniqueQueue, workerId } from '../helpers/tasks.js';

const brokers: BrokerProcess[] = [];
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.dispose()));
});
async function start(options?: Parameters<typeof startBrokerProcess>[0]): Promise<BrokerProcess> {
  const broker = await startBrokerProcess(options);
  brokers.push(broker);
  return broker;
}

describe('command line', () => {
  test('--help prints the options and exits 0', () => {
    const result = spawnSync(process.execPath, [BROKER_BIN, '--help'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    for (const flag of ['--listen', '--data-dir', '--durability', 'QTASKS_BROKER_LISTEN']) expect(result.stdout).toContain(flag);
  });

  test('a bad flag or variable is refused with its name, exit code 2', () => {
    const badFlag = spawnSync(process.execPath, [BROKER_BIN, '--durability', 'maybe'], { encoding: 'utf8' });
    expect(badFlag.status).toBe(2);
    expect(badFlag.stderr).toContain('--durability: must be "strict" or "commit", got "maybe"');
    const badEnv = spawnSync(process.execPath, [BROKER_BIN], { encoding: 'utf8', env: { ...process.env, QTASKS_BROKER_LISTEN: 'nowhere' } });
    expect(badEnv.status).toBe(2);
    expect(badEnv.stderr).toContain('QTASKS_BROKER_LISTEN: must be HOST:PORT');
    const unknown = spawnSync(process.execPath, [BROKER_BIN, '--frobnicate'], { encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('--frobnicate');
  });

  test('settings come from QTASKS_BROKER_* variables, and flags win over them', async () => {
    // The helper passes --listen and --data-dir as flags; the variable for the limit is read.
    const broker = await start({ env: { QTASKS_BROKER_MAX_BATCH_SIZE: '2', QTASKS_BROKER_LISTEN: '127.0.0.1:1' } });
    expect(broker.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(broker.address).not.toBe('127.0.0.1:1');
    await expect(broker.client.enqueue({ tasks: [{ name: 'a' }, { name: 'a' }, { name: 'a' }] })).rejects.toMatchObject({
      details: expect.stringContaining('over the limit of 2'),
    });
  });
});

/** Resolves once the broker's stderr satisfies `done`, or its stream has closed (then the caller's expectations tell). */
async function stderrSettled(broker: BrokerProcess, done: (text: string) => boolean): Promise<void> {
  const stream = broker.child.stderr!;
  if (done(broker.stderr()) || stream.destroyed || stream.readableEnded) return;
  await new Promise<void>((resolve) => {
    const check = (): void => {
      if (!done(broker.stderr())) return;
      stream.off('data', check);
      resolve();
    };
    stream.on('data', check);
    stream.once('close', () => resolve());
  });
}

describe('logs', () => {
  test('are JSON lines on stderr, and --log-level leaves out the levels below it', async () => {
    const info = await start();
    await info.stop('SIGTERM');
    // A child's last output can arrive after its exit event: wait for the line, a bounded while.
    await stderrSettled(info, (text) => text.includes('SIGTERM received'));
    const lines = info.stderr().trim().split('\n').map((line) => JSON.parse(line) as { level: number; msg: string; name: string });
    expect(lines).toContainEqual(expect.objectContaining({ level: 30, name: 'qtasks-broker', msg: 'SIGTERM received, shutting down' }));

    const quiet = await start({ args: ['--log-level', 'warn'] });
    await quiet.stop('SIGTERM');
    await stderrSettled(quiet, () => false);
    expect(quiet.stderr()).toBe('');
  });

  test('a bad --log-level is refused, naming the flag', () => {
    const result = spawnSync(process.execPath, [BROKER_BIN, '--log-level', 'loud'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--log-level: must be "trace" or "debug" or "info" or "warn" or "error" or "fatal" or "silent", got "loud"');
  });
});

describe('standard services', () => {
  test('grpc.health.v1.Health answers overall and for BrokerService by name, and NOT_FOUND for another service', async () => {
    const broker = await start();
    const channel = createChannel(broker.address);
    const health = createClient(HealthDefinition, channel);
    expect((await health.check({ service: '' })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    expect((await health.check({ service: 'qtasks.broker.v1.BrokerService' })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    await expect(health.check({ service: 'nope' })).rejects.toMatchObject({ code: Status.NOT_FOUND });
    channel.close();
  });

  test('at shutdown, health turns NOT_SERVING before calls are refused', async () => {
    const broker = await start();
    const channel = createChannel(broker.address);
    const health = createClient(HealthDefinition, channel);
    const states: HealthCheckResponse_ServingStatus[] = [];
    let firstState!: () => void;
    const watched = new Promise<void>((resolve) => (firstState = resolve));
    const watching = (async () => {
      for await (const { status } of health.watch({ service: 'qtasks.broker.v1.BrokerService' })) {
        states.push(status);
        firstState();
        // A load balancer now stops sending calls; the stream ends so that shutdown need not wait for it.
        if (status === HealthCheckResponse_ServingStatus.NOT_SERVING) break;
      }
    })();
    // The watch is open (its first state came) before the shutdown begins.
    await watched;
    const exit = broker.stop('SIGTERM');
    await watching;
    expect(await exit).toBe(0);
    expect(states).toEqual([HealthCheckResponse_ServingStatus.SERVING, HealthCheckResponse_ServingStatus.NOT_SERVING]);
    channel.close();
  });

  test.each([
    ['v1', ServerReflectionService],
    ['v1alpha', REFLECTION_V1ALPHA],
  ])('server reflection (%s) lists BrokerService and the health service', async (_, definition) => {
    const broker = await start();
    const channel = createChannel(broker.address);
    const reflection = createClient(definition, channel);
    async function* requests() {
      const request = new ServerReflectionRequest();
      request.setListServices('*');
      yield request;
    }
    const names: string[] = [];
    for await (const response of reflection.serverReflectionInfo(requests()) as AsyncIterable<ServerReflectionResponse>) {
      names.push(...(response.getListServicesResponse()?.getServiceList().map((s) => s.getName()) ?? []));
    }
    expect(names.sort()).toEqual(['grpc.health.v1.Health', 'qtasks.broker.v1.BrokerService']);
    channel.close();
  });
});

/** The older reflection contract, which ghz and older grpcurl builds speak: `v1`'s messages under another path. */
const REFLECTION_V1ALPHA = {
  serverReflectionInfo: { ...ServerReflectionService.serverReflectionInfo, path: '/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo' },
} as unknown as typeof ServerReflectionService;

describe('shutdown', () => {
  test('SIGTERM wakes a waiting Lease, keeps acknowledged work and exits 0', async () => {
    const broker = await start();
    const queue = uniqueQueue();
    const [created] = (await broker.client.enqueue({ tasks: [spec(queue)] })).tasks;
    const waiting = broker.client.lease({ workerId: workerId(), queues: [uniqueQueue()], maxTasks: 1, waitMs: 60_000 });
    // Parked at the broker before the shutdown begins (one arriving after it would be refused).
    while (((await brokerStats(broker)).openCalls as number) < 1) await new Promise((resolve) => setTimeout(resolve, 20));
    const exit = broker.stop('SIGTERM');
    // The parked Lease is answered (empty) before the server waits for calls in flight.
    expect((await waiting).tasks).toEqual([]);
    expect(await exit).toBe(0);
    await stderrSettled(broker, (text) => text.includes('SIGTERM received'));
    expect(broker.stderr()).toContain('SIGTERM received');

    const again = await start({ dataDir: broker.dataDir, ...(broker.databaseUrl ? { databaseUrl: broker.databaseUrl } : {}) });
    expect((await again.client.getTask({ taskId: created!.id })).task!.status).toBe(TaskStatus.TASK_STATUS_NEW);
  });
});
