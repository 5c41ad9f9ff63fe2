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
	if e := p.GetError(); e != nil {
		t.Error = &TaskError{Type: e.GetType(), Message: e.GetMessage(), Traceback: e.GetTraceback()}
	}
	return t
}
