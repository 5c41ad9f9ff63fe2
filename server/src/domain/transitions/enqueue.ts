import type { NewTask, TaskRecord } from '../task.js';
import type { TransitionContext } from './context.js';

/**
 * The record of a newly enqueued task (row `enqueue`: none → new): ready at once, or delayed
 * until its eta (wall time) when that is still ahead.
 *
 * @param id - the task's id (the store makes it, see `store/ids.ts`)
 */
export function enqueueTask(spec: NewTask, id: string, at: TransitionContext): TaskRecord {
  const runAtMs = spec.runAtMs ?? at.nowMs + spec.delayMs;
  const task: TaskRecord = {
    id,
    name: spec.name,
    queue: spec.queue,
    priority: spec.priority,
    args: spec.args,
    kwargs: spec.kwargs,
    status: 'new',
    attempt: 0,
    maxRetries: spec.maxRetries,
    backoff: spec.backoff,
    maxTimeMs: spec.maxTimeMs,
    createdAtMs: at.nowMs,
    updatedAtMs: at.nowMs,
    runAtMs,
    delayed: runAtMs > at.nowMs,
    seq: at.nextSeq(),
    cancelRequested: false,
    tags: spec.tags,
    metadata: spec.metadata,
    version: 1,
    // Every field present, the unset ones undefined (see TaskRecord): copies stay fast.
    startedAtMs: undefined,
    finishedAtMs: undefined,
    result: undefined,
    error: undefined,
    cancelReason: undefined,
    workerId: undefined,
    lease: undefined,
    idempotencyKey: spec.idempotencyKey || undefined,
    progress: undefined,
    retentionMs: spec.retentionMs,
    limitKey: spec.limitKey || undefined,
    history: undefined,
    attemptsBeforeRetry: undefined,
    traceContext: spec.traceContext,
  };
  return task;
}
