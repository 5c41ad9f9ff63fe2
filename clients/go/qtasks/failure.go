package qtasks

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"unicode"
)

// Errors a task's context is cancelled with; read them with context.Cause(ctx) in a handler.
var (
	// ErrCancelRequested: the task was cancelled (CancelTask) while it ran. The worker reports it
	// cancelled unless the handler returns a result anyway.
	ErrCancelRequested = errors.New("qtasks: the task was asked to cancel")
	// ErrWorkerStopping: the worker is stopping and its grace period ran out; the task is given
	// back to the broker (Released) to run again elsewhere, the attempt not counted.
	ErrWorkerStopping = errors.New("qtasks: the worker is stopping")
	// ErrLeaseLost: the broker refused the task's lease (it expired, or the task was handed out
	// again); the outcome of this run is dropped.
	ErrLeaseLost = errors.New("qtasks: the task's lease was lost")
	// ErrTimeLimitExceeded: the attempt ran longer than the task's max time. It is reported as a
	// retryable failure of type "TimeLimitExceeded", as the broker does.
	ErrTimeLimitExceeded = errors.New("qtasks: time limit exceeded")
)

// TypedError is an error that names the error type reported to the broker (TaskError.Type), e.g.
// "ValueError". Without it the type is the Go type name of the error (see [Worker]).
type TypedError interface {
	error
	ErrorType() string
}

// RetryableError is an error that decides itself whether the failed attempt may be retried.
type RetryableError interface {
	error
	Retryable() bool
}

// Permanent marks err as not retryable: the task ends in status error even if it has retries left.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &retryMark{err: err, retryable: false}
}

// Retryable marks err as retryable: the broker runs the task again if it has retries left. Every
// error is retryable by default; this matters with [WorkerOptions].RetryOnlyMarked.
func Retryable(err error) error {
	if err == nil {
		return nil
	}
	return &retryMark{err: err, retryable: true}
}

type retryMark struct {
	err       error
	retryable bool
}

func (m *retryMark) Error() string   { return m.err.Error() }
func (m *retryMark) Unwrap() error   { return m.err }
func (m *retryMark) Retryable() bool { return m.retryable }

// WithType gives err the error type typ (TaskError.Type), e.g. "ValueError".
func WithType(err error, typ string) error {
	if err == nil {
		return nil
	}
	return &typed{err: err, typ: typ}
}

type typed struct {
	err error
	typ string
}

func (t *typed) Error() string     { return t.err.Error() }
func (t *typed) Unwrap() error     { return t.err }
func (t *typed) ErrorType() string { return t.typ }

// CancelError stops a task as cancelled from inside its handler: returning it (or an error
// wrapping it) ends the task in status cancel with this reason, never retried.
type CancelError struct {
	// Reason is kept in the task's cancel_reason; empty keeps the reason given to CancelTask.
	Reason string
}

// Error implements error.
func (e *CancelError) Error() string {
	if e.Reason == "" {
		return "task cancelled"
	}
	return "task cancelled: " + e.Reason
}

// panicError is a handler's panic.
type panicError struct {
	value any
	stack string
}

func (p *panicError) Error() string     { return fmt.Sprintf("panic: %v", p.value) }
func (p *panicError) ErrorType() string { return "Panic" }

// errorType is the type reported for err: the ErrorType of the first error in its chain that has
// one; else the name of the first exported Go type in the chain (so `fmt.Errorf("...: %w",
// &fs.PathError{...})` reports "PathError"), skipping the fmt and errors packages' own
// wrappers; "DeadlineExceeded" or "Canceled" for the context errors; else "Error".
func errorType(err error) string {
	var typedErr TypedError
	if errors.As(err, &typedErr) {
		return typedErr.ErrorType()
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "DeadlineExceeded"
	case errors.Is(err, context.Canceled):
		return "Canceled"
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		t := reflect.TypeOf(e)
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		name := t.Name()
		if name == "" || t.PkgPath() == "errors" || t.PkgPath() == "fmt" || !unicode.IsUpper([]rune(name)[0]) {
			continue
		}
		if _, ours := e.(*retryMark); ours {
			continue
		}
		return name
	}
	return "Error"
}

// isRetryable decides whether a failed attempt may be retried: the first error in the chain that
// decides itself does; otherwise every error is, unless onlyMarked.
func isRetryable(err error, onlyMarked bool) bool {
	var decider RetryableError
	if errors.As(err, &decider) {
		return decider.Retryable()
	}
	return !onlyMarked
}

// traceback is the text reported as the failure's traceback: a panic's stack, or the error's
// `%+v` form when that says more than its message (errors that record a stack print it so).
func traceback(err error) string {
	var p *panicError
	if errors.As(err, &p) {
		return p.stack
	}
	if verbose := fmt.Sprintf("%+v", err); verbose != err.Error() {
		return verbose
	}
	return ""
}
