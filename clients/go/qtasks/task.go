package qtasks

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	brokerv1 "github.com/qtasks/qtasks-broker/clients/go/gen/qtasks/broker/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Status is where a task is in its lifecycle, named as in QTasks.
type Status string

// The task statuses.
const (
	// StatusNew: stored and waiting to be leased (or for its ETA).
	StatusNew Status = "new"
	// StatusProcess: leased by a worker.
	StatusProcess Status = "process"
	// StatusRetry: an attempt failed and another one is scheduled.
	StatusRetry Status = "retry"
	// StatusSuccess: final, the task returned a result.
	StatusSuccess Status = "success"
	// StatusError: final, the task failed with no retries left or a non-retryable error.
	StatusError Status = "error"
	// StatusCancel: final, the task was cancelled.
	StatusCancel Status = "cancel"
)

// Final reports whether the status is an end status (success, error or cancel).
func (s Status) Final() bool {
	return s == StatusSuccess || s == StatusError || s == StatusCancel
}

// proto is the wire value of the status; an unknown status is an error.
func (s Status) proto() (brokerv1.TaskStatus, error) {
	switch s {
	case StatusNew:
		return brokerv1.TaskStatus_TASK_STATUS_NEW, nil
	case StatusProcess:
		return brokerv1.TaskStatus_TASK_STATUS_PROCESS, nil
	case StatusRetry:
		return brokerv1.TaskStatus_TASK_STATUS_RETRY, nil
	case StatusSuccess:
		return brokerv1.TaskStatus_TASK_STATUS_SUCCESS, nil
	case StatusError:
		return brokerv1.TaskStatus_TASK_STATUS_ERROR, nil
	case StatusCancel:
		return brokerv1.TaskStatus_TASK_STATUS_CANCEL, nil
	}
	return 0, fmt.Errorf("qtasks: unknown status %q (want new, process, retry, success, error or cancel)", string(s))
}

func statusOf(s brokerv1.TaskStatus) Status {
	switch s {
	case brokerv1.TaskStatus_TASK_STATUS_NEW:
		return StatusNew
	case brokerv1.TaskStatus_TASK_STATUS_PROCESS:
		return StatusProcess
	case brokerv1.TaskStatus_TASK_STATUS_RETRY:
		return StatusRetry
	case brokerv1.TaskStatus_TASK_STATUS_SUCCESS:
		return StatusSuccess
	case brokerv1.TaskStatus_TASK_STATUS_ERROR:
		return StatusError
	case brokerv1.TaskStatus_TASK_STATUS_CANCEL:
		return StatusCancel
	}
	return Status(fmt.Sprintf("unknown(%d)", int32(s)))
}

// TaskError describes why an attempt failed.
type TaskError struct {
	// Type is the error class, e.g. "ValueError", "TimeLimitExceeded", "LeaseExpired".
	Type string `json:"type"`
	// Message is the human-readable message.
	Message string `json:"message"`
	// Traceback is the stack trace, in the worker language's own format.
	Traceback string `json:"traceback"`
}

// Task is the broker's record of a task.
type Task struct {
	// ID is the task's id (a UUIDv7 assigned by the broker).
	ID string
	// Name is the handler that runs the task.
	Name string
	// Queue is the queue the task waits in.
	Queue string
	// Priority: lower runs first.
	Priority int32
	// Status is the current status.
	Status Status
	// Attempt counts the attempts started: 0 before the first lease, 1 during the first run, ...
	Attempt int32
	// MaxRetries is how many further attempts are allowed after the first.
	MaxRetries int32
	// Args are the positional arguments: a JSON array.
	Args json.RawMessage
	// Kwargs are the keyword arguments: a JSON object.
	Kwargs json.RawMessage
	// Result is the JSON result of a successful task; empty otherwise.
	Result json.RawMessage
	// Progress is the latest progress of the current attempt (JSON); empty if none.
	Progress json.RawMessage
	// Error is the last failure (kept on retry, set on error); nil if no attempt failed.
	Error *TaskError
	// CancelReason is why the task was cancelled (or asked to cancel).
	CancelReason string
	// CancelRequested is true once a cancel was asked while the task was running.
	CancelRequested bool
	// WorkerID is the worker that holds (or last held) the task.
	WorkerID string
	// MaxTime is the time limit of one attempt; 0 means none.
	MaxTime time.Duration
	// IdempotencyKey is the key the task was enqueued with; empty if none.
	IdempotencyKey string
	// Tags are the labels, as enqueued.
	Tags []string
	// Metadata are the key/value pairs, as enqueued.
	Metadata map[string]string
	// CreatedAt is when the task was stored.
	CreatedAt time.Time
	// UpdatedAt is when the task last changed.
	UpdatedAt time.Time
	// StartedAt is when the current or last attempt started; zero before the first lease.
	StartedAt time.Time
	// FinishedAt is when the task reached a final status; zero before.
	FinishedAt time.Time
	// ETA is when the task becomes (or became) ready to run.
	ETA time.Time
	// Retention is how long the task is kept once ended, as enqueued ([Spec.Retention]); nil
	// means the broker's retention.
	Retention *time.Duration
	// LimitKey is the per-key limit group, as enqueued; empty if none.
	LimitKey string
	// History holds the attempts that did not succeed, oldest first (at most the last 100). A
	// [Client.Retry] keeps them.
	History []PastAttempt
	// AttemptsBeforeRetry is the number of attempts made before the last [Client.Retry] (0 if it
	// was never retried by hand): MaxRetries counts the attempts after it.
	AttemptsBeforeRetry int32
	// TraceParent is the W3C traceparent of the producer's enqueue span (TaskSpec.trace_context),
	// the parent of the worker's span of the run; empty if the producer sent none.
	TraceParent string
	// TraceState is its W3C tracestate; empty if none.
	TraceState string
}

