/**
 * Traces across the broker: `addTask` makes a PRODUCER span and sends its W3C context with the
 * task; the worker's CONSUMER span of the run is its child, and spans the handler makes are the
 * run's children. Checked with an in-memory exporter, against the real `qtasks-broker` process.
 * Without an OpenTelemetry SDK registered, nothing is sent and tasks run as ever.
 */
import { context, createTraceState, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { uname, useBrokerWithApps } from '../helpers/sdk-app.js';

const env = useBrokerWithApps();

// First, with no SDK registered: the API is its no-op (this file runs in a process of its own).
describe('without an OpenTelemetry SDK', () => {
  test('tasks run, and no trace context is sent or stored', async () => {
    const app = env.newApp();
    const name = uname('untraced');
    const add = app.task({ name }, async (a: number, b: number) => a + b);
    app.worker.start();
    const done = await add.addTask([1, 2], { timeout: 10 });
    expect(done).toMatchObject({ status: 'success', returning: 3, traceContext: undefined });
    expect((await app.get(done!.uuid))!.traceContext).toBeUndefined();
    expect((await env.broker.client.getTask({ taskId: done!.uuid })).task!.traceContext).toBeUndefined();
  });
});

describe('with an OpenTelemetry SDK', () => {
  const exporter = new InMemorySpanExporter();
  const contextManager = new AsyncLocalStorageContextManager();
  const tracer = () => trace.getTracer('tracing.test');

  beforeAll(() => {
    context.setGlobalContextManager(contextManager.enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  });
  afterAll(() => {
    trace.disable();
    context.disable();
    propagation.disable();
  });

  /** The ended spans named `name`, once there are `count` of them. */
  async function spansNamed(name: string, count = 1): Promise<ReadableSpan[]> {
    return vi.waitFor(() => {
      const spans = exporter.getFinishedSpans().filter((span) => span.name === name);
      expect(spans).toHaveLength(count);
      return spans;
    });
  }

  /** Runs `body` inside a new active span, ended afterwards. */
  async function inSpan<T>(name: string, body: (span: Span) => Promise<T>): Promise<T> {
    return tracer().startActiveSpan(name, async (span) => {
      try {
        return await body(span);
      } finally {
        span.end();
      }
    });
  }

  test('the run is a child of the enqueue span, and the handler\'s spans children of the run', async () => {
    const app = env.newApp();
    const name = uname('traced');
    const add = app.task({ name }, async (a: number, b: number) =>
      inSpan('handler work', async () => a + b),
    );
    app.worker.start();

    const done = await inSpan('request', () => add.addTask([2, 3], { timeout: 10 }));
    expect(done).toMatchObject({ status: 'success', returning: 5 });

    const [request] = await spansNamed('request');
    const [enqueue] = await spansNamed(`qtasks.enqueue ${name}`);
    const [execute] = await spansNamed(`qtasks.execute ${name}`);
    const [work] = await spansNamed('handler work');
    const { traceId } = request!.spanContext();

    expect(enqueue!.kind).toBe(SpanKind.PRODUCER);
    expect(enqueue!.parentSpanContext?.spanId).toBe(request!.spanContext().spanId);
    expect(enqueue!.attributes).toMatchObject({
      'messaging.system': 'qtasks',
      'messaging.destination.name': name,
      'messaging.operation.type': 'send',
      'qtasks.task.name': name,
      'messaging.message.id': done!.uuid,
    });

    expect(execute!.kind).toBe(SpanKind.CONSUMER);
    expect(execute!.spanContext().traceId).toBe(traceId);
    expect(execute!.parentSpanContext?.spanId).toBe(enqueue!.spanContext().spanId);
    expect(execute!.parentSpanContext?.isRemote).toBe(true);
    expect(execute!.attributes).toMatchObject({
      'messaging.system': 'qtasks',
      'messaging.destination.name': name,
      'messaging.operation.type': 'process',
      'messaging.message.id': done!.uuid,
      'qtasks.task.name': name,
      'qtasks.task.attempt': 1,
      'qtasks.task.outcome': 'success',
    });
    expect(execute!.status.code).not.toBe(SpanStatusCode.ERROR);

    expect(work!.spanContext().traceId).toBe(traceId);
    expect(work!.parentSpanContext?.spanId).toBe(execute!.spanContext().spanId);

    // What travelled: the enqueue span's W3C context, in the task's own field.
    const stored = (await env.broker.client.getTask({ taskId: done!.uuid })).task!;
    expect(stored.traceContext).toEqual({ traceparent: `00-${traceId}-${enqueue!.spanContext().spanId}-01`, tracestate: '' });
    expect(done!.traceContext).toEqual(stored.traceContext);
  });

  test('a failing run\'s span has status ERROR and records the exception; each attempt has its own span', async () => {
    const app = env.newApp();
    const name = uname('failing');
    class Broken extends Error {
      override name = 'Broken';
    }
    const fail = app.task({ name, retry: 1, retryBackoff: { initialMs: 0 } }, async () => {
      throw new Broken('no luck');
    });
    app.worker.start();

    const done = await fail.addTask([], { timeout: 10 });
    expect(done).toMatchObject({ status: 'error', attempt: 2 });

    const [enqueue] = await spansNamed(`qtasks.enqueue ${name}`);
    const runs = await spansNamed(`qtasks.execute ${name}`, 2);
    expect(runs.map((span) => span.attributes['qtasks.task.attempt']).sort()).toEqual([1, 2]);
    for (const run of runs) {
      expect(run.parentSpanContext?.spanId).toBe(enqueue!.spanContext().spanId);
      expect(run.spanContext().traceId).toBe(enqueue!.spanContext().traceId);
      expect(run.status).toEqual({ code: SpanStatusCode.ERROR, message: 'Broken: no luck' });
      expect(run.attributes['qtasks.task.outcome']).toBe('failure');
      const exception = run.events.find((event) => event.name === 'exception');
      expect(exception?.attributes).toMatchObject({ 'exception.type': 'Broken', 'exception.message': 'no luck' });
      expect(String(exception?.attributes?.['exception.stacktrace'])).toContain('no luck');
    }
  });

  test('a task enqueued without a trace context runs in a new root span', async () => {
    const app = env.newApp();
    const name = uname('foreign');
    app.task({ name }, async () => 'ok');
    app.worker.start();
    // A producer without an SDK (or in another language without OpenTelemetry): no trace_context.
    const [sent] = (await env.broker.client.enqueue({ tasks: [{ name, args: Buffer.from('[]') }] })).tasks;
    expect(sent!.traceContext).toBeUndefined();
    // Started inside another span of the worker's process: still not its child.
    await inSpan('unrelated', async () => expect(await app.waitForResult(sent!.id, 10)).toMatchObject({ status: 'success' }));
    const [execute] = await spansNamed(`qtasks.execute ${name}`);
    expect(execute!.parentSpanContext).toBeUndefined();
  });

  test('a registered W3C propagator writes the context, tracestate included, and reads it back', async () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    try {
      const app = env.newApp();
      const name = uname('propagated');
      const job = app.task({ name }, async () => trace.getActiveSpan()?.spanContext().traceState?.get('vendor'));
      app.worker.start();
      // An upstream caller's context with a trace state (as an incoming tracestate header gives).
      const upstream = trace.setSpanContext(ROOT_CONTEXT, {
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED, isRemote: true,
        traceState: createTraceState('vendor=abc'),
      });
      const done = await context.with(upstream, () => job.addTask([], { timeout: 10 }));
      expect(done).toMatchObject({ status: 'success', returning: 'abc' });
      const [enqueue] = await spansNamed(`qtasks.enqueue ${name}`);
      const [execute] = await spansNamed(`qtasks.execute ${name}`);
      expect(enqueue!.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      expect(done!.traceContext).toEqual({ traceparent: `00-4bf92f3577b34da6a3ce929d0e0e4736-${enqueue!.spanContext().spanId}-01`, tracestate: 'vendor=abc' });
      expect(execute!.parentSpanContext?.spanId).toBe(enqueue!.spanContext().spanId);
      expect(execute!.parentSpanContext?.traceState?.get('vendor')).toBe('abc');
    } finally {
      propagation.disable();
    }
  });
});
