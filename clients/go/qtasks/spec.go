package qtasks

import (
	"encoding/json"
	"fmt"
	"time"

	brokerv1 "github.com/qtasks/qtasks-broker/clients/go/gen/qtasks/broker/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Spec describes a task to enqueue. Only Name is required.
type Spec struct {
	// Name is the handler a worker runs (1–255 UTF-8 bytes).
	Name string
	// Queue is the queue the task waits in; empty means Name.
	Queue string
	// Priority: lower runs first; equal priorities run FIFO.
	Priority int32
	// Args are the positional arguments, JSON-encoded as an array; nil means [].
	Args []any
	// Kwargs are the keyword arguments, JSON-encoded as an object; nil means {}.
	Kwargs map[string]any
	// MaxRetries is how many further attempts a retryable failure gets (0–1000).
	MaxRetries int32
	// Backoff is the delay between attempts; nil means the broker's default (1 s, doubling, at
	// most 100 s).
	Backoff *Backoff
	// MaxTime is the time limit of one attempt; 0 means none. Rounded down to milliseconds.
	MaxTime time.Duration
	// ETA runs the task no earlier than this time. Mutually exclusive with Delay.
	ETA time.Time
	// Delay runs the task no earlier than this long from now. Mutually exclusive with ETA.
	Delay time.Duration
	// IdempotencyKey makes a second Enqueue with the same key in the same queue return the first
	// task instead of a new one; empty means none.
	IdempotencyKey string
	// Tags are free-form labels.
	Tags []string
	// Metadata are free-form key/value pairs.
	Metadata map[string]string
	// Retention is how long the task is kept once it has ended, if shorter than the broker's
	// retention for its final status (--retain-succeeded, --retain-failed); a zero duration
	// removes it as soon as it ends (its watchers still see the end). nil means the broker's
	// retention. Rounded down to milliseconds. E.g. `Retention: new(time.Hour)`.
	Retention *time.Duration
	// LimitKey is the group of the queue the task counts against for the per-key limits of
	// [Client.SetQueueLimits] (a customer, a tenant, an API being called); empty means the
	// queue-wide limits only.
	LimitKey string
}

// Backoff is the delay before each further attempt: Initial before the second attempt, multiplied
// by Multiplier for each one after, never more than Max.
type Backoff struct {
	// Initial is the delay before the first retry; 0 retries at once.
	Initial time.Duration
	// Multiplier is the growth per retry; 0 means 2, otherwise at least 1.
	Multiplier float64
	// Max bounds one delay; 0 means no bound.
	Max time.Duration
}

func millis(d time.Duration) int32 {
	ms := d.Milliseconds()
	if ms > 1<<31-1 {
		return 1<<31 - 1
	}
	return int32(ms)
}

// proto converts the spec; i is its index in the request, used in error messages.
func (s Spec) proto(i int) (*brokerv1.TaskSpec, error) {
	args := []any{}
	if s.Args != nil {
		args = s.Args
	}
	argsJSON, err := json.Marshal(args)
	if err != nil {
		return nil, fmt.Errorf("qtasks: Enqueue: tasks[%d].args: not JSON-encodable: %w", i, err)
	}
	kwargs := map[string]any{}
	if s.Kwargs != nil {
		kwargs = s.Kwargs
	}
	kwargsJSON, err := json.Marshal(kwargs)
	if err != nil {
		return nil, fmt.Errorf("qtasks: Enqueue: tasks[%d].kwargs: not JSON-encodable: %w", i, err)
	}
	p := &brokerv1.TaskSpec{
		Name:           s.Name,
		Queue:          s.Queue,
		Priority:       s.Priority,
		Args:           argsJSON,
		Kwargs:         kwargsJSON,
		MaxRetries:     s.MaxRetries,
		MaxTimeMs:      millis(s.MaxTime),
		DelayMs:        millis(s.Delay),
		IdempotencyKey: s.IdempotencyKey,
		Tags:           s.Tags,
		Metadata:       s.Metadata,
		LimitKey:       s.LimitKey,
	}
	if s.Retention != nil {
		p.RetentionMs = new(millis(*s.Retention))
	}
	if s.Backoff != nil {
		p.RetryBackoff = &brokerv1.RetryBackoff{
			InitialMs:  millis(s.Backoff.Initial),
			Multiplier: s.Backoff.Multiplier,
			MaxMs:      millis(s.Backoff.Max),
		}
	}
	if !s.ETA.IsZero() {
		p.Eta = timestamppb.New(s.ETA)
	}
	return p, nil
}
