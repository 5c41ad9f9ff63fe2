// The QTasks broker's public contract, version 1.
//
// A producer in any language enqueues tasks (`Enqueue`) and waits for their outcome
// (`WatchResult`, `GetTask`); a worker in any language leases tasks (`Lease`), keeps its leases
// alive (`Heartbeat`) and reports outcomes (`Complete`). Arguments and results cross languages as
// UTF-8 JSON: `args` is a JSON array, `kwargs` a JSON object, `result` any JSON value.
//
// Error codes used by this service (each RPC lists the ones it can return):
// - INVALID_ARGUMENT: a field is missing or malformed; the message starts with the field's path,
//   e.g. `tasks[2].name: must not be empty`. Nothing was changed. Do not retry unchanged.
// - NOT_FOUND: the task id is unknown. Do not retry.
// - ALREADY_EXISTS (Enqueue only): an `idempotency_key` is already used in its queue by a task
//   that differs from the one sent (other args, name, …); the message names
//   `tasks[i].idempotency_key`. Nothing of the batch was stored. Use a new key for a new task.
// - FAILED_PRECONDITION: the task's status forbids the operation (e.g. cancelling a finished
//   task). Nothing was changed. Do not retry unchanged.
// - RESOURCE_EXHAUSTED: a payload or a batch is over the broker's limit, or the disk is full, or
//   (Enqueue only) the broker is overloaded: more task writes are in flight than it admits
//   (`--max-pending-writes`). Nothing was changed. Split the batch or retry later. An overload
//   refusal carries a `google.rpc.RetryInfo` (below): send the same request again after its
//   `retry_delay`, plus some jitter. It also carries, deprecated and for one more release only,
//   the trailing metadata `retry-after-ms` (the same wait in milliseconds, also quoted in the
//   message).
// - UNAVAILABLE: the broker is shutting down. Retry on another connection / after a restart.
// - UNAUTHENTICATED: a missing or wrong token, where the broker requires one (metadata
//   `authorization: Bearer TOKEN`; every RPC of this service needs it then, health never does).
//   Nothing was changed. Do not retry without a valid token.
// - PERMISSION_DENIED: the token is valid but its scope does not cover the RPC: a `producer`
//   token may call Enqueue, Produce, GetTask, CancelTask, ListTasks, WatchResult, RetryTask,
//   ListQueues and GetQueueLimits; a `worker` token may call Lease, Heartbeat, Complete,
//   ReportProgress and Work; an `all` token may call every RPC (PauseQueue, ResumeQueue,
//   PurgeQueue and SetQueueLimits need it).
//   Nothing was changed. Do not retry with the same token.
// Every error status of this service also carries `google.rpc` error details, a serialized
// `google.rpc.Status` in the standard `grpc-status-details-bin` trailer:
// - a `google.rpc.ErrorInfo`, always, with `domain` "qtasks.broker.v1" and a stable `reason` to act
//   on instead of the message (reasons are never renamed; new ones may be added). Its `metadata`
//   holds `field` when the error names a request field, `taskId` for TASK_NOT_FOUND, and
//   `transition` and `status` for ILLEGAL_TRANSITION. The reasons, by code:
//     INVALID_ARGUMENT     INVALID_FIELD
//     NOT_FOUND            TASK_NOT_FOUND
//     ALREADY_EXISTS       IDEMPOTENCY_KEY_CONFLICT
//     FAILED_PRECONDITION  ILLEGAL_TRANSITION
//     RESOURCE_EXHAUSTED   OVERLOADED (resend after RetryInfo), DISK_FULL (retry later),
//                          PAYLOAD_TOO_LARGE, BATCH_TOO_LARGE (never resend unchanged),
//                          TOO_MANY_CALLS (`--max-calls`), TOO_MANY_WATCHERS, WATCH_FELL_BEHIND
//     UNAVAILABLE          SHUTTING_DOWN, STORE_UNAVAILABLE (the broker's database is away)
//     UNAUTHENTICATED      UNAUTHENTICATED
//     PERMISSION_DENIED    PERMISSION_DENIED
//     INTERNAL             INTERNAL
// - a `google.rpc.BadRequest` for INVALID_ARGUMENT, with one `field_violations` entry: the field's
//   path (`tasks[2].name`) and what is wrong with it;
// - a `google.rpc.RetryInfo` for OVERLOADED, with the wait before resending.
// Errors made by the gRPC library rather than the broker (a message over the size limit, an
// unknown method) have no details; neither has a Produce stream's per-request `RequestError`.
// Per-item outcomes inside a batch (a stale lease token in `Complete` or `Heartbeat`) are not RPC
// errors: the item is refused with `accepted`/`ok` false and a reason, and the other items proceed.
// A refusal tells nothing about a task the caller does not hold: one reason for an unknown task,
// an ended one and another attempt's lease, and a refused Complete item carries no task.
//
// Names (task name, queue, lease queues, idempotency key, tags, worker id, metadata keys, error
// type) are normalized to Unicode NFC, so that both spellings of `café` are one queue; a name with
// a control, invisible (zero-width, soft hyphen, variation selector, …) or bidi control character
// is INVALID_ARGUMENT. NFKC is not applied: fullwidth letters stay distinct names.
// JSON fields (args, kwargs, result, progress) nested deeper than the broker's `--max-json-depth`
// (arrays and objects inside one another; default 512) are INVALID_ARGUMENT.

// Code generated by protoc-gen-go. DO NOT EDIT.
// versions:
// 	protoc-gen-go v1.36.12
// 	protoc        (unknown)
// source: qtasks/broker/v1/broker.proto

package brokerv1

import (
	protoreflect "google.golang.org/protobuf/reflect/protoreflect"
	protoimpl "google.golang.org/protobuf/runtime/protoimpl"
	timestamppb "google.golang.org/protobuf/types/known/timestamppb"
	reflect "reflect"
	sync "sync"
	unsafe "unsafe"
)

const (
	// Verify that this generated code is sufficiently up-to-date.
	_ = protoimpl.EnforceVersion(20 - protoimpl.MinVersion)
	// Verify that runtime/protoimpl is sufficiently up-to-date.
	_ = protoimpl.EnforceVersion(protoimpl.MaxVersion - 20)
)

// TaskStatus is where a task is in its lifecycle. The names are QTasks' statuses.
type TaskStatus int32

const (
	// Never stored; as a filter it means "any status".
	TaskStatus_TASK_STATUS_UNSPECIFIED TaskStatus = 0
	// Stored and waiting to be leased (or waiting for its `eta`).
	TaskStatus_TASK_STATUS_NEW TaskStatus = 1
	// Leased by a worker; its lease deadline is running.
	TaskStatus_TASK_STATUS_PROCESS TaskStatus = 2
	// An attempt failed (or its lease ran out) and another attempt is scheduled.
	TaskStatus_TASK_STATUS_RETRY TaskStatus = 3
	// Final: the task returned a result.
	TaskStatus_TASK_STATUS_SUCCESS TaskStatus = 4
	// Final: the task failed with no retries left, or with a non-retryable error.
	TaskStatus_TASK_STATUS_ERROR TaskStatus = 5
	// Final: the task was cancelled before or while it ran.
	TaskStatus_TASK_STATUS_CANCEL TaskStatus = 6
)

// Enum value maps for TaskStatus.
var (
	TaskStatus_name = map[int32]string{
		0: "TASK_STATUS_UNSPECIFIED",
		1: "TASK_STATUS_NEW",
		2: "TASK_STATUS_PROCESS",
		3: "TASK_STATUS_RETRY",
		4: "TASK_STATUS_SUCCESS",
		5: "TASK_STATUS_ERROR",
		6: "TASK_STATUS_CANCEL",
	}
	TaskStatus_value = map[string]int32{
		"TASK_STATUS_UNSPECIFIED": 0,
		"TASK_STATUS_NEW":         1,
		"TASK_STATUS_PROCESS":     2,
		"TASK_STATUS_RETRY":       3,
		"TASK_STATUS_SUCCESS":     4,
		"TASK_STATUS_ERROR":       5,
		"TASK_STATUS_CANCEL":      6,
	}
)

func (x TaskStatus) Enum() *TaskStatus {
	p := new(TaskStatus)
	*p = x
	return p
}

func (x TaskStatus) String() string {
	return protoimpl.X.EnumStringOf(x.Descriptor(), protoreflect.EnumNumber(x))
}

func (TaskStatus) Descriptor() protoreflect.EnumDescriptor {
	return file_qtasks_broker_v1_broker_proto_enumTypes[0].Descriptor()
}

func (TaskStatus) Type() protoreflect.EnumType {
	return &file_qtasks_broker_v1_broker_proto_enumTypes[0]
}

func (x TaskStatus) Number() protoreflect.EnumNumber {
	return protoreflect.EnumNumber(x)
}

// Deprecated: Use TaskStatus.Descriptor instead.
func (TaskStatus) EnumDescriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{0}
}

// RetryBackoff is the delay before each further attempt: `initial_ms` before the second attempt,
// multiplied by `multiplier` for each attempt after that, never more than `max_ms`.
type RetryBackoff struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// Delay before the first retry, in milliseconds. 0 retries at once. Default (when the message is
	// absent): 1000.
	InitialMs int32 `protobuf:"varint,1,opt,name=initial_ms,json=initialMs,proto3" json:"initial_ms,omitempty"`
	// Growth factor per retry; 0 means the default 2.0, otherwise at least 1.0.
	Multiplier float64 `protobuf:"fixed64,2,opt,name=multiplier,proto3" json:"multiplier,omitempty"`
	// Upper bound of one delay, in milliseconds; 0 means no bound beyond the int32 range.
	// Default (when the message is absent): 100000.
	MaxMs         int32 `protobuf:"varint,3,opt,name=max_ms,json=maxMs,proto3" json:"max_ms,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *RetryBackoff) Reset() {
	*x = RetryBackoff{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[0]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *RetryBackoff) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*RetryBackoff) ProtoMessage() {}

func (x *RetryBackoff) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[0]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use RetryBackoff.ProtoReflect.Descriptor instead.
func (*RetryBackoff) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{0}
}

func (x *RetryBackoff) GetInitialMs() int32 {
	if x != nil {
		return x.InitialMs
	}
	return 0
}

func (x *RetryBackoff) GetMultiplier() float64 {
	if x != nil {
		return x.Multiplier
	}
	return 0
}

func (x *RetryBackoff) GetMaxMs() int32 {
	if x != nil {
		return x.MaxMs
	}
	return 0
}

// TaskSpec is what a producer sends to create a task.
type TaskSpec struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// Task name: the handler a worker runs. Required, 1–255 UTF-8 bytes once normalized to NFC, no
	// control, invisible or bidi control character (see the top of this file).
	Name string `protobuf:"bytes,1,opt,name=name,proto3" json:"name,omitempty"`
	// Queue the task waits in; workers lease by queue. Default: `name`. Same limits as `name`.
	Queue string `protobuf:"bytes,2,opt,name=queue,proto3" json:"queue,omitempty"`
	// Priority: lower runs first; equal priorities run in FIFO order. Default 0.
	Priority int32 `protobuf:"varint,3,opt,name=priority,proto3" json:"priority,omitempty"`
	// Positional arguments: UTF-8 JSON array, nested at most `--max-json-depth` deep. Empty means `[]`.
	Args []byte `protobuf:"bytes,4,opt,name=args,proto3" json:"args,omitempty"`
	// Keyword arguments: UTF-8 JSON object, nested at most `--max-json-depth` deep. Empty means `{}`.
	Kwargs []byte `protobuf:"bytes,5,opt,name=kwargs,proto3" json:"kwargs,omitempty"`
	// Further attempts after a retryable failure. 0 (default) runs once. At most 1000.
	MaxRetries int32 `protobuf:"varint,6,opt,name=max_retries,json=maxRetries,proto3" json:"max_retries,omitempty"`
	// Delay between attempts. Default when absent: 1000 ms, doubling, at most 100000 ms.
	RetryBackoff *RetryBackoff `protobuf:"bytes,7,opt,name=retry_backoff,json=retryBackoff,proto3" json:"retry_backoff,omitempty"`
	// Time limit of one attempt in milliseconds; 0 means none. When it runs out the broker fails the
	// attempt with error type `TimeLimitExceeded` (retried if retries are left).
	MaxTimeMs int32 `protobuf:"varint,8,opt,name=max_time_ms,json=maxTimeMs,proto3" json:"max_time_ms,omitempty"`
	// Run no earlier than this time. Mutually exclusive with `delay_ms`.
	Eta *timestamppb.Timestamp `protobuf:"bytes,9,opt,name=eta,proto3" json:"eta,omitempty"`
	// Run no earlier than this many milliseconds from now. Mutually exclusive with `eta`.
	DelayMs int32 `protobuf:"varint,10,opt,name=delay_ms,json=delayMs,proto3" json:"delay_ms,omitempty"`
	// A second Enqueue of the same task with the same key in the same queue returns the first task
	// instead of a new one (whatever that task's status); the same key with another task (other
	// name, args, kwargs, priority, max_retries, retry_backoff, max_time_ms, tags, metadata or
	// limit_key; eta, delay_ms and retention_ms are not compared) is ALREADY_EXISTS. Up to 255 UTF-8 bytes, a name like `name`
	// (NFC-normalized); empty means none.
	IdempotencyKey string `protobuf:"bytes,11,opt,name=idempotency_key,json=idempotencyKey,proto3" json:"idempotency_key,omitempty"`
	// Free-form labels, up to 64, each 1–255 UTF-8 bytes.
	Tags []string `protobuf:"bytes,12,rep,name=tags,proto3" json:"tags,omitempty"`
	// Free-form key/value pairs, up to 64 entries; keys 1–255 bytes, values up to 4096 bytes.
	Metadata map[string]string `protobuf:"bytes,13,rep,name=metadata,proto3" json:"metadata,omitempty" protobuf_key:"bytes,1,opt,name=key" protobuf_val:"bytes,2,opt,name=value"`
	// How long to keep the task once it has ended, in milliseconds, if shorter than the broker's
	// retention for its final status (`--retain-succeeded`, `--retain-failed`); 0 removes it as soon
	// as it ends (its watchers still see the end). Absent: the broker's retention. At least 0.
	RetentionMs *int32 `protobuf:"varint,14,opt,name=retention_ms,json=retentionMs,proto3,oneof" json:"retention_ms,omitempty"`
	// The group of the queue the task counts against for the per-key limits of SetQueueLimits (a
	// customer, a tenant, an API being called). Up to 255 UTF-8 bytes, a name like `name`; empty
	// means the task counts against the queue-wide limits only.
	LimitKey string `protobuf:"bytes,15,opt,name=limit_key,json=limitKey,proto3" json:"limit_key,omitempty"`
	// The W3C trace context of the producer's span that enqueued the task, so that a worker's span
	// of the run joins the same trace. Absent: no trace. Not compared for `idempotency_key` (a
	// retried Enqueue comes from another span); kept with the task and returned in `Task`.
	TraceContext  *TraceContext `protobuf:"bytes,16,opt,name=trace_context,json=traceContext,proto3" json:"trace_context,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *TaskSpec) Reset() {
	*x = TaskSpec{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[1]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *TaskSpec) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*TaskSpec) ProtoMessage() {}

func (x *TaskSpec) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[1]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use TaskSpec.ProtoReflect.Descriptor instead.
func (*TaskSpec) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{1}
}

func (x *TaskSpec) GetName() string {
	if x != nil {
		return x.Name
	}
	return ""
}

func (x *TaskSpec) GetQueue() string {
	if x != nil {
		return x.Queue
	}
	return ""
}

func (x *TaskSpec) GetPriority() int32 {
	if x != nil {
		return x.Priority
	}
	return 0
}

func (x *TaskSpec) GetArgs() []byte {
	if x != nil {
		return x.Args
	}
	return nil
}

func (x *TaskSpec) GetKwargs() []byte {
	if x != nil {
		return x.Kwargs
	}
	return nil
}

func (x *TaskSpec) GetMaxRetries() int32 {
	if x != nil {
		return x.MaxRetries
	}
	return 0
}

func (x *TaskSpec) GetRetryBackoff() *RetryBackoff {
	if x != nil {
		return x.RetryBackoff
	}
	return nil
}

func (x *TaskSpec) GetMaxTimeMs() int32 {
	if x != nil {
		return x.MaxTimeMs
	}
	return 0
}

func (x *TaskSpec) GetEta() *timestamppb.Timestamp {
	if x != nil {
		return x.Eta
	}
	return nil
}

func (x *TaskSpec) GetDelayMs() int32 {
	if x != nil {
		return x.DelayMs
	}
	return 0
}

func (x *TaskSpec) GetIdempotencyKey() string {
	if x != nil {
		return x.IdempotencyKey
	}
	return ""
}

func (x *TaskSpec) GetTags() []string {
	if x != nil {
		return x.Tags
	}
	return nil
}

func (x *TaskSpec) GetMetadata() map[string]string {
	if x != nil {
		return x.Metadata
	}
	return nil
}

func (x *TaskSpec) GetRetentionMs() int32 {
	if x != nil && x.RetentionMs != nil {
		return *x.RetentionMs
	}
	return 0
}

func (x *TaskSpec) GetLimitKey() string {
	if x != nil {
		return x.LimitKey
	}
	return ""
}

func (x *TaskSpec) GetTraceContext() *TraceContext {
	if x != nil {
		return x.TraceContext
	}
	return nil
}

// TraceContext is a W3C Trace Context (https://www.w3.org/TR/trace-context/) carried with a task,
// as the `traceparent` and `tracestate` HTTP headers would carry it. The broker stores it and
// hands it back; it makes no span of its own.
type TraceContext struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// `00-<32 lowercase hex: trace id>-<16 lowercase hex: parent span id>-<2 lowercase hex: flags>`,
	// e.g. `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01`, or empty (no trace context; the
	// message is then ignored). Other versions than `00`, an all-zero trace or span id, or any other
	// form is INVALID_ARGUMENT naming `tasks[i].trace_context.traceparent`.
	Traceparent string `protobuf:"bytes,1,opt,name=traceparent,proto3" json:"traceparent,omitempty"`
	// Vendor-specific trace state (`key=value` list members separated by commas), up to 512
	// characters; kept as sent. Needs a `traceparent`. Longer is INVALID_ARGUMENT naming
	// `tasks[i].trace_context.tracestate`.
	Tracestate    string `protobuf:"bytes,2,opt,name=tracestate,proto3" json:"tracestate,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *TraceContext) Reset() {
	*x = TraceContext{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[2]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *TraceContext) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*TraceContext) ProtoMessage() {}

func (x *TraceContext) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[2]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use TraceContext.ProtoReflect.Descriptor instead.
func (*TraceContext) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{2}
}

func (x *TraceContext) GetTraceparent() string {
	if x != nil {
		return x.Traceparent
	}
	return ""
}

func (x *TraceContext) GetTracestate() string {
	if x != nil {
		return x.Tracestate
	}
	return ""
}

// TaskError describes why an attempt failed.
type TaskError struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// Error class name, e.g. `ValueError`, `TypeError`, `TimeLimitExceeded`, `LeaseExpired`.
	Type string `protobuf:"bytes,1,opt,name=type,proto3" json:"type,omitempty"`
	// Human-readable message.
	Message string `protobuf:"bytes,2,opt,name=message,proto3" json:"message,omitempty"`
	// Stack trace or traceback text, in the worker language's own format.
	Traceback     string `protobuf:"bytes,3,opt,name=traceback,proto3" json:"traceback,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *TaskError) Reset() {
	*x = TaskError{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[3]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *TaskError) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*TaskError) ProtoMessage() {}

