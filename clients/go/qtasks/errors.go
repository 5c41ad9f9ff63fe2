package qtasks

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// ErrorDomain is the google.rpc.ErrorInfo domain of the broker's refusals: a reason of another
// domain (a proxy's) is not one of the broker's.
const ErrorDomain = "qtasks.broker.v1"

// The reasons the broker sends in google.rpc.ErrorInfo, by gRPC code (see the header of
// broker.proto). A newer broker may send one not listed here.
const (
	ReasonInvalidField           = "INVALID_FIELD"            // InvalidArgument
	ReasonTaskNotFound           = "TASK_NOT_FOUND"           // NotFound
	ReasonIdempotencyKeyConflict = "IDEMPOTENCY_KEY_CONFLICT" // AlreadyExists
	ReasonIllegalTransition      = "ILLEGAL_TRANSITION"       // FailedPrecondition
	ReasonOverloaded             = "OVERLOADED"               // ResourceExhausted, with RetryInfo
	ReasonDiskFull               = "DISK_FULL"                // ResourceExhausted
	ReasonPayloadTooLarge        = "PAYLOAD_TOO_LARGE"        // ResourceExhausted
	ReasonBatchTooLarge          = "BATCH_TOO_LARGE"          // ResourceExhausted
	ReasonTooManyCalls           = "TOO_MANY_CALLS"           // ResourceExhausted
	ReasonTooManyWatchers        = "TOO_MANY_WATCHERS"        // ResourceExhausted
	ReasonWatchFellBehind        = "WATCH_FELL_BEHIND"        // ResourceExhausted
	ReasonShuttingDown           = "SHUTTING_DOWN"            // Unavailable
	ReasonStoreUnavailable       = "STORE_UNAVAILABLE"        // Unavailable
	ReasonUnauthenticated        = "UNAUTHENTICATED"          // Unauthenticated
	ReasonPermissionDenied       = "PERMISSION_DENIED"        // PermissionDenied
	ReasonInternal               = "INTERNAL"                 // Internal
)

// RetryAfterTrailer is the trailing metadata key in which an older broker sent how many
// milliseconds to wait before sending a refused Enqueue again.
//
// Deprecated: the broker sends the wait in google.rpc.RetryInfo; it keeps this trailer for one
// release, and the client reads it only from a refusal without details.
const RetryAfterTrailer = "retry-after-ms"

// Error is a call the broker refused, or that could not reach it.
type Error struct {
	// Method is the RPC, e.g. "Enqueue".
	Method string
	// Code is the gRPC status code.
	Code codes.Code
	// Message is the broker's message, e.g. "tasks[2].name: must not be empty", for people; act
	// on Reason, Field and RetryAfter.
	Message string
	// Reason is the broker's stable reason for the refusal (google.rpc.ErrorInfo.reason in
	// [ErrorDomain]), one of the Reason constants, e.g. [ReasonInvalidField]; empty when the
	// broker sent none (an older broker, or a call that never reached it).
	Reason string
	// Field is the request field the refusal is about (e.g. "tasks[2].name"): the
	// google.rpc.BadRequest field of an INVALID_ARGUMENT, or ErrorInfo's "field" metadata of
	// another refusal that names one (a payload or batch over a limit, an idempotency key in
	// conflict); empty when none was named. For a chunked Enqueue the index is the spec's
	// position in the whole call.
	Field string
	// RetryAfter is how long to wait before sending again a call an overloaded broker refused
	// (RESOURCE_EXHAUSTED, [ReasonOverloaded], from google.rpc.RetryInfo): nothing was stored.
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

// fieldPattern matches the field path that starts an older broker's message: `tasks[2].name: ...`.
var fieldPattern = regexp.MustCompile(`^([a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*): `)

// newError turns the error of an RPC into an *Error; trailer is the call's trailing metadata.
// Reason, field and retry delay come from the status details (grpc-status-details-bin); only
// when there are none (an older broker) from the message and the `retry-after-ms` trailer.
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
	if details := st.Details(); len(details) > 0 {
		e.readDetails(details)
	} else {
		e.readLegacy(trailer)
	}
	return e
}

// readDetails takes reason, field and retry delay from the google.rpc details of a refusal.
func (e *Error) readDetails(details []any) {
	for _, detail := range details {
		switch d := detail.(type) {
		case *errdetails.ErrorInfo:
			if d.GetDomain() != ErrorDomain {
				continue
			}
			e.Reason = d.GetReason()
			if e.Field == "" {
				e.Field = d.GetMetadata()["field"]
			}
		case *errdetails.BadRequest:
			// A BadRequest names the field exactly; it wins over ErrorInfo's copy.
			if v := d.GetFieldViolations(); len(v) > 0 && v[0].GetField() != "" {
				e.Field = v[0].GetField()
			}
		case *errdetails.RetryInfo:
			if delay := d.GetRetryDelay(); delay != nil && delay.IsValid() {
				e.RetryAfter = max(delay.AsDuration(), 0)
				if e.RetryAfter == 0 {
					// Overloaded() tells an overload refusal by a non-zero wait.
					e.RetryAfter = time.Millisecond
				}
			}
		}
	}
}

// readLegacy takes the field from the message and the retry hint from the trailer: an older
// broker's refusal carries no details.
func (e *Error) readLegacy(trailer metadata.MD) {
	if e.Code == codes.InvalidArgument || e.Code == codes.ResourceExhausted || e.Code == codes.AlreadyExists {
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
