/**
 * The polyglot promise, end to end: TypeScript, Python and Go programs share one real broker
 * process. The Python programs are tests/cross-language/fixtures/*.py on the Python client
 * (clients/python); the Go one is clients/go/cmd/qtasks-crosslang on the Go client. Each is a
 * separate process, talking to the broker over gRPC on loopback like any other service would.
 */
import { readFile, rm } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { TaskStatus } from '@qtasks/proto';
import { QTasks, type Logger } from '@qtasks/sdk';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { buildGoFixture, runGo, spawnLines, startPythonWorker, watchFromPython, type LineProcess } from '../helpers/polyglot.js';

/** What the Go fixture prints for one task. */
interface GoTaskView {
  id: string;
  status: string;
  attempt?: number;
  result?: unknown;
  error?: { type: string; message: string; traceback: string } | null;
  cancel_reason?: string;
  cancel_requested?: boolean;
}

/** What the Go fixture's `enqueue-wait` prints. */
interface GoEnqueueWait {
  enqueued: number;
  rpcs: number;
  results: { id: string; arg: number; status: string; result: unknown }[];
}

/** What the Python producer prints for each WatchResult message. */
interface PythonWatchLine {
  id: string;
  status: string;
  attempt: number;
  result: unknown;
  error: { type: string; message: string; traceback: string } | null;
}

/** What a `limited.span` handler returns, in any of the three languages. */
interface SpanResult {
  i: number;
  by: 'ts' | 'python' | 'go';
  /** When the handler started and ended: whole milliseconds since the epoch, floored. */
  start: number;
  end: number;
}

/** What the Go fixture's `set-limits` prints. */
interface GoLimits {
  max_running: number;
  rate: { count: number; period_ms: number } | null;
  max_running_per_key: number;
  rate_per_key: { count: number; period_ms: number } | null;
}

/**
 * The most spans open at once. A span that ends in the millisecond another starts does not overlap
 * it: a slot freed by one task's end is what lets the next one start, and every handler floors its
 * times to the millisecond, so an end is never later than the start it made room for.
 */
function mostAtOnce(spans: { start: number; end: number }[]): number {
  const events = spans.flatMap(({ start, end }) => [
    [start, 1],
    [end, -1],
  ]);
  events.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let open = 0;
  let most = 0;
  for (const [, delta] of events) {
    open += delta!;
    most = Math.max(most, open);
  }
  return most;
}

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

let broker: BrokerProcess;
let pythonWorker: LineProcess;
let goFixture: string;
const ranLog = join(tmpdir(), `qtasks-python-ran-${randomUUID()}.log`);

beforeAll(async () => {
  broker = await startBrokerProcess({ args: ['--durability', 'commit'] });
  [pythonWorker, goFixture] = await Promise.all([startPythonWorker(broker.address, { QTASKS_RAN_LOG: ranLog }), buildGoFixture()]);
}, 180_000);

afterAll(async () => {
  await pythonWorker?.stop();
  await broker?.dispose();
  await rm(ranLog, { force: true });
  if (goFixture) await rm(dirname(goFixture), { recursive: true, force: true });
});

