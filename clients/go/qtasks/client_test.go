package qtasks_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qtasks/qtasks-broker/clients/go/qtasks"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestEnqueueBatchAndWaitAll(t *testing.T) {
	ctx := testContext(t, 20*time.Second)
	rpcs := newRPCCounter()
	client := dial(t, addr, qtasks.WithMaxBatch(100), rpcs.option())
	name := unique(t, "square")

	worker := qtasks.NewWorker(client, qtasks.WorkerOptions{Concurrency: 32, LeaseWait: 5 * time.Second})
	worker.Handle(name, func(ctx context.Context, call *qtasks.Call) (any, error) {
		var x int
		if err := call.Bind(&x); err != nil {
			return nil, err
		}
		return x * x, nil
	})
	runWorker(t, worker)

	const n = 250
	specs := make([]qtasks.Spec, n)
	for i := range specs {
		specs[i] = qtasks.Spec{Name: name, Args: []any{i}, Kwargs: map[string]any{"note": "from go"}}
	}
	tasks, err := client.Enqueue(ctx, specs...)
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != n {
		t.Fatalf("Enqueue returned %d tasks, want %d", len(tasks), n)
	}
	if calls, _ := rpcs.count("Enqueue"); calls != 3 {
		t.Errorf("Enqueue of %d tasks with max batch 100 made %d RPCs, want 3", n, calls)
	}
	defer func() {
		// Tasks come over the Work stream, pushed: the worker never calls Lease.
		if calls, _ := rpcs.count("Lease"); calls != 0 {
			t.Errorf("the worker made %d Lease calls, want 0 (tasks come over the Work stream)", calls)
		}
	}()
	ids := make([]string, n)
	for i, task := range tasks {
		ids[i] = task.ID
		if string(task.Args) != "["+itoa(i)+"]" || string(task.Kwargs) != `{"note":"from go"}` || task.Queue != name {
			t.Fatalf("task %d stored as args %s kwargs %s queue %q", i, task.Args, task.Kwargs, task.Queue)
		}
	}
	done, err := client.WaitAll(ctx, ids, 16)
	if err != nil {
		t.Fatal(err)
	}
	for i, task := range done {
		var result int
		if err := task.DecodeResult(&result); err != nil {
			t.Fatalf("task %d (%s): %v", i, task.Status, err)
		}
		if task.ID != ids[i] || task.Status != qtasks.StatusSuccess || result != i*i || task.Attempt != 1 {
			t.Fatalf("task %d ended %s attempt %d with result %d, want success attempt 1 with %d", i, task.Status, task.Attempt, result, i*i)
		}
	}
}

