package qtasks

import (
	"context"
	"time"

	brokerv1 "github.com/qtasks/qtasks-broker/clients/go/gen/qtasks/broker/v1"
)

// RateLimit is at most Count task starts per Period, over a sliding window. The zero value is no
// limit.
type RateLimit struct {
	// Count is the most starts per period; 0 means no limit.
	Count int32
	// Period is the window, 1 ms to 24 h when Count is set; rounded down to milliseconds.
	Period time.Duration
}

// QueueLimits are the limits of one queue, enforced by the broker when it hands tasks out, across
// every worker. Zero fields mean no limit; the zero value has none.
type QueueLimits struct {
	// MaxRunning is the most tasks of the queue running at once.
	MaxRunning int32
	// Rate is the most task starts of the queue per period.
	Rate RateLimit
	// MaxRunningPerKey is the most tasks of each [Spec.LimitKey] running at once.
	MaxRunningPerKey int32
	// RatePerKey is the most task starts of each [Spec.LimitKey] per period.
	RatePerKey RateLimit
}

// Unlimited reports whether no limit is set.
func (l QueueLimits) Unlimited() bool {
	return l.MaxRunning == 0 && l.MaxRunningPerKey == 0 && l.Rate.Count == 0 && l.RatePerKey.Count == 0
}

// QueueCounts are a queue's tasks by status (ended ones while the broker keeps them).
type QueueCounts struct {
	New, Process, Retry, Success, Error, Cancel int32
}

// QueueInfo is one queue's state.
type QueueInfo struct {
	// Name is the queue's name.
	Name string
	// Counts are its tasks by status.
	Counts QueueCounts
	// Paused is true while the queue is paused: it accepts tasks but hands none out.
	Paused bool
	// Limits are its limits.
	Limits QueueLimits
	// OldestReadyAge is how long its oldest ready task has waited to start; 0 when none is ready.
	OldestReadyAge time.Duration
	// CompletedLastMinute counts the tasks of the queue that ended (success, error or cancel)
	// over the last minute.
	CompletedLastMinute int32
}

func (r RateLimit) proto() *brokerv1.RateLimit {
	if r == (RateLimit{}) {
		return nil
	}
	return &brokerv1.RateLimit{Count: r.Count, PeriodMs: millis(r.Period)}
}

func rateOf(p *brokerv1.RateLimit) RateLimit {
	return RateLimit{Count: p.GetCount(), Period: time.Duration(p.GetPeriodMs()) * time.Millisecond}
}

func (l QueueLimits) proto() *brokerv1.QueueLimits {
	return &brokerv1.QueueLimits{
		MaxRunning:       l.MaxRunning,
		Rate:             l.Rate.proto(),
		MaxRunningPerKey: l.MaxRunningPerKey,
		RatePerKey:       l.RatePerKey.proto(),
	}
}

func limitsOf(p *brokerv1.QueueLimits) QueueLimits {
	return QueueLimits{
		MaxRunning:       p.GetMaxRunning(),
		Rate:             rateOf(p.GetRate()),
		MaxRunningPerKey: p.GetMaxRunningPerKey(),
		RatePerKey:       rateOf(p.GetRatePerKey()),
	}
}

func queueInfoOf(p *brokerv1.QueueInfo) QueueInfo {
	counts := p.GetCounts()
	return QueueInfo{
		Name: p.GetName(),
		Counts: QueueCounts{
			New:     counts.GetNew(),
			Process: counts.GetProcess(),
			Retry:   counts.GetRetry(),
			Success: counts.GetSuccess(),
			Error:   counts.GetError(),
			Cancel:  counts.GetCancel(),
		},
		Paused:              p.GetPaused(),
		Limits:              limitsOf(p.GetLimits()),
		OldestReadyAge:      time.Duration(p.GetOldestReadyAgeMs() * float64(time.Millisecond)),
		CompletedLastMinute: p.GetCompletedLastMinute(),
	}
}

