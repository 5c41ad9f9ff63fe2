package qtasks_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qtasks/qtasks-broker/clients/go/qtasks"
	"google.golang.org/grpc/codes"
)

// The broker's google.rpc details reach *qtasks.Error as Reason, Field and RetryAfter.
func TestErrorDetailsFromTheBroker(t *testing.T) {
	ctx := testContext(t, 10*time.Second)
	client := dial(t, addr)
	name := unique(t, "details")

	t.Run("invalid argument", func(t *testing.T) {
		chunked := dial(t, addr, qtasks.WithMaxBatch(2))
		_, err := chunked.Enqueue(ctx, qtasks.Spec{Name: name}, qtasks.Spec{Name: name}, qtasks.Spec{Name: name, MaxRetries: 5000})
		var e *qtasks.Error
		// The BadRequest names tasks[0] of the second chunk: the index is shifted into the call's.
		if !errors.As(err, &e) || e.Code != codes.InvalidArgument || e.Reason != qtasks.ReasonInvalidField || e.Field != "tasks[2].max_retries" {
			t.Fatalf("got %v (%+v), want INVALID_FIELD on tasks[2].max_retries", err, e)
		}
	})
	t.Run("not found", func(t *testing.T) {
		_, err := client.Get(ctx, "0190a000-0000-7000-8000-000000000000")
		var e *qtasks.Error
		if !errors.As(err, &e) || e.Code != codes.NotFound || e.Reason != qtasks.ReasonTaskNotFound || e.Field != "" {
			t.Fatalf("got %v (%+v), want TASK_NOT_FOUND", err, e)
		}
	})
}

func TestOverloadRefusalCarriesRetryInfo(t *testing.T) {
	b := startTestBroker(t, "--max-pending-writes", "50")
	ctx := testContext(t, 20*time.Second)
	// No resends: the refusal itself is returned.
	client := dial(t, b.addr, qtasks.WithMaxOverloadResends(0))
	name := unique(t, "burst")
	payload := strings.Repeat("x", 190)
	var refused []*qtasks.Error
	for round := 0; round < 20 && len(refused) == 0; round++ {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for range 20 {
			wg.Go(func() {
				specs := make([]qtasks.Spec, 20)
				for i := range specs {
					specs[i] = qtasks.Spec{Name: name, Args: []any{payload}}
				}
				_, err := client.Enqueue(ctx, specs...)
				if err == nil {
					return
				}
				var e *qtasks.Error
				if !errors.As(err, &e) {
					t.Errorf("Enqueue: %v", err)
					return
				}
				mu.Lock()
				refused = append(refused, e)
				mu.Unlock()
			})
		}
		wg.Wait()
	}
	if len(refused) == 0 {
		t.Fatal("the broker never refused an Enqueue; the test did not exercise backpressure")
	}
	for _, e := range refused {
		if e.Code != codes.ResourceExhausted || e.Reason != qtasks.ReasonOverloaded || !e.Overloaded() {
			t.Fatalf("refusal %+v, want RESOURCE_EXHAUSTED / OVERLOADED", e)
		}
		if want := fmt.Sprintf("retry in %d ms", e.RetryAfter.Milliseconds()); !strings.Contains(e.Message, want) {
			t.Fatalf("RetryAfter %s does not match the message %q", e.RetryAfter, e.Message)
		}
	}
}
