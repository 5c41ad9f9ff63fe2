/**
 * Traces, with `@opentelemetry/api`: `addTask` makes a PRODUCER span, `qtasks.enqueue <task>`,
 * and sends its W3C trace context with the task (`TaskSpec.trace_context`); the worker runs the
 * handler inside a CONSUMER span, `qtasks.execute <task>`, the child of that enqueue span, so
 * the producer's trace shows each run of the task and the spans the handler makes nest under it.
 *
 * Without an OpenTelemetry SDK registered (the API's global tracer provider is its no-op), none
 * of this runs: {@link activeTracer} answers `undefined` after two property reads, and no span,
 * carrier, attribute or closure is made for a task. Once a provider is registered
 * (`trace.setGlobalTracerProvider`, or an SDK's `register()`), spans start with the next task.
 */
import {
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  createTraceState,
  isSpanContextValid,
  propagation,
  trace,
  type Context,
  type Span,
  type SpanContext,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import type { DeepPartial, TaskSpec, TraceContext } from '@qtasks/proto';
import type { Outcome } from './run-outcome.js';

/** The name of the SDK's tracer (its instrumentation scope). */
export const TRACER_NAME = '@qtasks/sdk';

/** The value of `messaging.system` on every span. */
const MESSAGING_SYSTEM = 'qtasks';

/**
 * The API's no-op provider, the delegate of a global provider nobody registered. The API does not
 * export it; a fresh proxy hands out the same (module-wide) instance.
 */
const NOOP_PROVIDER: TracerProvider = new ProxyTracerProvider().getDelegate();

/** The tracer of the provider registered last, kept so that a task does not ask for it again. */
let current: { provider: TracerProvider; tracer: Tracer } | undefined;

/**
 * The SDK's tracer, or `undefined` while no OpenTelemetry SDK is registered: then nothing about
 * traces costs anything. A provider registered (or replaced) later is picked up by the next call.
 */
export function activeTracer(): Tracer | undefined {
  const global = trace.getTracerProvider();
  const provider = global instanceof ProxyTracerProvider ? global.getDelegate() : global;
  if (provider === NOOP_PROVIDER) return undefined;
  if (current?.provider !== provider) current = { provider, tracer: provider.getTracer(TRACER_NAME) };
  return current.tracer;
}

/** A W3C `traceparent` of version 00 (what the broker accepts). */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
/** The longest `tracestate` the broker keeps; a longer one is left out rather than refused. */
const MAX_TRACESTATE_CHARS = 512;

/** The two W3C headers, as a propagator's carrier. */
interface Carrier {
  traceparent?: string;
  tracestate?: string;
}

/** Writes only the W3C headers into a {@link Carrier}: other propagators' fields (baggage, B3) have no place in a task. */
const CARRIER_SETTER: TextMapSetter<Carrier> = {
  set(carrier, key, value) {
    if (key === 'traceparent' || key === 'tracestate') carrier[key] = value;
  },
};

const CARRIER_GETTER: TextMapGetter<Carrier> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => (key === 'traceparent' || key === 'tracestate' ? carrier[key] : undefined),
};

/**
 * Starts the PRODUCER span of one `addTask`, a child of the caller's active span, and writes its
 * trace context into `spec.traceContext`. Returns `undefined`, having done nothing, when no SDK is
 * registered. End it with {@link endEnqueueSpan} once the broker has acknowledged the task.
 */
export function startEnqueueSpan(spec: DeepPartial<TaskSpec>): Span | undefined {
  const tracer = activeTracer();
  if (!tracer) return undefined;
  const taskName = spec.name ?? '';
  const span = tracer.startSpan(`qtasks.enqueue ${taskName}`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      'messaging.system': MESSAGING_SYSTEM,
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'enqueue',
      'messaging.destination.name': spec.queue ?? taskName,
      'qtasks.task.name': taskName,
    },
  });
  spec.traceContext = traceContextOf(span);
  return span;
}

/**
 * The W3C trace context that makes `span` the parent of the task's runs: written by the
 * registered propagator when it writes `traceparent` (W3C's, which `NodeSDK` registers), else
 * formatted from the span's own context (no propagator, or only another format's). A span that is
 * not sampled still sends its context (flags `00`), so that a worker's parent-based sampler drops
 * the run's span too rather than starting a new trace for it. `undefined` for an invalid context.
 */
export function traceContextOf(span: Span): TraceContext | undefined {
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) return undefined;
  const carrier: Carrier = {};
  propagation.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, CARRIER_SETTER);
  const injected = carrier.traceparent !== undefined && TRACEPARENT.test(carrier.traceparent);
  const traceparent = injected ? carrier.traceparent! : formatTraceparent(spanContext);
  const tracestate = injected ? (carrier.tracestate ?? '') : (spanContext.traceState?.serialize() ?? '');
  return { traceparent, tracestate: tracestate.length <= MAX_TRACESTATE_CHARS ? tracestate : '' };
}

