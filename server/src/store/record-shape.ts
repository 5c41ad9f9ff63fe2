/**
 * Records stored as maps by a version 2 broker, given the one shape every record object has (see
 * `TaskRecord`; rows, the current format, decode into it directly: `record-codec.ts`). msgpackr
 * builds a decoded map key by key, without the unset fields (that broker's encoder skipped
 * undefined values), and V8 turns an object grown that way past a dozen properties into a slow
 * dictionary; a spread copy that adds keys is slow too. Measured here: a transition's copy took ~5 µs from a
 * decoded record and ~0.1 µs from this shape (docs/decisions.md, "Leases in memory").
 */
import type { TaskRecord } from '../domain/task.js';

/** The same record as an object literal with every field, unset ones undefined. */
export function shapeRecord(raw: TaskRecord): TaskRecord {
  return {
    id: raw.id,
    name: raw.name,
    queue: raw.queue,
    priority: raw.priority,
    args: raw.args,
    kwargs: raw.kwargs,
    status: raw.status,
    attempt: raw.attempt,
    maxRetries: raw.maxRetries,
    backoff: raw.backoff,
    maxTimeMs: raw.maxTimeMs,
    createdAtMs: raw.createdAtMs,
    updatedAtMs: raw.updatedAtMs,
    runAtMs: raw.runAtMs,
    delayed: raw.delayed,
    seq: raw.seq,
    cancelRequested: raw.cancelRequested,
    tags: raw.tags,
    metadata: raw.metadata,
    version: raw.version,
    startedAtMs: raw.startedAtMs,
    finishedAtMs: raw.finishedAtMs,
    result: raw.result,
    error: raw.error,
    cancelReason: raw.cancelReason,
    workerId: raw.workerId,
    lease: raw.lease,
    idempotencyKey: raw.idempotencyKey,
    progress: raw.progress,
    retentionMs: raw.retentionMs,
    limitKey: raw.limitKey,
    history: raw.history,
    attemptsBeforeRetry: raw.attemptsBeforeRetry,
    traceContext: raw.traceContext,
  };
}