// ListQueues returns every queue the broker knows (one that holds a task, or has settings), in
// name order, with its counts by status, whether it is paused, its limits, the age of its oldest
// ready task and its completions over the last minute.
func (c *Client) ListQueues(ctx context.Context) ([]QueueInfo, error) {
	resp, err := unary(ctx, c, "ListQueues", 0, c.rpc.ListQueues, &brokerv1.ListQueuesRequest{})
	if err != nil {
		return nil, err
	}
	queues := make([]QueueInfo, len(resp.GetQueues()))
	for i, q := range resp.GetQueues() {
		queues[i] = queueInfoOf(q)
	}
	return queues, nil
}

// PauseQueue stops queue from handing out tasks, durably (across broker restarts), and returns
// the queue as it is now. The queue still accepts tasks, and tasks already running finish. A
// queue may be paused before its first task arrives; pausing a paused queue changes nothing.
// Needs a token of scope all (else code PermissionDenied); a bad queue name is InvalidArgument.
func (c *Client) PauseQueue(ctx context.Context, queue string) (QueueInfo, error) {
	resp, err := unary(ctx, c, "PauseQueue", 0, c.rpc.PauseQueue, &brokerv1.PauseQueueRequest{Queue: queue})
	if err != nil {
		return QueueInfo{}, err
	}
	return queueInfoOf(resp.GetQueue()), nil
}

// ResumeQueue lets a paused queue hand out tasks again, durably, and returns the queue as it is
// now; resuming a queue that is not paused changes nothing. Errors as [Client.PauseQueue].
func (c *Client) ResumeQueue(ctx context.Context, queue string) (QueueInfo, error) {
	resp, err := unary(ctx, c, "ResumeQueue", 0, c.rpc.ResumeQueue, &brokerv1.ResumeQueueRequest{Queue: queue})
	if err != nil {
		return QueueInfo{}, err
	}
	return queueInfoOf(resp.GetQueue()), nil
}

// PurgeQueue removes the tasks of queue in the given statuses (new, retry, success, error,
// cancel; running tasks are never purged: cancel them first), with their idempotency keys, and
// returns how many it removed. Watchers of a purged task that had not ended get NotFound. No
// status, or [StatusProcess] among them, is InvalidArgument (an unknown status fails before
// anything is sent). Needs a token of scope all.
func (c *Client) PurgeQueue(ctx context.Context, queue string, statuses ...Status) (int, error) {
	req := &brokerv1.PurgeQueueRequest{Queue: queue, Statuses: make([]brokerv1.TaskStatus, len(statuses))}
	for i, s := range statuses {
		p, err := s.proto()
		if err != nil {
			return 0, err
		}
		req.Statuses[i] = p
	}
	resp, err := unary(ctx, c, "PurgeQueue", 0, c.rpc.PurgeQueue, req)
	if err != nil {
		return 0, err
	}
	return int(resp.GetPurged()), nil
}

// SetQueueLimits replaces the limits of queue, durably, and returns the limits now in force; the
// zero QueueLimits removes them all. The broker enforces them when it hands tasks out, across
// every worker: a task over a limit waits, in order, while tasks of other limit keys pass it, and
// waiting takes no lease and no attempt. A negative number or a rate with a count but no period
// is InvalidArgument, with Field naming it (e.g. "limits.rate.period_ms"). Needs a token of scope
// all.
func (c *Client) SetQueueLimits(ctx context.Context, queue string, limits QueueLimits) (QueueLimits, error) {
	req := &brokerv1.SetQueueLimitsRequest{Queue: queue, Limits: limits.proto()}
	resp, err := unary(ctx, c, "SetQueueLimits", 0, c.rpc.SetQueueLimits, req)
	if err != nil {
		return QueueLimits{}, err
	}
	return limitsOf(resp.GetLimits()), nil
}

// GetQueueLimits returns the limits of queue (the zero QueueLimits when it has none).
func (c *Client) GetQueueLimits(ctx context.Context, queue string) (QueueLimits, error) {
	resp, err := unary(ctx, c, "GetQueueLimits", 0, c.rpc.GetQueueLimits, &brokerv1.GetQueueLimitsRequest{Queue: queue})
	if err != nil {
		return QueueLimits{}, err
	}
	return limitsOf(resp.GetLimits()), nil
}