func (x *TaskError) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[3]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use TaskError.ProtoReflect.Descriptor instead.
func (*TaskError) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{3}
}

func (x *TaskError) GetType() string {
	if x != nil {
		return x.Type
	}
	return ""
}

func (x *TaskError) GetMessage() string {
	if x != nil {
		return x.Message
	}
	return ""
}

func (x *TaskError) GetTraceback() string {
	if x != nil {
		return x.Traceback
	}
	return ""
}

// Task is the broker's full record of a task.
type Task struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// Time-ordered UUID (version 7), assigned by the broker.
	Id string `protobuf:"bytes,1,opt,name=id,proto3" json:"id,omitempty"`
	// Task name (the handler).
	Name string `protobuf:"bytes,2,opt,name=name,proto3" json:"name,omitempty"`
	// Queue the task waits in.
	Queue string `protobuf:"bytes,3,opt,name=queue,proto3" json:"queue,omitempty"`
	// Priority: lower runs first.
	Priority int32 `protobuf:"varint,4,opt,name=priority,proto3" json:"priority,omitempty"`
	// Positional arguments: UTF-8 JSON array, as enqueued.
	Args []byte `protobuf:"bytes,5,opt,name=args,proto3" json:"args,omitempty"`
	// Keyword arguments: UTF-8 JSON object, as enqueued.
	Kwargs []byte `protobuf:"bytes,6,opt,name=kwargs,proto3" json:"kwargs,omitempty"`
	// Current status.
	Status TaskStatus `protobuf:"varint,7,opt,name=status,proto3,enum=qtasks.broker.v1.TaskStatus" json:"status,omitempty"`
	// Attempts started so far: 0 before the first lease, 1 during the first run, and so on.
	Attempt int32 `protobuf:"varint,8,opt,name=attempt,proto3" json:"attempt,omitempty"`
	// Further attempts allowed after the first.
	MaxRetries int32 `protobuf:"varint,9,opt,name=max_retries,json=maxRetries,proto3" json:"max_retries,omitempty"`
	// When the task was stored.
	CreatedAt *timestamppb.Timestamp `protobuf:"bytes,10,opt,name=created_at,json=createdAt,proto3" json:"created_at,omitempty"`
	// When the task last changed.
	UpdatedAt *timestamppb.Timestamp `protobuf:"bytes,11,opt,name=updated_at,json=updatedAt,proto3" json:"updated_at,omitempty"`
	// When the current (or last) attempt started; unset before the first lease.
	StartedAt *timestamppb.Timestamp `protobuf:"bytes,12,opt,name=started_at,json=startedAt,proto3" json:"started_at,omitempty"`
	// When the task reached a final status; unset before.
	FinishedAt *timestamppb.Timestamp `protobuf:"bytes,13,opt,name=finished_at,json=finishedAt,proto3" json:"finished_at,omitempty"`
	// When the task becomes (or became) ready to run: its `eta`, or the end of its retry backoff.
	Eta *timestamppb.Timestamp `protobuf:"bytes,14,opt,name=eta,proto3" json:"eta,omitempty"`
	// Result of a SUCCESS task: UTF-8 JSON. Empty otherwise.
	Result []byte `protobuf:"bytes,15,opt,name=result,proto3" json:"result,omitempty"`
	// The last failure (kept on RETRY, set on ERROR); absent if no attempt failed.
	Error *TaskError `protobuf:"bytes,16,opt,name=error,proto3" json:"error,omitempty"`
	// Why the task was cancelled (or asked to cancel).
	CancelReason string `protobuf:"bytes,17,opt,name=cancel_reason,json=cancelReason,proto3" json:"cancel_reason,omitempty"`
	// Worker that holds (or last held) the task.
	WorkerId string `protobuf:"bytes,18,opt,name=worker_id,json=workerId,proto3" json:"worker_id,omitempty"`
	// Labels, as enqueued.
	Tags []string `protobuf:"bytes,19,rep,name=tags,proto3" json:"tags,omitempty"`
	// Key/value pairs, as enqueued.
	Metadata map[string]string `protobuf:"bytes,20,rep,name=metadata,proto3" json:"metadata,omitempty" protobuf_key:"bytes,1,opt,name=key" protobuf_val:"bytes,2,opt,name=value"`
	// True once a cancel was requested while the task was PROCESS.
	CancelRequested bool `protobuf:"varint,21,opt,name=cancel_requested,json=cancelRequested,proto3" json:"cancel_requested,omitempty"`
	// Time limit of one attempt in milliseconds; 0 means none.
	MaxTimeMs int32 `protobuf:"varint,22,opt,name=max_time_ms,json=maxTimeMs,proto3" json:"max_time_ms,omitempty"`
	// Idempotency key the task was enqueued with; empty if none.
	IdempotencyKey string `protobuf:"bytes,23,opt,name=idempotency_key,json=idempotencyKey,proto3" json:"idempotency_key,omitempty"`
	// The latest progress its worker reported for the current attempt: UTF-8 JSON. Empty if none.
	Progress []byte `protobuf:"bytes,24,opt,name=progress,proto3" json:"progress,omitempty"`
	// How long the task is kept once ended, as enqueued (`TaskSpec.retention_ms`); absent: the
	// broker's retention.
	RetentionMs *int32 `protobuf:"varint,25,opt,name=retention_ms,json=retentionMs,proto3,oneof" json:"retention_ms,omitempty"`
	// The per-key limit group, as enqueued; empty if none.
	LimitKey string `protobuf:"bytes,26,opt,name=limit_key,json=limitKey,proto3" json:"limit_key,omitempty"`
	// The attempts that did not succeed, oldest first (at most the last 100): what each ended as and
	// why. A RetryTask keeps them.
	History []*PastAttempt `protobuf:"bytes,27,rep,name=history,proto3" json:"history,omitempty"`
	// Attempts made before the last RetryTask (0 if never retried by hand): the retry budget counts
	// the attempts after it.
	AttemptsBeforeRetry int32 `protobuf:"varint,28,opt,name=attempts_before_retry,json=attemptsBeforeRetry,proto3" json:"attempts_before_retry,omitempty"`
	// The producer's trace context, as enqueued (`TaskSpec.trace_context`); absent if none. A worker
	// starts its span of the run as a child of it.
	TraceContext  *TraceContext `protobuf:"bytes,29,opt,name=trace_context,json=traceContext,proto3" json:"trace_context,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *Task) Reset() {
	*x = Task{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[4]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *Task) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*Task) ProtoMessage() {}

func (x *Task) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[4]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use Task.ProtoReflect.Descriptor instead.
func (*Task) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{4}
}

func (x *Task) GetId() string {
	if x != nil {
		return x.Id
	}
	return ""
}

func (x *Task) GetName() string {
	if x != nil {
		return x.Name
	}
	return ""
}

func (x *Task) GetQueue() string {
	if x != nil {
		return x.Queue
	}
	return ""
}

func (x *Task) GetPriority() int32 {
	if x != nil {
		return x.Priority
	}
	return 0
}

func (x *Task) GetArgs() []byte {
	if x != nil {
		return x.Args
	}
	return nil
}

func (x *Task) GetKwargs() []byte {
	if x != nil {
		return x.Kwargs
	}
	return nil
}

func (x *Task) GetStatus() TaskStatus {
	if x != nil {
		return x.Status
	}
	return TaskStatus_TASK_STATUS_UNSPECIFIED
}

func (x *Task) GetAttempt() int32 {
	if x != nil {
		return x.Attempt
	}
	return 0
}

func (x *Task) GetMaxRetries() int32 {
	if x != nil {
		return x.MaxRetries
	}
	return 0
}

func (x *Task) GetCreatedAt() *timestamppb.Timestamp {
	if x != nil {
		return x.CreatedAt
	}
	return nil
}

func (x *Task) GetUpdatedAt() *timestamppb.Timestamp {
	if x != nil {
		return x.UpdatedAt
	}
	return nil
}

func (x *Task) GetStartedAt() *timestamppb.Timestamp {
	if x != nil {
		return x.StartedAt
	}
	return nil
}

func (x *Task) GetFinishedAt() *timestamppb.Timestamp {
	if x != nil {
		return x.FinishedAt
	}
	return nil
}

func (x *Task) GetEta() *timestamppb.Timestamp {
	if x != nil {
		return x.Eta
	}
	return nil
}

func (x *Task) GetResult() []byte {
	if x != nil {
		return x.Result
	}
	return nil
}

func (x *Task) GetError() *TaskError {
	if x != nil {
		return x.Error
	}
	return nil
}

func (x *Task) GetCancelReason() string {
	if x != nil {
		return x.CancelReason
	}
	return ""
}

func (x *Task) GetWorkerId() string {
	if x != nil {
		return x.WorkerId
	}
	return ""
}

func (x *Task) GetTags() []string {
	if x != nil {
		return x.Tags
	}
	return nil
}

func (x *Task) GetMetadata() map[string]string {
	if x != nil {
		return x.Metadata
	}
	return nil
}

func (x *Task) GetCancelRequested() bool {
	if x != nil {
		return x.CancelRequested
	}
	return false
}

func (x *Task) GetMaxTimeMs() int32 {
	if x != nil {
		return x.MaxTimeMs
	}
	return 0
}

func (x *Task) GetIdempotencyKey() string {
	if x != nil {
		return x.IdempotencyKey
	}
	return ""
}

func (x *Task) GetProgress() []byte {
	if x != nil {
		return x.Progress
	}
	return nil
}

func (x *Task) GetRetentionMs() int32 {
	if x != nil && x.RetentionMs != nil {
		return *x.RetentionMs
	}
	return 0
}

func (x *Task) GetLimitKey() string {
	if x != nil {
		return x.LimitKey
	}
	return ""
}

func (x *Task) GetHistory() []*PastAttempt {
	if x != nil {
		return x.History
	}
	return nil
}

func (x *Task) GetAttemptsBeforeRetry() int32 {
	if x != nil {
		return x.AttemptsBeforeRetry
	}
	return 0
}

func (x *Task) GetTraceContext() *TraceContext {
	if x != nil {
		return x.TraceContext
	}
	return nil
}

// PastAttempt is one attempt of a task that did not succeed.
type PastAttempt struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// Which attempt (1 for the first).
	Attempt int32 `protobuf:"varint,1,opt,name=attempt,proto3" json:"attempt,omitempty"`
	// What the attempt ended the task as: RETRY (it runs again), ERROR or CANCEL.
	Status TaskStatus `protobuf:"varint,2,opt,name=status,proto3,enum=qtasks.broker.v1.TaskStatus" json:"status,omitempty"`
	// Why it failed (absent for a cancel without error).
	Error *TaskError `protobuf:"bytes,3,opt,name=error,proto3" json:"error,omitempty"`
	// Why it was cancelled, for a CANCEL.
	CancelReason string `protobuf:"bytes,4,opt,name=cancel_reason,json=cancelReason,proto3" json:"cancel_reason,omitempty"`
	// When the attempt started.
	StartedAt *timestamppb.Timestamp `protobuf:"bytes,5,opt,name=started_at,json=startedAt,proto3" json:"started_at,omitempty"`
	// When it ended.
	EndedAt *timestamppb.Timestamp `protobuf:"bytes,6,opt,name=ended_at,json=endedAt,proto3" json:"ended_at,omitempty"`
	// The worker that ran it.
	WorkerId      string `protobuf:"bytes,7,opt,name=worker_id,json=workerId,proto3" json:"worker_id,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *PastAttempt) Reset() {
	*x = PastAttempt{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[5]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *PastAttempt) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*PastAttempt) ProtoMessage() {}

func (x *PastAttempt) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[5]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use PastAttempt.ProtoReflect.Descriptor instead.
func (*PastAttempt) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{5}
}

func (x *PastAttempt) GetAttempt() int32 {
	if x != nil {
		return x.Attempt
	}
	return 0
}

func (x *PastAttempt) GetStatus() TaskStatus {
	if x != nil {
		return x.Status
	}
	return TaskStatus_TASK_STATUS_UNSPECIFIED
}

func (x *PastAttempt) GetError() *TaskError {
	if x != nil {
		return x.Error
	}
	return nil
}

func (x *PastAttempt) GetCancelReason() string {
	if x != nil {
		return x.CancelReason
	}
	return ""
}

func (x *PastAttempt) GetStartedAt() *timestamppb.Timestamp {
	if x != nil {
		return x.StartedAt
	}
	return nil
}

func (x *PastAttempt) GetEndedAt() *timestamppb.Timestamp {
	if x != nil {
		return x.EndedAt
	}
	return nil
}

func (x *PastAttempt) GetWorkerId() string {
	if x != nil {
		return x.WorkerId
	}
	return ""
}

// EnqueueRequest is a batch of tasks to store atomically.
type EnqueueRequest struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The tasks, 1 to 10000 of them (the limit is configurable on the broker).
	Tasks         []*TaskSpec `protobuf:"bytes,1,rep,name=tasks,proto3" json:"tasks,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *EnqueueRequest) Reset() {
	*x = EnqueueRequest{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[6]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *EnqueueRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*EnqueueRequest) ProtoMessage() {}

func (x *EnqueueRequest) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[6]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use EnqueueRequest.ProtoReflect.Descriptor instead.
func (*EnqueueRequest) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{6}
}

func (x *EnqueueRequest) GetTasks() []*TaskSpec {
	if x != nil {
		return x.Tasks
	}
	return nil
}

// EnqueueResponse answers an EnqueueRequest.
type EnqueueResponse struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The stored tasks, in request order (for a repeated idempotency key: the first task).
	Tasks         []*Task `protobuf:"bytes,1,rep,name=tasks,proto3" json:"tasks,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *EnqueueResponse) Reset() {
	*x = EnqueueResponse{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[7]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *EnqueueResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*EnqueueResponse) ProtoMessage() {}

func (x *EnqueueResponse) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[7]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use EnqueueResponse.ProtoReflect.Descriptor instead.
func (*EnqueueResponse) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{7}
}

func (x *EnqueueResponse) GetTasks() []*Task {
	if x != nil {
		return x.Tasks
	}
	return nil
}

// GetTaskRequest names the task to read.
type GetTaskRequest struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The task's id.
	TaskId        string `protobuf:"bytes,1,opt,name=task_id,json=taskId,proto3" json:"task_id,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *GetTaskRequest) Reset() {
	*x = GetTaskRequest{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[8]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *GetTaskRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*GetTaskRequest) ProtoMessage() {}

func (x *GetTaskRequest) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[8]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use GetTaskRequest.ProtoReflect.Descriptor instead.
func (*GetTaskRequest) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{8}
}

func (x *GetTaskRequest) GetTaskId() string {
	if x != nil {
		return x.TaskId
	}
	return ""
}

// GetTaskResponse answers a GetTaskRequest.
type GetTaskResponse struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The task's current state.
	Task          *Task `protobuf:"bytes,1,opt,name=task,proto3" json:"task,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *GetTaskResponse) Reset() {
	*x = GetTaskResponse{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[9]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *GetTaskResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*GetTaskResponse) ProtoMessage() {}

func (x *GetTaskResponse) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[9]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use GetTaskResponse.ProtoReflect.Descriptor instead.
func (*GetTaskResponse) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{9}
}

func (x *GetTaskResponse) GetTask() *Task {
	if x != nil {
		return x.Task
	}
	return nil
}

// CancelTaskRequest names the task to cancel.
type CancelTaskRequest struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The task's id.
	TaskId string `protobuf:"bytes,1,opt,name=task_id,json=taskId,proto3" json:"task_id,omitempty"`
	// Why; kept in `cancel_reason`. Up to 4096 UTF-8 bytes.
	Reason        string `protobuf:"bytes,2,opt,name=reason,proto3" json:"reason,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *CancelTaskRequest) Reset() {
	*x = CancelTaskRequest{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[10]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *CancelTaskRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*CancelTaskRequest) ProtoMessage() {}

func (x *CancelTaskRequest) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[10]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use CancelTaskRequest.ProtoReflect.Descriptor instead.
func (*CancelTaskRequest) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{10}
}

func (x *CancelTaskRequest) GetTaskId() string {
	if x != nil {
		return x.TaskId
	}
	return ""
}

func (x *CancelTaskRequest) GetReason() string {
	if x != nil {
		return x.Reason
	}
	return ""
}

// CancelTaskResponse answers a CancelTaskRequest.
type CancelTaskResponse struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The task after the cancel: CANCEL, or still PROCESS with `cancel_requested` set.
	Task          *Task `protobuf:"bytes,1,opt,name=task,proto3" json:"task,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *CancelTaskResponse) Reset() {
	*x = CancelTaskResponse{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[11]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *CancelTaskResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*CancelTaskResponse) ProtoMessage() {}

func (x *CancelTaskResponse) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[11]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use CancelTaskResponse.ProtoReflect.Descriptor instead.
func (*CancelTaskResponse) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{11}
}

func (x *CancelTaskResponse) GetTask() *Task {
	if x != nil {
		return x.Task
	}
	return nil
}

// ListTasksRequest filters and pages through tasks.
type ListTasksRequest struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// Only tasks of this queue; empty means every queue.
	Queue string `protobuf:"bytes,1,opt,name=queue,proto3" json:"queue,omitempty"`
	// Only tasks in this status; TASK_STATUS_UNSPECIFIED means every status.
	Status TaskStatus `protobuf:"varint,2,opt,name=status,proto3,enum=qtasks.broker.v1.TaskStatus" json:"status,omitempty"`
	// Maximum tasks in one page, 1–1000; 0 means 100.
	PageSize int32 `protobuf:"varint,3,opt,name=page_size,json=pageSize,proto3" json:"page_size,omitempty"`
	// `next_page_token` of the previous page, with the same filter; empty for the first page.
	PageToken string `protobuf:"bytes,4,opt,name=page_token,json=pageToken,proto3" json:"page_token,omitempty"`
	// Only tasks that ended at or after this time (with a final `status` filter: SUCCESS, ERROR or
	// CANCEL); they come in the order they ended. Unset: no bound.
	FinishedAfter *timestamppb.Timestamp `protobuf:"bytes,5,opt,name=finished_after,json=finishedAfter,proto3" json:"finished_after,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ListTasksRequest) Reset() {
	*x = ListTasksRequest{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[12]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ListTasksRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ListTasksRequest) ProtoMessage() {}

func (x *ListTasksRequest) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[12]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ListTasksRequest.ProtoReflect.Descriptor instead.
func (*ListTasksRequest) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{12}
}

func (x *ListTasksRequest) GetQueue() string {
	if x != nil {
		return x.Queue
	}
	return ""
}

func (x *ListTasksRequest) GetStatus() TaskStatus {
	if x != nil {
		return x.Status
	}
	return TaskStatus_TASK_STATUS_UNSPECIFIED
}

func (x *ListTasksRequest) GetPageSize() int32 {
	if x != nil {
		return x.PageSize
	}
	return 0
}

func (x *ListTasksRequest) GetPageToken() string {
	if x != nil {
		return x.PageToken
	}
	return ""
}

func (x *ListTasksRequest) GetFinishedAfter() *timestamppb.Timestamp {
	if x != nil {
		return x.FinishedAfter
	}
	return nil
}

// ListTasksResponse is one page of tasks.
type ListTasksResponse struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The tasks of this page.
	Tasks []*Task `protobuf:"bytes,1,rep,name=tasks,proto3" json:"tasks,omitempty"`
	// Token of the next page; empty when this page is the last.
	NextPageToken string `protobuf:"bytes,2,opt,name=next_page_token,json=nextPageToken,proto3" json:"next_page_token,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ListTasksResponse) Reset() {
	*x = ListTasksResponse{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[13]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ListTasksResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ListTasksResponse) ProtoMessage() {}

