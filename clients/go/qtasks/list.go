package qtasks

import (
	"context"
	"iter"
	"time"

	brokerv1 "github.com/qtasks/qtasks-broker/clients/go/gen/qtasks/broker/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// ListOptions selects the tasks [Client.ListTasks] returns; the zero value selects every task.
type ListOptions struct {
	// Queue keeps the tasks of this queue; empty means every queue.
	Queue string
	// Status keeps the tasks in this status; empty means every status.
	Status Status
	// FinishedAfter keeps the tasks that ended at or after this time, which then come in the
	// order they ended. It needs a final Status (success, error or cancel); zero means no bound.
	FinishedAfter time.Time
	// PageSize is how many tasks one ListTasks RPC returns, 1–1000; 0 means 100.
	PageSize int32
}

// ListTasks iterates over the tasks opts selects, one ListTasks RPC per page, each with the
// client's call timeout. Without a status filter tasks come grouped by status; within a status in
// creation order (in end order with FinishedAfter). An error (an [*Error], e.g. InvalidArgument
// for FinishedAfter without a final status, or an unknown Status) is yielded once as the last
// element; breaking out of the loop stops the paging.
func (c *Client) ListTasks(ctx context.Context, opts ListOptions) iter.Seq2[Task, error] {
	return func(yield func(Task, error) bool) {
		req := &brokerv1.ListTasksRequest{Queue: opts.Queue, PageSize: opts.PageSize}
		if opts.Status != "" {
			status, err := opts.Status.proto()
			if err != nil {
				yield(Task{}, err)
				return
			}
			req.Status = status
		}
		if !opts.FinishedAfter.IsZero() {
			req.FinishedAfter = timestamppb.New(opts.FinishedAfter)
		}
		for {
			page, err := unary(ctx, c, "ListTasks", 0, c.rpc.ListTasks, req)
			if err != nil {
				yield(Task{}, err)
				return
			}
			for _, p := range page.GetTasks() {
				if !yield(taskOf(p), nil) {
					return
				}
			}
			if page.GetNextPageToken() == "" {
				return
			}
			req.PageToken = page.GetNextPageToken()
		}
	}
}