const apps: QTasks[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

function newApp(): QTasks {
  const app = new QTasks({ broker: broker.address, logger: quiet, config: { shutdownGraceMs: 1000 } });
  apps.push(app);
  return app;
}

/** Resolves once the task is `process` (running in some worker), from a WatchResult stream. */
async function untilRunning(taskId: string): Promise<void> {
  const abort = new AbortController();
  try {
    for await (const { task } of broker.client.watchResult({ taskId }, { signal: abort.signal })) {
      if (task?.status === TaskStatus.TASK_STATUS_PROCESS) return;
      if (task && task.status >= TaskStatus.TASK_STATUS_SUCCESS) throw new Error(`task ${taskId} ended ${task.status} before running`);
    }
  } finally {
    abort.abort();
  }
}

describe('TypeScript ⇄ Python ⇄ Go on one broker', () => {
  test('1. TS addTask of a Python-only task gets the Python result, args and kwargs intact', async () => {
    const app = newApp();
    const args = [
      'héllo wörld ✓ 日本語 🚀',
      { nested: { deep: [1, { x: null }], empty: {} }, list: [] },
      '123456789012345678901234567890',
      3.14159,
      -0.5,
      1e-7,
      null,
      true,
    ];
    const kwargs = { name: 'Zoë', big: '9007199254740993', ratio: 2.5, none: null, list: [1, 'two', { three: 3 }] };

    const task = await app.addTask('py.echo', args, { kwargs, timeout: 20 });

    expect(task?.status).toBe('success');
    expect(task?.returning).toEqual({ lang: 'python', args, kwargs });
  });

  test('2. Python enqueues a task a TS worker runs, and sees process then success on WatchResult', async () => {
    const app = newApp();
    const taskName = `ts.greet-${randomUUID()}`;
    let producer: LineProcess | undefined;
    app.task({ name: taskName }, async (name: string, options: { punctuation: string }) => {
      // Hold the task in `process` until Python has seen that status, so the test does not depend
      // on how quickly the watch stream is read.
      await producer!.waitForLine(/"status":\s*"process"/);
      return `hello ${name}${options.punctuation}`;
    });
    app.worker.start();

    producer = watchFromPython(broker.address, taskName, ['Ada'], { punctuation: '!' });
    expect(await producer.exited).toBe(0);

    const states = producer.lines.map((line) => JSON.parse(line) as PythonWatchLine);
    const statuses = states.map((state) => state.status);
    expect(statuses.indexOf('process')).toBeGreaterThanOrEqual(0);
    expect(statuses.at(-1)).toBe('success');
    expect(statuses.indexOf('process')).toBeLessThan(statuses.indexOf('success'));
    expect(states.at(-1)?.result).toBe('hello Ada!');
  });

  test('3. Go enqueues 1,000 tasks in batches; a TS and a Python worker share the queue; each runs once', async () => {
    const app = newApp();
    const ranInTs: string[] = [];
    app.task({ name: 'shared.square', echo: true }, async (self, x: number) => {
      ranInTs.push(self.ctx!.taskId);
      return { square: x * x, by: 'ts' };
    });
    app.worker.start();

    const output = await runGo<GoEnqueueWait>(goFixture, ['enqueue-wait', '-name', 'shared.square', '-n', '1000', '-batch', '100', '-timeout', '90s'], broker.address, 120_000);

    expect(output.enqueued).toBe(1000);
    expect(output.rpcs).toBe(10);
    expect(output.results).toHaveLength(1000);
    expect(new Set(output.results.map((r) => r.id)).size).toBe(1000);
    for (const { arg, status, result } of output.results) {
      expect(status).toBe('success');
      expect((result as { square: number }).square).toBe(arg * arg);
    }
    const enqueued = new Set(output.results.map((r) => r.id));
    // The Python worker's log also holds the runs of the other tests' tasks.
    const ranInPython = (await readFile(ranLog, 'utf8')).split('\n').filter((id) => enqueued.has(id));
    const everyRun = [...ranInTs, ...ranInPython];
    expect(everyRun).toHaveLength(1000);
    expect(new Set(everyRun)).toEqual(enqueued);
    // The queue really was shared: each language ran some of it.
    expect(ranInTs.length).toBeGreaterThan(0);
    expect(ranInPython.length).toBeGreaterThan(0);
    const byOf = new Map(output.results.map((r) => [r.id, (r.result as { by: string }).by]));
    expect(ranInPython.every((id) => byOf.get(id) === 'python')).toBe(true);
  }, 150_000);

  test('4a. a Python exception reaches TS as status error with its type, message and traceback', async () => {
    const app = newApp();

    const task = await app.addTask('py.fail', ['bad input: ü'], { timeout: 20 });

    expect(task?.status).toBe('error');
    expect(task?.attempt).toBe(1);
    expect(task?.error?.type).toBe('ValueError');
    expect(task?.error?.message).toBe('bad input: ü');
    expect(task?.traceback).toMatch(/^Traceback \(most recent call last\):/);
    expect(task?.traceback).toContain('ValueError: bad input: ü');
  });

  test("4b. a retryable Python failure is retried by the broker's policy, then succeeds", async () => {
    const app = newApp();

    const task = await app.addTask('py.flaky', [3], { retry: 3, timeout: 30 });

    expect(task?.status).toBe('success');
    expect(task?.attempt).toBe(3);
    expect(task?.returning).toEqual({ attempt: 3 });
  }, 40_000);

  test('4c. a retryable failure that runs out of retries ends error after the last attempt', async () => {
    const app = newApp();

    const task = await app.addTask('py.flaky', [5], { retry: 1, timeout: 30 });

    expect(task?.status).toBe('error');
    expect(task?.attempt).toBe(2);
    expect(task?.error?.type).toBe('ConnectionError');
    expect(task?.error?.message).toBe('flaky attempt 2');
  }, 40_000);

  test('5. Go cancels a task running in Python: Python sees cancel_requested and the task ends cancel', async () => {
    const app = newApp();
    const { uuid } = await app.addTask('py.slow', [30]);
    await untilRunning(uuid);

    const cancelled = await runGo<GoTaskView>(goFixture, ['cancel', '-id', uuid, '-reason', 'stopped from Go'], broker.address);
    expect(cancelled.status).toBe('process');
    expect(cancelled.cancel_requested).toBe(true);

    await pythonWorker.waitForLine(`CANCEL_SEEN ${uuid}`, 15_000);
    const final = await runGo<GoTaskView>(goFixture, ['wait', '-id', uuid, '-timeout', '20s'], broker.address);
    expect(final.status).toBe('cancel');
    expect(final.cancel_reason).toBe('stopped from Go');
  }, 40_000);

  // Needs the broker to enforce max_running when it hands tasks out: without that, the Python
  // worker alone (8 slots) runs up to 8 of these at once.
  test('6. a queue limited from Go to 2 running tasks never runs more than 2 at once across TS, Python and Go workers', async () => {
    const queue = 'limited.span';
    const limits = await runGo<GoLimits>(goFixture, ['set-limits', '-queue', queue, '-max-running', '2'], broker.address);
    expect(limits).toEqual({ max_running: 2, rate: null, max_running_per_key: 0, rate_per_key: null });
    // What Go set is what any client reads back.
    expect((await broker.client.getQueueLimits({ queue })).limits?.maxRunning).toBe(2);

    // Three workers with room for far more than 2 at once: Go (8 slots), Python (8, started in
    // beforeAll) and TypeScript.
    const goWorker = spawnLines(goFixture, ['work', '-name', queue, '-concurrency', '8', '-span', '300ms'], { QTASKS_BROKER_ADDRESS: broker.address });
    try {
      await goWorker.waitForLine('READY');
      const app = newApp();
      app.task({ name: queue }, async (i: number): Promise<SpanResult> => {
        const start = Date.now();
        await new Promise((resolve) => setTimeout(resolve, 300));
        return { i, by: 'ts', start, end: Date.now() };
      });
      app.worker.start();

      const output = await runGo<GoEnqueueWait>(goFixture, ['enqueue-wait', '-name', queue, '-n', '16', '-batch', '16', '-timeout', '60s'], broker.address, 90_000);

      expect(output.results.map((r) => r.status)).toEqual(Array(16).fill('success'));
      const spans = output.results.map((r) => r.result as SpanResult);
      expect(spans.map((span) => span.i)).toEqual(output.results.map((r) => r.arg));
      for (const span of spans) {
        expect(['ts', 'python', 'go']).toContain(span.by);
        // Each task really held its slot a while, so overlaps had time to show.
        expect(span.end - span.start).toBeGreaterThanOrEqual(250);
      }
      const timeline = spans
        .toSorted((a, b) => a.start - b.start)
        .map((span) => `${span.by} #${span.i}: ${span.start}..${span.end}`)
        .join('\n');
      expect(mostAtOnce(spans), `more than 2 ran at once:\n${timeline}`).toBeLessThanOrEqual(2);
      // ... and the limit was reached: the broker kept 2 running, not fewer.
      expect(mostAtOnce(spans), `never 2 at once:\n${timeline}`).toBe(2);
    } finally {
      await goWorker.stop();
    }
  }, 120_000);

  test('7. a TS addTask traced with OpenTelemetry: the Python worker runs it in a span whose parent is the TS enqueue span', async () => {
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    try {
      const app = newApp();
      const task = await app.addTask<{ name: string; trace_id: string; parent_span_id: string; remote: boolean }>('py.trace', [], { timeout: 20 });
      const enqueue = exporter.getFinishedSpans().find((span) => span.name === 'qtasks.enqueue py.trace');
      expect(task?.status).toBe('success');
      expect(enqueue).toBeDefined();
      expect(task?.returning).toEqual({
        name: 'qtasks.execute py.trace',
        trace_id: enqueue!.spanContext().traceId,
        span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
        parent_span_id: enqueue!.spanContext().spanId,
        remote: true,
      });
    } finally {
      trace.disable();
    }
  });
});
