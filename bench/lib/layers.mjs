/**
 * The raw layers under each side, measured in the same run as the figures: what one LMDB commit
 * and one gRPC call cost on this machine, and how fast the broker's store goes with no gRPC at all;
 * and, for BullMQ, one Redis round trip. A figure of ours cannot beat the layers it is made of:
 * an awaited `addTask` is at least one gRPC round trip plus one commit, and a task cannot reach a
 * handler sooner than its enqueue commits.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { open } from 'lmdb';
import { createChannel, createClient } from 'nice-grpc';
import { HealthDefinition } from 'nice-grpc-server-health';
import { TaskStore } from '../../server/dist/store/task-store.js';
import { latency, rate, sleep, timed } from './util.mjs';

const SAMPLES = 500;
const RECORD = { name: 'layers', args: Buffer.from(JSON.stringify(['x'.repeat(196)])), status: 'new' };

/**
 * LMDB as the store uses it (eventTurnBatching off): one-put `childTransaction`s when idle and back
 * to back, and plain puts 1,000 at a time (many writes per commit).
 */
export async function lmdbCommits() {
  const dir = await mkdtemp(join(tmpdir(), 'qtasks-bench-lmdb-'));
  const env = open({ path: dir, noSubdir: false, maxDbs: 2, eventTurnBatching: false });
  const db = env.openDB('t', {});
  try {
    const idle = [];
    for (let i = 0; i < SAMPLES; i++) {
      await sleep(1); // idle: the previous commit's fsync is over
      const t0 = performance.now();
      await env.childTransaction(() => db.put(`idle-${i}`, RECORD));
      idle.push(performance.now() - t0);
    }
    const n = 2000;
    const ms = await timed(async () => {
      for (let i = 0; i < n; i++) await env.childTransaction(() => db.put(`seq-${i}`, RECORD));
    });
    // Batched: 1,000 puts issued together share a commit; the ceiling of any write-heavy figure.
    const batches = 50;
    const batchedMs = await timed(async () => {
      for (let b = 0; b < batches; b++) {
        const puts = [];
        for (let i = 0; i < 1000; i++) puts.push(db.put(`batch-${b}-${i}`, RECORD));
        await Promise.all(puts);
      }
    });
    return { idleCommit: latency(idle), sequentialRate: rate(n, ms), batchedPutRate: rate(batches * 1000, batchedMs), loneCommit: await loneSyncCommits() };
  } finally {
    await env.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A lone write as `commit` mode commits it (store/commits.ts): `transactionSync` on the main
 * thread, on an environment opened `noMetaSync` (one fsync, of the data pages, inside the call),
 * with 1 ms idle between commits. What the latency figures of `commit` mode are made of.
 */
async function loneSyncCommits() {
  const dir = await mkdtemp(join(tmpdir(), 'qtasks-bench-lmdb-'));
  const env = open({ path: dir, noSubdir: false, maxDbs: 2, eventTurnBatching: false, noMetaSync: true });
  const db = env.openDB('t', {});
  try {
    const samples = [];
    for (let i = 0; i < SAMPLES; i++) {
      await sleep(1);
      const t0 = performance.now();
      // The callback returns nothing: a returned put's promise would keep the transaction open.
      env.transactionSync(() => {
        db.put(`lone-${i}`, RECORD);
      });
      samples.push(performance.now() - t0);
    }
    return latency(samples);
  } finally {
    await env.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** One unary gRPC call (health Check, nothing stored) to the running broker, one after another. */
export async function grpcRoundTrip(broker) {
  const channel = createChannel(broker.address);
  const health = createClient(HealthDefinition, channel);
  try {
    for (let i = 0; i < 200; i++) await health.check({ service: '' });
    const samples = [];
    const ms = await timed(async () => {
      for (let i = 0; i < SAMPLES * 2; i++) {
        const t0 = performance.now();
        await health.check({ service: '' });
        samples.push(performance.now() - t0);
      }
    });
    return { ...latency(samples), rate: rate(SAMPLES * 2, ms) };
  } finally {
    channel.close();
  }
}

/**
 * One message round trip on an open Produce stream, without a commit: a request the broker refuses
 * at validation (an empty task name), answered on the stream. Against grpcRoundTrip, it is what a
 * call's set-up costs. With `gapMs`, the round trips are that far apart, as the idle figure's tasks
 * are (2 ms): both processes then wake from idle for each message, which back-to-back ones do not.
 */
export async function streamRoundTrip(broker, { gapMs = 0 } = {}) {
  const outgoing = [];
  let wake;
  let done = false;
  async function* requests() {
    while (!done) {
      while (outgoing.length > 0) yield outgoing.shift();
      await new Promise((resolve) => (wake = resolve));
    }
  }
  const replies = broker.client.produce(requests())[Symbol.asyncIterator]();
  const roundTrip = async (requestId) => {
    outgoing.push({ requestId, kind: { $case: 'enqueue', value: { tasks: [{ name: '' }] } } });
    wake?.();
    const { value } = await replies.next();
    if (value?.kind?.$case !== 'error') throw new Error(`expected a refusal, got ${value?.kind?.$case}`);
  };
  try {
    for (let i = 0; i < 200; i++) await roundTrip(i + 1);
    const samples = [];
    const ms = await timed(async () => {
      for (let i = 0; i < SAMPLES * 2; i++) {
        const t0 = performance.now();
        await roundTrip(i + 1);
        samples.push(performance.now() - t0);
        if (gapMs > 0) await sleep(gapMs);
      }
    });
    return { ...latency(samples), rate: rate(SAMPLES * 2, ms) };
  } finally {
    done = true;
    wake?.();
    await replies.return?.();
  }
}

/**
 * The broker's store with no gRPC in front: enqueue `n` tasks in batches of 1,000 all in flight
 * (figure 1's shape), then drain them with lease+complete batches of 50 (figure 3b's shape), four
 * lanes at once.
 */
export async function storeOnly(mode, n) {
  const dir = await mkdtemp(join(tmpdir(), 'qtasks-bench-store-'));
  const store = await TaskStore.open({ path: dir, durability: mode });
  const spec = { name: 'layers', queue: 'layers', priority: 0, args: RECORD.args, kwargs: Buffer.from('{}'), maxRetries: 0, maxTimeMs: 0, delayMs: 0, tags: [], metadata: {} };
  try {
    const enqueueMs = await timed(async () => {
      const batches = [];
      for (let done = 0; done < n; done += 1000) batches.push(store.enqueue(Array.from({ length: Math.min(1000, n - done) }, () => spec)).then(() => store.durable()));
      await Promise.all(batches);
    });
    let drained = 0;
    const result = Buffer.from('null');
    const lane = async () => {
      for (;;) {
        const { value: leased } = await store.lease({ workerId: 'layers', queues: ['layers'], maxTasks: 50, leaseMs: 30_000 });
        if (leased.length === 0) return;
        await store.complete(leased.map((task) => ({ taskId: task.id, leaseToken: task.lease.token, outcome: { kind: 'success', result } })));
        await store.durable();
        drained += leased.length;
      }
    };
    // Four lanes, so that a lease and a completion are always in flight together, as with a
    // pipelined worker.
    const drainMs = await timed(() => Promise.all([lane(), lane(), lane(), lane()]));
    if (drained !== n) throw new Error(`store-only drain took ${drained} of ${n} tasks`);
    return { enqueueRate: rate(n, enqueueMs), drainRate: rate(n, drainMs) };
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** One Redis round trip (PING), one after another, for the BullMQ column. */
export async function redisRoundTrip(redis) {
  const client = new Redis(redis.connection);
  try {
    for (let i = 0; i < 200; i++) await client.ping();
    const samples = [];
    const ms = await timed(async () => {
      for (let i = 0; i < SAMPLES * 2; i++) {
        const t0 = performance.now();
        await client.ping();
        samples.push(performance.now() - t0);
      }
    });
    return { ...latency(samples), rate: rate(SAMPLES * 2, ms) };
  } finally {
    client.disconnect();
  }
}