func (x *ListTasksResponse) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[13]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ListTasksResponse.ProtoReflect.Descriptor instead.
func (*ListTasksResponse) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{13}
}

func (x *ListTasksResponse) GetTasks() []*Task {
	if x != nil {
		return x.Tasks
	}
	return nil
}

func (x *ListTasksResponse) GetNextPageToken() string {
	if x != nil {
		return x.NextPageToken
	}
	return ""
}

// WatchResultRequest names the task to watch.
type WatchResultRequest struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The task's id.
	TaskId        string `protobuf:"bytes,1,opt,name=task_id,json=taskId,proto3" json:"task_id,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *WatchResultRequest) Reset() {
	*x = WatchResultRequest{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[14]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *WatchResultRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*WatchResultRequest) ProtoMessage() {}

func (x *WatchResultRequest) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[14]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use WatchResultRequest.ProtoReflect.Descriptor instead.
func (*WatchResultRequest) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{14}
}

func (x *WatchResultRequest) GetTaskId() string {
	if x != nil {
		return x.TaskId
	}
	return ""
}

// WatchResultResponse is one state of the watched task.
type WatchResultResponse struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The task as of this transition.
	Task          *Task `protobuf:"bytes,1,opt,name=task,proto3" json:"task,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *WatchResultResponse) Reset() {
	*x = WatchResultResponse{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[15]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *WatchResultResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*WatchResultResponse) ProtoMessage() {}

func (x *WatchResultResponse) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[15]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use WatchResultResponse.ProtoReflect.Descriptor instead.
func (*WatchResultResponse) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{15}
}

func (x *WatchResultResponse) GetTask() *Task {
	if x != nil {
		return x.Task
	}
	return nil
}

// LeaseRequest asks for ready tasks.
type LeaseRequest struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// Who is asking, kept in the task's `worker_id`. Required, 1–255 UTF-8 bytes.
	WorkerId string `protobuf:"bytes,1,opt,name=worker_id,json=workerId,proto3" json:"worker_id,omitempty"`
	// Queues to lease from, 1–100 of them, each a valid queue name.
	Queues []string `protobuf:"bytes,2,rep,name=queues,proto3" json:"queues,omitempty"`
	// Maximum tasks to lease, 1–1000; 0 means 1.
	MaxTasks int32 `protobuf:"varint,3,opt,name=max_tasks,json=maxTasks,proto3" json:"max_tasks,omitempty"`
	// How long to wait for a ready task when none is, in milliseconds, 0–300000; 0 returns at once.
	WaitMs int32 `protobuf:"varint,4,opt,name=wait_ms,json=waitMs,proto3" json:"wait_ms,omitempty"`
	// Lease duration in milliseconds, 1000–3600000; 0 means 30000. Heartbeat before it runs out.
	LeaseMs       int32 `protobuf:"varint,5,opt,name=lease_ms,json=leaseMs,proto3" json:"lease_ms,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *LeaseRequest) Reset() {
	*x = LeaseRequest{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[16]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *LeaseRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*LeaseRequest) ProtoMessage() {}

func (x *LeaseRequest) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[16]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use LeaseRequest.ProtoReflect.Descriptor instead.
func (*LeaseRequest) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{16}
}

func (x *LeaseRequest) GetWorkerId() string {
	if x != nil {
		return x.WorkerId
	}
	return ""
}

func (x *LeaseRequest) GetQueues() []string {
	if x != nil {
		return x.Queues
	}
	return nil
}

func (x *LeaseRequest) GetMaxTasks() int32 {
	if x != nil {
		return x.MaxTasks
	}
	return 0
}

func (x *LeaseRequest) GetWaitMs() int32 {
	if x != nil {
		return x.WaitMs
	}
	return 0
}

func (x *LeaseRequest) GetLeaseMs() int32 {
	if x != nil {
		return x.LeaseMs
	}
	return 0
}

// LeaseResponse carries the leased tasks.
type LeaseResponse struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// Leased tasks, in priority-then-FIFO order; may be empty.
	Tasks         []*LeasedTask `protobuf:"bytes,1,rep,name=tasks,proto3" json:"tasks,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *LeaseResponse) Reset() {
	*x = LeaseResponse{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[17]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *LeaseResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*LeaseResponse) ProtoMessage() {}

func (x *LeaseResponse) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[17]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use LeaseResponse.ProtoReflect.Descriptor instead.
func (*LeaseResponse) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{17}
}

func (x *LeaseResponse) GetTasks() []*LeasedTask {
	if x != nil {
		return x.Tasks
	}
	return nil
}

// LeasedTask is a task handed to a worker, with the lease that fences its outcome.
type LeasedTask struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The task, now PROCESS.
	Task *Task `protobuf:"bytes,1,opt,name=task,proto3" json:"task,omitempty"`
	// Opaque token to present in Heartbeat and Complete; valid until `lease_deadline`.
	LeaseToken string `protobuf:"bytes,2,opt,name=lease_token,json=leaseToken,proto3" json:"lease_token,omitempty"`
	// When the lease runs out unless extended by a Heartbeat.
	LeaseDeadline *timestamppb.Timestamp `protobuf:"bytes,3,opt,name=lease_deadline,json=leaseDeadline,proto3" json:"lease_deadline,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *LeasedTask) Reset() {
	*x = LeasedTask{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[18]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *LeasedTask) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*LeasedTask) ProtoMessage() {}

func (x *LeasedTask) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[18]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use LeasedTask.ProtoReflect.Descriptor instead.
func (*LeasedTask) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{18}
}

func (x *LeasedTask) GetTask() *Task {
	if x != nil {
		return x.Task
	}
	return nil
}

func (x *LeasedTask) GetLeaseToken() string {
	if x != nil {
		return x.LeaseToken
	}
	return ""
}

func (x *LeasedTask) GetLeaseDeadline() *timestamppb.Timestamp {
	if x != nil {
		return x.LeaseDeadline
	}
	return nil
}

// HeartbeatItem names one lease to keep alive.
type HeartbeatItem struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The task's id.
	TaskId string `protobuf:"bytes,1,opt,name=task_id,json=taskId,proto3" json:"task_id,omitempty"`
	// The token from its LeasedTask.
	LeaseToken    string `protobuf:"bytes,2,opt,name=lease_token,json=leaseToken,proto3" json:"lease_token,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *HeartbeatItem) Reset() {
	*x = HeartbeatItem{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[19]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *HeartbeatItem) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*HeartbeatItem) ProtoMessage() {}

func (x *HeartbeatItem) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[19]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use HeartbeatItem.ProtoReflect.Descriptor instead.
func (*HeartbeatItem) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{19}
}

func (x *HeartbeatItem) GetTaskId() string {
	if x != nil {
		return x.TaskId
	}
	return ""
}

func (x *HeartbeatItem) GetLeaseToken() string {
	if x != nil {
		return x.LeaseToken
	}
	return ""
}

// HeartbeatRequest extends a batch of leases.
type HeartbeatRequest struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// Leases to extend, 1–10000 of them.
	Items []*HeartbeatItem `protobuf:"bytes,1,rep,name=items,proto3" json:"items,omitempty"`
	// New lease length from now, in milliseconds, 1000–3600000; 0 means the length of the original
	// lease. A lease never extends past the task's `max_time_ms`.
	ExtendMs      int32 `protobuf:"varint,2,opt,name=extend_ms,json=extendMs,proto3" json:"extend_ms,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *HeartbeatRequest) Reset() {
	*x = HeartbeatRequest{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[20]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *HeartbeatRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*HeartbeatRequest) ProtoMessage() {}

func (x *HeartbeatRequest) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[20]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use HeartbeatRequest.ProtoReflect.Descriptor instead.
func (*HeartbeatRequest) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{20}
}

func (x *HeartbeatRequest) GetItems() []*HeartbeatItem {
	if x != nil {
		return x.Items
	}
	return nil
}

func (x *HeartbeatRequest) GetExtendMs() int32 {
	if x != nil {
		return x.ExtendMs
	}
	return 0
}

// HeartbeatResult answers one HeartbeatItem.
type HeartbeatResult struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The task's id.
	TaskId string `protobuf:"bytes,1,opt,name=task_id,json=taskId,proto3" json:"task_id,omitempty"`
	// True if the lease was valid and is extended; false if it is stale, expired or unknown.
	Ok bool `protobuf:"varint,2,opt,name=ok,proto3" json:"ok,omitempty"`
	// True if the task was asked to cancel: stop it and report `Cancelled`.
	CancelRequested bool `protobuf:"varint,3,opt,name=cancel_requested,json=cancelRequested,proto3" json:"cancel_requested,omitempty"`
	// The new lease deadline (when `ok`).
	LeaseDeadline *timestamppb.Timestamp `protobuf:"bytes,4,opt,name=lease_deadline,json=leaseDeadline,proto3" json:"lease_deadline,omitempty"`
	// Why the item was refused (when not `ok`).
	Reason        string `protobuf:"bytes,5,opt,name=reason,proto3" json:"reason,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *HeartbeatResult) Reset() {
	*x = HeartbeatResult{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[21]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *HeartbeatResult) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*HeartbeatResult) ProtoMessage() {}

func (x *HeartbeatResult) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[21]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use HeartbeatResult.ProtoReflect.Descriptor instead.
func (*HeartbeatResult) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{21}
}

func (x *HeartbeatResult) GetTaskId() string {
	if x != nil {
		return x.TaskId
	}
	return ""
}

func (x *HeartbeatResult) GetOk() bool {
	if x != nil {
		return x.Ok
	}
	return false
}

func (x *HeartbeatResult) GetCancelRequested() bool {
	if x != nil {
		return x.CancelRequested
	}
	return false
}

func (x *HeartbeatResult) GetLeaseDeadline() *timestamppb.Timestamp {
	if x != nil {
		return x.LeaseDeadline
	}
	return nil
}

func (x *HeartbeatResult) GetReason() string {
	if x != nil {
		return x.Reason
	}
	return ""
}

// HeartbeatResponse answers a HeartbeatRequest, one result per item in request order.
type HeartbeatResponse struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// One result per item, in request order.
	Results       []*HeartbeatResult `protobuf:"bytes,1,rep,name=results,proto3" json:"results,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *HeartbeatResponse) Reset() {
	*x = HeartbeatResponse{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[22]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *HeartbeatResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*HeartbeatResponse) ProtoMessage() {}

func (x *HeartbeatResponse) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[22]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use HeartbeatResponse.ProtoReflect.Descriptor instead.
func (*HeartbeatResponse) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{22}
}

func (x *HeartbeatResponse) GetResults() []*HeartbeatResult {
	if x != nil {
		return x.Results
	}
	return nil
}

// Success is a task's successful outcome.
type Success struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The result: UTF-8 JSON (any value), nested at most `--max-json-depth` deep. Empty means `null`.
	Result        []byte `protobuf:"bytes,1,opt,name=result,proto3" json:"result,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *Success) Reset() {
	*x = Success{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[23]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *Success) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*Success) ProtoMessage() {}

func (x *Success) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[23]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use Success.ProtoReflect.Descriptor instead.
func (*Success) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{23}
}

func (x *Success) GetResult() []byte {
	if x != nil {
		return x.Result
	}
	return nil
}

// Failure is a task's failed attempt.
type Failure struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// What went wrong. `error.type` is required.
	Error *TaskError `protobuf:"bytes,1,opt,name=error,proto3" json:"error,omitempty"`
	// True if another attempt may help; the broker retries only while retries are left.
	Retryable     bool `protobuf:"varint,2,opt,name=retryable,proto3" json:"retryable,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *Failure) Reset() {
	*x = Failure{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[24]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *Failure) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*Failure) ProtoMessage() {}

func (x *Failure) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[24]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use Failure.ProtoReflect.Descriptor instead.
func (*Failure) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{24}
}

func (x *Failure) GetError() *TaskError {
	if x != nil {
		return x.Error
	}
	return nil
}

func (x *Failure) GetRetryable() bool {
	if x != nil {
		return x.Retryable
	}
	return false
}

// Cancelled is a task that stopped because it was cancelled.
type Cancelled struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// Why; kept in `cancel_reason` (the reason given to CancelTask when empty).
	Reason        string `protobuf:"bytes,1,opt,name=reason,proto3" json:"reason,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *Cancelled) Reset() {
	*x = Cancelled{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[25]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *Cancelled) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*Cancelled) ProtoMessage() {}

func (x *Cancelled) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[25]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use Cancelled.ProtoReflect.Descriptor instead.
func (*Cancelled) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{25}
}

func (x *Cancelled) GetReason() string {
	if x != nil {
		return x.Reason
	}
	return ""
}

// Released gives a leased task back unfinished, e.g. because its worker is shutting down. The task
// is ready again at once, and the attempt does not count: `attempt` goes back down by one.
type Released struct {
	state         protoimpl.MessageState `protogen:"open.v1"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *Released) Reset() {
	*x = Released{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[26]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *Released) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*Released) ProtoMessage() {}

func (x *Released) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[26]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use Released.ProtoReflect.Descriptor instead.
func (*Released) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{26}
}

// Completion reports the outcome of one leased task.
type Completion struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The task's id.
	TaskId string `protobuf:"bytes,1,opt,name=task_id,json=taskId,proto3" json:"task_id,omitempty"`
	// The token from its LeasedTask.
	LeaseToken string `protobuf:"bytes,2,opt,name=lease_token,json=leaseToken,proto3" json:"lease_token,omitempty"`
	// The outcome; required.
	//
	// Types that are valid to be assigned to Outcome:
	//
	//	*Completion_Success
	//	*Completion_Failure
	//	*Completion_Cancelled
	//	*Completion_Released
	Outcome       isCompletion_Outcome `protobuf_oneof:"outcome"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *Completion) Reset() {
	*x = Completion{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[27]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *Completion) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*Completion) ProtoMessage() {}

func (x *Completion) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[27]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use Completion.ProtoReflect.Descriptor instead.
func (*Completion) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{27}
}

func (x *Completion) GetTaskId() string {
	if x != nil {
		return x.TaskId
	}
	return ""
}

func (x *Completion) GetLeaseToken() string {
	if x != nil {
		return x.LeaseToken
	}
	return ""
}

func (x *Completion) GetOutcome() isCompletion_Outcome {
	if x != nil {
		return x.Outcome
	}
	return nil
}

func (x *Completion) GetSuccess() *Success {
	if x != nil {
		if x, ok := x.Outcome.(*Completion_Success); ok {
			return x.Success
		}
	}
	return nil
}

func (x *Completion) GetFailure() *Failure {
	if x != nil {
		if x, ok := x.Outcome.(*Completion_Failure); ok {
			return x.Failure
		}
	}
	return nil
}

func (x *Completion) GetCancelled() *Cancelled {
	if x != nil {
		if x, ok := x.Outcome.(*Completion_Cancelled); ok {
			return x.Cancelled
		}
	}
	return nil
}

func (x *Completion) GetReleased() *Released {
	if x != nil {
		if x, ok := x.Outcome.(*Completion_Released); ok {
			return x.Released
		}
	}
	return nil
}

type isCompletion_Outcome interface {
	isCompletion_Outcome()
}

type Completion_Success struct {
	// The task returned a result.
	Success *Success `protobuf:"bytes,3,opt,name=success,proto3,oneof"`
}

type Completion_Failure struct {
	// The attempt failed.
	Failure *Failure `protobuf:"bytes,4,opt,name=failure,proto3,oneof"`
}

type Completion_Cancelled struct {
	// The task stopped on a cancel request.
	Cancelled *Cancelled `protobuf:"bytes,5,opt,name=cancelled,proto3,oneof"`
}

type Completion_Released struct {
	// The worker gives the task back without running it to the end.
	Released *Released `protobuf:"bytes,6,opt,name=released,proto3,oneof"`
}

func (*Completion_Success) isCompletion_Outcome() {}

func (*Completion_Failure) isCompletion_Outcome() {}

func (*Completion_Cancelled) isCompletion_Outcome() {}

func (*Completion_Released) isCompletion_Outcome() {}

// CompleteRequest reports a batch of outcomes.
type CompleteRequest struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// Outcomes, 1–10000 of them.
	Completions []*Completion `protobuf:"bytes,1,rep,name=completions,proto3" json:"completions,omitempty"`
	// Leave `task` out of every result. For workers that act only on `accepted` and `reason`: the
	// reply is then a few bytes per item instead of a whole task (args and result included), which
	// saves encoding and decoding on both sides.
	OmitTasks     bool `protobuf:"varint,2,opt,name=omit_tasks,json=omitTasks,proto3" json:"omit_tasks,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *CompleteRequest) Reset() {
	*x = CompleteRequest{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[28]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *CompleteRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*CompleteRequest) ProtoMessage() {}

func (x *CompleteRequest) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[28]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use CompleteRequest.ProtoReflect.Descriptor instead.
func (*CompleteRequest) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{28}
}

func (x *CompleteRequest) GetCompletions() []*Completion {
	if x != nil {
		return x.Completions
	}
	return nil
}

func (x *CompleteRequest) GetOmitTasks() bool {
	if x != nil {
		return x.OmitTasks
	}
	return false
}

// CompletionResult answers one Completion.
type CompletionResult struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The task's id.
	TaskId string `protobuf:"bytes,1,opt,name=task_id,json=taskId,proto3" json:"task_id,omitempty"`
	// True if the outcome was recorded; false if the lease was stale, expired or unknown.
	Accepted bool `protobuf:"varint,2,opt,name=accepted,proto3" json:"accepted,omitempty"`
	// The task after the outcome, when accepted. A refused item never carries a task: the caller
	// does not hold it (a worker token may not read tasks it does not hold). Also left out when the
	// request set `omit_tasks`, or when the reply would grow past the broker's message size limit
	// (large payloads in a large batch): read it with GetTask if needed.
	Task *Task `protobuf:"bytes,3,opt,name=task,proto3" json:"task,omitempty"`
	// Why the item was refused (when not accepted).
	Reason        string `protobuf:"bytes,4,opt,name=reason,proto3" json:"reason,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *CompletionResult) Reset() {
	*x = CompletionResult{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[29]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *CompletionResult) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*CompletionResult) ProtoMessage() {}

func (x *CompletionResult) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[29]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use CompletionResult.ProtoReflect.Descriptor instead.
func (*CompletionResult) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{29}
}

func (x *CompletionResult) GetTaskId() string {
	if x != nil {
		return x.TaskId
	}
	return ""
}

func (x *CompletionResult) GetAccepted() bool {
	if x != nil {
		return x.Accepted
	}
	return false
}

func (x *CompletionResult) GetTask() *Task {
	if x != nil {
		return x.Task
	}
	return nil
}

func (x *CompletionResult) GetReason() string {
	if x != nil {
		return x.Reason
	}
	return ""
}

