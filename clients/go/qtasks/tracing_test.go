package qtasks_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/qtasks/qtasks-broker/clients/go/qtasks"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// withTracing sets an SDK provider recording into an in-memory exporter as the global one, for
// this test only (no test of this package runs in parallel).
func withTracing(t *testing.T) (*tracetest.InMemoryExporter, *sdktrace.TracerProvider) {
	t.Helper()
	exporter := tracetest.NewInMemoryExporter()
	provider := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	before := otel.GetTracerProvider()
	otel.SetTracerProvider(provider)
	t.Cleanup(func() {
		otel.SetTracerProvider(before)
		_ = provider.Shutdown(context.Background())
	})
	return exporter, provider
}

func spansNamed(exporter *tracetest.InMemoryExporter, name string) []tracetest.SpanStub {
	var found []tracetest.SpanStub
	for _, span := range exporter.GetSpans() {
		if span.Name == name {
			found = append(found, span)
		}
	}
	return found
}

func attr(span tracetest.SpanStub, key string) attribute.Value {
	for _, kv := range span.Attributes {
		if string(kv.Key) == key {
			return kv.Value
		}
	}
	return attribute.Value{}
}

func TestEnqueueWithoutAnSDKSendsNoTraceContext(t *testing.T) {
	ctx := testContext(t, 15*time.Second)
	client := dial(t, addr)
	name := unique(t, "untraced")
	tasks, err := client.Enqueue(ctx, qtasks.Spec{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if tasks[0].TraceParent != "" || tasks[0].TraceState != "" {
		t.Fatalf("trace context %q %q sent without an SDK", tasks[0].TraceParent, tasks[0].TraceState)
	}
}

func TestTheRunIsAChildOfTheEnqueueSpan(t *testing.T) {
	exporter, provider := withTracing(t)
	ctx := testContext(t, 15*time.Second)
	client := dial(t, addr)
	name := unique(t, "traced")
	worker := qtasks.NewWorker(client, qtasks.WorkerOptions{LeaseWait: 5 * time.Second})
	worker.Handle(name, func(ctx context.Context, call *qtasks.Call) (any, error) {
		_, span := provider.Tracer("test").Start(ctx, "handler work")
		defer span.End()
		return "ok", nil
	})
	worker.Handle(name+"-fails", func(ctx context.Context, call *qtasks.Call) (any, error) {
		return nil, qtasks.Permanent(errors.New("no luck"))
	})
	runWorker(t, worker)

	reqCtx, request := provider.Tracer("test").Start(ctx, "request")
	tasks, err := client.Enqueue(reqCtx, qtasks.Spec{Name: name}, qtasks.Spec{Name: name + "-fails"})
	request.End()
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range tasks {
		if _, err := client.Wait(ctx, task.ID); err != nil {
			t.Fatal(err)
		}
	}
	traceID := request.SpanContext().TraceID()

	var enqueues []tracetest.SpanStub
	for i, task := range tasks {
		spans := spansNamed(exporter, "qtasks.enqueue "+task.Name)
		if len(spans) != 1 {
			t.Fatalf("%d enqueue spans of %s, want 1", len(spans), task.Name)
		}
		enqueue := spans[0]
		enqueues = append(enqueues, enqueue)
		if enqueue.SpanKind != trace.SpanKindProducer || enqueue.Parent.SpanID() != request.SpanContext().SpanID() {
			t.Errorf("enqueue span %d: kind %v parent %v, want a producer child of the request", i, enqueue.SpanKind, enqueue.Parent.SpanID())
		}
		if got := attr(enqueue, "messaging.message.id").AsString(); got != task.ID {
			t.Errorf("enqueue span %d: messaging.message.id %q, want %q", i, got, task.ID)
		}
		want := fmt.Sprintf("00-%s-%s-01", traceID, enqueue.SpanContext.SpanID())
		if task.TraceParent != want {
			t.Errorf("task %d: traceparent %q, want %q", i, task.TraceParent, want)
		}
	}

	// Spans end as their runs end, a moment after the outcome is decided: wait for them.
	deadline := time.Now().Add(5 * time.Second)
	for len(spansNamed(exporter, "handler work")) == 0 || len(spansNamed(exporter, "qtasks.execute "+name+"-fails")) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the execution spans never ended")
		}
		time.Sleep(10 * time.Millisecond)
	}
	execute := spansNamed(exporter, "qtasks.execute "+name)[0]
	if execute.SpanKind != trace.SpanKindConsumer || execute.SpanContext.TraceID() != traceID {
		t.Errorf("execution span: kind %v trace %v, want a consumer in trace %v", execute.SpanKind, execute.SpanContext.TraceID(), traceID)
	}
	if execute.Parent.SpanID() != enqueues[0].SpanContext.SpanID() || !execute.Parent.IsRemote() {
		t.Errorf("execution span parent %v (remote %v), want the enqueue span %v", execute.Parent.SpanID(), execute.Parent.IsRemote(), enqueues[0].SpanContext.SpanID())
	}
	if got := attr(execute, "qtasks.task.attempt").AsInt64(); got != 1 {
		t.Errorf("qtasks.task.attempt %d, want 1", got)
	}
	if execute.Status.Code == codes.Error {
		t.Errorf("a successful run's span has status %v", execute.Status)
	}
	work := spansNamed(exporter, "handler work")[0]
	if work.Parent.SpanID() != execute.SpanContext.SpanID() || work.SpanContext.TraceID() != traceID {
		t.Errorf("the handler's span is not a child of the execution span")
	}

	failed := spansNamed(exporter, "qtasks.execute "+name+"-fails")[0]
	if failed.Parent.SpanID() != enqueues[1].SpanContext.SpanID() {
		t.Errorf("failed run's span parent %v, want %v", failed.Parent.SpanID(), enqueues[1].SpanContext.SpanID())
	}
	if failed.Status.Code != codes.Error || !strings.Contains(failed.Status.Description, "no luck") {
		t.Errorf("failed run's span status %v, want Error with the message", failed.Status)
	}
	if len(failed.Events) != 1 || failed.Events[0].Name != "exception" {
		t.Errorf("failed run's span events %v, want one exception", failed.Events)
	}
}

