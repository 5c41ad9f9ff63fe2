package qtasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"testing"
	"time"
)

func TestErrorType(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{errors.New("x"), "Error"},
		{fmt.Errorf("wrapped: %w", errors.New("x")), "Error"},
		{fmt.Errorf("open: %w", &fs.PathError{Op: "open", Path: "/x", Err: fs.ErrNotExist}), "PathError"},
		{Permanent(&json.SyntaxError{}), "SyntaxError"},
		{fmt.Errorf("outer: %w", WithType(errors.New("x"), "ValueError")), "ValueError"},
		{fmt.Errorf("call: %w", context.DeadlineExceeded), "DeadlineExceeded"},
		{&ArgumentError{Field: "args", Err: errors.New("x")}, "TypeError"},
	}
	for _, c := range cases {
		if got := errorType(c.err); got != c.want {
			t.Errorf("errorType(%T %v) = %s, want %s", c.err, c.err, got, c.want)
		}
	}
}

func TestRetryability(t *testing.T) {
	plain := errors.New("x")
	if !isRetryable(plain, false) || isRetryable(plain, true) {
		t.Error("a plain error is retryable by default only")
	}
	if isRetryable(fmt.Errorf("w: %w", Permanent(plain)), false) {
		t.Error("a wrapped Permanent error is retryable")
	}
	if !isRetryable(Retryable(plain), true) {
		t.Error("a Retryable error is not retryable with RetryOnlyMarked")
	}
}

func TestCallBind(t *testing.T) {
	call := &Call{Task: Task{Name: "add", Args: json.RawMessage(`[1, "b", {"c": true}]`), Kwargs: json.RawMessage(`{"k": 2}`)}}
	var a int
	var b string
	var c map[string]bool
	if err := call.Bind(&a, &b, &c); err != nil || a != 1 || b != "b" || !c["c"] {
		t.Fatalf("Bind: %v %v %v %v", err, a, b, c)
	}
	var ae *ArgumentError
	if err := call.Bind(&a); !errors.As(err, &ae) || ae.Field != "args" {
		t.Fatalf("Bind with too few pointers: %v", err)
	}
	if err := call.Arg(1, &a); !errors.As(err, &ae) || ae.Field != "args[1]" {
		t.Fatalf("Arg of the wrong type: %v", err)
	}
	var k int
	if ok, err := call.Kwarg("k", &k); !ok || err != nil || k != 2 {
		t.Fatalf("Kwarg: %v %v %v", ok, err, k)
	}
	if ok, err := call.Kwarg("missing", &k); ok || err != nil {
		t.Fatalf("Kwarg of a missing name: %v %v", ok, err)
	}
	if call.NumArgs() != 3 {
		t.Fatalf("NumArgs = %d", call.NumArgs())
	}
}

func TestOverloadWaitIsBounded(t *testing.T) {
	for resend := range 30 {
		wait := overloadWait(200*time.Millisecond, resend)
		base := min(200*time.Millisecond<<resend, maxOverloadWait)
		if resend > 20 {
			base = maxOverloadWait
		}
		if wait < base || wait > base+base/2 {
			t.Fatalf("resend %d waits %s, want between %s and %s", resend, wait, base, base+base/2)
		}
	}
}

func TestErrorFieldShift(t *testing.T) {
	e := &Error{Message: "tasks[2].name: must not be empty", Field: "tasks[2].name"}
	e.shiftIndex("tasks", 1000)
	if e.Field != "tasks[1002].name" || e.Message != "tasks[1002].name: must not be empty" {
		t.Fatalf("shifted to %q / %q", e.Field, e.Message)
	}
}

// The broker hands tasks back with NFC names: a handler registered under an NFD spelling must be
// found under the NFC one.
func TestHandleNormalizesNamesToNFC(t *testing.T) {
	w := &Worker{handlers: map[string]HandlerFunc{}}
	w.Handle("cafe\u0301", func(context.Context, *Call) (any, error) { return nil, nil })
	if _, ok := w.handlers["caf\u00e9"]; !ok {
		t.Fatalf("no handler under the NFC name; registered: %v", w.handlers)
	}
}
