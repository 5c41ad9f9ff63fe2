package qtasks

import (
	"context"
	"math/rand/v2"
	"time"

	brokerv1 "github.com/qtasks/qtasks-broker/clients/go/gen/qtasks/broker/v1"
)

// maxOverloadWait is the longest wait before one resend of a refused Enqueue.
const maxOverloadWait = 5 * time.Second

// Enqueue stores tasks and returns them in the order of specs (for a repeated idempotency key,
// the first task stored with it).
//
// Up to the client's max batch (see [WithMaxBatch]) the specs travel in one Enqueue RPC, which the
// broker stores atomically; more are split into several RPCs sent one after the other, each
// atomic on its own. If one of them fails, Enqueue returns the tasks stored by the RPCs before it
// together with the error. An RPC refused by an overloaded broker (RESOURCE_EXHAUSTED, reason
// [ReasonOverloaded], with a RetryInfo: nothing stored) is sent again after its delay, doubled for
// each further refusal (at most 5 s) plus jitter, up to the client's max resends.
//
// With an OpenTelemetry SDK set as the global tracer provider, each task gets a PRODUCER span
// "qtasks.enqueue NAME", a child of the span in ctx, whose W3C trace context travels with the
// task to the worker's span of its run (see [TracerName]).
//
// An invalid spec fails with an [*Error] of code InvalidArgument whose Field names it, e.g.
// "tasks[3].name", indexed in specs; args or kwargs that cannot be JSON-encoded fail before
// anything is sent.
func (c *Client) Enqueue(ctx context.Context, specs ...Spec) ([]Task, error) {
	if len(specs) == 0 {
		return nil, nil
	}
	protos := make([]*brokerv1.TaskSpec, len(specs))
	for i, s := range specs {
		p, err := s.proto(i)
		if err != nil {
			return nil, err
		}
		protos[i] = p
	}
	// A PRODUCER span per task (non-recording without an OpenTelemetry SDK), its W3C context sent
	// in the task's trace_context: see tracing.go.
	spans := startEnqueueSpans(ctx, protos)
	tasks := make([]Task, 0, len(specs))
	for start := 0; start < len(protos); start += c.maxBatch {
		end := min(start+c.maxBatch, len(protos))
		stored, err := c.enqueueChunk(ctx, protos[start:end])
		endEnqueueSpans(spans[start:end], stored, err)
		if err != nil {
			endEnqueueSpans(spans[end:], nil, err)
			if e, ok := err.(*Error); ok {
				e.shiftIndex("tasks", start)
			}
			return tasks, err
		}
		for _, p := range stored {
			tasks = append(tasks, taskOf(p))
		}
	}
	return tasks, nil
}

// enqueueChunk sends one Enqueue RPC, resending it while the broker refuses it for overload.
func (c *Client) enqueueChunk(ctx context.Context, protos []*brokerv1.TaskSpec) ([]*brokerv1.Task, error) {
	req := &brokerv1.EnqueueRequest{Tasks: protos}
	for resend := 0; ; resend++ {
		resp, err := unary(ctx, c, "Enqueue", 0, c.rpc.Enqueue, req)
		if err == nil {
			return resp.GetTasks(), nil
		}
		e := err.(*Error)
		if !e.Overloaded() || resend >= c.maxResends {
			return nil, e
		}
		if err := sleep(ctx, overloadWait(e.RetryAfter, resend)); err != nil {
			return nil, e
		}
	}
}

// overloadWait is the wait before resend number `resend` (from 0) of a refused call: the hint,
// doubled per earlier resend, at most 5 s, plus up to half again at random so that producers
// refused together do not come back together.
func overloadWait(hint time.Duration, resend int) time.Duration {
	wait := hint << min(resend, 20)
	if wait > maxOverloadWait || wait <= 0 {
		wait = maxOverloadWait
	}
	return wait + time.Duration(rand.Int64N(int64(wait)/2+1))
}

// sleep waits d, or returns the context's error if it ends first.
func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