function formatTraceparent({ traceId, spanId, traceFlags }: SpanContext): string {
  return `00-${traceId}-${spanId}-${(traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** Ends an enqueue span: with the task's id once stored, or with the error that refused it. */
export function endEnqueueSpan(span: Span, taskId: string | undefined, error?: unknown): void {
  if (span.isRecording()) {
    if (taskId !== undefined) span.setAttribute('messaging.message.id', taskId);
    if (error !== undefined) failSpan(span, errorFields(error));
  }
  span.end();
}

/**
 * Ends `span` when `pending` (an enqueue in flight) settles, with the id `idOf` finds in its
 * value. Without a span, `pending` itself is returned: nothing is added to an untraced enqueue.
 */
export function endEnqueueSpanWhenSettled<T>(span: Span | undefined, pending: Promise<T>, idOf: (value: T) => string): Promise<T> {
  if (!span) return pending;
  return pending.then(
    (value) => {
      endEnqueueSpan(span, idOf(value));
      return value;
    },
    (error: unknown) => {
      endEnqueueSpan(span, undefined, error);
      throw error;
    },
  );
}

/** The task a worker runs, as far as its span goes. */
export interface TracedTask {
  readonly uuid: string;
  readonly taskName: string;
  readonly queue: string;
  readonly attempt: number;
  readonly traceContext: TraceContext | undefined;
}

/** One run's CONSUMER span and the context the handler runs in (the span active in it). */
export class ExecutionSpan {
  private constructor(
    /** The span of the run. */
    readonly span: Span,
    /** The context to run the handler in: the span's parent context with the span active. */
    readonly context: Context,
  ) {}

  /**
   * Starts the span of one run of `task`, a child of the enqueue span whose context the task
   * carries, or a new root when it carries none (an untraced producer: never a child of whatever
   * span happens to be active in the worker). `undefined`, having done nothing, when no SDK is
   * registered.
   */
  static start(task: TracedTask): ExecutionSpan | undefined {
    const tracer = activeTracer();
    if (!tracer) return undefined;
    const parent = task.traceContext ? contextOf(task.traceContext) : ROOT_CONTEXT;
    const span = tracer.startSpan(
      `qtasks.execute ${task.taskName}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': MESSAGING_SYSTEM,
          'messaging.operation.type': 'process',
          'messaging.operation.name': 'execute',
          'messaging.destination.name': task.queue,
          'messaging.message.id': task.uuid,
          'qtasks.task.name': task.taskName,
          'qtasks.task.attempt': task.attempt,
        },
      },
      parent,
    );
    return new ExecutionSpan(span, trace.setSpan(parent, span));
  }

  /** Runs `handler` inside the span (spans it starts are its children), then ends the span with its outcome. */
  async run(handler: () => Outcome | Promise<Outcome>): Promise<Outcome> {
    let outcome: Outcome | undefined;
    try {
      outcome = await context.with(this.context, handler);
      return outcome;
    } finally {
      // `handler` resolves to an outcome and never rejects; should it ever, the span still ends.
      if (outcome) this.end(outcome);
      else this.span.end();
    }
  }

  /**
   * Ends the span: status ERROR with the exception recorded for a failure; a cancelled or
   * released run is no error (`qtasks.task.outcome` says what it was).
   */
  end(outcome: Outcome): void {
    const { span } = this;
    if (span.isRecording()) {
      span.setAttribute('qtasks.task.outcome', outcome.$case);
      if (outcome.$case === 'failure') {
        const error = outcome.value.error;
        failSpan(span, { name: error?.type ?? 'Error', message: error?.message ?? '', stack: error?.traceback || undefined });
      }
    }
    span.end();
  }
}

/** The context of a task's trace context: extracted by the registered propagator, else parsed as W3C. */
function contextOf(traceContext: TraceContext): Context {
  const carrier: Carrier = { traceparent: traceContext.traceparent };
  if (traceContext.tracestate !== '') carrier.tracestate = traceContext.tracestate;
  const extracted = propagation.extract(ROOT_CONTEXT, carrier, CARRIER_GETTER);
  if (trace.getSpanContext(extracted)) return extracted;
  const ids = TRACEPARENT.exec(traceContext.traceparent);
  if (!ids) return ROOT_CONTEXT;
  const spanContext: SpanContext = { traceId: ids[1]!, spanId: ids[2]!, traceFlags: parseInt(ids[3]!, 16), isRemote: true };
  if (traceContext.tracestate !== '') spanContext.traceState = createTraceState(traceContext.tracestate);
  return isSpanContextValid(spanContext) ? trace.setSpanContext(ROOT_CONTEXT, spanContext) : ROOT_CONTEXT;
}

/** What an exception event records. */
interface ErrorFields {
  name: string;
  message: string;
  stack?: string | undefined;
}

function errorFields(error: unknown): ErrorFields {
  return error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : { name: 'Error', message: String(error) };
}

/** Records `error` on `span` as an exception event and sets the span's status to ERROR. */
function failSpan(span: Span, error: ErrorFields): void {
  span.recordException(error.stack === undefined ? { name: error.name, message: error.message } : { name: error.name, message: error.message, stack: error.stack });
  span.setStatus({ code: SpanStatusCode.ERROR, message: `${error.name}: ${error.message}` });
}