// CompleteResponse answers a CompleteRequest, one result per completion in request order.
type CompleteResponse struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// One result per completion, in request order.
	Results       []*CompletionResult `protobuf:"bytes,1,rep,name=results,proto3" json:"results,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *CompleteResponse) Reset() {
	*x = CompleteResponse{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[30]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *CompleteResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*CompleteResponse) ProtoMessage() {}

func (x *CompleteResponse) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[30]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use CompleteResponse.ProtoReflect.Descriptor instead.
func (*CompleteResponse) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{30}
}

func (x *CompleteResponse) GetResults() []*CompletionResult {
	if x != nil {
		return x.Results
	}
	return nil
}

// ProgressItem is one progress report of a leased task.
type ProgressItem struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The task's id.
	TaskId string `protobuf:"bytes,1,opt,name=task_id,json=taskId,proto3" json:"task_id,omitempty"`
	// The token from its LeasedTask.
	LeaseToken string `protobuf:"bytes,2,opt,name=lease_token,json=leaseToken,proto3" json:"lease_token,omitempty"`
	// The progress: UTF-8 JSON (any value), nested at most `--max-json-depth` deep. Required.
	Progress      []byte `protobuf:"bytes,3,opt,name=progress,proto3" json:"progress,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ProgressItem) Reset() {
	*x = ProgressItem{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[31]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ProgressItem) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ProgressItem) ProtoMessage() {}

func (x *ProgressItem) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[31]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ProgressItem.ProtoReflect.Descriptor instead.
func (*ProgressItem) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{31}
}

func (x *ProgressItem) GetTaskId() string {
	if x != nil {
		return x.TaskId
	}
	return ""
}

func (x *ProgressItem) GetLeaseToken() string {
	if x != nil {
		return x.LeaseToken
	}
	return ""
}

func (x *ProgressItem) GetProgress() []byte {
	if x != nil {
		return x.Progress
	}
	return nil
}

// ReportProgressRequest publishes a batch of progress reports, applied in order.
type ReportProgressRequest struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// Reports, 1–10000 of them; several may name the same task.
	Items         []*ProgressItem `protobuf:"bytes,1,rep,name=items,proto3" json:"items,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ReportProgressRequest) Reset() {
	*x = ReportProgressRequest{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[32]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ReportProgressRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ReportProgressRequest) ProtoMessage() {}

func (x *ReportProgressRequest) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[32]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ReportProgressRequest.ProtoReflect.Descriptor instead.
func (*ReportProgressRequest) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{32}
}

func (x *ReportProgressRequest) GetItems() []*ProgressItem {
	if x != nil {
		return x.Items
	}
	return nil
}

// ProgressResult answers one ProgressItem.
type ProgressResult struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The task's id.
	TaskId string `protobuf:"bytes,1,opt,name=task_id,json=taskId,proto3" json:"task_id,omitempty"`
	// True if the progress was recorded; false if the lease was stale, expired or unknown.
	Ok bool `protobuf:"varint,2,opt,name=ok,proto3" json:"ok,omitempty"`
	// Why the item was refused (when not `ok`).
	Reason        string `protobuf:"bytes,3,opt,name=reason,proto3" json:"reason,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ProgressResult) Reset() {
	*x = ProgressResult{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[33]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ProgressResult) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ProgressResult) ProtoMessage() {}

func (x *ProgressResult) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[33]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ProgressResult.ProtoReflect.Descriptor instead.
func (*ProgressResult) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{33}
}

func (x *ProgressResult) GetTaskId() string {
	if x != nil {
		return x.TaskId
	}
	return ""
}

func (x *ProgressResult) GetOk() bool {
	if x != nil {
		return x.Ok
	}
	return false
}

func (x *ProgressResult) GetReason() string {
	if x != nil {
		return x.Reason
	}
	return ""
}

// ReportProgressResponse answers a ReportProgressRequest, one result per item in request order.
type ReportProgressResponse struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// One result per item, in request order.
	Results       []*ProgressResult `protobuf:"bytes,1,rep,name=results,proto3" json:"results,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ReportProgressResponse) Reset() {
	*x = ReportProgressResponse{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[34]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ReportProgressResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ReportProgressResponse) ProtoMessage() {}

func (x *ReportProgressResponse) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[34]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ReportProgressResponse.ProtoReflect.Descriptor instead.
func (*ReportProgressResponse) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{34}
}

func (x *ReportProgressResponse) GetResults() []*ProgressResult {
	if x != nil {
		return x.Results
	}
	return nil
}

// WorkStart opens a Work session.
type WorkStart struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// Who the worker is (shown on its tasks), 1–255 bytes. Required.
	WorkerId string `protobuf:"bytes,1,opt,name=worker_id,json=workerId,proto3" json:"worker_id,omitempty"`
	// The queues to take tasks from, 1–100 of them. Required.
	Queues []string `protobuf:"bytes,2,rep,name=queues,proto3" json:"queues,omitempty"`
	// Lease length of each task pushed, 1000–86400000 ms; 0 means the default (30 s).
	LeaseMs       int32 `protobuf:"varint,3,opt,name=lease_ms,json=leaseMs,proto3" json:"lease_ms,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *WorkStart) Reset() {
	*x = WorkStart{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[35]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *WorkStart) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*WorkStart) ProtoMessage() {}

func (x *WorkStart) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[35]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use WorkStart.ProtoReflect.Descriptor instead.
func (*WorkStart) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{35}
}

func (x *WorkStart) GetWorkerId() string {
	if x != nil {
		return x.WorkerId
	}
	return ""
}

func (x *WorkStart) GetQueues() []string {
	if x != nil {
		return x.Queues
	}
	return nil
}

func (x *WorkStart) GetLeaseMs() int32 {
	if x != nil {
		return x.LeaseMs
	}
	return 0
}

// WorkRequest is one message from a worker on its Work stream.
type WorkRequest struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// What the message carries; at most one of these (none: a pure credit grant).
	//
	// Types that are valid to be assigned to Kind:
	//
	//	*WorkRequest_Start
	//	*WorkRequest_Heartbeat
	//	*WorkRequest_Progress
	//	*WorkRequest_Complete
	Kind isWorkRequest_Kind `protobuf_oneof:"kind"`
	// More tasks the worker can take, added to what it granted before (0–10000; the credit granted
	// and not yet used may not pass 10000).
	Credit int32 `protobuf:"varint,5,opt,name=credit,proto3" json:"credit,omitempty"`
	// The worker's own number for this message, echoed in its answer so that answers can be matched
	// to requests (they may come in another order: an outcome waits for its fsync, a heartbeat
	// does not).
	RequestId uint32 `protobuf:"varint,6,opt,name=request_id,json=requestId,proto3" json:"request_id,omitempty"`
	// An absolute alternative to `credit`, which can also shrink: the worker takes tasks until it
	// has been pushed this many on this stream in all, counted from the stream's start and wrapping
	// at 2^32. A worker that has received R tasks and wants W more sends R + W; the broker, which
	// may have pushed some of them already, pushes at most W less those in flight, and none while
	// the limit is at or below what it pushed. Set, it replaces the credit left, as if the worker had
	// taken back what it no longer wants (W may be 0); `credit` in the same message is added after.
	// The credit left may not pass 10000. Unset: the credit is only what `credit` grants. A broker
	// that takes this field lists `credit-limit` in the Work stream's response header
	// `qtasks-work-features` (comma-separated); one that does not ignores it.
	CreditLimit   *uint32 `protobuf:"varint,7,opt,name=credit_limit,json=creditLimit,proto3,oneof" json:"credit_limit,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *WorkRequest) Reset() {
	*x = WorkRequest{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[36]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *WorkRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*WorkRequest) ProtoMessage() {}

func (x *WorkRequest) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[36]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use WorkRequest.ProtoReflect.Descriptor instead.
func (*WorkRequest) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{36}
}

func (x *WorkRequest) GetKind() isWorkRequest_Kind {
	if x != nil {
		return x.Kind
	}
	return nil
}

func (x *WorkRequest) GetStart() *WorkStart {
	if x != nil {
		if x, ok := x.Kind.(*WorkRequest_Start); ok {
			return x.Start
		}
	}
	return nil
}

func (x *WorkRequest) GetHeartbeat() *HeartbeatRequest {
	if x != nil {
		if x, ok := x.Kind.(*WorkRequest_Heartbeat); ok {
			return x.Heartbeat
		}
	}
	return nil
}

func (x *WorkRequest) GetProgress() *ReportProgressRequest {
	if x != nil {
		if x, ok := x.Kind.(*WorkRequest_Progress); ok {
			return x.Progress
		}
	}
	return nil
}

func (x *WorkRequest) GetComplete() *CompleteRequest {
	if x != nil {
		if x, ok := x.Kind.(*WorkRequest_Complete); ok {
			return x.Complete
		}
	}
	return nil
}

func (x *WorkRequest) GetCredit() int32 {
	if x != nil {
		return x.Credit
	}
	return 0
}

func (x *WorkRequest) GetRequestId() uint32 {
	if x != nil {
		return x.RequestId
	}
	return 0
}

func (x *WorkRequest) GetCreditLimit() uint32 {
	if x != nil && x.CreditLimit != nil {
		return *x.CreditLimit
	}
	return 0
}

type isWorkRequest_Kind interface {
	isWorkRequest_Kind()
}

type WorkRequest_Start struct {
	// The first message of the stream, and only the first.
	Start *WorkStart `protobuf:"bytes,1,opt,name=start,proto3,oneof"`
}

type WorkRequest_Heartbeat struct {
	// Keep these leases alive (see Heartbeat); answered with `heartbeat`.
	Heartbeat *HeartbeatRequest `protobuf:"bytes,2,opt,name=heartbeat,proto3,oneof"`
}

type WorkRequest_Progress struct {
	// Progress of running tasks (see ReportProgress); answered with `progress`.
	Progress *ReportProgressRequest `protobuf:"bytes,3,opt,name=progress,proto3,oneof"`
}

type WorkRequest_Complete struct {
	// Outcomes of leased tasks (see Complete); answered with `complete` once durable.
	Complete *CompleteRequest `protobuf:"bytes,4,opt,name=complete,proto3,oneof"`
}

func (*WorkRequest_Start) isWorkRequest_Kind() {}

func (*WorkRequest_Heartbeat) isWorkRequest_Kind() {}

func (*WorkRequest_Progress) isWorkRequest_Kind() {}

func (*WorkRequest_Complete) isWorkRequest_Kind() {}

// CancelRequests tells a worker that tasks it holds were asked to cancel.
type CancelRequests struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The tasks asked to cancel.
	Tasks         []*CancelRequest `protobuf:"bytes,1,rep,name=tasks,proto3" json:"tasks,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *CancelRequests) Reset() {
	*x = CancelRequests{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[37]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *CancelRequests) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*CancelRequests) ProtoMessage() {}

func (x *CancelRequests) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[37]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use CancelRequests.ProtoReflect.Descriptor instead.
func (*CancelRequests) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{37}
}

func (x *CancelRequests) GetTasks() []*CancelRequest {
	if x != nil {
		return x.Tasks
	}
	return nil
}

// CancelRequest is one task asked to cancel.
type CancelRequest struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The task's id.
	TaskId string `protobuf:"bytes,1,opt,name=task_id,json=taskId,proto3" json:"task_id,omitempty"`
	// Why, as given to CancelTask.
	Reason        string `protobuf:"bytes,2,opt,name=reason,proto3" json:"reason,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *CancelRequest) Reset() {
	*x = CancelRequest{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[38]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *CancelRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*CancelRequest) ProtoMessage() {}

func (x *CancelRequest) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[38]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use CancelRequest.ProtoReflect.Descriptor instead.
func (*CancelRequest) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{38}
}

func (x *CancelRequest) GetTaskId() string {
	if x != nil {
		return x.TaskId
	}
	return ""
}

func (x *CancelRequest) GetReason() string {
	if x != nil {
		return x.Reason
	}
	return ""
}

// WorkResponse is one message from the broker on a Work stream.
type WorkResponse struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// What the message carries.
	//
	// Types that are valid to be assigned to Kind:
	//
	//	*WorkResponse_Tasks
	//	*WorkResponse_Heartbeat
	//	*WorkResponse_Progress
	//	*WorkResponse_Complete
	//	*WorkResponse_Cancel
	Kind isWorkResponse_Kind `protobuf_oneof:"kind"`
	// The `request_id` of the request answered; 0 for what the broker pushes on its own.
	RequestId     uint32 `protobuf:"varint,6,opt,name=request_id,json=requestId,proto3" json:"request_id,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *WorkResponse) Reset() {
	*x = WorkResponse{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[39]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *WorkResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*WorkResponse) ProtoMessage() {}

func (x *WorkResponse) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[39]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use WorkResponse.ProtoReflect.Descriptor instead.
func (*WorkResponse) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{39}
}

func (x *WorkResponse) GetKind() isWorkResponse_Kind {
	if x != nil {
		return x.Kind
	}
	return nil
}

func (x *WorkResponse) GetTasks() *LeaseResponse {
	if x != nil {
		if x, ok := x.Kind.(*WorkResponse_Tasks); ok {
			return x.Tasks
		}
	}
	return nil
}

func (x *WorkResponse) GetHeartbeat() *HeartbeatResponse {
	if x != nil {
		if x, ok := x.Kind.(*WorkResponse_Heartbeat); ok {
			return x.Heartbeat
		}
	}
	return nil
}

func (x *WorkResponse) GetProgress() *ReportProgressResponse {
	if x != nil {
		if x, ok := x.Kind.(*WorkResponse_Progress); ok {
			return x.Progress
		}
	}
	return nil
}

func (x *WorkResponse) GetComplete() *CompleteResponse {
	if x != nil {
		if x, ok := x.Kind.(*WorkResponse_Complete); ok {
			return x.Complete
		}
	}
	return nil
}

func (x *WorkResponse) GetCancel() *CancelRequests {
	if x != nil {
		if x, ok := x.Kind.(*WorkResponse_Cancel); ok {
			return x.Cancel
		}
	}
	return nil
}

func (x *WorkResponse) GetRequestId() uint32 {
	if x != nil {
		return x.RequestId
	}
	return 0
}

type isWorkResponse_Kind interface {
	isWorkResponse_Kind()
}

type WorkResponse_Tasks struct {
	// Tasks leased to this worker, each using one credit.
	Tasks *LeaseResponse `protobuf:"bytes,1,opt,name=tasks,proto3,oneof"`
}

type WorkResponse_Heartbeat struct {
	// The answer to a `heartbeat`.
	Heartbeat *HeartbeatResponse `protobuf:"bytes,2,opt,name=heartbeat,proto3,oneof"`
}

type WorkResponse_Progress struct {
	// The answer to a `progress`.
	Progress *ReportProgressResponse `protobuf:"bytes,3,opt,name=progress,proto3,oneof"`
}

type WorkResponse_Complete struct {
	// The answer to a `complete`, once the accepted outcomes are durable.
	Complete *CompleteResponse `protobuf:"bytes,4,opt,name=complete,proto3,oneof"`
}

type WorkResponse_Cancel struct {
	// Tasks of this worker that were asked to cancel.
	Cancel *CancelRequests `protobuf:"bytes,5,opt,name=cancel,proto3,oneof"`
}

func (*WorkResponse_Tasks) isWorkResponse_Kind() {}

func (*WorkResponse_Heartbeat) isWorkResponse_Kind() {}

func (*WorkResponse_Progress) isWorkResponse_Kind() {}

func (*WorkResponse_Complete) isWorkResponse_Kind() {}

func (*WorkResponse_Cancel) isWorkResponse_Kind() {}

// ProduceRequest is one message from a producer on its Produce stream.
type ProduceRequest struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The producer's own number for this request, echoed in its answer (and in the states of the
	// tasks it watches), so that answers can be matched to requests.
	RequestId uint32 `protobuf:"varint,1,opt,name=request_id,json=requestId,proto3" json:"request_id,omitempty"`
	// What the message carries; exactly one of these.
	//
	// Types that are valid to be assigned to Kind:
	//
	//	*ProduceRequest_Enqueue
	//	*ProduceRequest_StopWatching
	Kind isProduceRequest_Kind `protobuf_oneof:"kind"`
	// With `enqueue`: once the answer is sent, push the later states of the stored tasks, until each
	// reaches a final status (see Produce). A task already final in the answer gets none.
	Watch bool `protobuf:"varint,4,opt,name=watch,proto3" json:"watch,omitempty"`
	// With `watch`: push only each task's final state, none of the states before it (a producer
	// waiting for results has no use for `process` or `retry`, and each costs both sides a message).
	WatchFinalOnly bool `protobuf:"varint,5,opt,name=watch_final_only,json=watchFinalOnly,proto3" json:"watch_final_only,omitempty"`
	unknownFields  protoimpl.UnknownFields
	sizeCache      protoimpl.SizeCache
}

func (x *ProduceRequest) Reset() {
	*x = ProduceRequest{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[40]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ProduceRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ProduceRequest) ProtoMessage() {}

func (x *ProduceRequest) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[40]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ProduceRequest.ProtoReflect.Descriptor instead.
func (*ProduceRequest) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{40}
}

func (x *ProduceRequest) GetRequestId() uint32 {
	if x != nil {
		return x.RequestId
	}
	return 0
}

func (x *ProduceRequest) GetKind() isProduceRequest_Kind {
	if x != nil {
		return x.Kind
	}
	return nil
}

func (x *ProduceRequest) GetEnqueue() *EnqueueRequest {
	if x != nil {
		if x, ok := x.Kind.(*ProduceRequest_Enqueue); ok {
			return x.Enqueue
		}
	}
	return nil
}

func (x *ProduceRequest) GetStopWatching() *StopWatching {
	if x != nil {
		if x, ok := x.Kind.(*ProduceRequest_StopWatching); ok {
			return x.StopWatching
		}
	}
	return nil
}

func (x *ProduceRequest) GetWatch() bool {
	if x != nil {
		return x.Watch
	}
	return false
}

func (x *ProduceRequest) GetWatchFinalOnly() bool {
	if x != nil {
		return x.WatchFinalOnly
	}
	return false
}

type isProduceRequest_Kind interface {
	isProduceRequest_Kind()
}

type ProduceRequest_Enqueue struct {
	// Tasks to store atomically (see Enqueue); answered with `enqueued` or `error`.
	Enqueue *EnqueueRequest `protobuf:"bytes,2,opt,name=enqueue,proto3,oneof"`
}

type ProduceRequest_StopWatching struct {
	// Stop pushing the states of these tasks; not answered. Ids not watched on this stream are ignored.
	StopWatching *StopWatching `protobuf:"bytes,3,opt,name=stop_watching,json=stopWatching,proto3,oneof"`
}

func (*ProduceRequest_Enqueue) isProduceRequest_Kind() {}

func (*ProduceRequest_StopWatching) isProduceRequest_Kind() {}

// StopWatching names tasks whose states the producer no longer wants.
type StopWatching struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The tasks' ids, at most 10000.
	TaskIds       []string `protobuf:"bytes,1,rep,name=task_ids,json=taskIds,proto3" json:"task_ids,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *StopWatching) Reset() {
	*x = StopWatching{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[41]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *StopWatching) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*StopWatching) ProtoMessage() {}

func (x *StopWatching) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[41]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use StopWatching.ProtoReflect.Descriptor instead.
func (*StopWatching) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{41}
}

func (x *StopWatching) GetTaskIds() []string {
	if x != nil {
		return x.TaskIds
	}
	return nil
}

// RequestError is why the broker refused one request of a stream. Nothing of it was stored.
type RequestError struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The gRPC status code the unary RPC would have failed with (3 INVALID_ARGUMENT, 6
	// ALREADY_EXISTS, 8 RESOURCE_EXHAUSTED, 14 UNAVAILABLE, 13 INTERNAL, …): retry or not as for it.
	Code int32 `protobuf:"varint,1,opt,name=code,proto3" json:"code,omitempty"`
	// The message the unary RPC would have failed with; an INVALID_ARGUMENT one begins with the
	// path of the bad field (`tasks[2].name: must not be empty`).
	Message string `protobuf:"bytes,2,opt,name=message,proto3" json:"message,omitempty"`
	// For an overloaded broker (RESOURCE_EXHAUSTED): the unary call's RetryInfo delay in ms, how
	// long to wait before sending the same request again. 0 otherwise.
	RetryAfterMs  uint32 `protobuf:"varint,3,opt,name=retry_after_ms,json=retryAfterMs,proto3" json:"retry_after_ms,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *RequestError) Reset() {
	*x = RequestError{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[42]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *RequestError) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*RequestError) ProtoMessage() {}

