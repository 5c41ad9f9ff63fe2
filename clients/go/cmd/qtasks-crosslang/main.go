// Command qtasks-crosslang is the Go side of the cross-language tests: it enqueues, cancels and
// waits for tasks on a broker with the Go client and prints what it saw as JSON on stdout.
//
// Usage:
//
//	qtasks-crosslang enqueue-wait -addr A -name shared.square -n 1000 -batch 100 -timeout 60s
//	qtasks-crosslang cancel -addr A -id TASK_ID -reason R
//	qtasks-crosslang wait -addr A -id TASK_ID -timeout 30s
//	qtasks-crosslang set-limits -addr A -queue Q -max-running 2 [-max-running-per-key N] [-rate N/PERIOD] [-rate-per-key N/PERIOD]
//	qtasks-crosslang work -addr A -name limited.span -concurrency 8 -span 300ms
//
// set-limits replaces the queue's limits and prints those GetQueueLimits then reads back. work
// runs a Go worker whose handler for -name sleeps -span and returns {"i": its argument, "by": "go",
// "start": ms, "end": ms} (when it started and ended, in whole milliseconds since the epoch); it
// prints READY once it reached the broker and runs until SIGTERM or SIGINT (then exits 0).
//
// -addr defaults to the environment variable QTASKS_BROKER_ADDRESS. Errors go to stderr with exit
// status 1 (2 for a bad command line).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/qtasks/qtasks-broker/clients/go/qtasks"
	"google.golang.org/grpc"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "enqueue-wait":
		err = enqueueWait(os.Args[2:])
	case "cancel":
		err = cancel(os.Args[2:])
	case "wait":
		err = wait(os.Args[2:])
	case "set-limits":
		err = setLimits(os.Args[2:])
	case "work":
		err = work(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "qtasks-crosslang:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: qtasks-crosslang enqueue-wait|cancel|wait|set-limits|work [flags]; run a subcommand with -h for its flags")
	os.Exit(2)
}

// flags is a subcommand's flag set with the common -addr and -timeout.
func flags(name string, timeout time.Duration) (*flag.FlagSet, *string, *time.Duration) {
	fs := flag.NewFlagSet(name, flag.ExitOnError)
	addr := fs.String("addr", os.Getenv("QTASKS_BROKER_ADDRESS"), "broker address HOST:PORT (default $QTASKS_BROKER_ADDRESS)")
	limit := fs.Duration("timeout", timeout, "give up after this long")
	return fs, addr, limit
}

func parse(fs *flag.FlagSet, args []string, addr *string) {
	_ = fs.Parse(args)
	if *addr == "" {
		fmt.Fprintln(os.Stderr, "qtasks-crosslang: -addr is required (or set QTASKS_BROKER_ADDRESS)")
		os.Exit(2)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "qtasks-crosslang: unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		os.Exit(2)
	}
}

func printJSON(v any) error {
	return json.NewEncoder(os.Stdout).Encode(v)
}

// raw is a JSON value as received; empty bytes print as null.
func raw(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	return b
}

type result struct {
	ID     string          `json:"id"`
	Arg    int             `json:"arg"`
	Status string          `json:"status"`
	Result json.RawMessage `json:"result"`
}

func enqueueWait(args []string) error {
	fs, addr, timeout := flags("enqueue-wait", 60*time.Second)
	name := fs.String("name", "shared.square", "task name")
	n := fs.Int("n", 1000, "number of tasks, with args [i] for i in 0..n-1")
	batch := fs.Int("batch", 100, "tasks per Enqueue call (one RPC each)")
	concurrency := fs.Int("concurrency", 64, "WatchResult streams open at once")
	parse(fs, args, addr)
	if *n < 0 || *batch <= 0 {
		return errors.New("-n must not be negative and -batch must be positive")
	}
	ctx, stop := context.WithTimeout(context.Background(), *timeout)
	defer stop()
	var rpcs atomic.Int64
	count := grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if strings.HasSuffix(method, "/Enqueue") {
			rpcs.Add(1)
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	})
	client, err := qtasks.Dial(*addr, qtasks.WithMaxBatch(*batch), qtasks.WithDialOptions(count))
	if err != nil {
		return err
	}
	defer client.Close()

	ids := make([]string, 0, *n)
	for start := 0; start < *n; start += *batch {
		specs := make([]qtasks.Spec, 0, *batch)
		for i := start; i < min(start+*batch, *n); i++ {
			specs = append(specs, qtasks.Spec{Name: *name, Args: []any{i}})
		}
		tasks, err := client.Enqueue(ctx, specs...)
		if err != nil {
			return fmt.Errorf("enqueueing tasks %d..%d: %w", start, start+len(specs)-1, err)
		}
		for _, task := range tasks {
			ids = append(ids, task.ID)
		}
	}
	tasks, waitErr := client.WaitAll(ctx, ids, *concurrency)
	out := struct {
		Enqueued int      `json:"enqueued"`
		RPCs     int64    `json:"rpcs"`
		Results  []result `json:"results"`
	}{Enqueued: len(ids), RPCs: rpcs.Load(), Results: make([]result, len(ids))}
	for i, id := range ids {
		status := string(tasks[i].Status)
		if status == "" {
			status = "unfinished"
		}
		out.Results[i] = result{ID: id, Arg: i, Status: status, Result: raw(tasks[i].Result)}
	}
	if err := printJSON(out); err != nil {
		return err
	}
	if waitErr != nil {
		return fmt.Errorf("not every task reached an end status: %w", waitErr)
	}
	return nil
}

