package qtasks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	brokerv1 "github.com/qtasks/qtasks-broker/clients/go/gen/qtasks/broker/v1"
	"golang.org/x/text/unicode/norm"
)

// HandlerFunc runs one task. Its result is JSON-encoded as the task's result; an error fails the
// attempt (see [Worker]). ctx is cancelled when the task is asked to cancel, when its time limit
// runs out, when its lease is lost and when the worker stops; context.Cause(ctx) says which
// ([ErrCancelRequested], [ErrTimeLimitExceeded], [ErrLeaseLost], [ErrWorkerStopping]).
type HandlerFunc func(ctx context.Context, call *Call) (any, error)

// WorkerOptions configures a [Worker]; zero fields take their defaults.
type WorkerOptions struct {
	// Concurrency is the most tasks run at once. Default 10.
	Concurrency int
	// LeaseDuration is the lease asked for each task, renewed by a heartbeat every third of it.
	// 1 s to 1 h; default 30 s.
	LeaseDuration time.Duration
	// LeaseWait was how long one Lease call waited for a task. The worker now takes tasks over
	// one Work stream, pushed the moment they are ready, so it is only checked (0 to 300 s).
	//
	// Deprecated: ignored since the worker uses the Work stream.
	LeaseWait time.Duration
	// ShutdownGrace is how long running tasks may go on once Run's context ends; the others are
	// then given back to the broker. Default 10 s; negative means no grace.
	ShutdownGrace time.Duration
	// Queues are the queues leased from. Default: the names of the registered handlers (a task's
	// queue defaults to its name).
	Queues []string
	// WorkerID identifies the worker to the broker. Default: host-pid-random.
	WorkerID string
	// RetryOnlyMarked makes only errors marked [Retryable] (or deciding so themselves) retryable.
	// By default every error is retryable except those marked [Permanent], as in the other SDKs;
	// the broker retries only tasks with retries left.
	RetryOnlyMarked bool
	// Logger receives the worker's warnings and errors. Default slog.Default().
	Logger *slog.Logger
}

// Worker leases tasks from the broker and runs their handlers, each in its own goroutine.
//
// The worker holds one Work stream: it grants the broker as much credit as it has free slots, and
// the broker pushes tasks the moment they are ready, and cancel requests at once (the task's
// context is cancelled). Outcomes and heartbeats go up the same stream (unary calls when no stream
// is open): running tasks share one heartbeat every third of the lease, and outcomes are sent in
// batches, each carrying the credit of the slots freed by the handlers that returned, so no task
// waits on a Lease round trip. A handler's result becomes Success (its JSON), an error becomes
// a Failure whose type is the error's type (see [TypedError], [WithType]; a Go error type's name
// otherwise, "Error" for plain errors.New errors, "Panic" for a panic) and which is retryable
// unless marked [Permanent]. A handler that does not return once its context is cancelled is left
// behind: its outcome is reported at once (cancelled, released, or a time-limit failure) and
// its slot is freed, so handlers should honour ctx.
type Worker struct {
	client   *Client
	opts     WorkerOptions
	handlers map[string]HandlerFunc

	mu      sync.Mutex
	running map[string]*runningTask
	// stale counts runs whose task the broker handed out again while they still run: out of
	// running (their lease is another's) but still holding a slot until their goroutine ends.
	stale int
	// reporting counts runs whose handler is done and whose outcome is being reported: still
	// heartbeated, but their slot is free again (its credit goes with the outcome).
	reporting int
	active    bool
	// slotFreed gets a value (without blocking) each time a task ends.
	slotFreed chan struct{}
	tasksDone sync.WaitGroup
	outcomes  *completer
	// stream is the open Work stream, if any: outcomes and heartbeats take it.
	stream atomic.Pointer[workStream]
}

type runningTask struct {
	taskID string
	token  string
	cancel context.CancelCauseFunc
	// reporting is set once its handler is done (see Worker.reporting).
	reporting bool
}

// NewWorker creates a worker on client; register handlers with [Worker.Handle], then call
// [Worker.Run].
func NewWorker(client *Client, opts WorkerOptions) *Worker {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 10
	}
	if opts.LeaseDuration == 0 {
		opts.LeaseDuration = 30 * time.Second
	}
	if opts.LeaseWait == 0 {
		opts.LeaseWait = 30 * time.Second
	}
	if opts.ShutdownGrace == 0 {
		opts.ShutdownGrace = 10 * time.Second
	}
	if opts.WorkerID == "" {
		opts.WorkerID = defaultWorkerID()
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Worker{
		client:    client,
		opts:      opts,
		handlers:  map[string]HandlerFunc{},
		running:   map[string]*runningTask{},
		slotFreed: make(chan struct{}, 1),
	}
}

