package qtasks

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// RetryAfterTrailer is the trailing metadata key in which an overloaded broker sends how many
// milliseconds to wait before sending a refused Enqueue again.
const RetryAfterTrailer = "retry-after-ms"

// Error is a call the broker refused, or that could not reach it.
type Error struct {
	// Method is the RPC, e.g. "Enqueue".
	Method string
	// Code is the gRPC status code.
	Code codes.Code
	// Message is the broker's message, e.g. "tasks[2].name: must not be empty".
	Message string
	// Field is the request field the broker named at the start of an INVALID_ARGUMENT or
	// RESOURCE_EXHAUSTED message (e.g. "tasks[2].name"); empty when none was named. For a
	// chunked Enqueue the index is the spec's position in the whole call.
	Field string
	// RetryAfter is the broker's retry hint of an overload refusal (RESOURCE_EXHAUSTED with the
	// `retry-after-ms` trailer): nothing was stored, the same call may be sent again after it.
	RetryAfter time.Duration
	// Cause is the underlying error (a gRPC status error or a context error).
	Cause error
}

// Error implements error.
func (e *Error) Error() string {
	return fmt.Sprintf("qtasks: %s: %s: %s", e.Method, e.Code, e.Message)
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Cause }

// GRPCStatus lets status.Code and status.FromError read the code of an *Error.
func (e *Error) GRPCStatus() *status.Status { return status.New(e.Code, e.Message) }

// Transient reports whether trying again later may succeed: the broker is shutting down,
// overloaded or unreachable, or the call ran out of time.
func (e *Error) Transient() bool {
	switch e.Code {
	case codes.Unavailable, codes.ResourceExhausted, codes.DeadlineExceeded:
		return true
	}
	return false
}

// Overloaded reports whether the broker refused the call because too many writes were in flight;
// nothing was stored and the same call may be resent after [Error.RetryAfter].
func (e *Error) Overloaded() bool {
	return e.Code == codes.ResourceExhausted && e.RetryAfter > 0
}

// fieldPattern matches the field path that starts a broker message: `tasks[2].name: ...`.
var fieldPattern = regexp.MustCompile(`^([a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*): `)

// newError turns the error of an RPC into an *Error; trailer is the call's trailing metadata.
func newError(method string, err error, trailer metadata.MD) *Error {
	var own *Error
	if errors.As(err, &own) {
		return own
	}
	st, ok := status.FromError(err)
	if !ok {
		st = status.FromContextError(err)
	}
	e := &Error{Method: method, Code: st.Code(), Message: st.Message(), Cause: err}
	if e.Code == codes.InvalidArgument || e.Code == codes.ResourceExhausted {
		if m := fieldPattern.FindStringSubmatch(e.Message); m != nil {
			e.Field = m[1]
		}
	}
	if e.Code == codes.ResourceExhausted {
		if values := trailer.Get(RetryAfterTrailer); len(values) > 0 {
			if ms, perr := strconv.ParseFloat(strings.TrimSpace(values[0]), 64); perr == nil && ms >= 0 {
				e.RetryAfter = time.Duration(ms * float64(time.Millisecond))
				if e.RetryAfter == 0 {
					e.RetryAfter = time.Millisecond
				}
			}
		}
	}
	return e
}

// itemIndex is the index i of a message naming `<list>[i]`, or -1.
func (e *Error) itemIndex(list string) int {
	if !strings.HasPrefix(e.Field, list+"[") {
		return -1
	}
	end := strings.IndexByte(e.Field, ']')
	i, err := strconv.Atoi(e.Field[len(list)+1 : end])
	if err != nil {
		return -1
	}
	return i
}

// shiftIndex rewrites `<list>[i]` in the field and message to `<list>[i+offset]`: the position of
// the item in the caller's whole request rather than in one chunk of it.
func (e *Error) shiftIndex(list string, offset int) {
	i := e.itemIndex(list)
	if i < 0 || offset == 0 {
		return
	}
	from := fmt.Sprintf("%s[%d]", list, i)
	to := fmt.Sprintf("%s[%d]", list, i+offset)
	e.Field = strings.Replace(e.Field, from, to, 1)
	e.Message = strings.Replace(e.Message, from, to, 1)
}