// PastAttempt is one attempt of a task that did not succeed.
type PastAttempt struct {
	// Attempt is which attempt it was (1 for the first; 0 for a task cancelled before it ran).
	Attempt int32
	// Status is what the attempt ended the task as: [StatusRetry] (it ran again),
	// [StatusError] or [StatusCancel].
	Status Status
	// Error is why it failed; nil for a cancel without error.
	Error *TaskError
	// CancelReason is why it was cancelled, for a cancel.
	CancelReason string
	// StartedAt is when the attempt started; zero if it never ran.
	StartedAt time.Time
	// EndedAt is when it ended.
	EndedAt time.Time
	// WorkerID is the worker that ran it.
	WorkerID string
}

// ErrNoResult is returned by [Task.DecodeResult] for a task that has not succeeded.
var ErrNoResult = errors.New("qtasks: the task has no result")

// DecodeResult decodes the JSON result of a successful task into v (as json.Unmarshal does).
// It returns [ErrNoResult] (wrapped, with the status) when the task's status is not success.
func (t Task) DecodeResult(v any) error {
	if t.Status != StatusSuccess {
		return fmt.Errorf("%w: task %s is %s", ErrNoResult, t.ID, t.Status)
	}
	raw := t.Result
	if len(raw) == 0 {
		raw = json.RawMessage("null")
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("qtasks: decoding the result of task %s: %w", t.ID, err)
	}
	return nil
}

func timeOf(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime()
}

func rawOf(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	return json.RawMessage(b)
}

// taskOf converts the broker's Task message.
func taskOf(p *brokerv1.Task) Task {
	if p == nil {
		return Task{}
	}
	t := Task{
		ID:              p.GetId(),
		Name:            p.GetName(),
		Queue:           p.GetQueue(),
		Priority:        p.GetPriority(),
		Status:          statusOf(p.GetStatus()),
		Attempt:         p.GetAttempt(),
		MaxRetries:      p.GetMaxRetries(),
		Args:            rawOf(p.GetArgs()),
		Kwargs:          rawOf(p.GetKwargs()),
		Result:          rawOf(p.GetResult()),
		Progress:        rawOf(p.GetProgress()),
		CancelReason:    p.GetCancelReason(),
		CancelRequested: p.GetCancelRequested(),
		WorkerID:        p.GetWorkerId(),
		MaxTime:         time.Duration(p.GetMaxTimeMs()) * time.Millisecond,
		IdempotencyKey:  p.GetIdempotencyKey(),
		Tags:            p.GetTags(),
		Metadata:        p.GetMetadata(),
		CreatedAt:       timeOf(p.GetCreatedAt()),
		UpdatedAt:       timeOf(p.GetUpdatedAt()),
		StartedAt:       timeOf(p.GetStartedAt()),
		FinishedAt:      timeOf(p.GetFinishedAt()),
		ETA:             timeOf(p.GetEta()),
	}
	t.Error = taskErrorOf(p.GetError())
	t.LimitKey = p.GetLimitKey()
	t.AttemptsBeforeRetry = p.GetAttemptsBeforeRetry()
	t.TraceParent = p.GetTraceContext().GetTraceparent()
	t.TraceState = p.GetTraceContext().GetTracestate()
	if p.RetentionMs != nil {
		t.Retention = new(time.Duration(p.GetRetentionMs()) * time.Millisecond)
	}
	if history := p.GetHistory(); len(history) > 0 {
		t.History = make([]PastAttempt, len(history))
		for i, h := range history {
			t.History[i] = PastAttempt{
				Attempt:      h.GetAttempt(),
				Status:       statusOf(h.GetStatus()),
				Error:        taskErrorOf(h.GetError()),
				CancelReason: h.GetCancelReason(),
				StartedAt:    timeOf(h.GetStartedAt()),
				EndedAt:      timeOf(h.GetEndedAt()),
				WorkerID:     h.GetWorkerId(),
			}
		}
	}
	return t
}

func taskErrorOf(e *brokerv1.TaskError) *TaskError {
	if e == nil {
		return nil
	}
	return &TaskError{Type: e.GetType(), Message: e.GetMessage(), Traceback: e.GetTraceback()}
}