func cancel(args []string) error {
	fs, addr, timeout := flags("cancel", 30*time.Second)
	id := fs.String("id", "", "task id")
	reason := fs.String("reason", "", "cancel reason")
	parse(fs, args, addr)
	ctx, stop := context.WithTimeout(context.Background(), *timeout)
	defer stop()
	client, err := qtasks.Dial(*addr)
	if err != nil {
		return err
	}
	defer client.Close()
	task, err := client.Cancel(ctx, *id, *reason)
	if err != nil {
		return err
	}
	return printJSON(struct {
		ID              string `json:"id"`
		Status          string `json:"status"`
		CancelRequested bool   `json:"cancel_requested"`
	}{task.ID, string(task.Status), task.CancelRequested})
}

func wait(args []string) error {
	fs, addr, timeout := flags("wait", 30*time.Second)
	id := fs.String("id", "", "task id")
	parse(fs, args, addr)
	ctx, stop := context.WithTimeout(context.Background(), *timeout)
	defer stop()
	client, err := qtasks.Dial(*addr)
	if err != nil {
		return err
	}
	defer client.Close()
	task, err := client.Wait(ctx, *id)
	if err != nil {
		return err
	}
	return printJSON(struct {
		ID           string            `json:"id"`
		Status       string            `json:"status"`
		Attempt      int32             `json:"attempt"`
		Result       json.RawMessage   `json:"result"`
		Error        *qtasks.TaskError `json:"error"`
		CancelReason string            `json:"cancel_reason"`
	}{task.ID, string(task.Status), task.Attempt, raw(task.Result), task.Error, task.CancelReason})
}

// rateFlag is a -rate flag: COUNT/PERIOD, e.g. 10/1s; empty means no rate limit.
type rateFlag struct{ rate qtasks.RateLimit }

func (r *rateFlag) String() string {
	if r.rate.Count == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%s", r.rate.Count, r.rate.Period)
}

func (r *rateFlag) Set(v string) error {
	count, period, ok := strings.Cut(v, "/")
	if !ok {
		return errors.New("want COUNT/PERIOD, e.g. 10/1s")
	}
	n, err := strconv.ParseInt(count, 10, 32)
	if err != nil {
		return err
	}
	d, err := time.ParseDuration(period)
	if err != nil {
		return err
	}
	r.rate = qtasks.RateLimit{Count: int32(n), Period: d}
	return nil
}

// limitsView is how set-limits prints the limits: the proto's field names.
type limitsView struct {
	MaxRunning       int32     `json:"max_running"`
	Rate             *rateView `json:"rate"`
	MaxRunningPerKey int32     `json:"max_running_per_key"`
	RatePerKey       *rateView `json:"rate_per_key"`
}

type rateView struct {
	Count    int32 `json:"count"`
	PeriodMs int64 `json:"period_ms"`
}

func viewRate(r qtasks.RateLimit) *rateView {
	if r == (qtasks.RateLimit{}) {
		return nil
	}
	return &rateView{Count: r.Count, PeriodMs: r.Period.Milliseconds()}
}

func setLimits(args []string) error {
	fs, addr, timeout := flags("set-limits", 30*time.Second)
	queue := fs.String("queue", "", "the queue")
	maxRunning := fs.Int("max-running", 0, "most tasks of the queue running at once (0: no limit)")
	maxRunningPerKey := fs.Int("max-running-per-key", 0, "most tasks of each limit key running at once (0: no limit)")
	var rate, ratePerKey rateFlag
	fs.Var(&rate, "rate", "most task starts of the queue per period, COUNT/PERIOD (e.g. 10/1s)")
	fs.Var(&ratePerKey, "rate-per-key", "most task starts of each limit key per period, COUNT/PERIOD")
	parse(fs, args, addr)
	ctx, stop := context.WithTimeout(context.Background(), *timeout)
	defer stop()
	client, err := qtasks.Dial(*addr)
	if err != nil {
		return err
	}
	defer client.Close()
	limits := qtasks.QueueLimits{MaxRunning: int32(*maxRunning), Rate: rate.rate, MaxRunningPerKey: int32(*maxRunningPerKey), RatePerKey: ratePerKey.rate}
	if _, err := client.SetQueueLimits(ctx, *queue, limits); err != nil {
		return err
	}
	got, err := client.GetQueueLimits(ctx, *queue)
	if err != nil {
		return err
	}
	return printJSON(limitsView{got.MaxRunning, viewRate(got.Rate), got.MaxRunningPerKey, viewRate(got.RatePerKey)})
}

func work(args []string) error {
	fs, addr, timeout := flags("work", 30*time.Second)
	name := fs.String("name", "limited.span", "task name (and queue) to run")
	concurrency := fs.Int("concurrency", 8, "most tasks run at once")
	span := fs.Duration("span", 300*time.Millisecond, "how long each task runs")
	parse(fs, args, addr)
	client, err := qtasks.Dial(*addr)
	if err != nil {
		return err
	}
	defer client.Close()
	// Reach the broker before announcing READY (the connection is made lazily).
	reach, stopReach := context.WithTimeout(context.Background(), *timeout)
	_, err = client.ListQueues(reach)
	stopReach()
	if err != nil {
		return err
	}
	worker := qtasks.NewWorker(client, qtasks.WorkerOptions{Concurrency: *concurrency, LeaseDuration: 3 * time.Second, ShutdownGrace: time.Second})
	worker.Handle(*name, func(ctx context.Context, call *qtasks.Call) (any, error) {
		start := time.Now().UnixMilli()
		var i int
		if err := call.Bind(&i); err != nil {
			return nil, err
		}
		select {
		case <-time.After(*span):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return map[string]any{"i": i, "by": "go", "start": start, "end": time.Now().UnixMilli()}, nil
	})
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	fmt.Println("READY")
	return worker.Run(ctx)
}
