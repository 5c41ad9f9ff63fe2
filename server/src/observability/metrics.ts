/**
 * The broker's Prometheus metrics (prom-client), served on `/metrics` of `--http-listen`. Counters
 * and histograms move as the core reports tasks ({@link TaskObserver}); gauges are read when
 * scraped, from counts the broker keeps anyway, so an idle broker pays nothing for them. Labels
 * stay bounded: queue, status, gRPC method and code, never a task id.
 */
import { Status } from 'nice-grpc';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TaskObserver } from '../core/task-observer.js';
import type { CommitObserver } from '../store/commits.js';
import type { QueueInfo } from '../domain/queue.js';
import { TASK_STATUSES, type TaskRecord } from '../domain/task.js';

/** What the gauges read when scraped. */
export interface MetricsSource {
  /** Every queue with its counts. */
  queues(): QueueInfo[];
  /** Writes in flight, watch streams and calls open now. */
  stats(): { pendingWrites: number; watchers: number; openCalls: number; leased: number; connectedWorkers: number; workerCredit: number };
}

/** Calls `count` once per queue of `tasks`, with how many of them it holds. */
function countByQueue(tasks: readonly TaskRecord[], count: (queue: string, n: number) => void): void {
  if (tasks.length === 0) return;
  const first = tasks[0]!.queue;
  if (tasks.every((task) => task.queue === first)) return count(first, tasks.length);
  const counts = new Map<string, number>();
  for (const task of tasks) counts.set(task.queue, (counts.get(task.queue) ?? 0) + 1);
  for (const [queue, n] of counts) count(queue, n);
}

/** Buckets of task latencies, in seconds: 1 ms to 5 minutes. */
const TASK_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
/** Buckets of RPC durations, in seconds: 100 µs to 10 s. */
const RPC_SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** Buckets of LMDB commits and flushes, in seconds: 50 µs to 5 s. */
const STORE_SECONDS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];

/** The metrics of one broker, in a registry of their own. */
export class BrokerMetrics implements TaskObserver, CommitObserver {
  /** What `/metrics` serves. */
  readonly registry = new Registry();
  private readonly enqueuedTotal: Counter<'queue'>;
  private readonly dispatchedTotal: Counter<'queue'>;
  private readonly completedTotal: Counter<'queue' | 'status'>;
  private readonly retriedTotal: Counter<'queue'>;
  private readonly waitSeconds: Histogram<'queue'>;
  private readonly runSeconds: Histogram<'queue' | 'status'>;
  private readonly rpcSeconds: Histogram<'method' | 'code'>;
  private readonly commitSeconds: { sync: Histogram.Internal<'path'>; async: Histogram.Internal<'path'> };
  private readonly flushSeconds: Histogram;

