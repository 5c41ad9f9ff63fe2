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
import { HistogramSeries, SeriesHistogram } from './series-histogram.js';
import type { QueueInfo } from '../domain/queue.js';
import { TASK_STATUSES, countByQueue, type TaskRecord } from '../domain/task.js';

/** The figures the gauges read. */
export interface SourceStats {
  pendingWrites: number;
  watchers: number;
  openCalls: number;
  leased: number;
  connectedWorkers: number;
  workerCredit: number;
}

/** What the gauges read when scraped (a store over PostgreSQL answers with queries, hence promises). */
export interface MetricsSource {
  /** Every queue with its counts. */
  queues(): Promise<QueueInfo[]> | QueueInfo[];
  /** Writes in flight, watch streams and calls open now. */
  stats(): Promise<SourceStats> | SourceStats;
}



/** Calls `count` once per queue of `tasks`, with how many of them it holds (no map for one queue). */
function eachQueueCount(tasks: readonly TaskRecord[], count: (queue: string, n: number) => void): void {
  if (tasks.length === 0) return;
  const first = tasks[0]!.queue;
  if (tasks.every((task) => task.queue === first)) return count(first, tasks.length);
  for (const [queue, n] of countByQueue(tasks)) count(queue, n);
}

/** The metrics of the tasks of one queue that ended in one status. */
interface EndedSeries {
  completed: Counter.Internal;
  run: HistogramSeries;
  /** Tasks of the batch being reported, not yet added to `completed`. */
  uncounted: number;
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
  private readonly waitSeconds: SeriesHistogram<'queue'>;
  private readonly runSeconds: SeriesHistogram<'queue' | 'status'>;
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
    // Observed per task: histograms of our own, whose series the core's batches keep (see `series-histogram.ts`).
    this.waitSeconds = new SeriesHistogram('qtasks_task_wait_seconds', 'From a task being added to its attempt starting.', ['queue'], TASK_SECONDS, registers);
    this.runSeconds = new SeriesHistogram('qtasks_task_run_seconds', 'From an attempt starting to its task ending, by final status.', ['queue', 'status'], TASK_SECONDS, registers);
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
      async collect(this: Gauge<'queue' | 'status'>) {
        const queues = await source.queues();
        this.reset();
        for (const queue of queues) for (const status of TASK_STATUSES) this.set({ queue: queue.name, status }, queue.counts[status]);
      },
    });
    // One read of the source serves every gauge of a scrape (a registry starts their collects in
    // one synchronous pass), not one read per gauge: on PostgreSQL each read is a query.
    let read: Promise<SourceStats> | undefined;
    const stats = (): Promise<SourceStats> => {
      if (!read) {
        read = Promise.resolve(source.stats());
        setImmediate(() => (read = undefined));
      }
      return read;
    };
    const gauge = (name: string, help: string, figure: (stats: SourceStats) => number) =>
      new Gauge({ name, help, registers, async collect(this: Gauge) { this.set(figure(await stats())); } });
    gauge('qtasks_pending_writes', 'Task writes issued and not yet committed.', (s) => s.pendingWrites);
    gauge('qtasks_watch_streams', 'WatchResult streams open.', (s) => s.watchers);
    gauge('qtasks_open_calls', 'gRPC calls open, health included.', (s) => s.openCalls);
    gauge('qtasks_leases', 'Tasks leased to workers now.', (s) => s.leased);
    gauge('qtasks_workers_connected', 'Workers connected on Work streams.', (s) => s.connectedWorkers);
    gauge('qtasks_worker_credit', 'Credit the connected workers granted and the broker has not used: tasks they would take now.', (s) => s.workerCredit);
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
    eachQueueCount(tasks, (queue, n) => this.enqueuedTotal.inc({ queue }, n));
  }

  /** @inheritdoc */
  dispatched(tasks: readonly TaskRecord[]): void {
    eachQueueCount(tasks, (queue, n) => this.dispatchedTotal.inc({ queue }, n));
    for (const task of tasks) {
      if (task.startedAtMs !== undefined) this.waitOf(task.queue).observe(Math.max(0, task.startedAtMs - task.createdAtMs) / 1000);
    }
  }

  /** @inheritdoc */
  settled(tasks: readonly TaskRecord[]): void {
    // Counters move once per queue and status of the batch, not once per task: prom-client
    // hashes a child's labels on every `inc`.
    const touched: EndedSeries[] = [];
    for (const task of tasks) {
      if (task.status === 'success' || task.status === 'error' || task.status === 'cancel') {
        const ended = this.endedOf(task.queue, task.status);
        if (ended.uncounted++ === 0) touched.push(ended);
        if (task.startedAtMs !== undefined && task.finishedAtMs !== undefined) ended.run.observe(Math.max(0, task.finishedAtMs - task.startedAtMs) / 1000);
      } else if (task.status === 'retry' && task.history?.at(-1)?.endedAtMs === task.updatedAtMs) {
        // A failed attempt to run again; a task given back unfinished has no new history entry.
        this.retriedTotal.inc({ queue: task.queue });
      }
    }
    for (const ended of touched) {
      ended.completed.inc(ended.uncounted);
      ended.uncounted = 0;
    }
  }

  /**
   * The series of the per-task metrics, one per queue (and status), kept: finding a child by its
   * labels hashes them, and that on every task cost the hot path ~10 % of the broker's time (and
   * prom-client's own children still hash on every observe: `series-histogram.ts`).
   */
  private readonly waits = new Map<string, HistogramSeries>();
  /** By status, then queue: no key to build per task. */
  private readonly ends = { success: new Map<string, EndedSeries>(), error: new Map<string, EndedSeries>(), cancel: new Map<string, EndedSeries>() };

  private waitOf(queue: string): HistogramSeries {
    let series = this.waits.get(queue);
    if (!series) this.waits.set(queue, (series = this.waitSeconds.series({ queue })));
    return series;
  }

  private endedOf(queue: string, status: 'success' | 'error' | 'cancel'): EndedSeries {
    const byQueue = this.ends[status];
    let ended = byQueue.get(queue);
    if (!ended) byQueue.set(queue, (ended = { completed: this.completedTotal.labels({ queue, status }), run: this.runSeconds.series({ queue, status }), uncounted: 0 }));
    return ended;
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
