/**
 * `npm run bench:hostile`: the repros of issue 10, finding 1 (and the progress fan-out of finding
 * 5), at the full size, against the real broker with its default limits. For each: the
 * broker's RSS before and after (from /proc), and how long a GetTask from another client takes
 * meanwhile. tests/integration/hostile-memory.test.ts runs scaled-down versions in CI.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerServiceDefinition, ListTasksRequest, WatchResultRequest } from '@qtasks/proto';
import { createChannel, createClientFactory, Metadata } from 'nice-grpc';
import { startBroker } from './lib/broker.mjs';

const PRODUCER = 'bench-producer-7d1c0b';
const WORKER = 'bench-worker-44e9af';
const SERVICE = '/qtasks.broker.v1.BrokerService/';
const MIB = 1024 * 1024;

const rssMiB = (pid) => Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const frame = (body, announced = body.length) => {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(announced, 1);
  return Buffer.concat([header, body]);
};

function clientOf(address, token) {
  const channel = createChannel(address, undefined, { 'grpc.max_receive_message_length': 64 * MIB });
  const factory = createClientFactory().use(async function* (call, options) {
    return yield* call.next(call.request, { ...options, metadata: Metadata(options.metadata).set('authorization', `Bearer ${token}`) });
  });
  return { client: factory.create(BrokerServiceDefinition, channel), channel };
}

async function session(address, neverRead = false) {
  const s = connect(`http://${address}`, neverRead ? { settings: { initialWindowSize: 0 } } : {});
  s.on('error', () => {});
  await new Promise((resolve, reject) => {
    s.once('remoteSettings', resolve);
    s.once('close', () => reject(new Error('closed')));
  });
  return s;
}

function call(s, path, body, token, end = true) {
  const stream = s.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', ...(token ? { authorization: `Bearer ${token}` } : {}) });
  stream.on('error', () => {});
  let status;
  stream.on('response', (h) => (status = h['grpc-status'] ?? 'open'));
  stream.write(body);
  if (end) stream.end();
  return { stream, status: () => status };
}

const ping = (s) => new Promise((resolve) => s.ping(() => resolve()));

async function getTaskMs(address, taskId) {
  const { client, channel } = clientOf(address, PRODUCER);
  await client.getTask({ taskId });
  const started = performance.now();
  await client.getTask({ taskId });
  const ms = performance.now() - started;
  channel.close();
  return ms;
}

async function repro(name, tokensFile, body) {
  const broker = await startBroker('commit', [], ['--auth-tokens-file', tokensFile]);
  const producer = clientOf(broker.address, PRODUCER);
  const worker = clientOf(broker.address, WORKER);
  const sessions = [];
  try {
    const { taskId, setup } = await body.setup(producer.client, worker.client);
    const before = rssMiB(broker.pid);
    const outcome = await body.run(broker.address, sessions, producer.client, worker.client, setup);
    await Promise.all(sessions.map(ping));
    const getMs = await getTaskMs(broker.address, taskId);
    const after = rssMiB(broker.pid);
    const statuses = {};
    for (const c of outcome.calls ?? []) statuses[c.status() ?? 'none'] = (statuses[c.status() ?? 'none'] ?? 0) + 1;
    console.log(JSON.stringify({ repro: name, rssBeforeMiB: Math.round(before), rssAfterMiB: Math.round(after), addedMiB: Math.round(after - before), getTaskMs: Number(getMs.toFixed(1)), statuses }));
  } finally {
    for (const s of sessions) s.destroy();
    producer.channel.close();
    worker.channel.close();
    await broker.stop();
  }
}

const oneMiBArgs = Buffer.from(JSON.stringify(['a'.repeat(MIB - 64)]));
const spec = (queue, args = Buffer.from('[1]')) => ({ name: 't', queue, args, kwargs: Buffer.from('{}') });

const tmp = await mkdtemp(join(tmpdir(), 'qtasks-hostile-bench-'));
const tokensFile = join(tmp, 'tokens');
await writeFile(tokensFile, `${PRODUCER} producer\n${WORKER} worker\n`);
const only = process.argv[2];
const repros = {
  'enqueue 16 x 60 MB, no token, never finished': {
    setup: async (p) => ({ taskId: (await p.enqueue({ tasks: [spec('q')] })).tasks[0].id }),
    run: async (address, sessions) => {
      const s = await session(address);
      sessions.push(s);
      const body = frame(Buffer.alloc(60_000_000 - 1, 0x41), 60_000_000);
      const calls = Array.from({ length: 16 }, () => call(s, `${SERVICE}Enqueue`, body, undefined, false));
      await new Promise((resolve) => setTimeout(resolve, 2000)); // let the bodies arrive (the old broker read them all)
      return { calls };
    },
  },
  'watchResult 2,000 streams on one 1 MiB task, window 0': {
    setup: async (p) => ({ taskId: (await p.enqueue({ tasks: [spec('w', oneMiBArgs)] })).tasks[0].id }),
    run: async (address, sessions, _p, _w, _s) => {
      const calls = [];
      const taskId = (await _p.listTasks({ queue: 'w', pageSize: 1 })).tasks[0].id;
      for (let c = 0; c < 20; c++) {
        const s = await session(address, true);
        sessions.push(s);
        for (let i = 0; i < 100; i++) calls.push(call(s, `${SERVICE}WatchResult`, frame(Buffer.from(WatchResultRequest.encode({ taskId }).finish())), PRODUCER));
      }
      return { calls };
    },
  },
  'watchResult 2,000 streams on 20 tasks of 1 MiB, window 0': {
    setup: async (p) => {
      const ids = [];
      for (let i = 0; i < 20; i++) ids.push((await p.enqueue({ tasks: [spec('w20', oneMiBArgs)] })).tasks[0].id);
      return { taskId: ids[0], setup: ids };
    },
    run: async (address, sessions, _p, _w, ids) => {
      const calls = [];
      for (let c = 0; c < 20; c++) {
        const s = await session(address, true);
        sessions.push(s);
        for (let i = 0; i < 100; i++) calls.push(call(s, `${SERVICE}WatchResult`, frame(Buffer.from(WatchResultRequest.encode({ taskId: ids[i % 20] }).finish())), PRODUCER));
      }
      return { calls };
    },
  },
  'listTasks 20 x 1,000 over 60 tasks of 1 MiB, window 0': {
    setup: async (p) => {
      let taskId;
      for (let i = 0; i < 60; i++) taskId = (await p.enqueue({ tasks: [spec('l', oneMiBArgs)] })).tasks[0].id;
      return { taskId };
    },
    run: async (address, sessions) => {
      const s = await session(address, true);
      sessions.push(s);
      const request = frame(Buffer.from(ListTasksRequest.encode(ListTasksRequest.fromPartial({ queue: 'l', pageSize: 1000 })).finish()));
      return { calls: Array.from({ length: 20 }, () => call(s, `${SERVICE}ListTasks`, request, PRODUCER)) };
    },
  },
  'health Watch 30,000 streams, no token': {
    setup: async (p) => ({ taskId: (await p.enqueue({ tasks: [spec('q')] })).tasks[0].id }),
    run: async (address, sessions) => {
      const calls = [];
      for (let c = 0; c < 300; c++) {
        const s = await session(address);
        sessions.push(s);
        for (let i = 0; i < 100; i++) calls.push(call(s, '/grpc.health.v1.Health/Watch', frame(Buffer.alloc(0))));
      }
      return { calls };
    },
  },
  'reportProgress 610 KB x 1,000 to two watchers, window 0': {
    setup: async (p, w) => {
      const taskId = (await p.enqueue({ tasks: [spec('p')] })).tasks[0].id;
      const [leased] = (await w.lease({ workerId: 'bench', queues: ['p'], maxTasks: 1, leaseMs: 600_000 })).tasks;
      return { taskId, setup: leased };
    },
    run: async (address, sessions, _p, w, leased) => {
      const s = await session(address, true);
      sessions.push(s);
      const request = frame(Buffer.from(WatchResultRequest.encode({ taskId: leased.task.id }).finish()));
      const calls = [call(s, `${SERVICE}WatchResult`, request, PRODUCER), call(s, `${SERVICE}WatchResult`, request, PRODUCER)];
      await ping(s);
      const progress = Buffer.from(JSON.stringify('p'.repeat(610_000)));
      for (let i = 0; i < 1000; i++) await w.reportProgress({ items: [{ taskId: leased.task.id, leaseToken: leased.leaseToken, progress }] });
      return { calls };
    },
  },
};
for (const [name, body] of Object.entries(repros)) {
  if (only && !name.startsWith(only)) continue;
  await repro(name, tokensFile, body);
}
await rm(tmp, { recursive: true, force: true });
