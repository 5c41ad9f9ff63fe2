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

// Code generated by protoc-gen-go-grpc. DO NOT EDIT.
// versions:
// - protoc-gen-go-grpc v1.6.2
// - protoc             (unknown)
// source: qtasks/broker/v1/broker.proto

package brokerv1

import (
	context "context"
	grpc "google.golang.org/grpc"
	codes "google.golang.org/grpc/codes"
	status "google.golang.org/grpc/status"
)

// This is a compile-time assertion to ensure that this generated file
// is compatible with the grpc package it is being compiled against.
// Requires gRPC-Go v1.64.0 or later.
const _ = grpc.SupportPackageIsVersion9

const (
	BrokerService_Enqueue_FullMethodName        = "/qtasks.broker.v1.BrokerService/Enqueue"
	BrokerService_GetTask_FullMethodName        = "/qtasks.broker.v1.BrokerService/GetTask"
	BrokerService_CancelTask_FullMethodName     = "/qtasks.broker.v1.BrokerService/CancelTask"
	BrokerService_ListTasks_FullMethodName      = "/qtasks.broker.v1.BrokerService/ListTasks"
	BrokerService_WatchResult_FullMethodName    = "/qtasks.broker.v1.BrokerService/WatchResult"
	BrokerService_Lease_FullMethodName          = "/qtasks.broker.v1.BrokerService/Lease"
	BrokerService_Heartbeat_FullMethodName      = "/qtasks.broker.v1.BrokerService/Heartbeat"
	BrokerService_Complete_FullMethodName       = "/qtasks.broker.v1.BrokerService/Complete"
	BrokerService_ReportProgress_FullMethodName = "/qtasks.broker.v1.BrokerService/ReportProgress"
	BrokerService_Work_FullMethodName           = "/qtasks.broker.v1.BrokerService/Work"
	BrokerService_Produce_FullMethodName        = "/qtasks.broker.v1.BrokerService/Produce"
	BrokerService_RetryTask_FullMethodName      = "/qtasks.broker.v1.BrokerService/RetryTask"
	BrokerService_PurgeQueue_FullMethodName     = "/qtasks.broker.v1.BrokerService/PurgeQueue"
	BrokerService_PauseQueue_FullMethodName     = "/qtasks.broker.v1.BrokerService/PauseQueue"
	BrokerService_ResumeQueue_FullMethodName    = "/qtasks.broker.v1.BrokerService/ResumeQueue"
	BrokerService_SetQueueLimits_FullMethodName = "/qtasks.broker.v1.BrokerService/SetQueueLimits"
	BrokerService_GetQueueLimits_FullMethodName = "/qtasks.broker.v1.BrokerService/GetQueueLimits"
	BrokerService_ListQueues_FullMethodName     = "/qtasks.broker.v1.BrokerService/ListQueues"
)

