package qtasks

import (
	"context"
	"errors"
	"time"

	brokerv1 "github.com/qtasks/qtasks-broker/clients/go/gen/qtasks/broker/v1"
)

// heartbeatLoop renews the leases of the running tasks every third of the lease until stop is
// closed. A beat waits for its answer before the next one: beats never pile up.
func (w *Worker) heartbeatLoop(stop <-chan struct{}) {
	ticker := time.NewTicker(w.opts.LeaseDuration / 3)
	defer ticker.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ticker.C:
			w.heartbeat()
		}
	}
}

// heartbeat sends one batched Heartbeat (several if more tasks run than fit one batch) and acts on
// the answers: a refused lease cancels its task with ErrLeaseLost, a cancel request with
// ErrCancelRequested.
func (w *Worker) heartbeat() {
	w.mu.Lock()
	runs := make([]*runningTask, 0, len(w.running))
	for _, run := range w.running {
		runs = append(runs, run)
	}
	w.mu.Unlock()
	for start := 0; start < len(runs); start += w.client.maxBatch {
		chunk := runs[start:min(start+w.client.maxBatch, len(runs))]
		items := make([]*brokerv1.HeartbeatItem, len(chunk))
		for i, run := range chunk {
			items[i] = &brokerv1.HeartbeatItem{TaskId: run.taskID, LeaseToken: run.token}
		}
		// A beat that gets no answer within half a lease is late anyway: the next one may do better.
		ctx, cancel := context.WithTimeout(context.Background(), w.opts.LeaseDuration/2)
		resp, err := w.sendHeartbeat(ctx, &brokerv1.HeartbeatRequest{Items: items, ExtendMs: millis(w.opts.LeaseDuration)})
		cancel()
		if err != nil {
			w.opts.Logger.Warn("qtasks worker: Heartbeat failed; retrying at the next beat", "worker", w.opts.WorkerID, "error", err)
			continue
		}
		for i, result := range resp.GetResults() {
			if i >= len(chunk) {
				break
			}
			switch {
			case !result.GetOk():
				w.opts.Logger.Warn("qtasks worker: the broker refused a lease", "task", chunk[i].taskID, "reason", result.GetReason())
				chunk[i].cancel(ErrLeaseLost)
			case result.GetCancelRequested():
				chunk[i].cancel(ErrCancelRequested)
			}
		}
	}
}

// sendHeartbeat renews leases on the open Work stream, or with a unary Heartbeat when there is none
// or it ends before answering.
func (w *Worker) sendHeartbeat(ctx context.Context, req *brokerv1.HeartbeatRequest) (*brokerv1.HeartbeatResponse, error) {
	if ws := w.stream.Load(); ws != nil {
		resp, err := ws.heartbeat(ctx, req)
		if !errors.Is(err, errStreamEnded) {
			return resp, err
		}
	}
	return unary(ctx, w.client, "Heartbeat", 0, w.client.rpc.Heartbeat, req)
}
