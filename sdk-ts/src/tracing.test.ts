import { propagation, ROOT_CONTEXT, trace, type TextMapPropagator } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { DeepPartial, TaskSpec } from '@qtasks/proto';
import { afterEach, describe, expect, test } from 'vitest';
import { activeTracer, ExecutionSpan, startEnqueueSpan, traceContextOf } from './tracing.js';

afterEach(() => {
  trace.disable();
  propagation.disable();
});

function register(): InMemorySpanExporter {
  const exporter = new InMemorySpanExporter();
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  return exporter;
}

describe('without a registered SDK', () => {
  test('nothing is started and the spec is left as it is', () => {
    expect(activeTracer()).toBeUndefined();
    const spec: DeepPartial<TaskSpec> = { name: 'n', queue: 'q' };
    expect(startEnqueueSpan(spec)).toBeUndefined();
    expect(spec).toEqual({ name: 'n', queue: 'q' });
    expect('traceContext' in spec).toBe(false);
    expect(ExecutionSpan.start({ uuid: 'u', taskName: 'n', queue: 'q', attempt: 1, traceContext: undefined })).toBeUndefined();
  });
});

describe('with a registered SDK', () => {
  test('a provider registered later, or replaced, is picked up', () => {
    register();
    const first = activeTracer();
    expect(first).toBeDefined();
    expect(activeTracer()).toBe(first);
    trace.disable();
    expect(activeTracer()).toBeUndefined();
    register();
    expect(activeTracer()).not.toBe(first);
  });

  test('without a propagator, the W3C context is formatted from the span', () => {
    register();
    const spec: DeepPartial<TaskSpec> = { name: 'n', queue: 'q' };
    const span = startEnqueueSpan(spec)!;
    const { traceId, spanId } = span.spanContext();
    expect(spec.traceContext).toEqual({ traceparent: `00-${traceId}-${spanId}-01`, tracestate: '' });
    span.end();
  });

  test('a registered propagator that writes traceparent is the one used, for writing and reading', () => {
    register();
    const fixed = '00-11111111111111111111111111111111-2222222222222222-01';
    const seen: string[] = [];
    const custom: TextMapPropagator = {
      inject: (_ctx, carrier, setter) => setter.set(carrier, 'traceparent', fixed),
      extract: (ctx, carrier, getter) => {
        seen.push(String(getter.get(carrier, 'traceparent')));
        return trace.setSpanContext(ctx, { traceId: '33333333333333333333333333333333', spanId: '4444444444444444', traceFlags: 1, isRemote: true });
      },
      fields: () => ['traceparent'],
    };
    propagation.setGlobalPropagator(custom);
    const span = trace.getTracer('t').startSpan('s', {}, ROOT_CONTEXT);
    expect(traceContextOf(span)).toEqual({ traceparent: fixed, tracestate: '' });
    const execution = ExecutionSpan.start({ uuid: 'u', taskName: 'n', queue: 'q', attempt: 1, traceContext: { traceparent: fixed, tracestate: '' } })!;
    expect(seen).toEqual([fixed]);
    expect(execution.span.spanContext().traceId).toBe('33333333333333333333333333333333');
    expect(trace.getSpan(execution.context)).toBe(execution.span);
  });

  test('an over-long tracestate is left out rather than refused by the broker', () => {
    register();
    const span = trace.getTracer('t').startSpan('s', {}, ROOT_CONTEXT);
    const long = Array.from({ length: 32 }, (_, i) => `k${i}=${'v'.repeat(20)}`).join(',');
    const parent = trace.setSpanContext(ROOT_CONTEXT, { ...span.spanContext(), traceState: { serialize: () => long } as never });
    const child = trace.getTracer('t').startSpan('c', {}, parent);
    expect(child.spanContext().traceState?.serialize()).toBe(long);
    expect(traceContextOf(child)?.tracestate).toBe('');
  });
});