// ID is the worker's id, as the broker records it in a task's worker_id.
func (w *Worker) ID() string { return w.opts.WorkerID }

// Handle registers the handler of the tasks named name. Register every handler before Run.
// The name is normalized to Unicode NFC, as the broker normalizes every name: the tasks it hands
// back carry the NFC name, and must find a handler registered under another spelling of it.
func (w *Worker) Handle(name string, fn HandlerFunc) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.handlers[norm.NFC.String(name)] = fn
}

// Running is the number of tasks running now.
func (w *Worker) Running() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.running)
}

// busy is the slots taken: running tasks, and runs that lost their lease but have not returned,
// less the runs only reporting their outcome.
func (w *Worker) busy() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.running) + w.stale - w.reporting
}

// Run leases and runs tasks until ctx ends, then stops gracefully: it leases no more, lets the
// running tasks go on for the shutdown grace, cancels the rest with [ErrWorkerStopping] and gives
// them back to the broker (Released: ready at once, the attempt not counted), and returns once
// every outcome has been sent. It returns nil after such a stop, or an error if the worker cannot
// start (no handler, bad options, already running).
func (w *Worker) Run(ctx context.Context) error {
	queues, err := w.start()
	if err != nil {
		return err
	}
	defer func() {
		w.mu.Lock()
		w.active = false
		w.mu.Unlock()
	}()
	// Tasks run under a context that outlives ctx by the grace period.
	taskParent, stopTasks := context.WithCancelCause(context.WithoutCancel(ctx))
	defer stopTasks(nil)
	w.outcomes = newCompleter(w.client, w.opts.Logger, w.stream.Load)
	heartbeatsDone := make(chan struct{})
	stopHeartbeats := make(chan struct{})
	go func() {
		defer close(heartbeatsDone)
		w.heartbeatLoop(stopHeartbeats)
	}()

	w.workLoop(ctx, taskParent, queues)

	allDone := make(chan struct{})
	go func() {
		w.tasksDone.Wait()
		close(allDone)
	}()
	if w.opts.ShutdownGrace > 0 {
		grace := time.NewTimer(w.opts.ShutdownGrace)
		select {
		case <-allDone:
		case <-grace.C:
		}
		grace.Stop()
	}
	stopTasks(ErrWorkerStopping)
	<-allDone
	close(stopHeartbeats)
	<-heartbeatsDone
	w.outcomes.close()
	return nil
}

func (w *Worker) start() ([]string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.active {
		return nil, errors.New("qtasks: Worker.Run: the worker is already running")
	}
	if len(w.handlers) == 0 {
		return nil, errors.New("qtasks: Worker.Run: no handler registered; call Handle first")
	}
	if w.opts.LeaseDuration < time.Second || w.opts.LeaseDuration > time.Hour {
		return nil, fmt.Errorf("qtasks: Worker.Run: LeaseDuration must be between 1s and 1h, got %s", w.opts.LeaseDuration)
	}
	if w.opts.LeaseWait < 0 || w.opts.LeaseWait > 300*time.Second {
		return nil, fmt.Errorf("qtasks: Worker.Run: LeaseWait must be between 0 and 300s, got %s", w.opts.LeaseWait)
	}
	queues := slices.Clone(w.opts.Queues)
	if len(queues) == 0 {
		for name := range w.handlers {
			queues = append(queues, name)
		}
		slices.Sort(queues)
	}
	w.active = true
	return queues, nil
}

// launch starts running one leased task.
func (w *Worker) launch(parent context.Context, leased *brokerv1.LeasedTask) {
	task := taskOf(leased.GetTask())
	ctx, cancel := context.WithCancelCause(parent)
	run := &runningTask{taskID: task.ID, token: leased.GetLeaseToken(), cancel: cancel}
	w.mu.Lock()
	if earlier := w.running[task.ID]; earlier != nil {
		// The broker handed this task out again: the run still here has lost its lease.
		earlier.cancel(ErrLeaseLost)
		w.stale++
	}
	w.running[task.ID] = run
	handler := w.handlers[task.Name]
	w.mu.Unlock()
	w.tasksDone.Add(1)
	go func() {
		defer w.tasksDone.Done()
		defer w.finished(run)
		defer cancel(nil)
		outcome := w.executeTraced(ctx, handler, task)
		if outcome == nil {
			w.opts.Logger.Warn("qtasks worker: lease lost; the outcome is dropped", "task", task.ID, "name", task.Name)
			return
		}
		if f := outcome.GetFailure(); f != nil {
			w.opts.Logger.Error("qtasks worker: task failed", "task", task.ID, "name", task.Name,
				"type", f.GetError().GetType(), "error", f.GetError().GetMessage(), "retryable", f.GetRetryable())
		}
		outcome.TaskId, outcome.LeaseToken = task.ID, run.token
		w.mu.Lock()
		run.reporting = true
		w.reporting++
		w.mu.Unlock()
		w.outcomes.report(outcome, w.opts.LeaseDuration)
	}()
}

