package qtasks_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qtasks/qtasks-broker/clients/go/qtasks"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// queueNamed returns the entry of ListQueues named queue.
func queueNamed(t *testing.T, ctx context.Context, client *qtasks.Client, queue string) qtasks.QueueInfo {
	t.Helper()
	queues, err := client.ListQueues(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range queues {
		if q.Name == queue {
			return q
		}
	}
	t.Fatalf("ListQueues has no queue %s", queue)
	return qtasks.QueueInfo{}
}

// listIDs collects the ids ListTasks yields, failing the test on an error.
func listIDs(t *testing.T, ctx context.Context, client *qtasks.Client, opts qtasks.ListOptions) []string {
	t.Helper()
	var ids []string
	for task, err := range client.ListTasks(ctx, opts) {
		if err != nil {
			t.Fatalf("ListTasks(%+v): %v", opts, err)
		}
		ids = append(ids, task.ID)
	}
	return ids
}

// fieldOf is the Field of an *qtasks.Error, or "" for any other error.
func fieldOf(err error) string {
	var e *qtasks.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

func TestRetentionAndLimitKeyRoundTrip(t *testing.T) {
	ctx := testContext(t, 10*time.Second)
	client := dial(t, addr)
	name := unique(t, "kept")
	tasks, err := client.Enqueue(ctx,
		qtasks.Spec{Name: name, Retention: new(time.Minute), LimitKey: "tenant-1"},
		qtasks.Spec{Name: name},
		qtasks.Spec{Name: name, Retention: new(time.Duration(0))},
	)
	if err != nil {
		t.Fatal(err)
	}
	got, err := client.Get(ctx, tasks[0].ID)
	if err != nil || got.Retention == nil || *got.Retention != time.Minute || got.LimitKey != "tenant-1" || got.History != nil || got.AttemptsBeforeRetry != 0 {
		t.Fatalf("Get: %+v, %v; want retention 1m, limit key tenant-1", got, err)
	}
	if tasks[1].Retention != nil || tasks[1].LimitKey != "" {
		t.Fatalf("a plain task has retention %v and limit key %q", tasks[1].Retention, tasks[1].LimitKey)
	}
	// A retention of zero is sent (not taken for "unset"): the task is removed as it ends.
	if tasks[2].Retention == nil || *tasks[2].Retention != 0 {
		t.Fatalf("retention 0 came back as %v", tasks[2].Retention)
	}
	for _, task := range tasks[1:] {
		if _, err := client.Cancel(ctx, task.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := client.Get(ctx, tasks[2].ID); status.Code(err) != codes.NotFound {
		t.Fatalf("Get of an ended task with retention 0: %v, want NotFound", err)
	}
	if kept, err := client.Get(ctx, tasks[1].ID); err != nil || kept.Status != qtasks.StatusCancel {
		t.Fatalf("Get of an ended task with the broker's retention: %+v, %v", kept, err)
	}
	if _, err := client.Enqueue(ctx, qtasks.Spec{Name: name, Retention: new(-time.Second)}); fieldOf(err) != "tasks[0].retention_ms" {
		t.Fatalf("a negative retention: %v, want InvalidArgument on tasks[0].retention_ms", err)
	}
}

func TestRetryRunsAFailedTaskAgainAndKeepsItsHistory(t *testing.T) {
	ctx := testContext(t, 15*time.Second)
	client := dial(t, addr)
	name := unique(t, "fails-once")
	var runs atomic.Int32
	worker := qtasks.NewWorker(client, qtasks.WorkerOptions{Concurrency: 2})
	worker.Handle(name, func(ctx context.Context, call *qtasks.Call) (any, error) {
		if runs.Add(1) == 1 {
			return nil, qtasks.WithType(errors.New("first run fails"), "ValueError")
		}
		return "second run", nil
	})
	runWorker(t, worker)
	tasks, err := client.Enqueue(ctx, qtasks.Spec{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	id := tasks[0].ID
	failed, err := client.Wait(ctx, id)
	if err != nil || failed.Status != qtasks.StatusError || len(failed.History) != 1 {
		t.Fatalf("first run: %+v, %v; want error with one past attempt", failed, err)
	}
	past := failed.History[0]
	if past.Attempt != 1 || past.Status != qtasks.StatusError || past.Error == nil || past.Error.Type != "ValueError" ||
		past.Error.Message != "first run fails" || past.WorkerID != worker.ID() || past.StartedAt.IsZero() || past.EndedAt.Before(past.StartedAt) {
		t.Fatalf("history[0] = %+v (error %+v)", past, past.Error)
	}

	again, err := client.Retry(ctx, id)
	if err != nil || again.ID != id || again.Status != qtasks.StatusRetry || again.AttemptsBeforeRetry != 1 {
		t.Fatalf("Retry: %+v, %v; want status retry with 1 attempt before", again, err)
	}
	final, err := client.Wait(ctx, id)
	var result string
	if err != nil || final.DecodeResult(&result) != nil || result != "second run" || final.Attempt != 2 || final.AttemptsBeforeRetry != 1 ||
		len(final.History) != 1 || final.History[0].Status != qtasks.StatusError {
		t.Fatalf("after Retry: %+v, %v", final, err)
	}

	if _, err := client.Retry(ctx, id); status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("Retry of a successful task: %v, want FailedPrecondition", err)
	}
	if _, err := client.Retry(ctx, "0190a000-0000-7000-8000-000000000000"); status.Code(err) != codes.NotFound {
		t.Fatalf("Retry of an unknown id: %v, want NotFound", err)
	}
}

func TestPauseHoldsTasksUntilResume(t *testing.T) {
	ctx := testContext(t, 15*time.Second)
	client := dial(t, addr)
	name := unique(t, "paused")
	paused, err := client.PauseQueue(ctx, name) // before its first task: allowed
	if err != nil || paused.Name != name || !paused.Paused {
		t.Fatalf("PauseQueue: %+v, %v", paused, err)
	}
	worker := qtasks.NewWorker(client, qtasks.WorkerOptions{Concurrency: 2})
	worker.Handle(name, func(ctx context.Context, call *qtasks.Call) (any, error) { return "ran", nil })
	runWorker(t, worker)
	tasks, err := client.Enqueue(ctx, qtasks.Spec{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(800 * time.Millisecond)
	if held, err := client.Get(ctx, tasks[0].ID); err != nil || held.Status != qtasks.StatusNew {
		t.Fatalf("a task of a paused queue: %+v, %v; want still new", held, err)
	}
	if info := queueNamed(t, ctx, client, name); !info.Paused || info.Counts != (qtasks.QueueCounts{New: 1}) {
		t.Fatalf("ListQueues while paused: %+v", info)
	}
	resumed, err := client.ResumeQueue(ctx, name)
	if err != nil || resumed.Paused {
		t.Fatalf("ResumeQueue: %+v, %v", resumed, err)
	}
	if final, err := client.Wait(ctx, tasks[0].ID); err != nil || final.Status != qtasks.StatusSuccess {
		t.Fatalf("after ResumeQueue: %+v, %v", final, err)
	}
}

func TestListQueuesCountsAgesAndCompletions(t *testing.T) {
	ctx := testContext(t, 10*time.Second)
	client := dial(t, addr)
	name := unique(t, "counted")
	tasks, err := client.Enqueue(ctx, qtasks.Spec{Name: name}, qtasks.Spec{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Cancel(ctx, tasks[1].ID, ""); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	queues, err := client.ListQueues(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSortedFunc(queues, func(a, b qtasks.QueueInfo) int { return strings.Compare(a.Name, b.Name) }) {
		t.Errorf("ListQueues is not in name order")
	}
	info := queueNamed(t, ctx, client, name)
	if info.Counts != (qtasks.QueueCounts{New: 1, Cancel: 1}) || info.CompletedLastMinute != 1 || info.Paused || !info.Limits.Unlimited() {
		t.Fatalf("ListQueues: %+v", info)
	}
	if info.OldestReadyAge < 250*time.Millisecond {
		t.Fatalf("OldestReadyAge %v, want at least 250ms (the first task has waited since it was enqueued)", info.OldestReadyAge)
	}
}

func TestQueueLimitsRoundTrip(t *testing.T) {
	ctx := testContext(t, 10*time.Second)
	client := dial(t, addr)
	name := unique(t, "limited")
	if limits, err := client.GetQueueLimits(ctx, name); err != nil || !limits.Unlimited() {
		t.Fatalf("GetQueueLimits of a new queue: %+v, %v", limits, err)
	}
	want := qtasks.QueueLimits{
		MaxRunning:       3,
		Rate:             qtasks.RateLimit{Count: 10, Period: time.Second},
		MaxRunningPerKey: 1,
		RatePerKey:       qtasks.RateLimit{Count: 2, Period: time.Minute},
	}
	if set, err := client.SetQueueLimits(ctx, name, want); err != nil || set != want {
		t.Fatalf("SetQueueLimits: %+v, %v; want %+v", set, err, want)
	}
	if got, err := client.GetQueueLimits(ctx, name); err != nil || got != want {
		t.Fatalf("GetQueueLimits: %+v, %v; want %+v", got, err, want)
	}
	if info := queueNamed(t, ctx, client, name); info.Limits != want {
		t.Fatalf("ListQueues limits %+v, want %+v (a queue with settings is listed)", info.Limits, want)
	}
	// Set replaces: fields left zero are no longer limited.
	if set, err := client.SetQueueLimits(ctx, name, qtasks.QueueLimits{MaxRunning: 2}); err != nil || set != (qtasks.QueueLimits{MaxRunning: 2}) {
		t.Fatalf("SetQueueLimits(MaxRunning 2): %+v, %v", set, err)
	}
	if cleared, err := client.SetQueueLimits(ctx, name, qtasks.QueueLimits{}); err != nil || !cleared.Unlimited() {
		t.Fatalf("SetQueueLimits(zero): %+v, %v", cleared, err)
	}
	if got, _ := client.GetQueueLimits(ctx, name); got != (qtasks.QueueLimits{}) {
		t.Fatalf("limits after clearing: %+v", got)
	}
	if _, err := client.SetQueueLimits(ctx, name, qtasks.QueueLimits{MaxRunning: -1}); fieldOf(err) != "limits.max_running" {
		t.Fatalf("a negative MaxRunning: %v, want InvalidArgument on limits.max_running", err)
	}
	if _, err := client.SetQueueLimits(ctx, name, qtasks.QueueLimits{Rate: qtasks.RateLimit{Count: 5}}); fieldOf(err) != "limits.rate.period_ms" {
		t.Fatalf("a rate without a period: %v, want InvalidArgument on limits.rate.period_ms", err)
	}
	if _, err := client.GetQueueLimits(ctx, ""); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("GetQueueLimits(\"\"): %v, want InvalidArgument", err)
	}
}

func TestPurgeQueueRemovesTheGivenStatuses(t *testing.T) {
	ctx := testContext(t, 10*time.Second)
	client := dial(t, addr)
	name := unique(t, "purged")
	tasks, err := client.Enqueue(ctx,
		qtasks.Spec{Name: name, IdempotencyKey: "k0"}, qtasks.Spec{Name: name, IdempotencyKey: "k1"}, qtasks.Spec{Name: name, IdempotencyKey: "k2"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Cancel(ctx, tasks[1].ID, ""); err != nil {
		t.Fatal(err)
	}
	if n, err := client.PurgeQueue(ctx, name, qtasks.StatusCancel); err != nil || n != 1 {
		t.Fatalf("PurgeQueue(cancel): %d, %v; want 1", n, err)
	}
	if _, err := client.Get(ctx, tasks[1].ID); status.Code(err) != codes.NotFound {
		t.Fatalf("Get of a purged task: %v, want NotFound", err)
	}
	if n, err := client.PurgeQueue(ctx, name, qtasks.StatusNew, qtasks.StatusRetry); err != nil || n != 2 {
		t.Fatalf("PurgeQueue(new, retry): %d, %v; want 2", n, err)
	}
	if ids := listIDs(t, ctx, client, qtasks.ListOptions{Queue: name}); len(ids) != 0 {
		t.Fatalf("tasks left after purging: %v", ids)
	}
	// The idempotency keys went with the tasks.
	if again, err := client.Enqueue(ctx, qtasks.Spec{Name: name, IdempotencyKey: "k0"}); err != nil || again[0].ID == tasks[0].ID {
		t.Fatalf("Enqueue with a purged key: %+v, %v; want a new task", again, err)
	}
	if _, err := client.PurgeQueue(ctx, name, qtasks.StatusProcess); fieldOf(err) != "statuses[0]" {
		t.Fatalf("PurgeQueue(process): %v, want InvalidArgument on statuses[0]", err)
	}
	if _, err := client.PurgeQueue(ctx, name); fieldOf(err) != "statuses" {
		t.Fatalf("PurgeQueue without a status: %v, want InvalidArgument on statuses", err)
	}
	var sent *qtasks.Error
	if _, err := client.PurgeQueue(ctx, name, "finished"); err == nil || errors.As(err, &sent) || !strings.Contains(err.Error(), `unknown status "finished"`) {
		t.Fatalf("PurgeQueue(\"finished\"): %v, want a client-side error naming the status", err)
	}
}

func TestListTasksFinishedAfter(t *testing.T) {
	ctx := testContext(t, 10*time.Second)
	client := dial(t, addr)
	name := unique(t, "ended")
	tasks, err := client.Enqueue(ctx, qtasks.Spec{Name: name}, qtasks.Spec{Name: name}, qtasks.Spec{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	first, err := client.Cancel(ctx, tasks[0].ID, "")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	second, err := client.Cancel(ctx, tasks[1].ID, "")
	if err != nil || !second.FinishedAt.After(first.FinishedAt) {
		t.Fatalf("second cancel: %+v, %v", second, err)
	}
	after := listIDs(t, ctx, client, qtasks.ListOptions{Queue: name, Status: qtasks.StatusCancel, FinishedAfter: first.FinishedAt.Add(time.Millisecond)})
	if !slices.Equal(after, []string{second.ID}) {
		t.Fatalf("finished after the first: %v, want [%s]", after, second.ID)
	}
	both := listIDs(t, ctx, client, qtasks.ListOptions{Queue: name, Status: qtasks.StatusCancel, FinishedAfter: first.FinishedAt, PageSize: 1})
	if !slices.Equal(both, []string{first.ID, second.ID}) {
		t.Fatalf("finished at or after the first, one per page: %v, want [%s %s]", both, first.ID, second.ID)
	}
	if waiting := listIDs(t, ctx, client, qtasks.ListOptions{Queue: name, Status: qtasks.StatusNew}); !slices.Equal(waiting, []string{tasks[2].ID}) {
		t.Fatalf("new tasks: %v, want [%s]", waiting, tasks[2].ID)
	}
	for task, err := range client.ListTasks(ctx, qtasks.ListOptions{Queue: name, FinishedAfter: first.FinishedAt}) {
		if fieldOf(err) != "finished_after" {
			t.Fatalf("FinishedAfter without a status: %+v, %v; want InvalidArgument on finished_after", task, err)
		}
	}
	for _, err := range client.ListTasks(ctx, qtasks.ListOptions{Status: "finished"}) {
		if err == nil {
			t.Fatal("ListTasks with an unknown status yielded a task")
		}
	}
}

func TestQueueAdminVerbsNeedAnAllToken(t *testing.T) {
	tokens := filepath.Join(t.TempDir(), "tokens")
	if err := os.WriteFile(tokens, []byte("producer-token producer\nadmin-token all\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b := startTestBroker(t, "--auth-tokens-file", tokens)
	ctx := testContext(t, 10*time.Second)
	producer := dial(t, b.addr, qtasks.WithToken("producer-token"))
	admin := dial(t, b.addr, qtasks.WithToken("admin-token"))
	const queue = "scoped"
	tasks, err := producer.Enqueue(ctx, qtasks.Spec{Name: queue})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := producer.Cancel(ctx, tasks[0].ID, ""); err != nil {
		t.Fatal(err)
	}
	// A producer token retries tasks and reads queues ...
	if task, err := producer.Retry(ctx, tasks[0].ID); err != nil || task.Status != qtasks.StatusRetry {
		t.Fatalf("Retry with a producer token: %+v, %v", task, err)
	}
	if queues, err := producer.ListQueues(ctx); err != nil || len(queues) != 1 || queues[0].Name != queue {
		t.Fatalf("ListQueues with a producer token: %+v, %v", queues, err)
	}
	if _, err := producer.GetQueueLimits(ctx, queue); err != nil {
		t.Fatalf("GetQueueLimits with a producer token: %v", err)
	}
	// ... but changing a queue takes an `all` token.
	verbs := map[string]func(c *qtasks.Client) error{
		"PauseQueue":  func(c *qtasks.Client) error { _, err := c.PauseQueue(ctx, queue); return err },
		"ResumeQueue": func(c *qtasks.Client) error { _, err := c.ResumeQueue(ctx, queue); return err },
		"PurgeQueue":  func(c *qtasks.Client) error { _, err := c.PurgeQueue(ctx, queue, qtasks.StatusRetry); return err },
		"SetQueueLimits": func(c *qtasks.Client) error {
			_, err := c.SetQueueLimits(ctx, queue, qtasks.QueueLimits{MaxRunning: 1})
			return err
		},
	}
	for name, verb := range verbs {
		if err := verb(producer); status.Code(err) != codes.PermissionDenied {
			t.Errorf("%s with a producer token: %v, want PermissionDenied", name, err)
		}
		if err := verb(admin); err != nil {
			t.Errorf("%s with an all token: %v", name, err)
		}
	}
	if limits, err := admin.GetQueueLimits(ctx, queue); err != nil || limits != (qtasks.QueueLimits{MaxRunning: 1}) {
		t.Fatalf("limits set by the admin: %+v, %v", limits, err)
	}
	if info := queueNamed(t, ctx, admin, queue); info.Counts != (qtasks.QueueCounts{}) {
		t.Fatalf("counts after the admin's purge: %+v", info.Counts)
	}
}
