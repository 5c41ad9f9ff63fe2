// Command qtasks-crosslang is the Go side of the cross-language tests: it enqueues, cancels and
// waits for tasks on a broker with the Go client and prints what it saw as JSON on stdout.
//
// Usage:
//
//	qtasks-crosslang enqueue-wait -addr A -name shared.square -n 1000 -batch 100 -timeout 60s
//	qtasks-crosslang cancel -addr A -id TASK_ID -reason R
//	qtasks-crosslang wait -addr A -id TASK_ID -timeout 30s
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
	"strings"
	"sync/atomic"
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
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "qtasks-crosslang:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: qtasks-crosslang enqueue-wait|cancel|wait [flags]; run a subcommand with -h for its flags")
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