// finished forgets a task that ended and frees its slot (if its outcome did not already).
func (w *Worker) finished(run *runningTask) {
	w.mu.Lock()
	if w.running[run.taskID] == run {
		delete(w.running, run.taskID)
	} else {
		w.stale--
	}
	if run.reporting {
		w.reporting--
	}
	w.mu.Unlock()
	select {
	case w.slotFreed <- struct{}{}:
	default:
	}
}

type handlerResult struct {
	value any
	err   error
}

// execute runs the handler and returns the outcome to report (without task id and lease token);
// nil when the lease was lost.
func (w *Worker) execute(ctx context.Context, handler HandlerFunc, task Task) *brokerv1.Completion {
	if handler == nil {
		return failureOutcome(WithType(fmt.Errorf("no handler for task %q is registered in this worker", task.Name), "TaskNotRegistered"), false)
	}
	if task.MaxTime > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, task.MaxTime, ErrTimeLimitExceeded)
		defer cancel()
	}
	results := make(chan handlerResult, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				results <- handlerResult{err: &panicError{value: p, stack: fmt.Sprintf("panic: %v\n\n%s", p, debug.Stack())}}
			}
		}()
		value, err := handler(ctx, &Call{Task: task})
		results <- handlerResult{value: value, err: err}
	}()
	var res handlerResult
	select {
	case res = <-results:
	case <-ctx.Done():
		select {
		case res = <-results: // it returned at the same moment: use what it returned
		default:
			res = handlerResult{err: context.Cause(ctx)}
		}
	}
	cause := context.Cause(ctx)
	if errors.Is(cause, ErrLeaseLost) {
		return nil
	}
	if res.err == nil {
		result, err := encodeResult(res.value, task.Name)
		if err != nil {
			return failureOutcome(err, false)
		}
		return &brokerv1.Completion{Outcome: &brokerv1.Completion_Success{Success: &brokerv1.Success{Result: result}}}
	}
	var cancelled *CancelError
	switch {
	case errors.As(res.err, &cancelled):
		return &brokerv1.Completion{Outcome: &brokerv1.Completion_Cancelled{Cancelled: &brokerv1.Cancelled{Reason: cancelled.Reason}}}
	case errors.Is(cause, ErrCancelRequested):
		return &brokerv1.Completion{Outcome: &brokerv1.Completion_Cancelled{Cancelled: &brokerv1.Cancelled{}}}
	case errors.Is(cause, ErrWorkerStopping):
		return &brokerv1.Completion{Outcome: &brokerv1.Completion_Released{Released: &brokerv1.Released{}}}
	case errors.Is(cause, ErrTimeLimitExceeded):
		return failureOutcome(WithType(fmt.Errorf("time limit exceeded for task %s: %s", task.Name, task.MaxTime), "TimeLimitExceeded"), true)
	}
	return failureOutcome(res.err, isRetryable(res.err, w.opts.RetryOnlyMarked))
}

// failureOutcome is the Failure outcome of err.
func failureOutcome(err error, retryable bool) *brokerv1.Completion {
	return &brokerv1.Completion{Outcome: &brokerv1.Completion_Failure{Failure: &brokerv1.Failure{
		Error:     &brokerv1.TaskError{Type: errorType(err), Message: err.Error(), Traceback: traceback(err)},
		Retryable: retryable,
	}}}
}

// encodeResult is the JSON of a handler's result (nil encodes as null).
func encodeResult(value any, name string) ([]byte, error) {
	result, err := json.Marshal(value)
	if err != nil {
		return nil, WithType(fmt.Errorf("the result of task %s is not JSON-encodable: %w", name, err), "TypeError")
	}
	return result, nil
}

func defaultWorkerID() string {
	host, err := os.Hostname()
	if err != nil {
		host = "go-worker"
	}
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(suffix))
}
