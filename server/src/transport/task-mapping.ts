/** Maps the broker's task records to their protobuf form. */
import { TaskStatus as ProtoTaskStatus, type Task } from '@qtasks/proto';
import type { TaskRecord, TaskStatus } from '../domain/task.js';

const PROTO_STATUS: Record<TaskStatus, ProtoTaskStatus> = {
  new: ProtoTaskStatus.TASK_STATUS_NEW,
  process: ProtoTaskStatus.TASK_STATUS_PROCESS,
  retry: ProtoTaskStatus.TASK_STATUS_RETRY,
  success: ProtoTaskStatus.TASK_STATUS_SUCCESS,
  error: ProtoTaskStatus.TASK_STATUS_ERROR,
  cancel: ProtoTaskStatus.TASK_STATUS_CANCEL,
};

/** The protobuf `Task` of a record. */
export function toProtoTask(task: TaskRecord): Task {
  return {
    id: task.id,
    name: task.name,
    queue: task.queue,
    priority: task.priority,
    args: asBuffer(task.args),
    kwargs: asBuffer(task.kwargs),
    status: PROTO_STATUS[task.status],
    attempt: task.attempt,
    maxRetries: task.maxRetries,
    createdAt: new Date(task.createdAtMs),
    updatedAt: new Date(task.updatedAtMs),
    startedAt: optionalDate(task.startedAtMs),
    finishedAt: optionalDate(task.finishedAtMs),
    eta: optionalDate(task.runAtMs),
    result: task.result ? asBuffer(task.result) : Buffer.alloc(0),
    error: task.error ? { ...task.error } : undefined,
    cancelReason: task.cancelReason ?? '',
    workerId: task.workerId ?? '',
    tags: task.tags,
    metadata: task.metadata,
    cancelRequested: task.cancelRequested,
    maxTimeMs: task.maxTimeMs,
    idempotencyKey: task.idempotencyKey ?? '',
    progress: task.progress ? asBuffer(task.progress) : Buffer.alloc(0),
  };
}

function optionalDate(ms: number | undefined): Date | undefined {
  return ms === undefined ? undefined : new Date(ms);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
