package qtasks_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/qtasks/qtasks-broker/clients/go/qtasks"
)

// ValidationError is a custom error type: its name is the reported error type.
type ValidationError struct{ Field string }

func (e *ValidationError) Error() string { return e.Field + " is invalid" }

func TestWorkerRetriesARetryableFailure(t *testing.T) {
	ctx := testContext(t, 15*time.Second)
	client := dial(t, addr)
	name := unique(t, "flaky")
	worker := qtasks.NewWorker(client, qtasks.WorkerOptions{Concurrency: 2, LeaseWait: 5 * time.Second})
	worker.Handle(name, func(ctx context.Context, call *qtasks.Call) (any, error) {
		if call.Attempt() == 1 {
			return nil, errors.New("first attempt fails")
		}
		var who string
		if _, err := call.Kwarg("who", &who); err != nil {
			return nil, err
		}
		return map[string]any{"attempt": call.Attempt(), "hello": who}, nil
	})
	tasks, err := client.Enqueue(ctx, qtasks.Spec{Name: name, MaxRetries: 1, Backoff: &qtasks.Backoff{Initial: 0}, Kwargs: map[string]any{"who": "go"}})
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	watched := make(chan qtasks.Task, 1)
	first := make(chan struct{})
	go func() {
		var last qtasks.Task
		for task, err := range client.Watch(ctx, tasks[0].ID) {
			if err != nil {
				t.Errorf("Watch: %v", err)
				break
			}
			if len(states) == 0 {
				close(first)
			}
			states = append(states, fmt.Sprintf("%s/%d", task.Status, task.Attempt))
			last = task
		}
		watched <- last
	}()
	<-first
	runWorker(t, worker)
	final := <-watched
	want := "new/0 process/1 retry/1 process/2 success/2"
	if got := strings.Join(states, " "); got != want {
		t.Errorf("Watch saw %s, want %s", got, want)
	}
	var result struct {
		Attempt int    `json:"attempt"`
		Hello   string `json:"hello"`
	}
	if err := final.DecodeResult(&result); err != nil || result.Attempt != 2 || result.Hello != "go" {
		t.Fatalf("result %s (%v), want attempt 2 hello go", final.Result, err)
	}
}

func TestWorkerReportsFailures(t *testing.T) {
	ctx := testContext(t, 15*time.Second)
	client := dial(t, addr)
	queue := unique(t, "failures")
	worker := qtasks.NewWorker(client, qtasks.WorkerOptions{Queues: []string{queue}, Concurrency: 8, LeaseWait: 5 * time.Second})
	cases := []struct {
		name      string
		handler   qtasks.HandlerFunc
		args      []any
		wantType  string
		wantMsg   string
		traceback string
	}{
		{"permanent", func(context.Context, *qtasks.Call) (any, error) {
			return nil, qtasks.Permanent(fmt.Errorf("checking: %w", &ValidationError{Field: "email"}))
		}, nil, "ValidationError", "checking: email is invalid", ""},
		{"plain", func(context.Context, *qtasks.Call) (any, error) {
			return nil, qtasks.Permanent(errors.New("plain failure"))
		}, nil, "Error", "plain failure", ""},
		{"typed", func(context.Context, *qtasks.Call) (any, error) {
			return nil, qtasks.Permanent(qtasks.WithType(errors.New("bad value"), "ValueError"))
		}, nil, "ValueError", "bad value", ""},
		{"panic", func(context.Context, *qtasks.Call) (any, error) {
			panic("kaboom")
		}, nil, "Panic", "panic: kaboom", "goroutine"},
		{"bad args", func(_ context.Context, call *qtasks.Call) (any, error) {
			var a, b int
			return nil, call.Bind(&a, &b)
		}, []any{1, "two"}, "TypeError", "args[1]: json: cannot unmarshal string", ""},
		{"unencodable result", func(context.Context, *qtasks.Call) (any, error) {
			return make(chan int), nil
		}, nil, "TypeError", "is not JSON-encodable", ""},
	}
	specs := make([]qtasks.Spec, 0, len(cases)+1)
	for _, c := range cases {
		if c.name == "panic" {
			// A panic is retryable, as any error not marked Permanent: no retries left here.
			specs = append(specs, qtasks.Spec{Name: queue + "." + c.name, Queue: queue, Args: c.args})
		} else {
			specs = append(specs, qtasks.Spec{Name: queue + "." + c.name, Queue: queue, Args: c.args, MaxRetries: 3})
		}
		worker.Handle(queue+"."+c.name, c.handler)
	}
	specs = append(specs, qtasks.Spec{Name: queue + ".unregistered", Queue: queue, MaxRetries: 3})
	runWorker(t, worker)
	tasks, err := client.Enqueue(ctx, specs...)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			task, err := client.Wait(ctx, tasks[i].ID)
			if err != nil {
				t.Fatal(err)
			}
			if task.Status != qtasks.StatusError || task.Attempt != 1 || task.Error == nil {
				t.Fatalf("ended %s at attempt %d with %+v; want error at attempt 1 (not retried)", task.Status, task.Attempt, task.Error)
			}
			if task.Error.Type != c.wantType || !strings.Contains(task.Error.Message, c.wantMsg) || !strings.Contains(task.Error.Traceback, c.traceback) {
				t.Fatalf("error %+v, want type %s, message with %q, traceback with %q", task.Error, c.wantType, c.wantMsg, c.traceback)
			}
		})
	}
	unregistered, err := client.Wait(ctx, tasks[len(cases)].ID)
	if err != nil || unregistered.Status != qtasks.StatusError || unregistered.Error.Type != "TaskNotRegistered" || unregistered.Attempt != 1 {
		t.Fatalf("a task without handler: %+v %v", unregistered, err)
	}
}