// BrokerServiceClient is the client API for BrokerService service.
//
// For semantics around ctx use and closing/ending streaming RPCs, please refer to https://pkg.go.dev/google.golang.org/grpc/?tab=doc#ClientConn.NewStream.
//
// BrokerService is the whole broker: producers, workers and watchers all talk to it.
type BrokerServiceClient interface {
	// Enqueue stores a batch of tasks atomically: either every task of the request is stored, or none
	// is. The reply is sent only once the tasks are durable (on disk in `strict` durability, committed
	// in `commit` durability). A task whose `idempotency_key` was already used in its queue is not
	// stored again: the first task is returned in its place, if it is the same task; if not, the
	// whole batch is refused with ALREADY_EXISTS.
	//
	// Errors: INVALID_ARGUMENT (a bad field, named in the message), ALREADY_EXISTS (an idempotency
	// key already used for another task, named as `tasks[i].idempotency_key`), RESOURCE_EXHAUSTED (a payload or
	// the batch over the limit, or the disk full; or the broker overloaded, reason OVERLOADED with a
	// RetryInfo: nothing was stored, resend after its delay), UNAVAILABLE
	// (shutting down), UNAUTHENTICATED, PERMISSION_DENIED (the token's scope is not `producer` or
	// `all`). Only Enqueue is refused for overload: the calls that drain the queue never are.
	Enqueue(ctx context.Context, in *EnqueueRequest, opts ...grpc.CallOption) (*EnqueueResponse, error)
	// GetTask returns the current state of one task.
	//
	// Errors: INVALID_ARGUMENT (empty `task_id`), NOT_FOUND, UNAVAILABLE, UNAUTHENTICATED,
	// PERMISSION_DENIED (the token's scope is not `producer` or `all`).
	GetTask(ctx context.Context, in *GetTaskRequest, opts ...grpc.CallOption) (*GetTaskResponse, error)
	// CancelTask cancels a task. A NEW or RETRY task becomes CANCEL at once. A PROCESS task is marked
	// `cancel_requested`: its worker sees that on its next Heartbeat and should stop and report
	// `Cancelled`; the task becomes CANCEL when the worker reports `Cancelled` or a `Failure`, or when
	// its lease runs out. A `Success` reported anyway is kept (the work was done). Cancelling a task
	// that is already CANCEL returns it unchanged.
	//
	// Errors: INVALID_ARGUMENT (empty `task_id`, over-long `reason`), NOT_FOUND,
	// FAILED_PRECONDITION (the task already ended in SUCCESS or ERROR), UNAVAILABLE, UNAUTHENTICATED,
	// PERMISSION_DENIED (the token's scope is not `producer` or `all`).
	CancelTask(ctx context.Context, in *CancelTaskRequest, opts ...grpc.CallOption) (*CancelTaskResponse, error)
	// ListTasks pages through tasks, optionally filtered by queue and status. Without a status
	// filter, tasks come grouped by status; within one status (or without any filter) they come in
	// id order, which is creation order.
	//
	// Errors: INVALID_ARGUMENT (a bad filter, page size or page token), UNAVAILABLE, UNAUTHENTICATED,
	// PERMISSION_DENIED (the token's scope is not `producer` or `all`).
	ListTasks(ctx context.Context, in *ListTasksRequest, opts ...grpc.CallOption) (*ListTasksResponse, error)
	// WatchResult streams a task's state: its current state first, then every transition as it is
	// committed, and the stream ends (status OK) right after a final status (SUCCESS, ERROR, CANCEL).
	// No transition is missed, even one that commits while the stream is being set up. A task that is
	// already final yields exactly one message.
	//
	// Errors: INVALID_ARGUMENT (empty `task_id`), NOT_FOUND, UNAVAILABLE (shutting down; re-watch
	// elsewhere, the current state comes first again), RESOURCE_EXHAUSTED (the client read nothing
	// for 30 s while states waited for it: they were dropped; re-watch to get the current state),
	// UNAUTHENTICATED, PERMISSION_DENIED (the token's scope is not `producer` or `all`).
	WatchResult(ctx context.Context, in *WatchResultRequest, opts ...grpc.CallOption) (grpc.ServerStreamingClient[WatchResultResponse], error)
	// Lease hands ready tasks to a worker: up to `max_tasks`, highest priority (lowest number)
	// first, FIFO within a priority, across all the queues asked for. Each leased task becomes
	// PROCESS with `attempt` incremented and a fresh lease token. With nothing ready, the call waits
	// up to `wait_ms` and returns the moment a task becomes ready; it may return fewer tasks than
	// asked, or none when the wait runs out.
	//
	// Errors: INVALID_ARGUMENT (a bad field, named in the message), UNAVAILABLE (shutting down:
	// waiting calls return empty first), UNAUTHENTICATED,
	// PERMISSION_DENIED (the token's scope is not `worker` or `all`).
	Lease(ctx context.Context, in *LeaseRequest, opts ...grpc.CallOption) (*LeaseResponse, error)
	// Heartbeat keeps leases alive and tells the worker which tasks were asked to cancel. Each item
	// is answered on its own: a stale or expired lease is refused (`ok` false) without affecting the
	// others, and the worker should then abandon that task (it has been, or will be, given to another
	// worker).
	//
	// Errors: INVALID_ARGUMENT (a bad field, named in the message), RESOURCE_EXHAUSTED (a batch over
	// the limit), UNAVAILABLE, UNAUTHENTICATED,
	// PERMISSION_DENIED (the token's scope is not `worker` or `all`).
	Heartbeat(ctx context.Context, in *HeartbeatRequest, opts ...grpc.CallOption) (*HeartbeatResponse, error)
	// Complete reports the outcomes of leased tasks. Each item is answered on its own: a stale or
	// expired lease token is refused (`accepted` false, with the reason) and changes nothing. A
	// `Failure` with `retryable` set and retries left moves the task to RETRY and runs it again after
	// its backoff; any other failure ends it in ERROR. The reply is sent only once the accepted
	// outcomes are durable.
	//
	// Errors: INVALID_ARGUMENT (a bad field, named in the message), RESOURCE_EXHAUSTED (a payload or
	// the batch over the limit, or the disk full), UNAVAILABLE, UNAUTHENTICATED,
	// PERMISSION_DENIED (the token's scope is not `worker` or `all`).
	Complete(ctx context.Context, in *CompleteRequest, opts ...grpc.CallOption) (*CompleteResponse, error)
	// ReportProgress publishes intermediate results of running tasks (e.g. the items a generator
	// task yields). Each item becomes the task's `progress` and is streamed to its watchers as a
	// transition of its own; progress is not a final result and does not extend the lease. Each item
	// is fenced by its lease token and answered on its own, like Heartbeat.
	//
	// Errors: INVALID_ARGUMENT (a bad field, named in the message), RESOURCE_EXHAUSTED (a payload or
	// the batch over the limit), UNAVAILABLE, UNAUTHENTICATED,
	// PERMISSION_DENIED (the token's scope is not `worker` or `all`).
	ReportProgress(ctx context.Context, in *ReportProgressRequest, opts ...grpc.CallOption) (*ReportProgressResponse, error)
	// Work is a worker's session: one stream that carries what Lease, Heartbeat, ReportProgress and
	// Complete carry, without a round trip per task. The worker opens it with `start` (its id, its
	// queues, its lease length and how many tasks it can take now: its credit). The broker pushes
	// ready tasks as they come, never more than the credit granted so far and not yet used; each
	// task pushed uses one credit. The worker grants more with `credit` on any message, typically
	// with the outcome that freed a slot, so the next task needs no Lease call. Heartbeats,
	// progress and outcomes go up in batches, each answered with its `request_id`, with the same
	// per-item fencing and results as the unary calls (outcomes are answered once durable). A task
	// of this session that is asked to cancel is pushed as `cancel` at once.
	//
	// Leases are the same as Lease's: ending the stream does not end them (a worker may reconnect
	// and report with its lease tokens); tasks it did not finish come back when their leases run
	// out, or at once if it gives them back with a `released` outcome. Tasks leased for the stream
	// but never sent on it (it was cut first) are given back at once. Once the worker ends its side,
	// no more tasks are pushed.
	//
	// Errors (ending the stream): INVALID_ARGUMENT (a bad field, named in the message; or a first
	// message that is not `start`, or a second `start`), RESOURCE_EXHAUSTED (a batch over the
	// limit), UNAVAILABLE (shutting down), UNAUTHENTICATED, PERMISSION_DENIED (the token's scope is
	// not `worker` or `all`).
	Work(ctx context.Context, opts ...grpc.CallOption) (grpc.BidiStreamingClient[WorkRequest, WorkResponse], error)
	// Produce is a producer's session: one stream that carries what Enqueue carries, without a call
	// per batch (a call's headers and set-up cost more than the enqueue itself on a fast broker).
	// Each `enqueue` is stored atomically, as Enqueue stores it, and answered with its `request_id`
	// once durable: `enqueued` with the tasks, as Enqueue answers, or `error` with the code and
	// message Enqueue would have failed with (`tasks[i].…` naming the field, the RetryInfo delay
	// of an overload refusal in `retry_after_ms`; no rich error details). A refused request stores nothing and does
	// not end the stream. Answers may come back in another order than the requests went.
	//
	// With `watch` set, the broker then pushes each stored task's later states with the request's
	// `request_id`, as WatchResult does but for the state the answer already carried: every
	// committed transition, none missed, the last one a final status. `stop_watching` ends such
	// watches early. Watches count against the broker's watcher limits like WatchResult streams.
	//
	// The broker reads a few requests ahead of its answers; past that, and while the client does not
	// read its answers, it stops reading (HTTP/2 flow control then holds the client back). When the
	// client ends its side, the broker answers what is in flight and pushes the watched states to
	// their end, then ends the stream.
	//
	// Errors (ending the stream): INVALID_ARGUMENT (a message that is not a valid ProduceRequest, or
	// a string field that is not valid UTF-8, named in the message), UNAVAILABLE (shutting down,
	// after answering the requests in flight), UNAUTHENTICATED, PERMISSION_DENIED (the token's scope
	// is not `producer` or `all`). A broker without this RPC answers UNIMPLEMENTED: use Enqueue.
	Produce(ctx context.Context, opts ...grpc.CallOption) (grpc.BidiStreamingClient[ProduceRequest, ProduceResponse], error)
	// RetryTask puts an ERROR or CANCEL task back to ready, as RETRY, with the same id and a fresh
	// retry budget (`max_retries` further attempts after its next one). Its watchers see the
	// transition; the failed attempts stay readable in `history`. The reply is sent once durable.
	//
	// Errors: INVALID_ARGUMENT (empty `task_id`), NOT_FOUND, FAILED_PRECONDITION (the task is not
	// ERROR or CANCEL: it succeeded, or is still waiting or running), UNAVAILABLE, UNAUTHENTICATED,
	// PERMISSION_DENIED (the token's scope is not `producer` or `all`).
	RetryTask(ctx context.Context, in *RetryTaskRequest, opts ...grpc.CallOption) (*RetryTaskResponse, error)
	// PurgeQueue removes the tasks of one queue that are in the given statuses (NEW, RETRY,
	// SUCCESS, ERROR, CANCEL; running tasks are never purged: cancel them), with their idempotency
	// keys, in batches of small commits. A purged task that had not ended is seen by its watchers
	// to end in CANCEL (reason `purged`) before it goes. The reply, sent once durable, counts the
	// tasks removed.
	//
	// Errors: INVALID_ARGUMENT (a bad `queue`, no status, or PROCESS among them), UNAVAILABLE,
	// UNAUTHENTICATED, PERMISSION_DENIED (the token's scope is not `all`).
	PurgeQueue(ctx context.Context, in *PurgeQueueRequest, opts ...grpc.CallOption) (*PurgeQueueResponse, error)
	// PauseQueue stops a queue from handing out tasks, durably (a paused queue stays paused across
	// restarts). It still accepts tasks; tasks already running finish. Pausing a queue that holds
	// no task yet is allowed (so that a queue can be paused before its first task arrives), and
	// pausing a paused queue changes nothing.
	//
	// Errors: INVALID_ARGUMENT (a bad `queue`), UNAVAILABLE, UNAUTHENTICATED,
	// PERMISSION_DENIED (the token's scope is not `all`).
	PauseQueue(ctx context.Context, in *PauseQueueRequest, opts ...grpc.CallOption) (*PauseQueueResponse, error)
	// ResumeQueue lets a paused queue hand out tasks again, durably; waiting workers get its ready
	// tasks at once. Resuming a queue that is not paused changes nothing.
	//
	// Errors: as PauseQueue.
	ResumeQueue(ctx context.Context, in *ResumeQueueRequest, opts ...grpc.CallOption) (*ResumeQueueResponse, error)
	// SetQueueLimits replaces a queue's limits, durably: how many of its tasks may run at once and
	// how many may start per period, over the whole queue and for each `limit_key` of the queue.
	// The broker enforces them when it hands tasks out, across every worker: a task over a limit
	// waits, in order, while tasks of other keys pass it, and waiting for a limit takes no lease and
	// no attempt. All zero removes the limits.
	//
	// Errors: INVALID_ARGUMENT (a bad `queue`, a negative number or a rate with a count but no
	// period, each named as `limits.…`), UNAVAILABLE, UNAUTHENTICATED,
	// PERMISSION_DENIED (the token's scope is not `all`).
	SetQueueLimits(ctx context.Context, in *SetQueueLimitsRequest, opts ...grpc.CallOption) (*SetQueueLimitsResponse, error)
	// GetQueueLimits reads a queue's limits back (all zero when it has none).
	//
	// Errors: INVALID_ARGUMENT (a bad `queue`), UNAVAILABLE, UNAUTHENTICATED,
	// PERMISSION_DENIED (the token's scope is not `producer` or `all`).
	GetQueueLimits(ctx context.Context, in *GetQueueLimitsRequest, opts ...grpc.CallOption) (*GetQueueLimitsResponse, error)
	// ListQueues returns every queue the broker knows (one that holds a task, or has settings), in
	// name order, with its counts by status (kept with every commit, never counted on demand),
	// paused or not, its limits, the age of its oldest ready task and its completions per minute.
	//
	// Errors: UNAVAILABLE, UNAUTHENTICATED, PERMISSION_DENIED (the token's scope is not `producer`
	// or `all`).
	ListQueues(ctx context.Context, in *ListQueuesRequest, opts ...grpc.CallOption) (*ListQueuesResponse, error)
}

