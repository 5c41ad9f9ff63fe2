/** Small helpers shared by the benchmark's parts: timing, statistics, process memory, versions. */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** ~200 bytes of args, the same for both sides: a JSON array holding one string (202 bytes as JSON). */
export const ARGS = ['x'.repeat(196)];

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A pause of `ms` between sequential tasks; 0 is one turn of the event loop (a timer would take 1 ms). */
export const pause = (ms) => (ms > 0 ? sleep(ms) : new Promise(setImmediate));

/** Tasks per second. */
export const rate = (count, ms) => count / (ms / 1000);

export function median(values) {
  const sorted = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** p50/p99/max of latency samples (ms). */
export function latency(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] };
}

/** VmRSS, RssAnon and RssFile of a process, in bytes. */
export async function procMemory(pid) {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
  return { rss: field('VmRSS'), anon: field('RssAnon'), file: field('RssFile') };
}

/** A loopback TCP port that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once `count` calls of the returned `tick()` were made. */
export function countdown(count) {
  let left = count;
  let resolve;
  const done = new Promise((r) => (resolve = r));
  if (left <= 0) resolve();
  return { done, tick: () => --left === 0 && resolve() };
}

/** Runs `fn` and returns its wall time in ms. */
export async function timed(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function packageVersion(pkg) {
  try {
    return JSON.parse(await readFile(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return 'not installed';
  }
}

export function redisServerVersion() {
  try {
    return execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

/** Machine and versions, printed at the top. */
export async function environment() {
  return {
    date: new Date().toISOString(),
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    ramGiB: Math.round(totalmem() / 1024 ** 3),
    loadAverage: loadavg().map((n) => n.toFixed(2)).join(' '),
    node: process.version,
    lmdb: await packageVersion('lmdb'),
    grpcJs: await packageVersion('@grpc/grpc-js'),
    niceGrpc: await packageVersion('nice-grpc'),
    bullmq: await packageVersion('bullmq'),
    ioredis: await packageVersion('ioredis'),
    redisServer: redisServerVersion() ?? 'redis-server not installed',
  };
}