func TestAContextFromAnotherLanguageIsTheParent(t *testing.T) {
	exporter, _ := withTracing(t)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	t.Cleanup(func() { otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator()) })
	ctx := testContext(t, 15*time.Second)
	client := dial(t, addr)
	name := unique(t, "remote-parent")
	worker := qtasks.NewWorker(client, qtasks.WorkerOptions{LeaseWait: 5 * time.Second})
	worker.Handle(name, func(ctx context.Context, call *qtasks.Call) (any, error) {
		return trace.SpanContextFromContext(ctx).TraceState().Get("vendor"), nil
	})
	runWorker(t, worker)

	// What a TypeScript or Python producer sends, as the span context in ctx here.
	traceID, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	spanID, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	state, _ := trace.ParseTraceState("vendor=abc")
	upstream := trace.ContextWithRemoteSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: traceID, SpanID: spanID, TraceFlags: trace.FlagsSampled, TraceState: state, Remote: true,
	}))
	tasks, err := client.Enqueue(upstream, qtasks.Spec{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if tasks[0].TraceState != "vendor=abc" {
		t.Errorf("tracestate %q, want vendor=abc", tasks[0].TraceState)
	}
	final, err := client.Wait(ctx, tasks[0].ID)
	if err != nil || string(final.Result) != `"abc"` {
		t.Fatalf("result %s (%v), want the tracestate the handler saw", final.Result, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(spansNamed(exporter, "qtasks.execute "+name)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the execution span never ended")
		}
		time.Sleep(10 * time.Millisecond)
	}
	execute := spansNamed(exporter, "qtasks.execute "+name)[0]
	enqueue := spansNamed(exporter, "qtasks.enqueue "+name)[0]
	if execute.SpanContext.TraceID() != traceID || enqueue.SpanContext.TraceID() != traceID || execute.Parent.SpanID() != enqueue.SpanContext.SpanID() {
		t.Errorf("execution span in trace %v with parent %v, want trace %v under %v", execute.SpanContext.TraceID(), execute.Parent.SpanID(), traceID, enqueue.SpanContext.SpanID())
	}
}