func TestWaitAllNamesTheTaskThatFailed(t *testing.T) {
	ctx := testContext(t, 10*time.Second)
	client := dial(t, addr)
	queued, err := client.Enqueue(ctx, qtasks.Spec{Name: unique(t, "never-run")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Cancel(ctx, queued[0].ID, "not needed"); err != nil {
		t.Fatal(err)
	}
	missing := "0190a000-0000-7000-8000-000000000000"
	tasks, err := client.WaitAll(ctx, []string{queued[0].ID, missing}, 2)
	if status.Code(err) != codes.NotFound || !strings.Contains(err.Error(), missing) {
		t.Fatalf("WaitAll with an unknown id: %v, want NotFound naming %s", err, missing)
	}
	if len(tasks) != 2 || tasks[1].ID != "" {
		t.Fatalf("WaitAll returned %+v", tasks)
	}
}

func TestInvalidInputNamesTheField(t *testing.T) {
	ctx := testContext(t, 10*time.Second)
	client := dial(t, addr)
	name := unique(t, "valid")

	t.Run("empty name", func(t *testing.T) {
		tasks, err := client.Enqueue(ctx, qtasks.Spec{Name: name}, qtasks.Spec{Name: ""})
		var e *qtasks.Error
		if !errors.As(err, &e) || e.Code != codes.InvalidArgument || e.Field != "tasks[1].name" || !strings.Contains(e.Message, "must not be empty") {
			t.Fatalf("got %v (%#v), want InvalidArgument on tasks[1].name", err, e)
		}
		if len(tasks) != 0 {
			t.Fatalf("a refused batch returned %d tasks", len(tasks))
		}
	})
	t.Run("index across chunks", func(t *testing.T) {
		chunked := dial(t, addr, qtasks.WithMaxBatch(2))
		specs := []qtasks.Spec{{Name: name}, {Name: name}, {Name: name}, {Name: name, MaxRetries: 5000}}
		tasks, err := chunked.Enqueue(ctx, specs...)
		var e *qtasks.Error
		if !errors.As(err, &e) || e.Code != codes.InvalidArgument || e.Field != "tasks[3].max_retries" || !strings.HasPrefix(e.Message, "tasks[3].max_retries: ") {
			t.Fatalf("got %v, want InvalidArgument on tasks[3].max_retries", err)
		}
		if len(tasks) != 2 {
			t.Fatalf("the first chunk was stored but %d tasks were returned", len(tasks))
		}
	})
	t.Run("args not JSON-encodable", func(t *testing.T) {
		_, err := client.Enqueue(ctx, qtasks.Spec{Name: name}, qtasks.Spec{Name: name, Args: []any{make(chan int)}})
		if err == nil || !strings.Contains(err.Error(), "tasks[1].args") {
			t.Fatalf("got %v, want an error naming tasks[1].args", err)
		}
	})
	t.Run("eta and delay", func(t *testing.T) {
		_, err := client.Enqueue(ctx, qtasks.Spec{Name: name, ETA: time.Now().Add(time.Hour), Delay: time.Second})
		var e *qtasks.Error
		if !errors.As(err, &e) || e.Field != "tasks[0].eta" {
			t.Fatalf("got %v, want InvalidArgument on tasks[0].eta", err)
		}
	})
	t.Run("get", func(t *testing.T) {
		_, err := client.Get(ctx, "")
		var e *qtasks.Error
		if !errors.As(err, &e) || e.Code != codes.InvalidArgument || e.Field != "task_id" || e.Method != "GetTask" {
			t.Fatalf("Get(\"\"): %v, want InvalidArgument on task_id", err)
		}
		if _, err := client.Get(ctx, "0190a000-0000-7000-8000-000000000000"); status.Code(err) != codes.NotFound {
			t.Fatalf("Get of an unknown id: %v, want NotFound", err)
		}
	})
	t.Run("worker without handlers", func(t *testing.T) {
		err := qtasks.NewWorker(client, qtasks.WorkerOptions{}).Run(ctx)
		if err == nil || !strings.Contains(err.Error(), "no handler") {
			t.Fatalf("Run without handlers: %v", err)
		}
	})
}

func TestGetCancelAndWatch(t *testing.T) {
	ctx := testContext(t, 10*time.Second)
	client := dial(t, addr)
	name := unique(t, "queued")
	tasks, err := client.Enqueue(ctx, qtasks.Spec{Name: name, Priority: 3, Tags: []string{"a"}, Metadata: map[string]string{"k": "v"}, IdempotencyKey: "once"})
	if err != nil {
		t.Fatal(err)
	}
	spec := qtasks.Spec{Name: name, Priority: 3, Tags: []string{"a"}, Metadata: map[string]string{"k": "v"}, IdempotencyKey: "once"}
	again, err := client.Enqueue(ctx, spec)
	if err != nil || again[0].ID != tasks[0].ID {
		t.Fatalf("a repeated idempotency key gave %v, %v; want task %s", again, err, tasks[0].ID)
	}
	// The same key for another task (here, another priority) is refused, and names the field.
	spec.Priority = 4
	if _, err := client.Enqueue(ctx, spec); status.Code(err) != codes.AlreadyExists || !strings.Contains(err.Error(), "tasks[0].idempotency_key") {
		t.Fatalf("the same key for another task gave %v; want ALREADY_EXISTS naming tasks[0].idempotency_key", err)
	}
	got, err := client.Get(ctx, tasks[0].ID)
	if err != nil || got.Status != qtasks.StatusNew || got.Priority != 3 || got.Metadata["k"] != "v" || got.Tags[0] != "a" || got.CreatedAt.IsZero() {
		t.Fatalf("Get: %+v, %v", got, err)
	}
	if err := got.DecodeResult(new(any)); !errors.Is(err, qtasks.ErrNoResult) {
		t.Fatalf("DecodeResult of a new task: %v, want ErrNoResult", err)
	}

	var states []qtasks.Status
	watched := make(chan error, 1)
	first := make(chan struct{})
	go func() {
		for task, err := range client.Watch(ctx, tasks[0].ID) {
			if err != nil {
				watched <- err
				return
			}
			states = append(states, task.Status)
			if len(states) == 1 {
				close(first)
			}
		}
		watched <- nil
	}()
	<-first
	cancelled, err := client.Cancel(ctx, tasks[0].ID, "changed my mind")
	if err != nil || cancelled.Status != qtasks.StatusCancel || cancelled.CancelReason != "changed my mind" {
		t.Fatalf("Cancel of a new task: %+v, %v", cancelled, err)
	}
	if err := <-watched; err != nil {
		t.Fatal(err)
	}
	if len(states) != 2 || states[0] != qtasks.StatusNew || states[1] != qtasks.StatusCancel {
		t.Fatalf("Watch saw %v, want [new cancel]", states)
	}
	if again, err := client.Cancel(ctx, tasks[0].ID, "twice"); err != nil || again.Status != qtasks.StatusCancel {
		t.Fatalf("cancelling a cancelled task: %+v, %v", again, err)
	}
}

func TestBackpressureResendsAfterTheHint(t *testing.T) {
	b := startTestBroker(t, "--max-pending-writes", "50")
	ctx := testContext(t, 20*time.Second)
	rpcs := newRPCCounter()
	client := dial(t, b.addr, rpcs.option())
	name := unique(t, "burst")
	const burst, batch = 20, 20
	payload := strings.Repeat("x", 190)
	total := 0
	ids := map[string]bool{}
	for round := 0; round < 20; round++ {
		var wg sync.WaitGroup
		var mu sync.Mutex
		var failures []error
		for range burst {
			wg.Go(func() {
				specs := make([]qtasks.Spec, batch)
				for i := range specs {
					specs[i] = qtasks.Spec{Name: name, Args: []any{payload}}
				}
				tasks, err := client.Enqueue(ctx, specs...)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					failures = append(failures, err)
				}
				for _, task := range tasks {
					ids[task.ID] = true
				}
			})
		}
		wg.Wait()
		if len(failures) > 0 {
			t.Fatalf("Enqueue under overload failed: %v", failures[0])
		}
		total += burst * batch
		if _, refused := rpcs.count("Enqueue"); refused > 0 {
			break
		}
	}
	calls, refused := rpcs.count("Enqueue")
	if refused == 0 {
		t.Fatalf("the broker never refused an Enqueue in %d calls; the test did not exercise backpressure", calls)
	}
	if calls != total/batch+refused {
		t.Errorf("%d Enqueue RPCs with %d refused for %d requests: every refusal should be resent once", calls, refused, total/batch)
	}
	if len(ids) != total {
		t.Fatalf("%d distinct tasks stored, want %d", len(ids), total)
	}
}

func TestBearerToken(t *testing.T) {
	b := startTestBroker(t, "--auth-token", "s3cret")
	ctx := testContext(t, 10*time.Second)
	_, err := dial(t, b.addr).Enqueue(ctx, qtasks.Spec{Name: unique(t, "auth")})
	if status.Code(err) != codes.Unauthenticated {
		t.Fatalf("Enqueue without a token: %v, want Unauthenticated", err)
	}
	// Refused before the broker's service sees the call (its call guard), with details all the same.
	if e := (*qtasks.Error)(nil); !errors.As(err, &e) || e.Reason != qtasks.ReasonUnauthenticated {
		t.Fatalf("Enqueue without a token: %+v, want reason UNAUTHENTICATED", err)
	}
	tasks, err := dial(t, b.addr, qtasks.WithToken("s3cret")).Enqueue(ctx, qtasks.Spec{Name: unique(t, "auth")})
	if err != nil || len(tasks) != 1 {
		t.Fatalf("Enqueue with the token: %v, %v", tasks, err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
