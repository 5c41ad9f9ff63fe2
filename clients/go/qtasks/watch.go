package qtasks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"sync"
	"time"

	brokerv1 "github.com/qtasks/qtasks-broker/clients/go/gen/qtasks/broker/v1"
	"google.golang.org/grpc/codes"
)

// Get returns the current state of a task. An unknown id fails with code NotFound.
func (c *Client) Get(ctx context.Context, id string) (Task, error) {
	resp, err := unary(ctx, c, "GetTask", 0, c.rpc.GetTask, &brokerv1.GetTaskRequest{TaskId: id})
	if err != nil {
		return Task{}, err
	}
	return taskOf(resp.GetTask()), nil
}

// Cancel cancels a task and returns it as the cancel left it: a waiting task is cancelled at once
// (status cancel); a running one is marked CancelRequested, and its worker sees that on its next
// heartbeat. Cancelling a task that already succeeded or failed fails with code
// FailedPrecondition; an already cancelled task is returned unchanged.
func (c *Client) Cancel(ctx context.Context, id, reason string) (Task, error) {
	resp, err := unary(ctx, c, "CancelTask", 0, c.rpc.CancelTask, &brokerv1.CancelTaskRequest{TaskId: id, Reason: reason})
	if err != nil {
		return Task{}, err
	}
	return taskOf(resp.GetTask()), nil
}

// Retry runs an ended task again: an error or cancel task becomes retry, ready at once, with the
// same id and a fresh retry budget (MaxRetries further attempts after its next one). The failed
// attempts stay in [Task.History]. A task that is not error or cancel (it succeeded, or is still
// waiting or running) fails with code FailedPrecondition; an unknown id with code NotFound.
func (c *Client) Retry(ctx context.Context, id string) (Task, error) {
	resp, err := unary(ctx, c, "RetryTask", 0, c.rpc.RetryTask, &brokerv1.RetryTaskRequest{TaskId: id})
	if err != nil {
		return Task{}, err
	}
	return taskOf(resp.GetTask()), nil
}

// Watch streams a task's states over one WatchResult stream: its current state first, then every
// transition, ending after a final status. An error (an [*Error], or the context's) is yielded
// once as the last element. The stream lives as long as ctx or the loop; breaking out of the loop
// closes it.
func (c *Client) Watch(ctx context.Context, id string) iter.Seq2[Task, error] {
	return func(yield func(Task, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		stream, err := c.rpc.WatchResult(ctx, &brokerv1.WatchResultRequest{TaskId: id})
		if err != nil {
			yield(Task{}, newError("WatchResult", err, nil))
			return
		}
		for {
			resp, err := stream.Recv()
			if err == io.EOF {
				return
			}
			if err != nil {
				yield(Task{}, newError("WatchResult", err, stream.Trailer()))
				return
			}
			if !yield(taskOf(resp.GetTask()), nil) {
				return
			}
		}
	}
}

// Wait returns the task once it reaches a final status (success, error or cancel). It watches the
// task with WatchResult, and watches again when the stream breaks for a reason that a new stream
// cures (the broker restarting, a stalled stream, a stream ending early); other errors and the
// end of ctx are returned.
func (c *Client) Wait(ctx context.Context, id string) (Task, error) {
	var lastErr error
	for rewatch := 0; ; rewatch++ {
		if rewatch > 0 {
			delay := min(100*time.Millisecond<<min(rewatch-1, 6), 5*time.Second)
			if err := sleep(ctx, delay); err != nil {
				if lastErr == nil {
					lastErr = err
				}
				return Task{}, lastErr
			}
		}
		lastErr = errors.New("qtasks: WatchResult: the stream ended before a final status")
		for task, err := range c.Watch(ctx, id) {
			if err != nil {
				lastErr = err
				break
			}
			if task.Status.Final() {
				return task, nil
			}
		}
		if ctx.Err() != nil {
			return Task{}, lastErr
		}
		var e *Error
		if errors.As(lastErr, &e) && e.Code != codes.Unavailable && e.Code != codes.ResourceExhausted {
			return Task{}, lastErr
		}
	}
}

// DefaultWaitConcurrency is the number of WatchResult streams [Client.WaitAll] keeps open at once
// when asked for 0.
const DefaultWaitConcurrency = 64

// WaitAll waits for every task of ids to reach a final status, with at most concurrency
// WatchResult streams open at once (0 or less: [DefaultWaitConcurrency]). The tasks come back in
// the order of ids. On the first error (or the end of ctx) it stops the other waits and returns
// the tasks that ended so far (zero Task values for the others) with that error, which names the
// task.
func (c *Client) WaitAll(ctx context.Context, ids []string, concurrency int) ([]Task, error) {
	if concurrency <= 0 {
		concurrency = DefaultWaitConcurrency
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	tasks := make([]Task, len(ids))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(concurrency, len(ids)) {
		wg.Go(func() {
			for i := range next {
				task, err := c.Wait(ctx, ids[i])
				if err != nil {
					cancel(fmt.Errorf("qtasks: waiting for task %s: %w", ids[i], err))
					continue
				}
				tasks[i] = task
			}
		})
	}
feed:
	for i := range ids {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return tasks, err
	}
	return tasks, nil
}