type brokerServiceClient struct {
	cc grpc.ClientConnInterface
}

func NewBrokerServiceClient(cc grpc.ClientConnInterface) BrokerServiceClient {
	return &brokerServiceClient{cc}
}

func (c *brokerServiceClient) Enqueue(ctx context.Context, in *EnqueueRequest, opts ...grpc.CallOption) (*EnqueueResponse, error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	out := new(EnqueueResponse)
	err := c.cc.Invoke(ctx, BrokerService_Enqueue_FullMethodName, in, out, cOpts...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *brokerServiceClient) GetTask(ctx context.Context, in *GetTaskRequest, opts ...grpc.CallOption) (*GetTaskResponse, error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	out := new(GetTaskResponse)
	err := c.cc.Invoke(ctx, BrokerService_GetTask_FullMethodName, in, out, cOpts...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *brokerServiceClient) CancelTask(ctx context.Context, in *CancelTaskRequest, opts ...grpc.CallOption) (*CancelTaskResponse, error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	out := new(CancelTaskResponse)
	err := c.cc.Invoke(ctx, BrokerService_CancelTask_FullMethodName, in, out, cOpts...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *brokerServiceClient) ListTasks(ctx context.Context, in *ListTasksRequest, opts ...grpc.CallOption) (*ListTasksResponse, error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	out := new(ListTasksResponse)
	err := c.cc.Invoke(ctx, BrokerService_ListTasks_FullMethodName, in, out, cOpts...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *brokerServiceClient) WatchResult(ctx context.Context, in *WatchResultRequest, opts ...grpc.CallOption) (grpc.ServerStreamingClient[WatchResultResponse], error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	stream, err := c.cc.NewStream(ctx, &BrokerService_ServiceDesc.Streams[0], BrokerService_WatchResult_FullMethodName, cOpts...)
	if err != nil {
		return nil, err
	}
	x := &grpc.GenericClientStream[WatchResultRequest, WatchResultResponse]{ClientStream: stream}
	if err := x.ClientStream.SendMsg(in); err != nil {
		return nil, err
	}
	if err := x.ClientStream.CloseSend(); err != nil {
		return nil, err
	}
	return x, nil
}

// This type alias is provided for backwards compatibility with existing code that references the prior non-generic stream type by name.
type BrokerService_WatchResultClient = grpc.ServerStreamingClient[WatchResultResponse]

func (c *brokerServiceClient) Lease(ctx context.Context, in *LeaseRequest, opts ...grpc.CallOption) (*LeaseResponse, error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	out := new(LeaseResponse)
	err := c.cc.Invoke(ctx, BrokerService_Lease_FullMethodName, in, out, cOpts...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *brokerServiceClient) Heartbeat(ctx context.Context, in *HeartbeatRequest, opts ...grpc.CallOption) (*HeartbeatResponse, error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	out := new(HeartbeatResponse)
	err := c.cc.Invoke(ctx, BrokerService_Heartbeat_FullMethodName, in, out, cOpts...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *brokerServiceClient) Complete(ctx context.Context, in *CompleteRequest, opts ...grpc.CallOption) (*CompleteResponse, error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	out := new(CompleteResponse)
	err := c.cc.Invoke(ctx, BrokerService_Complete_FullMethodName, in, out, cOpts...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *brokerServiceClient) ReportProgress(ctx context.Context, in *ReportProgressRequest, opts ...grpc.CallOption) (*ReportProgressResponse, error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	out := new(ReportProgressResponse)
	err := c.cc.Invoke(ctx, BrokerService_ReportProgress_FullMethodName, in, out, cOpts...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *brokerServiceClient) Work(ctx context.Context, opts ...grpc.CallOption) (grpc.BidiStreamingClient[WorkRequest, WorkResponse], error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	stream, err := c.cc.NewStream(ctx, &BrokerService_ServiceDesc.Streams[1], BrokerService_Work_FullMethodName, cOpts...)
	if err != nil {
		return nil, err
	}
	x := &grpc.GenericClientStream[WorkRequest, WorkResponse]{ClientStream: stream}
	return x, nil
}

// This type alias is provided for backwards compatibility with existing code that references the prior non-generic stream type by name.
type BrokerService_WorkClient = grpc.BidiStreamingClient[WorkRequest, WorkResponse]

func (c *brokerServiceClient) Produce(ctx context.Context, opts ...grpc.CallOption) (grpc.BidiStreamingClient[ProduceRequest, ProduceResponse], error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	stream, err := c.cc.NewStream(ctx, &BrokerService_ServiceDesc.Streams[2], BrokerService_Produce_FullMethodName, cOpts...)
	if err != nil {
		return nil, err
	}
	x := &grpc.GenericClientStream[ProduceRequest, ProduceResponse]{ClientStream: stream}
	return x, nil
}

// This type alias is provided for backwards compatibility with existing code that references the prior non-generic stream type by name.
type BrokerService_ProduceClient = grpc.BidiStreamingClient[ProduceRequest, ProduceResponse]

func (c *brokerServiceClient) RetryTask(ctx context.Context, in *RetryTaskRequest, opts ...grpc.CallOption) (*RetryTaskResponse, error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	out := new(RetryTaskResponse)
	err := c.cc.Invoke(ctx, BrokerService_RetryTask_FullMethodName, in, out, cOpts...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *brokerServiceClient) PurgeQueue(ctx context.Context, in *PurgeQueueRequest, opts ...grpc.CallOption) (*PurgeQueueResponse, error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	out := new(PurgeQueueResponse)
	err := c.cc.Invoke(ctx, BrokerService_PurgeQueue_FullMethodName, in, out, cOpts...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *brokerServiceClient) PauseQueue(ctx context.Context, in *PauseQueueRequest, opts ...grpc.CallOption) (*PauseQueueResponse, error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	out := new(PauseQueueResponse)
	err := c.cc.Invoke(ctx, BrokerService_PauseQueue_FullMethodName, in, out, cOpts...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *brokerServiceClient) ResumeQueue(ctx context.Context, in *ResumeQueueRequest, opts ...grpc.CallOption) (*ResumeQueueResponse, error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	out := new(ResumeQueueResponse)
	err := c.cc.Invoke(ctx, BrokerService_ResumeQueue_FullMethodName, in, out, cOpts...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *brokerServiceClient) SetQueueLimits(ctx context.Context, in *SetQueueLimitsRequest, opts ...grpc.CallOption) (*SetQueueLimitsResponse, error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	out := new(SetQueueLimitsResponse)
	err := c.cc.Invoke(ctx, BrokerService_SetQueueLimits_FullMethodName, in, out, cOpts...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *brokerServiceClient) GetQueueLimits(ctx context.Context, in *GetQueueLimitsRequest, opts ...grpc.CallOption) (*GetQueueLimitsResponse, error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	out := new(GetQueueLimitsResponse)
	err := c.cc.Invoke(ctx, BrokerService_GetQueueLimits_FullMethodName, in, out, cOpts...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *brokerServiceClient) ListQueues(ctx context.Context, in *ListQueuesRequest, opts ...grpc.CallOption) (*ListQueuesResponse, error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	out := new(ListQueuesResponse)
	err := c.cc.Invoke(ctx, BrokerService_ListQueues_FullMethodName, in, out, cOpts...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// BrokerServiceServer is the server API for BrokerService service.
// All implementations must embed UnimplementedBrokerServiceServer
// for forward compatibility.
//
// BrokerService is the whole broker: producers, workers and watchers all talk to it.
type BrokerServiceServer interface {
	// Enqueue stores a batch of tasks atomically: either every task of the request is stored, or none
	// is. The reply is sent only once the tasks are durable (on disk in `strict` durability, committed
	// in `commit` durability). A task whose `idempotency_key` was already used in its queue is not
	// stored again: the first task is returned in its place, if it is the same task; if not, the
	// whole batch is refused with ALREADY_EXISTS.
	//
	// Errors: INVALID_ARGUMENT (a bad field, named in the message), ALREADY_EXISTS (an idempotency
	// key already used for another task, named as `tasks[i].idempotency_key`), RESOURCE_EXHAUSTED (a payload or
	// the batch over the limit, or the disk full; or the broker overloaded, reason OVERLOADED with a
	// RetryInfo: nothing was stored, resend after its delay), UNAVAILABLE
	// (shutting down), UNAUTHENTICATED, PERMISSION_DENIED (the token's scope is not `producer` or
	// `all`). Only Enqueue is refused for overload: the calls that drain the queue never are.
	Enqueue(context.Context, *EnqueueRequest) (*EnqueueResponse, error)
	// GetTask returns the current state of one task.
	//
	// Errors: INVALID_ARGUMENT (empty `task_id`), NOT_FOUND, UNAVAILABLE, UNAUTHENTICATED,
	// PERMISSION_DENIED (the token's scope is not `producer` or `all`).
	GetTask(context.Context, *GetTaskRequest) (*GetTaskResponse, error)
	// CancelTask cancels a task. A NEW or RETRY task becomes CANCEL at once. A PROCESS task is marked
	// `cancel_requested`: its worker sees that on its next Heartbeat and should stop and report
	// `Cancelled`; the task becomes CANCEL when the worker reports `Cancelled` or a `Failure`, or when
	// its lease runs out. A `Success` reported anyway is kept (the work was done). Cancelling a task
	// that is already CANCEL returns it unchanged.
	//
	// Errors: INVALID_ARGUMENT (empty `task_id`, over-long `reason`), NOT_FOUND,
	// FAILED_PRECONDITION (the task already ended in SUCCESS or ERROR), UNAVAILABLE, UNAUTHENTICATED,
	// PERMISSION_DENIED (the token's scope is not `producer` or `all`).
	CancelTask(context.Context, *CancelTaskRequest) (*CancelTaskResponse, error)
	// ListTasks pages through tasks, optionally filtered by queue and status. Without a status
	// filter, tasks come grouped by status; within one status (or without any filter) they come in
	// id order, which is creation order.
	//
	// Errors: INVALID_ARGUMENT (a bad filter, page size or page token), UNAVAILABLE, UNAUTHENTICATED,
	// PERMISSION_DENIED (the token's scope is not `producer` or `all`).
	ListTasks(context.Context, *ListTasksRequest) (*ListTasksResponse, error)
	// WatchResult streams a task's state: its current state first, then every transition as it is
	// committed, and the stream ends (status OK) right after a final status (SUCCESS, ERROR, CANCEL).
	// No transition is missed, even one that commits while the stream is being set up. A task that is
	// already final yields exactly one message.
	//
	// Errors: INVALID_ARGUMENT (empty `task_id`), NOT_FOUND, UNAVAILABLE (shutting down; re-watch
	// elsewhere, the current state comes first again), RESOURCE_EXHAUSTED (the client read nothing
	// for 30 s while states waited for it: they were dropped; re-watch to get the current state),
	// UNAUTHENTICATED, PERMISSION_DENIED (the token's scope is not `producer` or `all`).
	WatchResult(*WatchResultRequest, grpc.ServerStreamingServer[WatchResultResponse]) error
	// Lease hands ready tasks to a worker: up to `max_tasks`, highest priority (lowest number)
	// first, FIFO within a priority, across all the queues asked for. Each leased task becomes
	// PROCESS with `attempt` incremented and a fresh lease token. With nothing ready, the call waits
	// up to `wait_ms` and returns the moment a task becomes ready; it may return fewer tasks than
	// asked, or none when the wait runs out.
	//
	// Errors: INVALID_ARGUMENT (a bad field, named in the message), UNAVAILABLE (shutting down:
	// waiting calls return empty first), UNAUTHENTICATED,
	// PERMISSION_DENIED (the token's scope is not `worker` or `all`).
	Lease(context.Context, *LeaseRequest) (*LeaseResponse, error)
	// Heartbeat keeps leases alive and tells the worker which tasks were asked to cancel. Each item
	// is answered on its own: a stale or expired lease is refused (`ok` false) without affecting the
	// others, and the worker should then abandon that task (it has been, or will be, given to another
	// worker).
	//
	// Errors: INVALID_ARGUMENT (a bad field, named in the message), RESOURCE_EXHAUSTED (a batch over
	// the limit), UNAVAILABLE, UNAUTHENTICATED,
	// PERMISSION_DENIED (the token's scope is not `worker` or `all`).
	Heartbeat(context.Context, *HeartbeatRequest) (*HeartbeatResponse, error)
	// Complete reports the outcomes of leased tasks. Each item is answered on its own: a stale or
	// expired lease token is refused (`accepted` false, with the reason) and changes nothing. A
	// `Failure` with `retryable` set and retries left moves the task to RETRY and runs it again after
	// its backoff; any other failure ends it in ERROR. The reply is sent only once the accepted
	// outcomes are durable.
	//
	// Errors: INVALID_ARGUMENT (a bad field, named in the message), RESOURCE_EXHAUSTED (a payload or
	// the batch over the limit, or the disk full), UNAVAILABLE, UNAUTHENTICATED,
	// PERMISSION_DENIED (the token's scope is not `worker` or `all`).
	Complete(context.Context, *CompleteRequest) (*CompleteResponse, error)
	// ReportProgress publishes intermediate results of running tasks (e.g. the items a generator
	// task yields). Each item becomes the task's `progress` and is streamed to its watchers as a
	// transition of its own; progress is not a final result and does not extend the lease. Each item
	// is fenced by its lease token and answered on its own, like Heartbeat.
	//
	// Errors: INVALID_ARGUMENT (a bad field, named in the message), RESOURCE_EXHAUSTED (a payload or
	// the batch over the limit), UNAVAILABLE, UNAUTHENTICATED,
	// PERMISSION_DENIED (the token's scope is not `worker` or `all`).
	ReportProgress(context.Context, *ReportProgressRequest) (*ReportProgressResponse, error)
	// Work is a worker's session: one stream that carries what Lease, Heartbeat, ReportProgress and
	// Complete carry, without a round trip per task. The worker opens it with `start` (its id, its
	// queues, its lease length and how many tasks it can take now: its credit). The broker pushes
	// ready tasks as they come, never more than the credit granted so far and not yet used; each
	// task pushed uses one credit. The worker grants more with `credit` on any message, typically
	// with the outcome that freed a slot, so the next task needs no Lease call. Heartbeats,
	// progress and outcomes go up in batches, each answered with its `request_id`, with the same
	// per-item fencing and results as the unary calls (outcomes are answered once durable). A task
	// of this session that is asked to cancel is pushed as `cancel` at once.
	//
	// Leases are the same as Lease's: ending the stream does not end them (a worker may reconnect
	// and report with its lease tokens); tasks it did not finish come back when their leases run
	// out, or at once if it gives them back with a `released` outcome. Tasks leased for the stream
	// but never sent on it (it was cut first) are given back at once. Once the worker ends its side,
	// no more tasks are pushed.
	//
	// Errors (ending the stream): INVALID_ARGUMENT (a bad field, named in the message; or a first
	// message that is not `start`, or a second `start`), RESOURCE_EXHAUSTED (a batch over the
	// limit), UNAVAILABLE (shutting down), UNAUTHENTICATED, PERMISSION_DENIED (the token's scope is
	// not `worker` or `all`).
	Work(grpc.BidiStreamingServer[WorkRequest, WorkResponse]) error
	// Produce is a producer's session: one stream that carries what Enqueue carries, without a call
	// per batch (a call's headers and set-up cost more than the enqueue itself on a fast broker).
	// Each `enqueue` is stored atomically, as Enqueue stores it, and answered with its `request_id`
	// once durable: `enqueued` with the tasks, as Enqueue answers, or `error` with the code and
	// message Enqueue would have failed with (`tasks[i].…` naming the field, the RetryInfo delay
	// of an overload refusal in `retry_after_ms`; no rich error details). A refused request stores nothing and does
	// not end the stream. Answers may come back in another order than the requests went.
	//
	// With `watch` set, the broker then pushes each stored task's later states with the request's
	// `request_id`, as WatchResult does but for the state the answer already carried: every
	// committed transition, none missed, the last one a final status. `stop_watching` ends such
	// watches early. Watches count against the broker's watcher limits like WatchResult streams.
	//
	// The broker reads a few requests ahead of its answers; past that, and while the client does not
	// read its answers, it stops reading (HTTP/2 flow control then holds the client back). When the
	// client ends its side, the broker answers what is in flight and pushes the watched states to
	// their end, then ends the stream.
	//
	// Errors (ending the stream): INVALID_ARGUMENT (a message that is not a valid ProduceRequest, or
	// a string field that is not valid UTF-8, named in the message), UNAVAILABLE (shutting down,
	// after answering the requests in flight), UNAUTHENTICATED, PERMISSION_DENIED (the token's scope
	// is not `producer` or `all`). A broker without this RPC answers UNIMPLEMENTED: use Enqueue.
	Produce(grpc.BidiStreamingServer[ProduceRequest, ProduceResponse]) error
	// RetryTask puts an ERROR or CANCEL task back to ready, as RETRY, with the same id and a fresh
	// retry budget (`max_retries` further attempts after its next one). Its watchers see the
	// transition; the failed attempts stay readable in `history`. The reply is sent once durable.
	//
	// Errors: INVALID_ARGUMENT (empty `task_id`), NOT_FOUND, FAILED_PRECONDITION (the task is not
	// ERROR or CANCEL: it succeeded, or is still waiting or running), UNAVAILABLE, UNAUTHENTICATED,
	// PERMISSION_DENIED (the token's scope is not `producer` or `all`).
	RetryTask(context.Context, *RetryTaskRequest) (*RetryTaskResponse, error)
	// PurgeQueue removes the tasks of one queue that are in the given statuses (NEW, RETRY,
	// SUCCESS, ERROR, CANCEL; running tasks are never purged: cancel them), with their idempotency
	// keys, in batches of small commits. A purged task that had not ended is seen by its watchers
	// to end in CANCEL (reason `purged`) before it goes. The reply, sent once durable, counts the
	// tasks removed.
	//
	// Errors: INVALID_ARGUMENT (a bad `queue`, no status, or PROCESS among them), UNAVAILABLE,
	// UNAUTHENTICATED, PERMISSION_DENIED (the token's scope is not `all`).
	PurgeQueue(context.Context, *PurgeQueueRequest) (*PurgeQueueResponse, error)
	// PauseQueue stops a queue from handing out tasks, durably (a paused queue stays paused across
	// restarts). It still accepts tasks; tasks already running finish. Pausing a queue that holds
	// no task yet is allowed (so that a queue can be paused before its first task arrives), and
	// pausing a paused queue changes nothing.
	//
	// Errors: INVALID_ARGUMENT (a bad `queue`), UNAVAILABLE, UNAUTHENTICATED,
	// PERMISSION_DENIED (the token's scope is not `all`).
	PauseQueue(context.Context, *PauseQueueRequest) (*PauseQueueResponse, error)
	// ResumeQueue lets a paused queue hand out tasks again, durably; waiting workers get its ready
	// tasks at once. Resuming a queue that is not paused changes nothing.
	//
	// Errors: as PauseQueue.
	ResumeQueue(context.Context, *ResumeQueueRequest) (*ResumeQueueResponse, error)
	// SetQueueLimits replaces a queue's limits, durably: how many of its tasks may run at once and
	// how many may start per period, over the whole queue and for each `limit_key` of the queue.
	// The broker enforces them when it hands tasks out, across every worker: a task over a limit
	// waits, in order, while tasks of other keys pass it, and waiting for a limit takes no lease and
	// no attempt. All zero removes the limits.
	//
	// Errors: INVALID_ARGUMENT (a bad `queue`, a negative number or a rate with a count but no
	// period, each named as `limits.…`), UNAVAILABLE, UNAUTHENTICATED,
	// PERMISSION_DENIED (the token's scope is not `all`).
	SetQueueLimits(context.Context, *SetQueueLimitsRequest) (*SetQueueLimitsResponse, error)
	// GetQueueLimits reads a queue's limits back (all zero when it has none).
	//
	// Errors: INVALID_ARGUMENT (a bad `queue`), UNAVAILABLE, UNAUTHENTICATED,
	// PERMISSION_DENIED (the token's scope is not `producer` or `all`).
	GetQueueLimits(context.Context, *GetQueueLimitsRequest) (*GetQueueLimitsResponse, error)
	// ListQueues returns every queue the broker knows (one that holds a task, or has settings), in
	// name order, with its counts by status (kept with every commit, never counted on demand),
	// paused or not, its limits, the age of its oldest ready task and its completions per minute.
	//
	// Errors: UNAVAILABLE, UNAUTHENTICATED, PERMISSION_DENIED (the token's scope is not `producer`
	// or `all`).
	ListQueues(context.Context, *ListQueuesRequest) (*ListQueuesResponse, error)
	mustEmbedUnimplementedBrokerServiceServer()
}

// UnimplementedBrokerServiceServer must be embedded to have
// forward compatible implementations.
//
// NOTE: this should be embedded by value instead of pointer to avoid a nil
// pointer dereference when methods are called.
type UnimplementedBrokerServiceServer struct{}

func (UnimplementedBrokerServiceServer) Enqueue(context.Context, *EnqueueRequest) (*EnqueueResponse, error) {
	return nil, status.Error(codes.Unimplemented, "method Enqueue not implemented")
}
func (UnimplementedBrokerServiceServer) GetTask(context.Context, *GetTaskRequest) (*GetTaskResponse, error) {
	return nil, status.Error(codes.Unimplemented, "method GetTask not implemented")
}
func (UnimplementedBrokerServiceServer) CancelTask(context.Context, *CancelTaskRequest) (*CancelTaskResponse, error) {
	return nil, status.Error(codes.Unimplemented, "method CancelTask not implemented")
}
func (UnimplementedBrokerServiceServer) ListTasks(context.Context, *ListTasksRequest) (*ListTasksResponse, error) {
	return nil, status.Error(codes.Unimplemented, "method ListTasks not implemented")
}
func (UnimplementedBrokerServiceServer) WatchResult(*WatchResultRequest, grpc.ServerStreamingServer[WatchResultResponse]) error {
	return status.Error(codes.Unimplemented, "method WatchResult not implemented")
}
func (UnimplementedBrokerServiceServer) Lease(context.Context, *LeaseRequest) (*LeaseResponse, error) {
	return nil, status.Error(codes.Unimplemented, "method Lease not implemented")
}
func (UnimplementedBrokerServiceServer) Heartbeat(context.Context, *HeartbeatRequest) (*HeartbeatResponse, error) {
	return nil, status.Error(codes.Unimplemented, "method Heartbeat not implemented")
}
func (UnimplementedBrokerServiceServer) Complete(context.Context, *CompleteRequest) (*CompleteResponse, error) {
	return nil, status.Error(codes.Unimplemented, "method Complete not implemented")
}
func (UnimplementedBrokerServiceServer) ReportProgress(context.Context, *ReportProgressRequest) (*ReportProgressResponse, error) {
	return nil, status.Error(codes.Unimplemented, "method ReportProgress not implemented")
}
func (UnimplementedBrokerServiceServer) Work(grpc.BidiStreamingServer[WorkRequest, WorkResponse]) error {
	return status.Error(codes.Unimplemented, "method Work not implemented")
}
func (UnimplementedBrokerServiceServer) Produce(grpc.BidiStreamingServer[ProduceRequest, ProduceResponse]) error {
	return status.Error(codes.Unimplemented, "method Produce not implemented")
}
func (UnimplementedBrokerServiceServer) RetryTask(context.Context, *RetryTaskRequest) (*RetryTaskResponse, error) {
	return nil, status.Error(codes.Unimplemented, "method RetryTask not implemented")
}
func (UnimplementedBrokerServiceServer) PurgeQueue(context.Context, *PurgeQueueRequest) (*PurgeQueueResponse, error) {
	return nil, status.Error(codes.Unimplemented, "method PurgeQueue not implemented")
}
func (UnimplementedBrokerServiceServer) PauseQueue(context.Context, *PauseQueueRequest) (*PauseQueueResponse, error) {
	return nil, status.Error(codes.Unimplemented, "method PauseQueue not implemented")
}
func (UnimplementedBrokerServiceServer) ResumeQueue(context.Context, *ResumeQueueRequest) (*ResumeQueueResponse, error) {
	return nil, status.Error(codes.Unimplemented, "method ResumeQueue not implemented")
}
func (UnimplementedBrokerServiceServer) SetQueueLimits(context.Context, *SetQueueLimitsRequest) (*SetQueueLimitsResponse, error) {
	return nil, status.Error(codes.Unimplemented, "method SetQueueLimits not implemented")
}
func (UnimplementedBrokerServiceServer) GetQueueLimits(context.Context, *GetQueueLimitsRequest) (*GetQueueLimitsResponse, error) {
	return nil, status.Error(codes.Unimplemented, "method GetQueueLimits not implemented")
}
func (UnimplementedBrokerServiceServer) ListQueues(context.Context, *ListQueuesRequest) (*ListQueuesResponse, error) {
	return nil, status.Error(codes.Unimplemented, "method ListQueues not implemented")
}
func (UnimplementedBrokerServiceServer) mustEmbedUnimplementedBrokerServiceServer() {}
func (UnimplementedBrokerServiceServer) testEmbeddedByValue()                       {}

// UnsafeBrokerServiceServer may be embedded to opt out of forward compatibility for this service.
// Use of this interface is not recommended, as added methods to BrokerServiceServer will
// result in compilation errors.
type UnsafeBrokerServiceServer interface {
	mustEmbedUnimplementedBrokerServiceServer()
}

func RegisterBrokerServiceServer(s grpc.ServiceRegistrar, srv BrokerServiceServer) {
	// If the following call panics, it indicates UnimplementedBrokerServiceServer was
	// embedded by pointer and is nil.  This will cause panics if an
	// unimplemented method is ever invoked, so we test this at initialization
	// time to prevent it from happening at runtime later due to I/O.
	if t, ok := srv.(interface{ testEmbeddedByValue() }); ok {
		t.testEmbeddedByValue()
	}
	s.RegisterService(&BrokerService_ServiceDesc, srv)
}

func _BrokerService_Enqueue_Handler(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
	in := new(EnqueueRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	if interceptor == nil {
		return srv.(BrokerServiceServer).Enqueue(ctx, in)
	}
	info := &grpc.UnaryServerInfo{
		Server:     srv,
		FullMethod: BrokerService_Enqueue_FullMethodName,
	}
	handler := func(ctx context.Context, req interface{}) (interface{}, error) {
		return srv.(BrokerServiceServer).Enqueue(ctx, req.(*EnqueueRequest))
	}
	return interceptor(ctx, in, info, handler)
}

func _BrokerService_GetTask_Handler(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
	in := new(GetTaskRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	if interceptor == nil {
		return srv.(BrokerServiceServer).GetTask(ctx, in)
	}
	info := &grpc.UnaryServerInfo{
		Server:     srv,
		FullMethod: BrokerService_GetTask_FullMethodName,
	}
	handler := func(ctx context.Context, req interface{}) (interface{}, error) {
		return srv.(BrokerServiceServer).GetTask(ctx, req.(*GetTaskRequest))
	}
	return interceptor(ctx, in, info, handler)
}

func _BrokerService_CancelTask_Handler(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
	in := new(CancelTaskRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	if interceptor == nil {
		return srv.(BrokerServiceServer).CancelTask(ctx, in)
	}
	info := &grpc.UnaryServerInfo{
		Server:     srv,
		FullMethod: BrokerService_CancelTask_FullMethodName,
	}
	handler := func(ctx context.Context, req interface{}) (interface{}, error) {
		return srv.(BrokerServiceServer).CancelTask(ctx, req.(*CancelTaskRequest))
	}
	return interceptor(ctx, in, info, handler)
}

func _BrokerService_ListTasks_Handler(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
	in := new(ListTasksRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	if interceptor == nil {
		return srv.(BrokerServiceServer).ListTasks(ctx, in)
	}
	info := &grpc.UnaryServerInfo{
		Server:     srv,
		FullMethod: BrokerService_ListTasks_FullMethodName,
	}
	handler := func(ctx context.Context, req interface{}) (interface{}, error) {
		return srv.(BrokerServiceServer).ListTasks(ctx, req.(*ListTasksRequest))
	}
	return interceptor(ctx, in, info, handler)
}

func _BrokerService_WatchResult_Handler(srv interface{}, stream grpc.ServerStream) error {
	m := new(WatchResultRequest)
	if err := stream.RecvMsg(m); err != nil {
		return err
	}
	return srv.(BrokerServiceServer).WatchResult(m, &grpc.GenericServerStream[WatchResultRequest, WatchResultResponse]{ServerStream: stream})
}

// This type alias is provided for backwards compatibility with existing code that references the prior non-generic stream type by name.
type BrokerService_WatchResultServer = grpc.ServerStreamingServer[WatchResultResponse]

func _BrokerService_Lease_Handler(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
	in := new(LeaseRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	if interceptor == nil {
		return srv.(BrokerServiceServer).Lease(ctx, in)
	}
	info := &grpc.UnaryServerInfo{
		Server:     srv,
		FullMethod: BrokerService_Lease_FullMethodName,
	}
	handler := func(ctx context.Context, req interface{}) (interface{}, error) {
		return srv.(BrokerServiceServer).Lease(ctx, req.(*LeaseRequest))
	}
	return interceptor(ctx, in, info, handler)
}

func _BrokerService_Heartbeat_Handler(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
	in := new(HeartbeatRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	if interceptor == nil {
		return srv.(BrokerServiceServer).Heartbeat(ctx, in)
	}
	info := &grpc.UnaryServerInfo{
		Server:     srv,
		FullMethod: BrokerService_Heartbeat_FullMethodName,
	}
	handler := func(ctx context.Context, req interface{}) (interface{}, error) {
		return srv.(BrokerServiceServer).Heartbeat(ctx, req.(*HeartbeatRequest))
	}
	return interceptor(ctx, in, info, handler)
}

func _BrokerService_Complete_Handler(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
	in := new(CompleteRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	if interceptor == nil {
		return srv.(BrokerServiceServer).Complete(ctx, in)
	}
	info := &grpc.UnaryServerInfo{
		Server:     srv,
		FullMethod: BrokerService_Complete_FullMethodName,
	}
	handler := func(ctx context.Context, req interface{}) (interface{}, error) {
		return srv.(BrokerServiceServer).Complete(ctx, req.(*CompleteRequest))
	}
	return interceptor(ctx, in, info, handler)
}

func _BrokerService_ReportProgress_Handler(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
	in := new(ReportProgressRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	if interceptor == nil {
		return srv.(BrokerServiceServer).ReportProgress(ctx, in)
	}
	info := &grpc.UnaryServerInfo{
		Server:     srv,
		FullMethod: BrokerService_ReportProgress_FullMethodName,
	}
	handler := func(ctx context.Context, req interface{}) (interface{}, error) {
		return srv.(BrokerServiceServer).ReportProgress(ctx, req.(*ReportProgressRequest))
	}
	return interceptor(ctx, in, info, handler)
}

func _BrokerService_Work_Handler(srv interface{}, stream grpc.ServerStream) error {
	return srv.(BrokerServiceServer).Work(&grpc.GenericServerStream[WorkRequest, WorkResponse]{ServerStream: stream})
}

// This type alias is provided for backwards compatibility with existing code that references the prior non-generic stream type by name.
type BrokerService_WorkServer = grpc.BidiStreamingServer[WorkRequest, WorkResponse]

func _BrokerService_Produce_Handler(srv interface{}, stream grpc.ServerStream) error {
	return srv.(BrokerServiceServer).Produce(&grpc.GenericServerStream[ProduceRequest, ProduceResponse]{ServerStream: stream})
}

// This type alias is provided for backwards compatibility with existing code that references the prior non-generic stream type by name.
type BrokerService_ProduceServer = grpc.BidiStreamingServer[ProduceRequest, ProduceResponse]

func _BrokerService_RetryTask_Handler(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
	in := new(RetryTaskRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	if interceptor == nil {
		return srv.(BrokerServiceServer).RetryTask(ctx, in)
	}
	info := &grpc.UnaryServerInfo{
		Server:     srv,
		FullMethod: BrokerService_RetryTask_FullMethodName,
	}
	handler := func(ctx context.Context, req interface{}) (interface{}, error) {
		return srv.(BrokerServiceServer).RetryTask(ctx, req.(*RetryTaskRequest))
	}
	return interceptor(ctx, in, info, handler)
}

func _BrokerService_PurgeQueue_Handler(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
	in := new(PurgeQueueRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	if interceptor == nil {
		return srv.(BrokerServiceServer).PurgeQueue(ctx, in)
	}
	info := &grpc.UnaryServerInfo{
		Server:     srv,
		FullMethod: BrokerService_PurgeQueue_FullMethodName,
	}
	handler := func(ctx context.Context, req interface{}) (interface{}, error) {
		return srv.(BrokerServiceServer).PurgeQueue(ctx, req.(*PurgeQueueRequest))
	}
	return interceptor(ctx, in, info, handler)
}

func _BrokerService_PauseQueue_Handler(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
	in := new(PauseQueueRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	if interceptor == nil {
		return srv.(BrokerServiceServer).PauseQueue(ctx, in)
	}
	info := &grpc.UnaryServerInfo{
		Server:     srv,
		FullMethod: BrokerService_PauseQueue_FullMethodName,
	}
	handler := func(ctx context.Context, req interface{}) (interface{}, error) {
		return srv.(BrokerServiceServer).PauseQueue(ctx, req.(*PauseQueueRequest))
	}
	return interceptor(ctx, in, info, handler)
}

func _BrokerService_ResumeQueue_Handler(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
	in := new(ResumeQueueRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	if interceptor == nil {
		return srv.(BrokerServiceServer).ResumeQueue(ctx, in)
	}
	info := &grpc.UnaryServerInfo{
		Server:     srv,
		FullMethod: BrokerService_ResumeQueue_FullMethodName,
	}
	handler := func(ctx context.Context, req interface{}) (interface{}, error) {
		return srv.(BrokerServiceServer).ResumeQueue(ctx, req.(*ResumeQueueRequest))
	}
	return interceptor(ctx, in, info, handler)
}

func _BrokerService_SetQueueLimits_Handler(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
	in := new(SetQueueLimitsRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	if interceptor == nil {
		return srv.(BrokerServiceServer).SetQueueLimits(ctx, in)
	}
	info := &grpc.UnaryServerInfo{
		Server:     srv,
		FullMethod: BrokerService_SetQueueLimits_FullMethodName,
	}
	handler := func(ctx context.Context, req interface{}) (interface{}, error) {
		return srv.(BrokerServiceServer).SetQueueLimits(ctx, req.(*SetQueueLimitsRequest))
	}
	return interceptor(ctx, in, info, handler)
}

func _BrokerService_GetQueueLimits_Handler(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
	in := new(GetQueueLimitsRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	if interceptor == nil {
		return srv.(BrokerServiceServer).GetQueueLimits(ctx, in)
	}
	info := &grpc.UnaryServerInfo{
		Server:     srv,
		FullMethod: BrokerService_GetQueueLimits_FullMethodName,
	}
	handler := func(ctx context.Context, req interface{}) (interface{}, error) {
		return srv.(BrokerServiceServer).GetQueueLimits(ctx, req.(*GetQueueLimitsRequest))
	}
	return interceptor(ctx, in, info, handler)
}

func _BrokerService_ListQueues_Handler(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
	in := new(ListQueuesRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	if interceptor == nil {
		return srv.(BrokerServiceServer).ListQueues(ctx, in)
	}
	info := &grpc.UnaryServerInfo{
		Server:     srv,
		FullMethod: BrokerService_ListQueues_FullMethodName,
	}
	handler := func(ctx context.Context, req interface{}) (interface{}, error) {
		return srv.(BrokerServiceServer).ListQueues(ctx, req.(*ListQueuesRequest))
	}
	return interceptor(ctx, in, info, handler)
}

// BrokerService_ServiceDesc is the grpc.ServiceDesc for BrokerService service.
// It's only intended for direct use with grpc.RegisterService,
// and not to be introspected or modified (even as a copy)
var BrokerService_ServiceDesc = grpc.ServiceDesc{
	ServiceName: "qtasks.broker.v1.BrokerService",
	HandlerType: (*BrokerServiceServer)(nil),
	Methods: []grpc.MethodDesc{
		{
			MethodName: "Enqueue",
			Handler:    _BrokerService_Enqueue_Handler,
		},
		{
			MethodName: "GetTask",
			Handler:    _BrokerService_GetTask_Handler,
		},
		{
			MethodName: "CancelTask",
			Handler:    _BrokerService_CancelTask_Handler,
		},
		{
			MethodName: "ListTasks",
			Handler:    _BrokerService_ListTasks_Handler,
		},
		{
			MethodName: "Lease",
			Handler:    _BrokerService_Lease_Handler,
		},
		{
			MethodName: "Heartbeat",
			Handler:    _BrokerService_Heartbeat_Handler,
		},
		{
			MethodName: "Complete",
			Handler:    _BrokerService_Complete_Handler,
		},
		{
			MethodName: "ReportProgress",
			Handler:    _BrokerService_ReportProgress_Handler,
		},
		{
			MethodName: "RetryTask",
			Handler:    _BrokerService_RetryTask_Handler,
		},
		{
			MethodName: "PurgeQueue",
			Handler:    _BrokerService_PurgeQueue_Handler,
		},
		{
			MethodName: "PauseQueue",
			Handler:    _BrokerService_PauseQueue_Handler,
		},
		{
			MethodName: "ResumeQueue",
			Handler:    _BrokerService_ResumeQueue_Handler,
		},
		{
			MethodName: "SetQueueLimits",
			Handler:    _BrokerService_SetQueueLimits_Handler,
		},
		{
			MethodName: "GetQueueLimits",
			Handler:    _BrokerService_GetQueueLimits_Handler,
		},
		{
			MethodName: "ListQueues",
			Handler:    _BrokerService_ListQueues_Handler,
		},
	},
	Streams: []grpc.StreamDesc{
		{
			StreamName:    "WatchResult",
			Handler:       _BrokerService_WatchResult_Handler,
			ServerStreams: true,
		},
		{
			StreamName:    "Work",
			Handler:       _BrokerService_Work_Handler,
			ServerStreams: true,
			ClientStreams: true,
		},
		{
			StreamName:    "Produce",
			Handler:       _BrokerService_Produce_Handler,
			ServerStreams: true,
			ClientStreams: true,
		},
	},
	Metadata: "qtasks/broker/v1/broker.proto",
}
