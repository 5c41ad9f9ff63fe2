package qtasks

import (
	"errors"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

// withDetails is a status error as grpc-go returns it when the trailer carries details.
func withDetails(t *testing.T, code codes.Code, message string, details ...*errdetails.ErrorInfo) *status.Status {
	t.Helper()
	st := status.New(code, message)
	for _, d := range details {
		var err error
		if st, err = st.WithDetails(d); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func TestNewErrorReadsTheDetailsNotTheMessageOrTrailer(t *testing.T) {
	st, err := status.New(codes.InvalidArgument, "tasks[9].queue: not the field the details name").WithDetails(
		&errdetails.ErrorInfo{Reason: ReasonInvalidField, Domain: ErrorDomain, Metadata: map[string]string{"field": "tasks[2].name"}},
		&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "tasks[2].name", Description: "must not be empty"}}},
	)
	if err != nil {
		t.Fatal(err)
	}
	e := newError("Enqueue", st.Err(), nil)
	if e.Reason != ReasonInvalidField || e.Field != "tasks[2].name" || e.RetryAfter != 0 || e.itemIndex("tasks") != 2 {
		t.Fatalf("got reason %q field %q retry %s", e.Reason, e.Field, e.RetryAfter)
	}

	st, err = status.New(codes.ResourceExhausted, "the broker is overloaded").WithDetails(
		&errdetails.ErrorInfo{Reason: ReasonOverloaded, Domain: ErrorDomain},
		&errdetails.RetryInfo{RetryDelay: durationpb.New(1250 * time.Millisecond)},
	)
	if err != nil {
		t.Fatal(err)
	}
	e = newError("Enqueue", st.Err(), metadata.Pairs(RetryAfterTrailer, "7"))
	if e.Reason != ReasonOverloaded || e.RetryAfter != 1250*time.Millisecond || !e.Overloaded() || e.Field != "" {
		t.Fatalf("got reason %q field %q retry %s", e.Reason, e.Field, e.RetryAfter)
	}
}

func TestNewErrorTakesTheFieldOfErrorInfoAndIgnoresAnotherDomain(t *testing.T) {
	st := withDetails(t, codes.ResourceExhausted, "completions[3].success.result: the result is 9 bytes",
		&errdetails.ErrorInfo{Reason: ReasonPayloadTooLarge, Domain: ErrorDomain, Metadata: map[string]string{"field": "completions[3].success.result"}})
	e := newError("Complete", st.Err(), nil)
	if e.Reason != ReasonPayloadTooLarge || e.itemIndex("completions") != 3 || e.Overloaded() {
		t.Fatalf("got reason %q field %q overloaded %v", e.Reason, e.Field, e.Overloaded())
	}
	st = withDetails(t, codes.Unavailable, "upstream down", &errdetails.ErrorInfo{Reason: "UPSTREAM", Domain: "proxy.example"})
	if e := newError("GetTask", st.Err(), nil); e.Reason != "" {
		t.Fatalf("a proxy's reason was taken: %q", e.Reason)
	}
}

func TestNewErrorFallsBackForAnOlderBrokerWithoutDetails(t *testing.T) {
	e := newError("Enqueue", status.Error(codes.ResourceExhausted, "overloaded"), metadata.Pairs(RetryAfterTrailer, "40"))
	if e.Reason != "" || e.RetryAfter != 40*time.Millisecond {
		t.Fatalf("got reason %q retry %s", e.Reason, e.RetryAfter)
	}
	e = newError("Enqueue", status.Error(codes.InvalidArgument, "tasks[4].args: must be a JSON array"), nil)
	if e.Field != "tasks[4].args" {
		t.Fatalf("field %q", e.Field)
	}
	// The trailer means something on an overload refusal only.
	if e := newError("Enqueue", status.Error(codes.Unavailable, "down"), metadata.Pairs(RetryAfterTrailer, "40")); e.RetryAfter != 0 {
		t.Fatalf("retry %s on UNAVAILABLE", e.RetryAfter)
	}
	// A call that never reached the broker.
	if e := newError("GetTask", errors.New("dial failed"), nil); e.Reason != "" || e.Field != "" {
		t.Fatalf("got reason %q field %q", e.Reason, e.Field)
	}
}