func (x *RequestError) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[42]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use RequestError.ProtoReflect.Descriptor instead.
func (*RequestError) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{42}
}

func (x *RequestError) GetCode() int32 {
	if x != nil {
		return x.Code
	}
	return 0
}

func (x *RequestError) GetMessage() string {
	if x != nil {
		return x.Message
	}
	return ""
}

func (x *RequestError) GetRetryAfterMs() uint32 {
	if x != nil {
		return x.RetryAfterMs
	}
	return 0
}

// WatchError ends the watch of one task early; the task itself is not affected.
type WatchError struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The task's id.
	TaskId string `protobuf:"bytes,1,opt,name=task_id,json=taskId,proto3" json:"task_id,omitempty"`
	// Why, as WatchResult would have failed: RESOURCE_EXHAUSTED (a watcher limit, named in the
	// message, or states dropped for a client that read nothing for 30 s), UNAVAILABLE (shutting
	// down). Watch it again with WatchResult to get its current state.
	Error         *RequestError `protobuf:"bytes,2,opt,name=error,proto3" json:"error,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *WatchError) Reset() {
	*x = WatchError{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[43]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *WatchError) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*WatchError) ProtoMessage() {}

func (x *WatchError) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[43]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use WatchError.ProtoReflect.Descriptor instead.
func (*WatchError) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{43}
}

func (x *WatchError) GetTaskId() string {
	if x != nil {
		return x.TaskId
	}
	return ""
}

func (x *WatchError) GetError() *RequestError {
	if x != nil {
		return x.Error
	}
	return nil
}

// ProduceResponse is one message from the broker on a Produce stream.
type ProduceResponse struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The `request_id` of the request answered, or of the `enqueue` whose task is watched.
	RequestId uint32 `protobuf:"varint,1,opt,name=request_id,json=requestId,proto3" json:"request_id,omitempty"`
	// What the message carries.
	//
	// Types that are valid to be assigned to Kind:
	//
	//	*ProduceResponse_Enqueued
	//	*ProduceResponse_Error
	//	*ProduceResponse_State
	//	*ProduceResponse_WatchError
	Kind          isProduceResponse_Kind `protobuf_oneof:"kind"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ProduceResponse) Reset() {
	*x = ProduceResponse{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[44]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ProduceResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ProduceResponse) ProtoMessage() {}

func (x *ProduceResponse) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[44]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ProduceResponse.ProtoReflect.Descriptor instead.
func (*ProduceResponse) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{44}
}

func (x *ProduceResponse) GetRequestId() uint32 {
	if x != nil {
		return x.RequestId
	}
	return 0
}

func (x *ProduceResponse) GetKind() isProduceResponse_Kind {
	if x != nil {
		return x.Kind
	}
	return nil
}

func (x *ProduceResponse) GetEnqueued() *EnqueueResponse {
	if x != nil {
		if x, ok := x.Kind.(*ProduceResponse_Enqueued); ok {
			return x.Enqueued
		}
	}
	return nil
}

func (x *ProduceResponse) GetError() *RequestError {
	if x != nil {
		if x, ok := x.Kind.(*ProduceResponse_Error); ok {
			return x.Error
		}
	}
	return nil
}

func (x *ProduceResponse) GetState() *Task {
	if x != nil {
		if x, ok := x.Kind.(*ProduceResponse_State); ok {
			return x.State
		}
	}
	return nil
}

func (x *ProduceResponse) GetWatchError() *WatchError {
	if x != nil {
		if x, ok := x.Kind.(*ProduceResponse_WatchError); ok {
			return x.WatchError
		}
	}
	return nil
}

type isProduceResponse_Kind interface {
	isProduceResponse_Kind()
}

type ProduceResponse_Enqueued struct {
	// The answer to an `enqueue`, once its tasks are durable: as Enqueue's reply.
	Enqueued *EnqueueResponse `protobuf:"bytes,2,opt,name=enqueued,proto3,oneof"`
}

type ProduceResponse_Error struct {
	// The answer to an `enqueue` that was refused: nothing of it was stored.
	Error *RequestError `protobuf:"bytes,3,opt,name=error,proto3,oneof"`
}

type ProduceResponse_State struct {
	// A state of a watched task (see Produce).
	State *Task `protobuf:"bytes,4,opt,name=state,proto3,oneof"`
}

type ProduceResponse_WatchError struct {
	// The watch of one task ended before a final status.
	WatchError *WatchError `protobuf:"bytes,5,opt,name=watch_error,json=watchError,proto3,oneof"`
}

func (*ProduceResponse_Enqueued) isProduceResponse_Kind() {}

func (*ProduceResponse_Error) isProduceResponse_Kind() {}

func (*ProduceResponse_State) isProduceResponse_Kind() {}

func (*ProduceResponse_WatchError) isProduceResponse_Kind() {}

// RetryTaskRequest names the task to run again.
type RetryTaskRequest struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The task's id.
	TaskId        string `protobuf:"bytes,1,opt,name=task_id,json=taskId,proto3" json:"task_id,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *RetryTaskRequest) Reset() {
	*x = RetryTaskRequest{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[45]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *RetryTaskRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*RetryTaskRequest) ProtoMessage() {}

func (x *RetryTaskRequest) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[45]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use RetryTaskRequest.ProtoReflect.Descriptor instead.
func (*RetryTaskRequest) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{45}
}

func (x *RetryTaskRequest) GetTaskId() string {
	if x != nil {
		return x.TaskId
	}
	return ""
}

// RetryTaskResponse answers a RetryTaskRequest.
type RetryTaskResponse struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The task, RETRY and ready again.
	Task          *Task `protobuf:"bytes,1,opt,name=task,proto3" json:"task,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *RetryTaskResponse) Reset() {
	*x = RetryTaskResponse{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[46]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *RetryTaskResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*RetryTaskResponse) ProtoMessage() {}

func (x *RetryTaskResponse) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[46]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use RetryTaskResponse.ProtoReflect.Descriptor instead.
func (*RetryTaskResponse) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{46}
}

func (x *RetryTaskResponse) GetTask() *Task {
	if x != nil {
		return x.Task
	}
	return nil
}

// PurgeQueueRequest names the queue and the statuses to remove.
type PurgeQueueRequest struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The queue.
	Queue string `protobuf:"bytes,1,opt,name=queue,proto3" json:"queue,omitempty"`
	// The statuses to remove, at least one: NEW, RETRY, SUCCESS, ERROR, CANCEL (not PROCESS).
	Statuses      []TaskStatus `protobuf:"varint,2,rep,packed,name=statuses,proto3,enum=qtasks.broker.v1.TaskStatus" json:"statuses,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *PurgeQueueRequest) Reset() {
	*x = PurgeQueueRequest{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[47]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *PurgeQueueRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*PurgeQueueRequest) ProtoMessage() {}

func (x *PurgeQueueRequest) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[47]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use PurgeQueueRequest.ProtoReflect.Descriptor instead.
func (*PurgeQueueRequest) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{47}
}

func (x *PurgeQueueRequest) GetQueue() string {
	if x != nil {
		return x.Queue
	}
	return ""
}

func (x *PurgeQueueRequest) GetStatuses() []TaskStatus {
	if x != nil {
		return x.Statuses
	}
	return nil
}

// PurgeQueueResponse answers a PurgeQueueRequest.
type PurgeQueueResponse struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// How many tasks were removed.
	Purged        int32 `protobuf:"varint,1,opt,name=purged,proto3" json:"purged,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *PurgeQueueResponse) Reset() {
	*x = PurgeQueueResponse{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[48]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *PurgeQueueResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*PurgeQueueResponse) ProtoMessage() {}

func (x *PurgeQueueResponse) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[48]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use PurgeQueueResponse.ProtoReflect.Descriptor instead.
func (*PurgeQueueResponse) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{48}
}

func (x *PurgeQueueResponse) GetPurged() int32 {
	if x != nil {
		return x.Purged
	}
	return 0
}

// PauseQueueRequest names the queue to pause.
type PauseQueueRequest struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The queue.
	Queue         string `protobuf:"bytes,1,opt,name=queue,proto3" json:"queue,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *PauseQueueRequest) Reset() {
	*x = PauseQueueRequest{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[49]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *PauseQueueRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*PauseQueueRequest) ProtoMessage() {}

func (x *PauseQueueRequest) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[49]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use PauseQueueRequest.ProtoReflect.Descriptor instead.
func (*PauseQueueRequest) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{49}
}

func (x *PauseQueueRequest) GetQueue() string {
	if x != nil {
		return x.Queue
	}
	return ""
}

// PauseQueueResponse answers a PauseQueueRequest.
type PauseQueueResponse struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The queue as it is now.
	Queue         *QueueInfo `protobuf:"bytes,1,opt,name=queue,proto3" json:"queue,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *PauseQueueResponse) Reset() {
	*x = PauseQueueResponse{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[50]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *PauseQueueResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*PauseQueueResponse) ProtoMessage() {}

func (x *PauseQueueResponse) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[50]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use PauseQueueResponse.ProtoReflect.Descriptor instead.
func (*PauseQueueResponse) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{50}
}

func (x *PauseQueueResponse) GetQueue() *QueueInfo {
	if x != nil {
		return x.Queue
	}
	return nil
}

// ResumeQueueRequest names the queue to resume.
type ResumeQueueRequest struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The queue.
	Queue         string `protobuf:"bytes,1,opt,name=queue,proto3" json:"queue,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ResumeQueueRequest) Reset() {
	*x = ResumeQueueRequest{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[51]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ResumeQueueRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ResumeQueueRequest) ProtoMessage() {}

func (x *ResumeQueueRequest) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[51]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ResumeQueueRequest.ProtoReflect.Descriptor instead.
func (*ResumeQueueRequest) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{51}
}

func (x *ResumeQueueRequest) GetQueue() string {
	if x != nil {
		return x.Queue
	}
	return ""
}

// ResumeQueueResponse answers a ResumeQueueRequest.
type ResumeQueueResponse struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The queue as it is now.
	Queue         *QueueInfo `protobuf:"bytes,1,opt,name=queue,proto3" json:"queue,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ResumeQueueResponse) Reset() {
	*x = ResumeQueueResponse{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[52]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ResumeQueueResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ResumeQueueResponse) ProtoMessage() {}

func (x *ResumeQueueResponse) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[52]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ResumeQueueResponse.ProtoReflect.Descriptor instead.
func (*ResumeQueueResponse) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{52}
}

func (x *ResumeQueueResponse) GetQueue() *QueueInfo {
	if x != nil {
		return x.Queue
	}
	return nil
}

// RateLimit is at most `count` task starts per `period_ms`, over a sliding window.
type RateLimit struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// Most starts per period; 0 means no limit.
	Count int32 `protobuf:"varint,1,opt,name=count,proto3" json:"count,omitempty"`
	// The period in milliseconds, 1–86400000 when `count` is set.
	PeriodMs      int32 `protobuf:"varint,2,opt,name=period_ms,json=periodMs,proto3" json:"period_ms,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *RateLimit) Reset() {
	*x = RateLimit{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[53]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *RateLimit) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*RateLimit) ProtoMessage() {}

func (x *RateLimit) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[53]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use RateLimit.ProtoReflect.Descriptor instead.
func (*RateLimit) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{53}
}

func (x *RateLimit) GetCount() int32 {
	if x != nil {
		return x.Count
	}
	return 0
}

func (x *RateLimit) GetPeriodMs() int32 {
	if x != nil {
		return x.PeriodMs
	}
	return 0
}

// QueueLimits are the limits of one queue; 0 (or an absent rate) means no limit.
type QueueLimits struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// Most tasks of the queue running at once.
	MaxRunning int32 `protobuf:"varint,1,opt,name=max_running,json=maxRunning,proto3" json:"max_running,omitempty"`
	// Most task starts of the queue per period.
	Rate *RateLimit `protobuf:"bytes,2,opt,name=rate,proto3" json:"rate,omitempty"`
	// Most tasks of each `limit_key` running at once.
	MaxRunningPerKey int32 `protobuf:"varint,3,opt,name=max_running_per_key,json=maxRunningPerKey,proto3" json:"max_running_per_key,omitempty"`
	// Most task starts of each `limit_key` per period.
	RatePerKey    *RateLimit `protobuf:"bytes,4,opt,name=rate_per_key,json=ratePerKey,proto3" json:"rate_per_key,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *QueueLimits) Reset() {
	*x = QueueLimits{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[54]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *QueueLimits) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*QueueLimits) ProtoMessage() {}

func (x *QueueLimits) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[54]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use QueueLimits.ProtoReflect.Descriptor instead.
func (*QueueLimits) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{54}
}

func (x *QueueLimits) GetMaxRunning() int32 {
	if x != nil {
		return x.MaxRunning
	}
	return 0
}

func (x *QueueLimits) GetRate() *RateLimit {
	if x != nil {
		return x.Rate
	}
	return nil
}

func (x *QueueLimits) GetMaxRunningPerKey() int32 {
	if x != nil {
		return x.MaxRunningPerKey
	}
	return 0
}

func (x *QueueLimits) GetRatePerKey() *RateLimit {
	if x != nil {
		return x.RatePerKey
	}
	return nil
}

// SetQueueLimitsRequest replaces a queue's limits.
type SetQueueLimitsRequest struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The queue.
	Queue string `protobuf:"bytes,1,opt,name=queue,proto3" json:"queue,omitempty"`
	// The new limits; absent or all zero removes them.
	Limits        *QueueLimits `protobuf:"bytes,2,opt,name=limits,proto3" json:"limits,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *SetQueueLimitsRequest) Reset() {
	*x = SetQueueLimitsRequest{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[55]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *SetQueueLimitsRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*SetQueueLimitsRequest) ProtoMessage() {}

func (x *SetQueueLimitsRequest) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[55]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use SetQueueLimitsRequest.ProtoReflect.Descriptor instead.
func (*SetQueueLimitsRequest) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{55}
}

func (x *SetQueueLimitsRequest) GetQueue() string {
	if x != nil {
		return x.Queue
	}
	return ""
}

func (x *SetQueueLimitsRequest) GetLimits() *QueueLimits {
	if x != nil {
		return x.Limits
	}
	return nil
}

// SetQueueLimitsResponse answers a SetQueueLimitsRequest.
type SetQueueLimitsResponse struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The limits now in force.
	Limits        *QueueLimits `protobuf:"bytes,1,opt,name=limits,proto3" json:"limits,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *SetQueueLimitsResponse) Reset() {
	*x = SetQueueLimitsResponse{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[56]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *SetQueueLimitsResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*SetQueueLimitsResponse) ProtoMessage() {}

func (x *SetQueueLimitsResponse) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[56]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use SetQueueLimitsResponse.ProtoReflect.Descriptor instead.
func (*SetQueueLimitsResponse) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{56}
}

func (x *SetQueueLimitsResponse) GetLimits() *QueueLimits {
	if x != nil {
		return x.Limits
	}
	return nil
}

// GetQueueLimitsRequest names the queue.
type GetQueueLimitsRequest struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The queue.
	Queue         string `protobuf:"bytes,1,opt,name=queue,proto3" json:"queue,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *GetQueueLimitsRequest) Reset() {
	*x = GetQueueLimitsRequest{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[57]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *GetQueueLimitsRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*GetQueueLimitsRequest) ProtoMessage() {}

func (x *GetQueueLimitsRequest) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[57]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use GetQueueLimitsRequest.ProtoReflect.Descriptor instead.
func (*GetQueueLimitsRequest) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{57}
}

func (x *GetQueueLimitsRequest) GetQueue() string {
	if x != nil {
		return x.Queue
	}
	return ""
}

// GetQueueLimitsResponse answers a GetQueueLimitsRequest.
type GetQueueLimitsResponse struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The queue's limits (all zero when it has none).
	Limits        *QueueLimits `protobuf:"bytes,1,opt,name=limits,proto3" json:"limits,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *GetQueueLimitsResponse) Reset() {
	*x = GetQueueLimitsResponse{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[58]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *GetQueueLimitsResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*GetQueueLimitsResponse) ProtoMessage() {}

func (x *GetQueueLimitsResponse) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[58]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use GetQueueLimitsResponse.ProtoReflect.Descriptor instead.
func (*GetQueueLimitsResponse) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{58}
}

func (x *GetQueueLimitsResponse) GetLimits() *QueueLimits {
	if x != nil {
		return x.Limits
	}
	return nil
}

// ListQueuesRequest asks for every queue.
type ListQueuesRequest struct {
	state         protoimpl.MessageState `protogen:"open.v1"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ListQueuesRequest) Reset() {
	*x = ListQueuesRequest{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[59]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ListQueuesRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ListQueuesRequest) ProtoMessage() {}

func (x *ListQueuesRequest) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[59]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ListQueuesRequest.ProtoReflect.Descriptor instead.
func (*ListQueuesRequest) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{59}
}

// QueueCounts are a queue's tasks by status.
type QueueCounts struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// NEW tasks (ready or waiting for their eta).
	New int32 `protobuf:"varint,1,opt,name=new,proto3" json:"new,omitempty"`
	// PROCESS tasks.
	Process int32 `protobuf:"varint,2,opt,name=process,proto3" json:"process,omitempty"`
	// RETRY tasks.
	Retry int32 `protobuf:"varint,3,opt,name=retry,proto3" json:"retry,omitempty"`
	// SUCCESS tasks still kept.
	Success int32 `protobuf:"varint,4,opt,name=success,proto3" json:"success,omitempty"`
	// ERROR tasks still kept.
	Error int32 `protobuf:"varint,5,opt,name=error,proto3" json:"error,omitempty"`
	// CANCEL tasks still kept.
	Cancel        int32 `protobuf:"varint,6,opt,name=cancel,proto3" json:"cancel,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *QueueCounts) Reset() {
	*x = QueueCounts{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[60]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *QueueCounts) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*QueueCounts) ProtoMessage() {}

func (x *QueueCounts) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[60]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use QueueCounts.ProtoReflect.Descriptor instead.
func (*QueueCounts) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{60}
}

func (x *QueueCounts) GetNew() int32 {
	if x != nil {
		return x.New
	}
	return 0
}

func (x *QueueCounts) GetProcess() int32 {
	if x != nil {
		return x.Process
	}
	return 0
}

func (x *QueueCounts) GetRetry() int32 {
	if x != nil {
		return x.Retry
	}
	return 0
}

func (x *QueueCounts) GetSuccess() int32 {
	if x != nil {
		return x.Success
	}
	return 0
}

func (x *QueueCounts) GetError() int32 {
	if x != nil {
		return x.Error
	}
	return 0
}

func (x *QueueCounts) GetCancel() int32 {
	if x != nil {
		return x.Cancel
	}
	return 0
}

