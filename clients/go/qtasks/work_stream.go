package qtasks

import (
	"context"
	"errors"
	"sync"
	"time"

	brokerv1 "github.com/qtasks/qtasks-broker/clients/go/gen/qtasks/broker/v1"
)

// errStreamEnded is what a request on a Work stream gets when the stream ended before answering
// it (or had ended, or was closing, when it was made, or gave no answer in time). Whatever it carried may or may not have
// reached the broker: the caller sends it again as a unary call, as after an UNAVAILABLE.
var errStreamEnded = errors.New("qtasks: the Work stream ended before answering")

// workStream is one open Work stream as the worker's goroutines share it: the session's credit
// grants, the completer's outcomes and the heartbeats all send on it, one at a time (a gRPC stream
// takes one sender), and the receiving goroutine hands each answer to its request by request_id.
// Credit freed and not yet granted goes on whichever message leaves first, so that an outcome
// carries the credit of the slot it freed.
type workStream struct {
	stream brokerv1.BrokerService_WorkClient
	// free is the credit the worker could use now: its free slots.
	free func() int

	// mu guards the bookkeeping; it is never held while sending, so that an answer is never kept
	// waiting by a send that waits for the broker to read (which may wait for that answer).
	mu sync.Mutex
	// granted is the credit given and not yet used: the free slots already promised to the broker.
	granted int
	lastID  uint32
	waiting map[uint32]chan *brokerv1.WorkResponse
	// over is set once the stream has ended: no answer will come.
	over bool

	// sendMu serializes sends; closed is set once the worker's side is closed.
	sendMu sync.Mutex
	closed bool
}

func newWorkStream(stream brokerv1.BrokerService_WorkClient, free func() int) *workStream {
	return &workStream{stream: stream, free: free, waiting: map[uint32]chan *brokerv1.WorkResponse{}}
}

// send sends req with the credit not granted yet.
func (s *workStream) send(req *brokerv1.WorkRequest) error {
	s.mu.Lock()
	if credit := min(s.free(), maxOutstandingCredit) - s.granted; credit > 0 {
		s.granted += credit
		req.Credit = int32(credit)
	}
	s.mu.Unlock()
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	if s.closed {
		return errStreamEnded
	}
	return s.stream.Send(req)
}

// start sends the first message, with the credit the worker has now.
func (s *workStream) start(start *brokerv1.WorkStart) error {
	return s.send(&brokerv1.WorkRequest{Kind: &brokerv1.WorkRequest_Start{Start: start}})
}

// grant sends the credit not granted yet, if there is any, on a message of its own.
func (s *workStream) grant() error {
	s.mu.Lock()
	none := min(s.free(), maxOutstandingCredit) <= s.granted
	s.mu.Unlock()
	if none {
		return nil
	}
	return s.send(&brokerv1.WorkRequest{})
}

// used takes the credit of n pushed tasks off what was granted.
func (s *workStream) used(n int) {
	s.mu.Lock()
	s.granted -= n
	s.mu.Unlock()
}

// ask sends req and waits for its answer, until ctx ends or the stream does (errStreamEnded).
func (s *workStream) ask(ctx context.Context, req *brokerv1.WorkRequest) (*brokerv1.WorkResponse, error) {
	answer := make(chan *brokerv1.WorkResponse, 1)
	s.mu.Lock()
	if s.over {
		s.mu.Unlock()
		return nil, errStreamEnded
	}
	s.lastID++
	if s.lastID == 0 { // 0 marks the broker's own pushes
		s.lastID = 1
	}
	id := s.lastID
	s.waiting[id] = answer
	s.mu.Unlock()
	req.RequestId = id
	forget := func() {
		s.mu.Lock()
		delete(s.waiting, id)
		s.mu.Unlock()
	}
	if err := s.send(req); err != nil {
		forget()
		return nil, errStreamEnded
	}
	select {
	case resp, ok := <-answer:
		if !ok {
			return nil, errStreamEnded
		}
		return resp, nil
	case <-ctx.Done():
		forget()
		return nil, ctx.Err()
	}
}

// complete sends one batch of outcomes and returns the broker's answer to each. No answer within
// timeout is errStreamEnded too: the stream has no deadline, and a broker that froze must not
// hold the outcomes forever.
func (s *workStream) complete(completions []*brokerv1.Completion, timeout time.Duration) ([]*brokerv1.CompletionResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// OmitTasks: the worker reads only Accepted and Reason.
	resp, err := s.ask(ctx, &brokerv1.WorkRequest{Kind: &brokerv1.WorkRequest_Complete{Complete: &brokerv1.CompleteRequest{Completions: completions, OmitTasks: true}}})
	if err != nil {
		return nil, errStreamEnded
	}
	return resp.GetComplete().GetResults(), nil
}

// heartbeat renews leases on the stream.
func (s *workStream) heartbeat(ctx context.Context, req *brokerv1.HeartbeatRequest) (*brokerv1.HeartbeatResponse, error) {
	resp, err := s.ask(ctx, &brokerv1.WorkRequest{Kind: &brokerv1.WorkRequest_Heartbeat{Heartbeat: req}})
	if err != nil {
		return nil, err
	}
	return resp.GetHeartbeat(), nil
}

// answered hands an answer to the request it answers.
func (s *workStream) answered(resp *brokerv1.WorkResponse) {
	s.mu.Lock()
	answer := s.waiting[resp.GetRequestId()]
	delete(s.waiting, resp.GetRequestId())
	s.mu.Unlock()
	if answer != nil {
		answer <- resp
	}
}

// closeSend closes the worker's side: the broker answers what it has, then ends the stream.
// Requests made from now on go unary.
func (s *workStream) closeSend() {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	if !s.closed {
		s.closed = true
		_ = s.stream.CloseSend()
	}
}

// ended is called once the stream is over: the requests still waiting get errStreamEnded.
func (s *workStream) ended() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.over = true
	for id, answer := range s.waiting {
		close(answer)
		delete(s.waiting, id)
	}
}
