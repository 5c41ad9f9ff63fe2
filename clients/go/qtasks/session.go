package qtasks

import (
	"context"
	"errors"
	"io"
	"time"

	brokerv1 "github.com/qtasks/qtasks-broker/clients/go/gen/qtasks/broker/v1"
)

// workLoop takes tasks over Work streams until ctx ends: the broker pushes tasks against the
// credit this worker grants (its free slots) and pushes cancel requests at once. A stream that
// fails is opened again after a backoff; leases outlive streams, so running tasks are unaffected.
func (w *Worker) workLoop(ctx context.Context, taskParent context.Context, queues []string) {
	failures := 0
	for ctx.Err() == nil {
		startedAt := time.Now()
		err := w.session(ctx, taskParent, queues)
		if ctx.Err() != nil {
			return
		}
		// A stream that lived a while was healthy: its end starts the backoff afresh.
		if time.Since(startedAt) > 10*time.Second {
			failures = 0
		}
		delay := min(100*time.Millisecond<<min(failures, 6), 5*time.Second)
		failures++
		w.opts.Logger.Warn("qtasks worker: the Work stream ended; opening another", "worker", w.opts.WorkerID, "retry_in", delay, "error", err)
		_ = sleep(ctx, delay)
	}
}

// pushed is what the receiving goroutine hands to the session: tasks, cancel requests or the end.
type pushed struct {
	tasks   []*brokerv1.LeasedTask
	cancels []*brokerv1.CancelRequest
	err     error
}

// session runs one Work stream until ctx ends (then it closes its side, gives back what the
// broker still pushes, and returns nil) or the stream fails (it returns the error). While it is
// open, outcomes and heartbeats take it (see workStream); they go unary otherwise.
func (w *Worker) session(ctx context.Context, taskParent context.Context, queues []string) error {
	// The stream outlives ctx: on a stop, the worker half-closes it and reads it to its end, so
	// that no task pushed meanwhile is left leased to no one.
	streamCtx, cancelStream := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelStream()
	stream, err := w.client.rpc.Work(streamCtx)
	if err != nil {
		return err
	}
	ws := newWorkStream(stream, func() int { return w.opts.Concurrency - w.busy() })
	incoming := make(chan pushed, 16)
	go receive(streamCtx, ws, incoming)
	if err := ws.start(&brokerv1.WorkStart{WorkerId: w.opts.WorkerID, Queues: queues, LeaseMs: millis(w.opts.LeaseDuration)}); err != nil {
		return err
	}
	w.stream.Store(ws)
	defer w.stream.CompareAndSwap(ws, nil)
	for {
		select {
		case <-w.slotFreed:
			// Credit not taken by an outcome (a run that lost its lease, say) goes on its own.
			if err := ws.grant(); err != nil {
				// The stream is over: what the broker pushed before its end still counts.
				return w.drain(ctx, taskParent, incoming)
			}
		case msg := <-incoming:
			if msg.err != nil {
				return msg.err
			}
			ws.used(len(msg.tasks))
			w.take(ctx, taskParent, msg)
		case <-ctx.Done():
			ws.closeSend()
			// A broker that vanished without closing the connection would hold the stop forever:
			// past a call's deadline, the stream is cut (the broker gives back what it had not sent).
			cut := time.AfterFunc(w.client.callTimeout, cancelStream)
			defer cut.Stop()
			for msg := range incoming {
				w.take(ctx, taskParent, msg)
			}
			return nil
		}
	}
}

// maxOutstandingCredit is the most credit the broker accepts granted and not yet used.
const maxOutstandingCredit = 10_000

// take launches the pushed tasks (or gives them back once ctx has ended: the worker is stopping)
// and cancels the runs the broker says were asked to cancel.
func (w *Worker) take(ctx context.Context, taskParent context.Context, msg pushed) {
	if ctx.Err() != nil {
		w.giveBack(msg.tasks)
	} else {
		for _, leased := range msg.tasks {
			w.launch(taskParent, leased)
		}
	}
	w.cancelRuns(msg.cancels)
}

// drain takes what was pushed before the stream ended, then returns how it ended.
func (w *Worker) drain(ctx context.Context, taskParent context.Context, incoming <-chan pushed) error {
	for msg := range incoming {
		if msg.err != nil {
			return msg.err
		}
		w.take(ctx, taskParent, msg)
	}
	return errors.New("the Work stream ended")
}

// receive hands every answer of the stream to its request, and every push (tasks, cancel
// requests), then the stream's end, to incoming, and closes incoming (io.EOF, a clean end, is
// passed on as an error: the session did not end it). It gives up when ctx ends, so that it never
// blocks on a session that has returned.
func receive(ctx context.Context, ws *workStream, incoming chan<- pushed) {
	defer close(incoming)
	defer ws.ended()
	for {
		msg := pushed{}
		resp, err := ws.stream.Recv()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = errors.New("the broker ended the Work stream")
			}
			msg.err = err
		} else if resp.GetRequestId() != 0 {
			ws.answered(resp)
			continue
		} else {
			msg.tasks, msg.cancels = resp.GetTasks().GetTasks(), resp.GetCancel().GetTasks()
		}
		select {
		case incoming <- msg:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}

// cancelRuns cancels the runs of the tasks the broker says were asked to cancel.
func (w *Worker) cancelRuns(requests []*brokerv1.CancelRequest) {
	if len(requests) == 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, request := range requests {
		if run := w.running[request.GetTaskId()]; run != nil {
			run.cancel(ErrCancelRequested)
		}
	}
}

// giveBack releases tasks pushed after the worker began to stop: ready again at once, the
// attempt not counted. It does not wait for the answers: the session goroutine that calls it must
// go on reading the stream, which may carry them. Run waits for them with the tasks.
func (w *Worker) giveBack(tasks []*brokerv1.LeasedTask) {
	for _, leased := range tasks {
		w.tasksDone.Add(1)
		go func() {
			defer w.tasksDone.Done()
			w.outcomes.report(&brokerv1.Completion{
				TaskId:     leased.GetTask().GetId(),
				LeaseToken: leased.GetLeaseToken(),
				Outcome:    &brokerv1.Completion_Released{Released: &brokerv1.Released{}},
			}, w.opts.LeaseDuration)
		}()
	}
}