// QueueInfo is one queue's state.
type QueueInfo struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// The queue's name.
	Name string `protobuf:"bytes,1,opt,name=name,proto3" json:"name,omitempty"`
	// Its tasks by status.
	Counts *QueueCounts `protobuf:"bytes,2,opt,name=counts,proto3" json:"counts,omitempty"`
	// True while the queue is paused.
	Paused bool `protobuf:"varint,3,opt,name=paused,proto3" json:"paused,omitempty"`
	// Its limits.
	Limits *QueueLimits `protobuf:"bytes,4,opt,name=limits,proto3" json:"limits,omitempty"`
	// How long its oldest ready task has waited to start, in milliseconds (since it became ready);
	// 0 when none is ready.
	OldestReadyAgeMs float64 `protobuf:"fixed64,5,opt,name=oldest_ready_age_ms,json=oldestReadyAgeMs,proto3" json:"oldest_ready_age_ms,omitempty"`
	// Tasks of the queue that ended (SUCCESS, ERROR or CANCEL) over the last minute.
	CompletedLastMinute int32 `protobuf:"varint,6,opt,name=completed_last_minute,json=completedLastMinute,proto3" json:"completed_last_minute,omitempty"`
	unknownFields       protoimpl.UnknownFields
	sizeCache           protoimpl.SizeCache
}

func (x *QueueInfo) Reset() {
	*x = QueueInfo{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[61]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *QueueInfo) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*QueueInfo) ProtoMessage() {}

func (x *QueueInfo) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[61]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use QueueInfo.ProtoReflect.Descriptor instead.
func (*QueueInfo) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{61}
}

func (x *QueueInfo) GetName() string {
	if x != nil {
		return x.Name
	}
	return ""
}

func (x *QueueInfo) GetCounts() *QueueCounts {
	if x != nil {
		return x.Counts
	}
	return nil
}

func (x *QueueInfo) GetPaused() bool {
	if x != nil {
		return x.Paused
	}
	return false
}

func (x *QueueInfo) GetLimits() *QueueLimits {
	if x != nil {
		return x.Limits
	}
	return nil
}

func (x *QueueInfo) GetOldestReadyAgeMs() float64 {
	if x != nil {
		return x.OldestReadyAgeMs
	}
	return 0
}

func (x *QueueInfo) GetCompletedLastMinute() int32 {
	if x != nil {
		return x.CompletedLastMinute
	}
	return 0
}