  constructor(source: MetricsSource) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.enqueuedTotal = new Counter({ name: 'qtasks_tasks_enqueued_total', help: 'Tasks stored by Enqueue.', labelNames: ['queue'], registers });
    this.dispatchedTotal = new Counter({ name: 'qtasks_tasks_dispatched_total', help: 'Tasks leased to a worker (attempts started).', labelNames: ['queue'], registers });
    this.completedTotal = new Counter({ name: 'qtasks_tasks_completed_total', help: 'Tasks that ended, by final status (success, error, cancel).', labelNames: ['queue', 'status'], registers });
    this.retriedTotal = new Counter({ name: 'qtasks_tasks_retried_total', help: 'Failed attempts that will run again.', labelNames: ['queue'], registers });
    this.waitSeconds = new Histogram({ name: 'qtasks_task_wait_seconds', help: 'From a task being added to its attempt starting.', labelNames: ['queue'], buckets: TASK_SECONDS, registers });
    this.runSeconds = new Histogram({ name: 'qtasks_task_run_seconds', help: 'From an attempt starting to its task ending, by final status.', labelNames: ['queue', 'status'], buckets: TASK_SECONDS, registers });
    this.rpcSeconds = new Histogram({ name: 'qtasks_rpc_duration_seconds', help: 'gRPC calls by method and status code (a stream: its whole life).', labelNames: ['method', 'code'], buckets: RPC_SECONDS, registers });
    const commits = new Histogram({
      name: 'qtasks_store_commit_seconds',
      help: 'From a write being issued to its LMDB commit, by path: sync (on the main thread, fsync included) or async (a shared commit on the writer thread).',
      labelNames: ['path'],
      buckets: STORE_SECONDS,
      registers,
    });
    this.commitSeconds = { sync: commits.labels({ path: 'sync' }), async: commits.labels({ path: 'async' }) };
    this.flushSeconds = new Histogram({
      name: 'qtasks_store_flush_seconds',
      help: 'From an async LMDB commit to its fsync (sampled: one flush timed at a time).',
      buckets: STORE_SECONDS,
      registers,
    });
    new Gauge({
      name: 'qtasks_tasks',
      help: 'Tasks held, by queue and status (ended ones until their retention passes).',
      labelNames: ['queue', 'status'],
      registers,
      collect(this: Gauge<'queue' | 'status'>) {
        this.reset();
        for (const queue of source.queues()) for (const status of TASK_STATUSES) this.set({ queue: queue.name, status }, queue.counts[status]);
      },
    });
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({ name, help, registers, collect(this: Gauge) { this.set(read()); } });
    gauge('qtasks_pending_writes', 'Task writes issued and not yet committed.', () => source.stats().pendingWrites);
    gauge('qtasks_watch_streams', 'WatchResult streams open.', () => source.stats().watchers);
    gauge('qtasks_open_calls', 'gRPC calls open, health included.', () => source.stats().openCalls);
    gauge('qtasks_leases', 'Tasks leased to workers now.', () => source.stats().leased);
    gauge('qtasks_workers_connected', 'Workers connected on Work streams.', () => source.stats().connectedWorkers);
    gauge('qtasks_worker_credit', 'Credit the connected workers granted and the broker has not used: tasks they would take now.', () => source.stats().workerCredit);
  }

  /** @inheritdoc */
  committed(path: 'sync' | 'async', seconds: number): void {
    this.commitSeconds[path].observe(seconds);
  }

  /** @inheritdoc */
  flushed(seconds: number): void {
    this.flushSeconds.observe(seconds);
  }

  /** @inheritdoc */
  enqueued(tasks: readonly TaskRecord[]): void {
    countByQueue(tasks, (queue, n) => this.enqueuedTotal.inc({ queue }, n));
  }

  /** @inheritdoc */
  dispatched(tasks: readonly TaskRecord[]): void {
    countByQueue(tasks, (queue, n) => this.dispatchedTotal.inc({ queue }, n));
    for (const task of tasks) {
      if (task.startedAtMs !== undefined) this.waitOf(task.queue).observe(Math.max(0, task.startedAtMs - task.createdAtMs) / 1000);
    }
  }

  /** @inheritdoc */
  settled(tasks: readonly TaskRecord[]): void {
    for (const task of tasks) {
      if (task.status === 'success' || task.status === 'error' || task.status === 'cancel') {
        const ended = this.endedOf(task.queue, task.status);
        ended.completed.inc();
        if (task.startedAtMs !== undefined && task.finishedAtMs !== undefined) ended.run.observe(Math.max(0, task.finishedAtMs - task.startedAtMs) / 1000);
      } else if (task.status === 'retry' && task.history?.at(-1)?.endedAtMs === task.updatedAtMs) {
        // A failed attempt to run again; a task given back unfinished has no new history entry.
        this.retriedTotal.inc({ queue: task.queue });
      }
    }
  }

  /**
   * The children of the per-task metrics, one per queue (and status), kept: finding a child by its
   * labels hashes them, and that on every task cost the hot path ~10 % of the broker's time.
   */
  private readonly waits = new Map<string, Histogram.Internal<'queue'>>();
  private readonly ends = new Map<string, { completed: Counter.Internal; run: Histogram.Internal<'queue' | 'status'> }>();

  private waitOf(queue: string): Histogram.Internal<'queue'> {
    let child = this.waits.get(queue);
    if (!child) this.waits.set(queue, (child = this.waitSeconds.labels({ queue })));
    return child;
  }

  private endedOf(queue: string, status: 'success' | 'error' | 'cancel') {
    const name = `${status}\u0000${queue}`;
    let children = this.ends.get(name);
    if (!children) this.ends.set(name, (children = { completed: this.completedTotal.labels({ queue, status }), run: this.runSeconds.labels({ queue, status }) }));
    return children;
  }

  /** Times one call, ended with a gRPC status `code` after `seconds` (see `call-guard.ts`). */
  observeCall(path: string, code: number, seconds: number): void {
    const name = `${code}\u0000${path}`;
    let child = this.calls.get(name);
    if (!child) this.calls.set(name, (child = this.rpcSeconds.labels({ method: path, code: Status[code] ?? String(code) })));
    child.observe(seconds);
  }

  private readonly calls = new Map<string, Histogram.Internal<'method' | 'code'>>();
}