func TestCancelOfARunningTaskReachesItsHandler(t *testing.T) {
	ctx := testContext(t, 15*time.Second)
	client := dial(t, addr)
	name := unique(t, "long")
	started := make(chan string, 1)
	causes := make(chan error, 1)
	worker := qtasks.NewWorker(client, qtasks.WorkerOptions{LeaseDuration: 1500 * time.Millisecond, LeaseWait: 5 * time.Second})
	worker.Handle(name, func(ctx context.Context, call *qtasks.Call) (any, error) {
		started <- call.ID()
		<-ctx.Done()
		causes <- context.Cause(ctx)
		return nil, ctx.Err()
	})
	runWorker(t, worker)
	tasks, err := client.Enqueue(ctx, qtasks.Spec{Name: name, MaxRetries: 5})
	if err != nil {
		t.Fatal(err)
	}
	if id := <-started; id != tasks[0].ID {
		t.Fatalf("started %s, want %s", id, tasks[0].ID)
	}
	requested, err := client.Cancel(ctx, tasks[0].ID, "stop it")
	if err != nil || requested.Status != qtasks.StatusProcess || !requested.CancelRequested {
		t.Fatalf("Cancel of a running task: %+v, %v; want process with cancel requested", requested, err)
	}
	final, err := client.Wait(ctx, tasks[0].ID)
	if err != nil || final.Status != qtasks.StatusCancel || final.CancelReason != "stop it" || final.Attempt != 1 {
		t.Fatalf("Wait: %+v, %v; want cancel with reason 'stop it' after one attempt", final, err)
	}
	if cause := <-causes; !errors.Is(cause, qtasks.ErrCancelRequested) {
		t.Fatalf("the handler's context ended with %v, want ErrCancelRequested", cause)
	}
	if _, err := client.Cancel(ctx, tasks[0].ID, "again"); err != nil {
		t.Fatalf("cancelling a cancelled task: %v", err)
	}
}