// ListQueuesResponse answers a ListQueuesRequest.
type ListQueuesResponse struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// Every queue, in name order.
	Queues        []*QueueInfo `protobuf:"bytes,1,rep,name=queues,proto3" json:"queues,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ListQueuesResponse) Reset() {
	*x = ListQueuesResponse{}
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[62]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ListQueuesResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ListQueuesResponse) ProtoMessage() {}

func (x *ListQueuesResponse) ProtoReflect() protoreflect.Message {
	mi := &file_qtasks_broker_v1_broker_proto_msgTypes[62]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ListQueuesResponse.ProtoReflect.Descriptor instead.
func (*ListQueuesResponse) Descriptor() ([]byte, []int) {
	return file_qtasks_broker_v1_broker_proto_rawDescGZIP(), []int{62}
}

func (x *ListQueuesResponse) GetQueues() []*QueueInfo {
	if x != nil {
		return x.Queues
	}
	return nil
}

var File_qtasks_broker_v1_broker_proto protoreflect.FileDescriptor

const file_qtasks_broker_v1_broker_proto_rawDesc = "" +
	"\n" +
	"\x1dqtasks/broker/v1/broker.proto\x12\x10qtasks.broker.v1\x1a\x1fgoogle/protobuf/timestamp.proto\"d\n" +
	"\fRetryBackoff\x12\x1d\n" +
	"\n" +
	"initial_ms\x18\x01 \x01(\x05R\tinitialMs\x12\x1e\n" +
	"\n" +
	"multiplier\x18\x02 \x01(\x01R\n" +
	"multiplier\x12\x15\n" +
	"\x06max_ms\x18\x03 \x01(\x05R\x05maxMs\"\xa6\x05\n" +
	"\bTaskSpec\x12\x12\n" +
	"\x04name\x18\x01 \x01(\tR\x04name\x12\x14\n" +
	"\x05queue\x18\x02 \x01(\tR\x05queue\x12\x1a\n" +
	"\bpriority\x18\x03 \x01(\x05R\bpriority\x12\x12\n" +
	"\x04args\x18\x04 \x01(\fR\x04args\x12\x16\n" +
	"\x06kwargs\x18\x05 \x01(\fR\x06kwargs\x12\x1f\n" +
	"\vmax_retries\x18\x06 \x01(\x05R\n" +
	"maxRetries\x12C\n" +
	"\rretry_backoff\x18\a \x01(\v2\x1e.qtasks.broker.v1.RetryBackoffR\fretryBackoff\x12\x1e\n" +
	"\vmax_time_ms\x18\b \x01(\x05R\tmaxTimeMs\x12,\n" +
	"\x03eta\x18\t \x01(\v2\x1a.google.protobuf.TimestampR\x03eta\x12\x19\n" +
	"\bdelay_ms\x18\n" +
	" \x01(\x05R\adelayMs\x12'\n" +
	"\x0fidempotency_key\x18\v \x01(\tR\x0eidempotencyKey\x12\x12\n" +
	"\x04tags\x18\f \x03(\tR\x04tags\x12D\n" +
	"\bmetadata\x18\r \x03(\v2(.qtasks.broker.v1.TaskSpec.MetadataEntryR\bmetadata\x12&\n" +
	"\fretention_ms\x18\x0e \x01(\x05H\x00R\vretentionMs\x88\x01\x01\x12\x1b\n" +
	"\tlimit_key\x18\x0f \x01(\tR\blimitKey\x12C\n" +
	"\rtrace_context\x18\x10 \x01(\v2\x1e.qtasks.broker.v1.TraceContextR\ftraceContext\x1a;\n" +
	"\rMetadataEntry\x12\x10\n" +
	"\x03key\x18\x01 \x01(\tR\x03key\x12\x14\n" +
	"\x05value\x18\x02 \x01(\tR\x05value:\x028\x01B\x0f\n" +
	"\r_retention_ms\"P\n" +
	"\fTraceContext\x12 \n" +
	"\vtraceparent\x18\x01 \x01(\tR\vtraceparent\x12\x1e\n" +
	"\n" +
	"tracestate\x18\x02 \x01(\tR\n" +
	"tracestate\"W\n" +
	"\tTaskError\x12\x12\n" +
	"\x04type\x18\x01 \x01(\tR\x04type\x12\x18\n" +
	"\amessage\x18\x02 \x01(\tR\amessage\x12\x1c\n" +
	"\ttraceback\x18\x03 \x01(\tR\ttraceback\"\xcd\t\n" +
	"\x04Task\x12\x0e\n" +
	"\x02id\x18\x01 \x01(\tR\x02id\x12\x12\n" +
	"\x04name\x18\x02 \x01(\tR\x04name\x12\x14\n" +
	"\x05queue\x18\x03 \x01(\tR\x05queue\x12\x1a\n" +
	"\bpriority\x18\x04 \x01(\x05R\bpriority\x12\x12\n" +
	"\x04args\x18\x05 \x01(\fR\x04args\x12\x16\n" +
	"\x06kwargs\x18\x06 \x01(\fR\x06kwargs\x124\n" +
	"\x06status\x18\a \x01(\x0e2\x1c.qtasks.broker.v1.TaskStatusR\x06status\x12\x18\n" +
	"\aattempt\x18\b \x01(\x05R\aattempt\x12\x1f\n" +
	"\vmax_retries\x18\t \x01(\x05R\n" +
	"maxRetries\x129\n" +
	"\n" +
	"created_at\x18\n" +
	" \x01(\v2\x1a.google.protobuf.TimestampR\tcreatedAt\x129\n" +
	"\n" +
	"updated_at\x18\v \x01(\v2\x1a.google.protobuf.TimestampR\tupdatedAt\x129\n" +
	"\n" +
	"started_at\x18\f \x01(\v2\x1a.google.protobuf.TimestampR\tstartedAt\x12;\n" +
	"\vfinished_at\x18\r \x01(\v2\x1a.google.protobuf.TimestampR\n" +
	"finishedAt\x12,\n" +
	"\x03eta\x18\x0e \x01(\v2\x1a.google.protobuf.TimestampR\x03eta\x12\x16\n" +
	"\x06result\x18\x0f \x01(\fR\x06result\x121\n" +
	"\x05error\x18\x10 \x01(\v2\x1b.qtasks.broker.v1.TaskErrorR\x05error\x12#\n" +
	"\rcancel_reason\x18\x11 \x01(\tR\fcancelReason\x12\x1b\n" +
	"\tworker_id\x18\x12 \x01(\tR\bworkerId\x12\x12\n" +
	"\x04tags\x18\x13 \x03(\tR\x04tags\x12@\n" +
	"\bmetadata\x18\x14 \x03(\v2$.qtasks.broker.v1.Task.MetadataEntryR\bmetadata\x12)\n" +
	"\x10cancel_requested\x18\x15 \x01(\bR\x0fcancelRequested\x12\x1e\n" +
	"\vmax_time_ms\x18\x16 \x01(\x05R\tmaxTimeMs\x12'\n" +
	"\x0fidempotency_key\x18\x17 \x01(\tR\x0eidempotencyKey\x12\x1a\n" +
	"\bprogress\x18\x18 \x01(\fR\bprogress\x12&\n" +
	"\fretention_ms\x18\x19 \x01(\x05H\x00R\vretentionMs\x88\x01\x01\x12\x1b\n" +
	"\tlimit_key\x18\x1a \x01(\tR\blimitKey\x127\n" +
	"\ahistory\x18\x1b \x03(\v2\x1d.qtasks.broker.v1.PastAttemptR\ahistory\x122\n" +
	"\x15attempts_before_retry\x18\x1c \x01(\x05R\x13attemptsBeforeRetry\x12C\n" +
	"\rtrace_context\x18\x1d \x01(\v2\x1e.qtasks.broker.v1.TraceContextR\ftraceContext\x1a;\n" +
	"\rMetadataEntry\x12\x10\n" +
	"\x03key\x18\x01 \x01(\tR\x03key\x12\x14\n" +
	"\x05value\x18\x02 \x01(\tR\x05value:\x028\x01B\x0f\n" +
	"\r_retention_ms\"\xc4\x02\n" +
	"\vPastAttempt\x12\x18\n" +
	"\aattempt\x18\x01 \x01(\x05R\aattempt\x124\n" +
	"\x06status\x18\x02 \x01(\x0e2\x1c.qtasks.broker.v1.TaskStatusR\x06status\x121\n" +
	"\x05error\x18\x03 \x01(\v2\x1b.qtasks.broker.v1.TaskErrorR\x05error\x12#\n" +
	"\rcancel_reason\x18\x04 \x01(\tR\fcancelReason\x129\n" +
	"\n" +
	"started_at\x18\x05 \x01(\v2\x1a.google.protobuf.TimestampR\tstartedAt\x125\n" +
	"\bended_at\x18\x06 \x01(\v2\x1a.google.protobuf.TimestampR\aendedAt\x12\x1b\n" +
	"\tworker_id\x18\a \x01(\tR\bworkerId\"B\n" +
	"\x0eEnqueueRequest\x120\n" +
	"\x05tasks\x18\x01 \x03(\v2\x1a.qtasks.broker.v1.TaskSpecR\x05tasks\"?\n" +
	"\x0fEnqueueResponse\x12,\n" +
	"\x05tasks\x18\x01 \x03(\v2\x16.qtasks.broker.v1.TaskR\x05tasks\")\n" +
	"\x0eGetTaskRequest\x12\x17\n" +
	"\atask_id\x18\x01 \x01(\tR\x06taskId\"=\n" +
	"\x0fGetTaskResponse\x12*\n" +
	"\x04task\x18\x01 \x01(\v2\x16.qtasks.broker.v1.TaskR\x04task\"D\n" +
	"\x11CancelTaskRequest\x12\x17\n" +
	"\atask_id\x18\x01 \x01(\tR\x06taskId\x12\x16\n" +
	"\x06reason\x18\x02 \x01(\tR\x06reason\"@\n" +
	"\x12CancelTaskResponse\x12*\n" +
	"\x04task\x18\x01 \x01(\v2\x16.qtasks.broker.v1.TaskR\x04task\"\xdd\x01\n" +
	"\x10ListTasksRequest\x12\x14\n" +
	"\x05queue\x18\x01 \x01(\tR\x05queue\x124\n" +
	"\x06status\x18\x02 \x01(\x0e2\x1c.qtasks.broker.v1.TaskStatusR\x06status\x12\x1b\n" +
	"\tpage_size\x18\x03 \x01(\x05R\bpageSize\x12\x1d\n" +
	"\n" +
	"page_token\x18\x04 \x01(\tR\tpageToken\x12A\n" +
	"\x0efinished_after\x18\x05 \x01(\v2\x1a.google.protobuf.TimestampR\rfinishedAfter\"i\n" +
	"\x11ListTasksResponse\x12,\n" +
	"\x05tasks\x18\x01 \x03(\v2\x16.qtasks.broker.v1.TaskR\x05tasks\x12&\n" +
	"\x0fnext_page_token\x18\x02 \x01(\tR\rnextPageToken\"-\n" +
	"\x12WatchResultRequest\x12\x17\n" +
	"\atask_id\x18\x01 \x01(\tR\x06taskId\"A\n" +
	"\x13WatchResultResponse\x12*\n" +
	"\x04task\x18\x01 \x01(\v2\x16.qtasks.broker.v1.TaskR\x04task\"\x94\x01\n" +
	"\fLeaseRequest\x12\x1b\n" +
	"\tworker_id\x18\x01 \x01(\tR\bworkerId\x12\x16\n" +
	"\x06queues\x18\x02 \x03(\tR\x06queues\x12\x1b\n" +
	"\tmax_tasks\x18\x03 \x01(\x05R\bmaxTasks\x12\x17\n" +
	"\await_ms\x18\x04 \x01(\x05R\x06waitMs\x12\x19\n" +
	"\blease_ms\x18\x05 \x01(\x05R\aleaseMs\"C\n" +
	"\rLeaseResponse\x122\n" +
	"\x05tasks\x18\x01 \x03(\v2\x1c.qtasks.broker.v1.LeasedTaskR\x05tasks\"\x9c\x01\n" +
	"\n" +
	"LeasedTask\x12*\n" +
	"\x04task\x18\x01 \x01(\v2\x16.qtasks.broker.v1.TaskR\x04task\x12\x1f\n" +
	"\vlease_token\x18\x02 \x01(\tR\n" +
	"leaseToken\x12A\n" +
	"\x0elease_deadline\x18\x03 \x01(\v2\x1a.google.protobuf.TimestampR\rleaseDeadline\"I\n" +
	"\rHeartbeatItem\x12\x17\n" +
	"\atask_id\x18\x01 \x01(\tR\x06taskId\x12\x1f\n" +
	"\vlease_token\x18\x02 \x01(\tR\n" +
	"leaseToken\"f\n" +
	"\x10HeartbeatRequest\x125\n" +
	"\x05items\x18\x01 \x03(\v2\x1f.qtasks.broker.v1.HeartbeatItemR\x05items\x12\x1b\n" +
	"\textend_ms\x18\x02 \x01(\x05R\bextendMs\"\xc0\x01\n" +
	"\x0fHeartbeatResult\x12\x17\n" +
	"\atask_id\x18\x01 \x01(\tR\x06taskId\x12\x0e\n" +
	"\x02ok\x18\x02 \x01(\bR\x02ok\x12)\n" +
	"\x10cancel_requested\x18\x03 \x01(\bR\x0fcancelRequested\x12A\n" +
	"\x0elease_deadline\x18\x04 \x01(\v2\x1a.google.protobuf.TimestampR\rleaseDeadline\x12\x16\n" +
	"\x06reason\x18\x05 \x01(\tR\x06reason\"P\n" +
	"\x11HeartbeatResponse\x12;\n" +
	"\aresults\x18\x01 \x03(\v2!.qtasks.broker.v1.HeartbeatResultR\aresults\"!\n" +
	"\aSuccess\x12\x16\n" +
	"\x06result\x18\x01 \x01(\fR\x06result\"Z\n" +
	"\aFailure\x121\n" +
	"\x05error\x18\x01 \x01(\v2\x1b.qtasks.broker.v1.TaskErrorR\x05error\x12\x1c\n" +
	"\tretryable\x18\x02 \x01(\bR\tretryable\"#\n" +
	"\tCancelled\x12\x16\n" +
	"\x06reason\x18\x01 \x01(\tR\x06reason\"\n" +
	"\n" +
	"\bReleased\"\xb6\x02\n" +
	"\n" +
	"Completion\x12\x17\n" +
	"\atask_id\x18\x01 \x01(\tR\x06taskId\x12\x1f\n" +
	"\vlease_token\x18\x02 \x01(\tR\n" +
	"leaseToken\x125\n" +
	"\asuccess\x18\x03 \x01(\v2\x19.qtasks.broker.v1.SuccessH\x00R\asuccess\x125\n" +
	"\afailure\x18\x04 \x01(\v2\x19.qtasks.broker.v1.FailureH\x00R\afailure\x12;\n" +
	"\tcancelled\x18\x05 \x01(\v2\x1b.qtasks.broker.v1.CancelledH\x00R\tcancelled\x128\n" +
	"\breleased\x18\x06 \x01(\v2\x1a.qtasks.broker.v1.ReleasedH\x00R\breleasedB\t\n" +
	"\aoutcome\"p\n" +
	"\x0fCompleteRequest\x12>\n" +
	"\vcompletions\x18\x01 \x03(\v2\x1c.qtasks.broker.v1.CompletionR\vcompletions\x12\x1d\n" +
	"\n" +
	"omit_tasks\x18\x02 \x01(\bR\tomitTasks\"\x8b\x01\n" +
	"\x10CompletionResult\x12\x17\n" +
	"\atask_id\x18\x01 \x01(\tR\x06taskId\x12\x1a\n" +
	"\baccepted\x18\x02 \x01(\bR\baccepted\x12*\n" +
	"\x04task\x18\x03 \x01(\v2\x16.qtasks.broker.v1.TaskR\x04task\x12\x16\n" +
	"\x06reason\x18\x04 \x01(\tR\x06reason\"P\n" +
	"\x10CompleteResponse\x12<\n" +
	"\aresults\x18\x01 \x03(\v2\".qtasks.broker.v1.CompletionResultR\aresults\"d\n" +
	"\fProgressItem\x12\x17\n" +
	"\atask_id\x18\x01 \x01(\tR\x06taskId\x12\x1f\n" +
	"\vlease_token\x18\x02 \x01(\tR\n" +
	"leaseToken\x12\x1a\n" +
	"\bprogress\x18\x03 \x01(\fR\bprogress\"M\n" +
	"\x15ReportProgressRequest\x124\n" +
	"\x05items\x18\x01 \x03(\v2\x1e.qtasks.broker.v1.ProgressItemR\x05items\"Q\n" +
	"\x0eProgressResult\x12\x17\n" +
	"\atask_id\x18\x01 \x01(\tR\x06taskId\x12\x0e\n" +
	"\x02ok\x18\x02 \x01(\bR\x02ok\x12\x16\n" +
	"\x06reason\x18\x03 \x01(\tR\x06reason\"T\n" +
	"\x16ReportProgressResponse\x12:\n" +
	"\aresults\x18\x01 \x03(\v2 .qtasks.broker.v1.ProgressResultR\aresults\"[\n" +
	"\tWorkStart\x12\x1b\n" +
	"\tworker_id\x18\x01 \x01(\tR\bworkerId\x12\x16\n" +
	"\x06queues\x18\x02 \x03(\tR\x06queues\x12\x19\n" +
	"\blease_ms\x18\x03 \x01(\x05R\aleaseMs\"\x86\x03\n" +
	"\vWorkRequest\x123\n" +
	"\x05start\x18\x01 \x01(\v2\x1b.qtasks.broker.v1.WorkStartH\x00R\x05start\x12B\n" +
	"\theartbeat\x18\x02 \x01(\v2\".qtasks.broker.v1.HeartbeatRequestH\x00R\theartbeat\x12E\n" +
	"\bprogress\x18\x03 \x01(\v2'.qtasks.broker.v1.ReportProgressRequestH\x00R\bprogress\x12?\n" +
	"\bcomplete\x18\x04 \x01(\v2!.qtasks.broker.v1.CompleteRequestH\x00R\bcomplete\x12\x16\n" +
	"\x06credit\x18\x05 \x01(\x05R\x06credit\x12\x1d\n" +
	"\n" +
	"request_id\x18\x06 \x01(\rR\trequestId\x12&\n" +
	"\fcredit_limit\x18\a \x01(\rH\x01R\vcreditLimit\x88\x01\x01B\x06\n" +
	"\x04kindB\x0f\n" +
	"\r_credit_limit\"G\n" +
	"\x0eCancelRequests\x125\n" +
	"\x05tasks\x18\x01 \x03(\v2\x1f.qtasks.broker.v1.CancelRequestR\x05tasks\"@\n" +
	"\rCancelRequest\x12\x17\n" +
	"\atask_id\x18\x01 \x01(\tR\x06taskId\x12\x16\n" +
	"\x06reason\x18\x02 \x01(\tR\x06reason\"\xf9\x02\n" +
	"\fWorkResponse\x127\n" +
	"\x05tasks\x18\x01 \x01(\v2\x1f.qtasks.broker.v1.LeaseResponseH\x00R\x05tasks\x12C\n" +
	"\theartbeat\x18\x02 \x01(\v2#.qtasks.broker.v1.HeartbeatResponseH\x00R\theartbeat\x12F\n" +
	"\bprogress\x18\x03 \x01(\v2(.qtasks.broker.v1.ReportProgressResponseH\x00R\bprogress\x12@\n" +
	"\bcomplete\x18\x04 \x01(\v2\".qtasks.broker.v1.CompleteResponseH\x00R\bcomplete\x12:\n" +
	"\x06cancel\x18\x05 \x01(\v2 .qtasks.broker.v1.CancelRequestsH\x00R\x06cancel\x12\x1d\n" +
	"\n" +
	"request_id\x18\x06 \x01(\rR\trequestIdB\x06\n" +
	"\x04kind\"\xfc\x01\n" +
	"\x0eProduceRequest\x12\x1d\n" +
	"\n" +
	"request_id\x18\x01 \x01(\rR\trequestId\x12<\n" +
	"\aenqueue\x18\x02 \x01(\v2 .qtasks.broker.v1.EnqueueRequestH\x00R\aenqueue\x12E\n" +
	"\rstop_watching\x18\x03 \x01(\v2\x1e.qtasks.broker.v1.StopWatchingH\x00R\fstopWatching\x12\x14\n" +
	"\x05watch\x18\x04 \x01(\bR\x05watch\x12(\n" +
	"\x10watch_final_only\x18\x05 \x01(\bR\x0ewatchFinalOnlyB\x06\n" +
	"\x04kind\")\n" +
	"\fStopWatching\x12\x19\n" +
	"\btask_ids\x18\x01 \x03(\tR\ataskIds\"b\n" +
	"\fRequestError\x12\x12\n" +
	"\x04code\x18\x01 \x01(\x05R\x04code\x12\x18\n" +
	"\amessage\x18\x02 \x01(\tR\amessage\x12$\n" +
	"\x0eretry_after_ms\x18\x03 \x01(\rR\fretryAfterMs\"[\n" +
	"\n" +
	"WatchError\x12\x17\n" +
	"\atask_id\x18\x01 \x01(\tR\x06taskId\x124\n" +
	"\x05error\x18\x02 \x01(\v2\x1e.qtasks.broker.v1.RequestErrorR\x05error\"\xa2\x02\n" +
	"\x0fProduceResponse\x12\x1d\n" +
	"\n" +
	"request_id\x18\x01 \x01(\rR\trequestId\x12?\n" +
	"\benqueued\x18\x02 \x01(\v2!.qtasks.broker.v1.EnqueueResponseH\x00R\benqueued\x126\n" +
	"\x05error\x18\x03 \x01(\v2\x1e.qtasks.broker.v1.RequestErrorH\x00R\x05error\x12.\n" +
	"\x05state\x18\x04 \x01(\v2\x16.qtasks.broker.v1.TaskH\x00R\x05state\x12?\n" +
	"\vwatch_error\x18\x05 \x01(\v2\x1c.qtasks.broker.v1.WatchErrorH\x00R\n" +
	"watchErrorB\x06\n" +
	"\x04kind\"+\n" +
	"\x10RetryTaskRequest\x12\x17\n" +
	"\atask_id\x18\x01 \x01(\tR\x06taskId\"?\n" +
	"\x11RetryTaskResponse\x12*\n" +
	"\x04task\x18\x01 \x01(\v2\x16.qtasks.broker.v1.TaskR\x04task\"c\n" +
	"\x11PurgeQueueRequest\x12\x14\n" +
	"\x05queue\x18\x01 \x01(\tR\x05queue\x128\n" +
	"\bstatuses\x18\x02 \x03(\x0e2\x1c.qtasks.broker.v1.TaskStatusR\bstatuses\",\n" +
	"\x12PurgeQueueResponse\x12\x16\n" +
	"\x06purged\x18\x01 \x01(\x05R\x06purged\")\n" +
	"\x11PauseQueueRequest\x12\x14\n" +
	"\x05queue\x18\x01 \x01(\tR\x05queue\"G\n" +
	"\x12PauseQueueResponse\x121\n" +
	"\x05queue\x18\x01 \x01(\v2\x1b.qtasks.broker.v1.QueueInfoR\x05queue\"*\n" +
	"\x12ResumeQueueRequest\x12\x14\n" +
	"\x05queue\x18\x01 \x01(\tR\x05queue\"H\n" +
	"\x13ResumeQueueResponse\x121\n" +
	"\x05queue\x18\x01 \x01(\v2\x1b.qtasks.broker.v1.QueueInfoR\x05queue\">\n" +
	"\tRateLimit\x12\x14\n" +
	"\x05count\x18\x01 \x01(\x05R\x05count\x12\x1b\n" +
	"\tperiod_ms\x18\x02 \x01(\x05R\bperiodMs\"\xcd\x01\n" +
	"\vQueueLimits\x12\x1f\n" +
	"\vmax_running\x18\x01 \x01(\x05R\n" +
	"maxRunning\x12/\n" +
	"\x04rate\x18\x02 \x01(\v2\x1b.qtasks.broker.v1.RateLimitR\x04rate\x12-\n" +
	"\x13max_running_per_key\x18\x03 \x01(\x05R\x10maxRunningPerKey\x12=\n" +
	"\frate_per_key\x18\x04 \x01(\v2\x1b.qtasks.broker.v1.RateLimitR\n" +
	"ratePerKey\"d\n" +
	"\x15SetQueueLimitsRequest\x12\x14\n" +
	"\x05queue\x18\x01 \x01(\tR\x05queue\x125\n" +
	"\x06limits\x18\x02 \x01(\v2\x1d.qtasks.broker.v1.QueueLimitsR\x06limits\"O\n" +
	"\x16SetQueueLimitsResponse\x125\n" +
	"\x06limits\x18\x01 \x01(\v2\x1d.qtasks.broker.v1.QueueLimitsR\x06limits\"-\n" +
	"\x15GetQueueLimitsRequest\x12\x14\n" +
	"\x05queue\x18\x01 \x01(\tR\x05queue\"O\n" +
	"\x16GetQueueLimitsResponse\x125\n" +
	"\x06limits\x18\x01 \x01(\v2\x1d.qtasks.broker.v1.QueueLimitsR\x06limits\"\x13\n" +
	"\x11ListQueuesRequest\"\x97\x01\n" +
	"\vQueueCounts\x12\x10\n" +
	"\x03new\x18\x01 \x01(\x05R\x03new\x12\x18\n" +
	"\aprocess\x18\x02 \x01(\x05R\aprocess\x12\x14\n" +
	"\x05retry\x18\x03 \x01(\x05R\x05retry\x12\x18\n" +
	"\asuccess\x18\x04 \x01(\x05R\asuccess\x12\x14\n" +
	"\x05error\x18\x05 \x01(\x05R\x05error\x12\x16\n" +
	"\x06cancel\x18\x06 \x01(\x05R\x06cancel\"\x88\x02\n" +
	"\tQueueInfo\x12\x12\n" +
	"\x04name\x18\x01 \x01(\tR\x04name\x125\n" +
	"\x06counts\x18\x02 \x01(\v2\x1d.qtasks.broker.v1.QueueCountsR\x06counts\x12\x16\n" +
	"\x06paused\x18\x03 \x01(\bR\x06paused\x125\n" +
	"\x06limits\x18\x04 \x01(\v2\x1d.qtasks.broker.v1.QueueLimitsR\x06limits\x12-\n" +
	"\x13oldest_ready_age_ms\x18\x05 \x01(\x01R\x10oldestReadyAgeMs\x122\n" +
	"\x15completed_last_minute\x18\x06 \x01(\x05R\x13completedLastMinute\"I\n" +
	"\x12ListQueuesResponse\x123\n" +
	"\x06queues\x18\x01 \x03(\v2\x1b.qtasks.broker.v1.QueueInfoR\x06queues*\xb6\x01\n" +
	"\n" +
	"TaskStatus\x12\x1b\n" +
	"\x17TASK_STATUS_UNSPECIFIED\x10\x00\x12\x13\n" +
	"\x0fTASK_STATUS_NEW\x10\x01\x12\x17\n" +
	"\x13TASK_STATUS_PROCESS\x10\x02\x12\x15\n" +
	"\x11TASK_STATUS_RETRY\x10\x03\x12\x17\n" +
	"\x13TASK_STATUS_SUCCESS\x10\x04\x12\x15\n" +
	"\x11TASK_STATUS_ERROR\x10\x05\x12\x16\n" +
	"\x12TASK_STATUS_CANCEL\x10\x062\xf1\f\n" +
	"\rBrokerService\x12N\n" +
	"\aEnqueue\x12 .qtasks.broker.v1.EnqueueRequest\x1a!.qtasks.broker.v1.EnqueueResponse\x12S\n" +
	"\aGetTask\x12 .qtasks.broker.v1.GetTaskRequest\x1a!.qtasks.broker.v1.GetTaskResponse\"\x03\x90\x02\x01\x12\\\n" +
	"\n" +
	"CancelTask\x12#.qtasks.broker.v1.CancelTaskRequest\x1a$.qtasks.broker.v1.CancelTaskResponse\"\x03\x90\x02\x02\x12Y\n" +
	"\tListTasks\x12\".qtasks.broker.v1.ListTasksRequest\x1a#.qtasks.broker.v1.ListTasksResponse\"\x03\x90\x02\x01\x12a\n" +
	"\vWatchResult\x12$.qtasks.broker.v1.WatchResultRequest\x1a%.qtasks.broker.v1.WatchResultResponse\"\x03\x90\x02\x010\x01\x12H\n" +
	"\x05Lease\x12\x1e.qtasks.broker.v1.LeaseRequest\x1a\x1f.qtasks.broker.v1.LeaseResponse\x12Y\n" +
	"\tHeartbeat\x12\".qtasks.broker.v1.HeartbeatRequest\x1a#.qtasks.broker.v1.HeartbeatResponse\"\x03\x90\x02\x02\x12V\n" +
	"\bComplete\x12!.qtasks.broker.v1.CompleteRequest\x1a\".qtasks.broker.v1.CompleteResponse\"\x03\x90\x02\x02\x12c\n" +
	"\x0eReportProgress\x12'.qtasks.broker.v1.ReportProgressRequest\x1a(.qtasks.broker.v1.ReportProgressResponse\x12I\n" +
	"\x04Work\x12\x1d.qtasks.broker.v1.WorkRequest\x1a\x1e.qtasks.broker.v1.WorkResponse(\x010\x01\x12R\n" +
	"\aProduce\x12 .qtasks.broker.v1.ProduceRequest\x1a!.qtasks.broker.v1.ProduceResponse(\x010\x01\x12T\n" +
	"\tRetryTask\x12\".qtasks.broker.v1.RetryTaskRequest\x1a#.qtasks.broker.v1.RetryTaskResponse\x12W\n" +
	"\n" +
	"PurgeQueue\x12#.qtasks.broker.v1.PurgeQueueRequest\x1a$.qtasks.broker.v1.PurgeQueueResponse\x12\\\n" +
	"\n" +
	"PauseQueue\x12#.qtasks.broker.v1.PauseQueueRequest\x1a$.qtasks.broker.v1.PauseQueueResponse\"\x03\x90\x02\x02\x12_\n" +
	"\vResumeQueue\x12$.qtasks.broker.v1.ResumeQueueRequest\x1a%.qtasks.broker.v1.ResumeQueueResponse\"\x03\x90\x02\x02\x12h\n" +
	"\x0eSetQueueLimits\x12'.qtasks.broker.v1.SetQueueLimitsRequest\x1a(.qtasks.broker.v1.SetQueueLimitsResponse\"\x03\x90\x02\x02\x12h\n" +
	"\x0eGetQueueLimits\x12'.qtasks.broker.v1.GetQueueLimitsRequest\x1a(.qtasks.broker.v1.GetQueueLimitsResponse\"\x03\x90\x02\x01\x12\\\n" +
	"\n" +
	"ListQueues\x12#.qtasks.broker.v1.ListQueuesRequest\x1a$.qtasks.broker.v1.ListQueuesResponse\"\x03\x90\x02\x01B\xcf\x01\n" +
	"\x14com.qtasks.broker.v1B\vBrokerProtoP\x01ZHgithub.com/qtasks/qtasks-broker/clients/go/gen/qtasks/broker/v1;brokerv1\xa2\x02\x03QBX\xaa\x02\x10Qtasks.Broker.V1\xca\x02\x10Qtasks\\Broker\\V1\xe2\x02\x1cQtasks\\Broker\\V1\\GPBMetadata\xea\x02\x12Qtasks::Broker::V1b\x06proto3"

var (
	file_qtasks_broker_v1_broker_proto_rawDescOnce sync.Once
	file_qtasks_broker_v1_broker_proto_rawDescData []byte
)

func file_qtasks_broker_v1_broker_proto_rawDescGZIP() []byte {
	file_qtasks_broker_v1_broker_proto_rawDescOnce.Do(func() {
		file_qtasks_broker_v1_broker_proto_rawDescData = protoimpl.X.CompressGZIP(unsafe.Slice(unsafe.StringData(file_qtasks_broker_v1_broker_proto_rawDesc), len(file_qtasks_broker_v1_broker_proto_rawDesc)))
	})
	return file_qtasks_broker_v1_broker_proto_rawDescData
}

var file_qtasks_broker_v1_broker_proto_enumTypes = make([]protoimpl.EnumInfo, 1)
var file_qtasks_broker_v1_broker_proto_msgTypes = make([]protoimpl.MessageInfo, 65)
var file_qtasks_broker_v1_broker_proto_goTypes = []any{
	(TaskStatus)(0),                // 0: qtasks.broker.v1.TaskStatus
	(*RetryBackoff)(nil),           // 1: qtasks.broker.v1.RetryBackoff
	(*TaskSpec)(nil),               // 2: qtasks.broker.v1.TaskSpec
	(*TraceContext)(nil),           // 3: qtasks.broker.v1.TraceContext
	(*TaskError)(nil),              // 4: qtasks.broker.v1.TaskError
	(*Task)(nil),                   // 5: qtasks.broker.v1.Task
	(*PastAttempt)(nil),            // 6: qtasks.broker.v1.PastAttempt
	(*EnqueueRequest)(nil),         // 7: qtasks.broker.v1.EnqueueRequest
	(*EnqueueResponse)(nil),        // 8: qtasks.broker.v1.EnqueueResponse
	(*GetTaskRequest)(nil),         // 9: qtasks.broker.v1.GetTaskRequest
	(*GetTaskResponse)(nil),        // 10: qtasks.broker.v1.GetTaskResponse
	(*CancelTaskRequest)(nil),      // 11: qtasks.broker.v1.CancelTaskRequest
	(*CancelTaskResponse)(nil),     // 12: qtasks.broker.v1.CancelTaskResponse
	(*ListTasksRequest)(nil),       // 13: qtasks.broker.v1.ListTasksRequest
	(*ListTasksResponse)(nil),      // 14: qtasks.broker.v1.ListTasksResponse
	(*WatchResultRequest)(nil),     // 15: qtasks.broker.v1.WatchResultRequest
	(*WatchResultResponse)(nil),    // 16: qtasks.broker.v1.WatchResultResponse
	(*LeaseRequest)(nil),           // 17: qtasks.broker.v1.LeaseRequest
	(*LeaseResponse)(nil),          // 18: qtasks.broker.v1.LeaseResponse
	(*LeasedTask)(nil),             // 19: qtasks.broker.v1.LeasedTask
	(*HeartbeatItem)(nil),          // 20: qtasks.broker.v1.HeartbeatItem
	(*HeartbeatRequest)(nil),       // 21: qtasks.broker.v1.HeartbeatRequest
	(*HeartbeatResult)(nil),        // 22: qtasks.broker.v1.HeartbeatResult
	(*HeartbeatResponse)(nil),      // 23: qtasks.broker.v1.HeartbeatResponse
	(*Success)(nil),                // 24: qtasks.broker.v1.Success
	(*Failure)(nil),                // 25: qtasks.broker.v1.Failure
	(*Cancelled)(nil),              // 26: qtasks.broker.v1.Cancelled
	(*Released)(nil),               // 27: qtasks.broker.v1.Released
	(*Completion)(nil),             // 28: qtasks.broker.v1.Completion
	(*CompleteRequest)(nil),        // 29: qtasks.broker.v1.CompleteRequest
	(*CompletionResult)(nil),       // 30: qtasks.broker.v1.CompletionResult
	(*CompleteResponse)(nil),       // 31: qtasks.broker.v1.CompleteResponse
	(*ProgressItem)(nil),           // 32: qtasks.broker.v1.ProgressItem
	(*ReportProgressRequest)(nil),  // 33: qtasks.broker.v1.ReportProgressRequest
	(*ProgressResult)(nil),         // 34: qtasks.broker.v1.ProgressResult
	(*ReportProgressResponse)(nil), // 35: qtasks.broker.v1.ReportProgressResponse
	(*WorkStart)(nil),              // 36: qtasks.broker.v1.WorkStart
	(*WorkRequest)(nil),            // 37: qtasks.broker.v1.WorkRequest
	(*CancelRequests)(nil),         // 38: qtasks.broker.v1.CancelRequests
	(*CancelRequest)(nil),          // 39: qtasks.broker.v1.CancelRequest
	(*WorkResponse)(nil),           // 40: qtasks.broker.v1.WorkResponse
	(*ProduceRequest)(nil),         // 41: qtasks.broker.v1.ProduceRequest
	(*StopWatching)(nil),           // 42: qtasks.broker.v1.StopWatching
	(*RequestError)(nil),           // 43: qtasks.broker.v1.RequestError
	(*WatchError)(nil),             // 44: qtasks.broker.v1.WatchError
	(*ProduceResponse)(nil),        // 45: qtasks.broker.v1.ProduceResponse
	(*RetryTaskRequest)(nil),       // 46: qtasks.broker.v1.RetryTaskRequest
	(*RetryTaskResponse)(nil),      // 47: qtasks.broker.v1.RetryTaskResponse
	(*PurgeQueueRequest)(nil),      // 48: qtasks.broker.v1.PurgeQueueRequest
	(*PurgeQueueResponse)(nil),     // 49: qtasks.broker.v1.PurgeQueueResponse
	(*PauseQueueRequest)(nil),      // 50: qtasks.broker.v1.PauseQueueRequest
	(*PauseQueueResponse)(nil),     // 51: qtasks.broker.v1.PauseQueueResponse
	(*ResumeQueueRequest)(nil),     // 52: qtasks.broker.v1.ResumeQueueRequest
	(*ResumeQueueResponse)(nil),    // 53: qtasks.broker.v1.ResumeQueueResponse
	(*RateLimit)(nil),              // 54: qtasks.broker.v1.RateLimit
	(*QueueLimits)(nil),            // 55: qtasks.broker.v1.QueueLimits
	(*SetQueueLimitsRequest)(nil),  // 56: qtasks.broker.v1.SetQueueLimitsRequest
	(*SetQueueLimitsResponse)(nil), // 57: qtasks.broker.v1.SetQueueLimitsResponse
	(*GetQueueLimitsRequest)(nil),  // 58: qtasks.broker.v1.GetQueueLimitsRequest
	(*GetQueueLimitsResponse)(nil), // 59: qtasks.broker.v1.GetQueueLimitsResponse
	(*ListQueuesRequest)(nil),      // 60: qtasks.broker.v1.ListQueuesRequest
	(*QueueCounts)(nil),            // 61: qtasks.broker.v1.QueueCounts
	(*QueueInfo)(nil),              // 62: qtasks.broker.v1.QueueInfo
	(*ListQueuesResponse)(nil),     // 63: qtasks.broker.v1.ListQueuesResponse
	nil,                            // 64: qtasks.broker.v1.TaskSpec.MetadataEntry
	nil,                            // 65: qtasks.broker.v1.Task.MetadataEntry
	(*timestamppb.Timestamp)(nil),  // 66: google.protobuf.Timestamp
}
var file_qtasks_broker_v1_broker_proto_depIdxs = []int32{
	1,  // 0: qtasks.broker.v1.TaskSpec.retry_backoff:type_name -> qtasks.broker.v1.RetryBackoff
	66, // 1: qtasks.broker.v1.TaskSpec.eta:type_name -> google.protobuf.Timestamp
	64, // 2: qtasks.broker.v1.TaskSpec.metadata:type_name -> qtasks.broker.v1.TaskSpec.MetadataEntry
	3,  // 3: qtasks.broker.v1.TaskSpec.trace_context:type_name -> qtasks.broker.v1.TraceContext
	0,  // 4: qtasks.broker.v1.Task.status:type_name -> qtasks.broker.v1.TaskStatus
	66, // 5: qtasks.broker.v1.Task.created_at:type_name -> google.protobuf.Timestamp
	66, // 6: qtasks.broker.v1.Task.updated_at:type_name -> google.protobuf.Timestamp
	66, // 7: qtasks.broker.v1.Task.started_at:type_name -> google.protobuf.Timestamp
	66, // 8: qtasks.broker.v1.Task.finished_at:type_name -> google.protobuf.Timestamp
	66, // 9: qtasks.broker.v1.Task.eta:type_name -> google.protobuf.Timestamp
	4,  // 10: qtasks.broker.v1.Task.error:type_name -> qtasks.broker.v1.TaskError
	65, // 11: qtasks.broker.v1.Task.metadata:type_name -> qtasks.broker.v1.Task.MetadataEntry
	6,  // 12: qtasks.broker.v1.Task.history:type_name -> qtasks.broker.v1.PastAttempt
	3,  // 13: qtasks.broker.v1.Task.trace_context:type_name -> qtasks.broker.v1.TraceContext
	0,  // 14: qtasks.broker.v1.PastAttempt.status:type_name -> qtasks.broker.v1.TaskStatus
	4,  // 15: qtasks.broker.v1.PastAttempt.error:type_name -> qtasks.broker.v1.TaskError
	66, // 16: qtasks.broker.v1.PastAttempt.started_at:type_name -> google.protobuf.Timestamp
	66, // 17: qtasks.broker.v1.PastAttempt.ended_at:type_name -> google.protobuf.Timestamp
	2,  // 18: qtasks.broker.v1.EnqueueRequest.tasks:type_name -> qtasks.broker.v1.TaskSpec
	5,  // 19: qtasks.broker.v1.EnqueueResponse.tasks:type_name -> qtasks.broker.v1.Task
	5,  // 20: qtasks.broker.v1.GetTaskResponse.task:type_name -> qtasks.broker.v1.Task
	5,  // 21: qtasks.broker.v1.CancelTaskResponse.task:type_name -> qtasks.broker.v1.Task
	0,  // 22: qtasks.broker.v1.ListTasksRequest.status:type_name -> qtasks.broker.v1.TaskStatus
	66, // 23: qtasks.broker.v1.ListTasksRequest.finished_after:type_name -> google.protobuf.Timestamp
	5,  // 24: qtasks.broker.v1.ListTasksResponse.tasks:type_name -> qtasks.broker.v1.Task
	5,  // 25: qtasks.broker.v1.WatchResultResponse.task:type_name -> qtasks.broker.v1.Task
	19, // 26: qtasks.broker.v1.LeaseResponse.tasks:type_name -> qtasks.broker.v1.LeasedTask
	5,  // 27: qtasks.broker.v1.LeasedTask.task:type_name -> qtasks.broker.v1.Task
	66, // 28: qtasks.broker.v1.LeasedTask.lease_deadline:type_name -> google.protobuf.Timestamp
	20, // 29: qtasks.broker.v1.HeartbeatRequest.items:type_name -> qtasks.broker.v1.HeartbeatItem
	66, // 30: qtasks.broker.v1.HeartbeatResult.lease_deadline:type_name -> google.protobuf.Timestamp
	22, // 31: qtasks.broker.v1.HeartbeatResponse.results:type_name -> qtasks.broker.v1.HeartbeatResult
	4,  // 32: qtasks.broker.v1.Failure.error:type_name -> qtasks.broker.v1.TaskError
	24, // 33: qtasks.broker.v1.Completion.success:type_name -> qtasks.broker.v1.Success
	25, // 34: qtasks.broker.v1.Completion.failure:type_name -> qtasks.broker.v1.Failure
	26, // 35: qtasks.broker.v1.Completion.cancelled:type_name -> qtasks.broker.v1.Cancelled
	27, // 36: qtasks.broker.v1.Completion.released:type_name -> qtasks.broker.v1.Released
	28, // 37: qtasks.broker.v1.CompleteRequest.completions:type_name -> qtasks.broker.v1.Completion
	5,  // 38: qtasks.broker.v1.CompletionResult.task:type_name -> qtasks.broker.v1.Task
	30, // 39: qtasks.broker.v1.CompleteResponse.results:type_name -> qtasks.broker.v1.CompletionResult
	32, // 40: qtasks.broker.v1.ReportProgressRequest.items:type_name -> qtasks.broker.v1.ProgressItem
	34, // 41: qtasks.broker.v1.ReportProgressResponse.results:type_name -> qtasks.broker.v1.ProgressResult
	36, // 42: qtasks.broker.v1.WorkRequest.start:type_name -> qtasks.broker.v1.WorkStart
	21, // 43: qtasks.broker.v1.WorkRequest.heartbeat:type_name -> qtasks.broker.v1.HeartbeatRequest
	33, // 44: qtasks.broker.v1.WorkRequest.progress:type_name -> qtasks.broker.v1.ReportProgressRequest
	29, // 45: qtasks.broker.v1.WorkRequest.complete:type_name -> qtasks.broker.v1.CompleteRequest
	39, // 46: qtasks.broker.v1.CancelRequests.tasks:type_name -> qtasks.broker.v1.CancelRequest
	18, // 47: qtasks.broker.v1.WorkResponse.tasks:type_name -> qtasks.broker.v1.LeaseResponse
	23, // 48: qtasks.broker.v1.WorkResponse.heartbeat:type_name -> qtasks.broker.v1.HeartbeatResponse
	35, // 49: qtasks.broker.v1.WorkResponse.progress:type_name -> qtasks.broker.v1.ReportProgressResponse
	31, // 50: qtasks.broker.v1.WorkResponse.complete:type_name -> qtasks.broker.v1.CompleteResponse
	38, // 51: qtasks.broker.v1.WorkResponse.cancel:type_name -> qtasks.broker.v1.CancelRequests
	7,  // 52: qtasks.broker.v1.ProduceRequest.enqueue:type_name -> qtasks.broker.v1.EnqueueRequest
	42, // 53: qtasks.broker.v1.ProduceRequest.stop_watching:type_name -> qtasks.broker.v1.StopWatching
	43, // 54: qtasks.broker.v1.WatchError.error:type_name -> qtasks.broker.v1.RequestError
	8,  // 55: qtasks.broker.v1.ProduceResponse.enqueued:type_name -> qtasks.broker.v1.EnqueueResponse
	43, // 56: qtasks.broker.v1.ProduceResponse.error:type_name -> qtasks.broker.v1.RequestError
	5,  // 57: qtasks.broker.v1.ProduceResponse.state:type_name -> qtasks.broker.v1.Task
	44, // 58: qtasks.broker.v1.ProduceResponse.watch_error:type_name -> qtasks.broker.v1.WatchError
	5,  // 59: qtasks.broker.v1.RetryTaskResponse.task:type_name -> qtasks.broker.v1.Task
	0,  // 60: qtasks.broker.v1.PurgeQueueRequest.statuses:type_name -> qtasks.broker.v1.TaskStatus
	62, // 61: qtasks.broker.v1.PauseQueueResponse.queue:type_name -> qtasks.broker.v1.QueueInfo
	62, // 62: qtasks.broker.v1.ResumeQueueResponse.queue:type_name -> qtasks.broker.v1.QueueInfo
	54, // 63: qtasks.broker.v1.QueueLimits.rate:type_name -> qtasks.broker.v1.RateLimit
	54, // 64: qtasks.broker.v1.QueueLimits.rate_per_key:type_name -> qtasks.broker.v1.RateLimit
	55, // 65: qtasks.broker.v1.SetQueueLimitsRequest.limits:type_name -> qtasks.broker.v1.QueueLimits
	55, // 66: qtasks.broker.v1.SetQueueLimitsResponse.limits:type_name -> qtasks.broker.v1.QueueLimits
	55, // 67: qtasks.broker.v1.GetQueueLimitsResponse.limits:type_name -> qtasks.broker.v1.QueueLimits
	61, // 68: qtasks.broker.v1.QueueInfo.counts:type_name -> qtasks.broker.v1.QueueCounts
	55, // 69: qtasks.broker.v1.QueueInfo.limits:type_name -> qtasks.broker.v1.QueueLimits
	62, // 70: qtasks.broker.v1.ListQueuesResponse.queues:type_name -> qtasks.broker.v1.QueueInfo
	7,  // 71: qtasks.broker.v1.BrokerService.Enqueue:input_type -> qtasks.broker.v1.EnqueueRequest
	9,  // 72: qtasks.broker.v1.BrokerService.GetTask:input_type -> qtasks.broker.v1.GetTaskRequest
	11, // 73: qtasks.broker.v1.BrokerService.CancelTask:input_type -> qtasks.broker.v1.CancelTaskRequest
	13, // 74: qtasks.broker.v1.BrokerService.ListTasks:input_type -> qtasks.broker.v1.ListTasksRequest
	15, // 75: qtasks.broker.v1.BrokerService.WatchResult:input_type -> qtasks.broker.v1.WatchResultRequest
	17, // 76: qtasks.broker.v1.BrokerService.Lease:input_type -> qtasks.broker.v1.LeaseRequest
	21, // 77: qtasks.broker.v1.BrokerService.Heartbeat:input_type -> qtasks.broker.v1.HeartbeatRequest
	29, // 78: qtasks.broker.v1.BrokerService.Complete:input_type -> qtasks.broker.v1.CompleteRequest
	33, // 79: qtasks.broker.v1.BrokerService.ReportProgress:input_type -> qtasks.broker.v1.ReportProgressRequest
	37, // 80: qtasks.broker.v1.BrokerService.Work:input_type -> qtasks.broker.v1.WorkRequest
	41, // 81: qtasks.broker.v1.BrokerService.Produce:input_type -> qtasks.broker.v1.ProduceRequest
	46, // 82: qtasks.broker.v1.BrokerService.RetryTask:input_type -> qtasks.broker.v1.RetryTaskRequest
	48, // 83: qtasks.broker.v1.BrokerService.PurgeQueue:input_type -> qtasks.broker.v1.PurgeQueueRequest
	50, // 84: qtasks.broker.v1.BrokerService.PauseQueue:input_type -> qtasks.broker.v1.PauseQueueRequest
	52, // 85: qtasks.broker.v1.BrokerService.ResumeQueue:input_type -> qtasks.broker.v1.ResumeQueueRequest
	56, // 86: qtasks.broker.v1.BrokerService.SetQueueLimits:input_type -> qtasks.broker.v1.SetQueueLimitsRequest
	58, // 87: qtasks.broker.v1.BrokerService.GetQueueLimits:input_type -> qtasks.broker.v1.GetQueueLimitsRequest
	60, // 88: qtasks.broker.v1.BrokerService.ListQueues:input_type -> qtasks.broker.v1.ListQueuesRequest
	8,  // 89: qtasks.broker.v1.BrokerService.Enqueue:output_type -> qtasks.broker.v1.EnqueueResponse
	10, // 90: qtasks.broker.v1.BrokerService.GetTask:output_type -> qtasks.broker.v1.GetTaskResponse
	12, // 91: qtasks.broker.v1.BrokerService.CancelTask:output_type -> qtasks.broker.v1.CancelTaskResponse
	14, // 92: qtasks.broker.v1.BrokerService.ListTasks:output_type -> qtasks.broker.v1.ListTasksResponse
	16, // 93: qtasks.broker.v1.BrokerService.WatchResult:output_type -> qtasks.broker.v1.WatchResultResponse
	18, // 94: qtasks.broker.v1.BrokerService.Lease:output_type -> qtasks.broker.v1.LeaseResponse
	23, // 95: qtasks.broker.v1.BrokerService.Heartbeat:output_type -> qtasks.broker.v1.HeartbeatResponse
	31, // 96: qtasks.broker.v1.BrokerService.Complete:output_type -> qtasks.broker.v1.CompleteResponse
	35, // 97: qtasks.broker.v1.BrokerService.ReportProgress:output_type -> qtasks.broker.v1.ReportProgressResponse
	40, // 98: qtasks.broker.v1.BrokerService.Work:output_type -> qtasks.broker.v1.WorkResponse
	45, // 99: qtasks.broker.v1.BrokerService.Produce:output_type -> qtasks.broker.v1.ProduceResponse
	47, // 100: qtasks.broker.v1.BrokerService.RetryTask:output_type -> qtasks.broker.v1.RetryTaskResponse
	49, // 101: qtasks.broker.v1.BrokerService.PurgeQueue:output_type -> qtasks.broker.v1.PurgeQueueResponse
	51, // 102: qtasks.broker.v1.BrokerService.PauseQueue:output_type -> qtasks.broker.v1.PauseQueueResponse
	53, // 103: qtasks.broker.v1.BrokerService.ResumeQueue:output_type -> qtasks.broker.v1.ResumeQueueResponse
	57, // 104: qtasks.broker.v1.BrokerService.SetQueueLimits:output_type -> qtasks.broker.v1.SetQueueLimitsResponse
	59, // 105: qtasks.broker.v1.BrokerService.GetQueueLimits:output_type -> qtasks.broker.v1.GetQueueLimitsResponse
	63, // 106: qtasks.broker.v1.BrokerService.ListQueues:output_type -> qtasks.broker.v1.ListQueuesResponse
	89, // [89:107] is the sub-list for method output_type
	71, // [71:89] is the sub-list for method input_type
	71, // [71:71] is the sub-list for extension type_name
	71, // [71:71] is the sub-list for extension extendee
	0,  // [0:71] is the sub-list for field type_name
}

func init() { file_qtasks_broker_v1_broker_proto_init() }
func file_qtasks_broker_v1_broker_proto_init() {
	if File_qtasks_broker_v1_broker_proto != nil {
		return
	}
	file_qtasks_broker_v1_broker_proto_msgTypes[1].OneofWrappers = []any{}
	file_qtasks_broker_v1_broker_proto_msgTypes[4].OneofWrappers = []any{}
	file_qtasks_broker_v1_broker_proto_msgTypes[27].OneofWrappers = []any{
		(*Completion_Success)(nil),
		(*Completion_Failure)(nil),
		(*Completion_Cancelled)(nil),
		(*Completion_Released)(nil),
	}
	file_qtasks_broker_v1_broker_proto_msgTypes[36].OneofWrappers = []any{
		(*WorkRequest_Start)(nil),
		(*WorkRequest_Heartbeat)(nil),
		(*WorkRequest_Progress)(nil),
		(*WorkRequest_Complete)(nil),
	}
	file_qtasks_broker_v1_broker_proto_msgTypes[39].OneofWrappers = []any{
		(*WorkResponse_Tasks)(nil),
		(*WorkResponse_Heartbeat)(nil),
		(*WorkResponse_Progress)(nil),
		(*WorkResponse_Complete)(nil),
		(*WorkResponse_Cancel)(nil),
	}
	file_qtasks_broker_v1_broker_proto_msgTypes[40].OneofWrappers = []any{
		(*ProduceRequest_Enqueue)(nil),
		(*ProduceRequest_StopWatching)(nil),
	}
	file_qtasks_broker_v1_broker_proto_msgTypes[44].OneofWrappers = []any{
		(*ProduceResponse_Enqueued)(nil),
		(*ProduceResponse_Error)(nil),
		(*ProduceResponse_State)(nil),
		(*ProduceResponse_WatchError)(nil),
	}
	type x struct{}
	out := protoimpl.TypeBuilder{
		File: protoimpl.DescBuilder{
			GoPackagePath: reflect.TypeOf(x{}).PkgPath(),
			RawDescriptor: unsafe.Slice(unsafe.StringData(file_qtasks_broker_v1_broker_proto_rawDesc), len(file_qtasks_broker_v1_broker_proto_rawDesc)),
			NumEnums:      1,
			NumMessages:   65,
			NumExtensions: 0,
			NumServices:   1,
		},
		GoTypes:           file_qtasks_broker_v1_broker_proto_goTypes,
		DependencyIndexes: file_qtasks_broker_v1_broker_proto_depIdxs,
		EnumInfos:         file_qtasks_broker_v1_broker_proto_enumTypes,
		MessageInfos:      file_qtasks_broker_v1_broker_proto_msgTypes,
	}.Build()
	File_qtasks_broker_v1_broker_proto = out.File
	file_qtasks_broker_v1_broker_proto_goTypes = nil
	file_qtasks_broker_v1_broker_proto_depIdxs = nil
}
