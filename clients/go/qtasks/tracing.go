package qtasks

import (
	"context"
	"regexp"

	brokerv1 "github.com/qtasks/qtasks-broker/clients/go/gen/qtasks/broker/v1"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Traces, with OpenTelemetry's global tracer provider and propagator (no-ops until an SDK is set
// with otel.SetTracerProvider): [Client.Enqueue] starts a PRODUCER span "qtasks.enqueue NAME" per
// task, a child of the span in its ctx, and sends its W3C trace context in
// TaskSpec.trace_context; the [Worker] runs each handler inside a CONSUMER span
// "qtasks.execute NAME", the child of that context, in the handler's ctx, so that the handler's
// own spans nest under it. Attributes follow OpenTelemetry's messaging conventions, as the
// TypeScript SDK and the Python client set them.

// TracerName is the name of the client's tracer (its instrumentation scope).
const TracerName = "github.com/qtasks/qtasks-broker/clients/go/qtasks"

// maxTracestate is the longest tracestate the broker keeps; a longer one is left out rather
// than refused.
const maxTracestate = 512

var traceparentPattern = regexp.MustCompile(`^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$`)

// w3c is the W3C Trace Context propagator, used when the global propagator writes no
// traceparent (by default it writes nothing).
var w3c = propagation.TraceContext{}

func tracer() trace.Tracer { return otel.GetTracerProvider().Tracer(TracerName) }

// startEnqueueSpans starts one PRODUCER span per task and sets each task's trace context.
func startEnqueueSpans(ctx context.Context, protos []*brokerv1.TaskSpec) []trace.Span {
	t := tracer()
	spans := make([]trace.Span, len(protos))
	for i, p := range protos {
		_, span := t.Start(ctx, "qtasks.enqueue "+p.GetName(), trace.WithSpanKind(trace.SpanKindProducer))
		spans[i] = span
		if !span.SpanContext().IsValid() {
			continue // no SDK (or no span at all): nothing to send
		}
		if span.IsRecording() {
			queue := p.GetQueue()
			if queue == "" {
				queue = p.GetName()
			}
			span.SetAttributes(
				attribute.String("messaging.system", "qtasks"),
				attribute.String("messaging.operation.type", "send"),
				attribute.String("messaging.operation.name", "enqueue"),
				attribute.String("messaging.destination.name", queue),
				attribute.String("qtasks.task.name", p.GetName()),
			)
		}
		p.TraceContext = traceContextOf(trace.ContextWithSpan(context.Background(), span))
	}
	return spans
}

// traceContextOf is the W3C trace context of the span in ctx: as the global propagator writes it
// if it writes a traceparent, else as propagation.TraceContext does.
func traceContextOf(ctx context.Context) *brokerv1.TraceContext {
	carrier := propagation.MapCarrier{}
	otel.GetTextMapPropagator().Inject(ctx, carrier)
	if !traceparentPattern.MatchString(carrier.Get("traceparent")) {
		carrier = propagation.MapCarrier{}
		w3c.Inject(ctx, carrier)
	}
	tc := &brokerv1.TraceContext{Traceparent: carrier.Get("traceparent"), Tracestate: carrier.Get("tracestate")}
	if len(tc.Tracestate) > maxTracestate {
		tc.Tracestate = ""
	}
	return tc
}

// endEnqueueSpans ends the spans of the tasks stored (with their ids) or refused (with err).
func endEnqueueSpans(spans []trace.Span, stored []*brokerv1.Task, err error) {
	for i, span := range spans {
		if span.IsRecording() {
			if i < len(stored) {
				span.SetAttributes(attribute.String("messaging.message.id", stored[i].GetId()))
			}
			if err != nil {
				span.RecordError(err)
				span.SetStatus(codes.Error, err.Error())
			}
		}
		span.End()
	}
}

// executeTraced runs execute inside the run's CONSUMER span: the child of the trace context the
// task carries, or a new root when it carries none (never a child of a span in the worker's own
// context).
func (w *Worker) executeTraced(ctx context.Context, handler HandlerFunc, task Task) *brokerv1.Completion {
	opts := []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindConsumer)}
	if task.TraceParent != "" {
		ctx = extractTraceContext(ctx, task.TraceParent, task.TraceState)
	} else {
		opts = append(opts, trace.WithNewRoot())
	}
	ctx, span := tracer().Start(ctx, "qtasks.execute "+task.Name, opts...)
	if span.IsRecording() {
		span.SetAttributes(
			attribute.String("messaging.system", "qtasks"),
			attribute.String("messaging.operation.type", "process"),
			attribute.String("messaging.operation.name", "execute"),
			attribute.String("messaging.destination.name", task.Queue),
			attribute.String("messaging.message.id", task.ID),
			attribute.String("qtasks.task.name", task.Name),
			attribute.Int("qtasks.task.attempt", int(task.Attempt)),
		)
	}
	outcome := w.execute(ctx, handler, task)
	if span.IsRecording() {
		endExecutionSpan(span, outcome)
	}
	span.End()
	return outcome
}

// endExecutionSpan records a run's outcome on its span: status Error with the exception for a
// failure; a cancelled, released or lost run is no error.
func endExecutionSpan(span trace.Span, outcome *brokerv1.Completion) {
	if outcome == nil {
		span.SetAttributes(attribute.String("qtasks.task.outcome", "lease_lost"))
		return
	}
	switch o := outcome.GetOutcome().(type) {
	case *brokerv1.Completion_Success:
		span.SetAttributes(attribute.String("qtasks.task.outcome", "success"))
	case *brokerv1.Completion_Cancelled:
		span.SetAttributes(attribute.String("qtasks.task.outcome", "cancelled"))
	case *brokerv1.Completion_Released:
		span.SetAttributes(attribute.String("qtasks.task.outcome", "released"))
	case *brokerv1.Completion_Failure:
		e := o.Failure.GetError()
		span.SetAttributes(attribute.String("qtasks.task.outcome", "failure"), attribute.Bool("qtasks.task.retryable", o.Failure.GetRetryable()))
		span.AddEvent("exception", trace.WithAttributes(
			attribute.String("exception.type", e.GetType()),
			attribute.String("exception.message", e.GetMessage()),
			attribute.String("exception.stacktrace", e.GetTraceback()),
		))
		span.SetStatus(codes.Error, e.GetType()+": "+e.GetMessage())
	}
}

// extractTraceContext is ctx with the remote span context of a task's trace context, extracted
// by the global propagator if it reads W3C, else by propagation.TraceContext.
func extractTraceContext(ctx context.Context, traceparent, tracestate string) context.Context {
	carrier := propagation.MapCarrier{"traceparent": traceparent}
	if tracestate != "" {
		carrier["tracestate"] = tracestate
	}
	// The worker's ctx holds no span of the task's trace: start from a context without one.
	base := trace.ContextWithSpanContext(ctx, trace.SpanContext{})
	if extracted := otel.GetTextMapPropagator().Extract(base, carrier); trace.SpanContextFromContext(extracted).IsValid() {
		return extracted
	}
	return w3c.Extract(base, carrier)
}