func TestCancelOfAFinishedTaskIsRefused(t *testing.T) {
	ctx := testContext(t, 15*time.Second)
	client := dial(t, addr)
	name := unique(t, "quick")
	worker := qtasks.NewWorker(client, qtasks.WorkerOptions{LeaseWait: 5 * time.Second})
	worker.Handle(name, func(context.Context, *qtasks.Call) (any, error) { return nil, nil })
	runWorker(t, worker)
	tasks, err := client.Enqueue(ctx, qtasks.Spec{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	final, err := client.Wait(ctx, tasks[0].ID)
	if err != nil || final.Status != qtasks.StatusSuccess || string(final.Result) != "null" {
		t.Fatalf("Wait: %+v %v; want success with result null", final, err)
	}
	_, err = client.Cancel(ctx, tasks[0].ID, "too late")
	var e *qtasks.Error
	if !errors.As(err, &e) || e.Code.String() != "FailedPrecondition" {
		t.Fatalf("Cancel of a finished task: %v, want FailedPrecondition", err)
	}
}

func TestGracefulStopReleasesUnfinishedTasks(t *testing.T) {
	ctx := testContext(t, 20*time.Second)
	client := dial(t, addr)
	queue := unique(t, "stop")
	started := make(chan string, 2)
	finishQuick := make(chan struct{})
	neverEnds := make(chan struct{})
	t.Cleanup(func() { close(neverEnds) })
	worker := qtasks.NewWorker(client, qtasks.WorkerOptions{Queues: []string{queue}, Concurrency: 2, ShutdownGrace: 1500 * time.Millisecond, LeaseWait: 5 * time.Second})
	worker.Handle("quick", func(ctx context.Context, call *qtasks.Call) (any, error) {
		started <- "quick"
		<-finishQuick
		return "finished in the grace period", nil
	})
	worker.Handle("stubborn", func(ctx context.Context, call *qtasks.Call) (any, error) {
		started <- "stubborn"
		<-neverEnds // ignores ctx: the worker must not wait for it
		return nil, nil
	})
	tasks, err := client.Enqueue(ctx, qtasks.Spec{Name: "quick", Queue: queue, MaxRetries: 1}, qtasks.Spec{Name: "stubborn", Queue: queue, MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stopWorker := context.WithCancel(ctx)
	returned := make(chan error, 1)
	go func() { returned <- worker.Run(runCtx) }()
	<-started
	<-started
	stopWorker()
	close(finishQuick) // after the stop began: this task finishes within the grace period
	if err := <-returned; err != nil {
		t.Fatalf("Run: %v", err)
	}
	quick, err := client.Get(ctx, tasks[0].ID)
	if err != nil || quick.Status != qtasks.StatusSuccess || string(quick.Result) != `"finished in the grace period"` {
		t.Fatalf("the task that finished within the grace: %+v, %v", quick, err)
	}
	stubborn, err := client.Get(ctx, tasks[1].ID)
	if err != nil || stubborn.Status != qtasks.StatusNew || stubborn.Attempt != 0 {
		t.Fatalf("the task still running after the grace: %s at attempt %d (%v); want released: new at attempt 0", stubborn.Status, stubborn.Attempt, err)
	}
	if n := worker.Running(); n != 0 {
		t.Fatalf("%d tasks still running after Run returned", n)
	}
}

func TestTimeLimitAndSelfCancel(t *testing.T) {
	ctx := testContext(t, 15*time.Second)
	client := dial(t, addr)
	queue := unique(t, "limits")
	causes := make(chan error, 1)
	worker := qtasks.NewWorker(client, qtasks.WorkerOptions{Queues: []string{queue}, LeaseWait: 5 * time.Second})
	worker.Handle("slow", func(ctx context.Context, call *qtasks.Call) (any, error) {
		<-ctx.Done()
		causes <- context.Cause(ctx)
		return nil, ctx.Err()
	})
	worker.Handle("gives-up", func(ctx context.Context, call *qtasks.Call) (any, error) {
		return nil, fmt.Errorf("nothing to do: %w", &qtasks.CancelError{Reason: "input vanished"})
	})
	runWorker(t, worker)
	tasks, err := client.Enqueue(ctx,
		qtasks.Spec{Name: "slow", Queue: queue, MaxTime: 300 * time.Millisecond},
		qtasks.Spec{Name: "gives-up", Queue: queue, MaxRetries: 2})
	if err != nil {
		t.Fatal(err)
	}
	slow, err := client.Wait(ctx, tasks[0].ID)
	if err != nil || slow.Status != qtasks.StatusError || slow.Error == nil || slow.Error.Type != "TimeLimitExceeded" {
		t.Fatalf("a task over its time limit: %+v %v; want error TimeLimitExceeded", slow, err)
	}
	if cause := <-causes; !errors.Is(cause, qtasks.ErrTimeLimitExceeded) {
		t.Fatalf("the handler's context ended with %v, want ErrTimeLimitExceeded", cause)
	}
	gaveUp, err := client.Wait(ctx, tasks[1].ID)
	if err != nil || gaveUp.Status != qtasks.StatusCancel || gaveUp.CancelReason != "input vanished" || gaveUp.Attempt != 1 {
		t.Fatalf("a task that cancelled itself: %+v %v; want cancel with its reason, not retried", gaveUp, err)
	}
}

// The worker's outcomes and heartbeats take its Work stream: a worker that completes many tasks,
// one of them outliving its lease (so it must be heartbeated), makes no unary Complete or
// Heartbeat call at all.
func TestOutcomesAndHeartbeatsGoOnTheWorkStream(t *testing.T) {
	ctx := testContext(t, 20*time.Second)
	rpcs := newRPCCounter()
	client := dial(t, addr, rpcs.option())
	name, slow := unique(t, "quick"), unique(t, "slow")
	worker := qtasks.NewWorker(client, qtasks.WorkerOptions{Concurrency: 4, LeaseDuration: time.Second})
	worker.Handle(name, func(ctx context.Context, call *qtasks.Call) (any, error) { return call.Attempt(), nil })
	worker.Handle(slow, func(ctx context.Context, call *qtasks.Call) (any, error) {
		select {
		case <-time.After(2 * time.Second): // twice its lease: only heartbeats keep it
			return "slow", nil
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	})
	specs := []qtasks.Spec{{Name: slow}}
	for range 40 {
		specs = append(specs, qtasks.Spec{Name: name})
	}
	tasks, err := client.Enqueue(ctx, specs...)
	if err != nil {
		t.Fatal(err)
	}
	stop := runWorker(t, worker)
	for _, task := range tasks {
		final, err := client.Wait(ctx, task.ID)
		if err != nil || final.Status != qtasks.StatusSuccess || final.Attempt != 1 {
			t.Fatalf("task %s: %s at attempt %d (%v); want success at attempt 1", task.ID, final.Status, final.Attempt, err)
		}
	}
	stop()
	for _, method := range []string{"Complete", "Heartbeat", "Lease"} {
		if calls, _ := rpcs.count(method); calls != 0 {
			t.Errorf("%d unary %s calls; want none: the Work stream carries them", calls, method)
		}
	}
}
