package qtasks

import (
	"context"
	"log/slog"
	"slices"
	"time"

	brokerv1 "github.com/qtasks/qtasks-broker/clients/go/gen/qtasks/broker/v1"
	"google.golang.org/grpc/codes"
)

// completer sends outcomes in batches: whatever was reported while the previous batch was in
// flight travels in the next one. A batch takes the Work stream when one is open, and carries the
// credit freed meanwhile; a unary Complete otherwise, or when the stream ends before answering.
type completer struct {
	client *Client
	logger *slog.Logger
	// stream is the open Work stream, or nil.
	stream func() *workStream
	items  chan *pendingCompletion
	done   chan struct{}
}

type pendingCompletion struct {
	completion *brokerv1.Completion
	// giveUpAt is when the lease has surely run out: resending after it is pointless.
	giveUpAt time.Time
	// replaced is set once a refused outcome was replaced by an OutcomeRefused failure.
	replaced bool
	// sent is closed once the outcome was answered or given up.
	sent chan struct{}
}

func newCompleter(client *Client, logger *slog.Logger, stream func() *workStream) *completer {
	c := &completer{client: client, logger: logger, stream: stream, items: make(chan *pendingCompletion, 256), done: make(chan struct{})}
	go c.loop()
	return c
}

// report queues an outcome and returns once it was answered, or given up after lease (the
// broker then ends or re-runs the task when its lease runs out).
func (c *completer) report(completion *brokerv1.Completion, lease time.Duration) {
	p := &pendingCompletion{completion: completion, giveUpAt: time.Now().Add(lease), sent: make(chan struct{})}
	c.items <- p
	<-p.sent
}

// close sends what is queued and stops; report must not be called after.
func (c *completer) close() {
	close(c.items)
	<-c.done
}

func (c *completer) loop() {
	defer close(c.done)
	for first := range c.items {
		batch := []*pendingCompletion{first}
	drain:
		for len(batch) < c.client.maxBatch {
			select {
			case p, ok := <-c.items:
				if !ok {
					break drain
				}
				batch = append(batch, p)
			default:
				break drain
			}
		}
		if !c.sendOnStream(batch) {
			c.send(batch)
		}
	}
}

// sendOnStream delivers one batch on the open Work stream; false when there is none or it ended
// before answering (the batch is then sent unary, which is safe: Complete is idempotent).
func (c *completer) sendOnStream(batch []*pendingCompletion) bool {
	ws := c.stream()
	if ws == nil {
		return false
	}
	results, err := ws.complete(completionsOf(batch), c.client.callTimeout)
	if err != nil {
		return false
	}
	c.answered(batch, results)
	return true
}

// completionsOf is the outcomes of a batch.
func completionsOf(batch []*pendingCompletion) []*brokerv1.Completion {
	completions := make([]*brokerv1.Completion, len(batch))
	for i, p := range batch {
		completions[i] = p.completion
	}
	return completions
}

// answered logs the outcomes the broker refused (a stale lease: not to be retried) and releases
// every reporter of the batch.
func (c *completer) answered(batch []*pendingCompletion, results []*brokerv1.CompletionResult) {
	for i, result := range results {
		if !result.GetAccepted() && i < len(batch) {
			c.logger.Warn("qtasks worker: the broker refused an outcome", "task", result.GetTaskId(), "reason", result.GetReason())
		}
	}
	for _, p := range batch {
		close(p.sent)
	}
}

// send delivers one batch, resending it while the broker is unreachable and the leases may still
// hold. An outcome the broker refuses as invalid or too large (a result over its size limit, say)
// is replaced once by a non-retryable OutcomeRefused failure, so that the task does not wait for
// its lease to run out and end with a misleading LeaseExpired.
func (c *completer) send(batch []*pendingCompletion) {
	failures := 0
	for len(batch) > 0 {
		// OmitTasks: the worker reads only Accepted and Reason.
		resp, err := unary(context.Background(), c.client, "Complete", 0, c.client.rpc.Complete, &brokerv1.CompleteRequest{Completions: completionsOf(batch), OmitTasks: true})
		if err == nil {
			c.answered(batch, resp.GetResults())
			return
		}
		e := err.(*Error)
		if i := e.itemIndex("completions"); i >= 0 && i < len(batch) && (e.Code == codes.InvalidArgument || e.Code == codes.ResourceExhausted) {
			p := batch[i]
			c.logger.Error("qtasks worker: the broker refused an outcome", "task", p.completion.GetTaskId(), "error", e.Message)
			if !p.replaced {
				p.replaced = true
				msg := e.Message
				if len(msg) > 2000 {
					msg = msg[:2000]
				}
				refused := failureOutcome(WithType(errorString(msg), "OutcomeRefused"), false)
				p.completion.Outcome = refused.Outcome
				continue
			}
			close(p.sent)
			batch = slices.Delete(batch, i, i+1)
			continue
		}
		if !e.Transient() {
			c.logger.Error("qtasks worker: could not report outcomes; the broker will end or re-run the tasks when their leases run out", "error", e)
			for _, p := range batch {
				close(p.sent)
			}
			return
		}
		now := time.Now()
		batch = slices.DeleteFunc(batch, func(p *pendingCompletion) bool {
			if now.After(p.giveUpAt) {
				c.logger.Error("qtasks worker: gave up reporting an outcome", "task", p.completion.GetTaskId(), "error", e)
				close(p.sent)
				return true
			}
			return false
		})
		delay := min(100*time.Millisecond<<min(failures, 6), 5*time.Second)
		failures++
		time.Sleep(delay)
	}
}

// errorString is a plain error with a message.
type errorString string

func (e errorString) Error() string { return string(e) }
