// Package qtasks is the Go client of the QTasks broker.
//
// A [Client] enqueues tasks, reads, lists, cancels and retries them and waits for their outcome,
// and pauses, resumes, purges, lists and limits queues; a [Worker] leases tasks, runs registered
// handlers and reports their outcomes. Arguments and results cross languages as UTF-8 JSON,
// following the same rules as the TypeScript and Python SDKs: a task's args are a JSON array, its
// kwargs a JSON object and its result any JSON value, so a task enqueued from one language can be
// run by a worker in another.
//
// Every call takes a [context.Context] first; unary calls also get the client's call timeout
// (see [WithCallTimeout]) when the context has no earlier deadline. Errors returned by the broker
// are [*Error] values, which carry the gRPC code (status.Code works on them), the field the
// broker named and, for an overloaded broker, its retry hint.
package qtasks
