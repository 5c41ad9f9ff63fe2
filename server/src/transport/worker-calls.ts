/**
 * What a worker asks of the broker — heartbeats, progress, outcomes — and the tasks it is handed,
 * from request to reply: validate, call the core, map the answer. Shared by the unary RPCs
 * (Lease, Heartbeat, ReportProgress, Complete) and the Work stream, so that both answer alike.
 */
import type {
  CompleteRequest,
  CompleteResponse,
  DeepPartial,
  HeartbeatRequest,
  HeartbeatResponse,
  LeasedTask,
  LeaseResponse,
  ReportProgressRequest,
  ReportProgressResponse,
} from '@qtasks/proto';
import type { Broker } from '../core/broker.js';
import { replyMeter, type ReplyBudget, type TaskRecord } from '../domain/task.js';
import type { EncodedReply } from './encoded-replies.js';
import { encodeTaskPush } from './task-wire.js';
import { leasedTaskBytesBound, repeatedTaskBytesBound, toProtoTask } from './task-mapping.js';
import { parseCompleteRequest, parseHeartbeatRequest, parseReportProgressRequest, type RequestLimits } from './validation.js';

/** The worker-side calls over one broker (see the module comment). */
export interface WorkerCalls {
  /**
   * Fewer tasks are leased where more would no longer fit in one reply: a reply over the max
   * message size would not be sent, and its tasks would stay leased to no one until their deadline.
   */
  readonly leaseBudget: ReplyBudget | undefined;
  /** The reply carrying freshly leased tasks, with their tokens and deadlines. */
  leased(tasks: readonly TaskRecord[]): LeaseResponse;
  /** The Work stream's push of freshly leased tasks, encoded from their records (`task-wire.ts`). */
  encodedPush(tasks: readonly TaskRecord[]): EncodedReply;
  /** Validates and applies a Heartbeat. */
  heartbeat(request: HeartbeatRequest): Promise<DeepPartial<HeartbeatResponse>>;
  /** Validates and applies a ReportProgress. */
  reportProgress(request: ReportProgressRequest): Promise<DeepPartial<ReportProgressResponse>>;
  /** Validates and applies a Complete; answers once the accepted outcomes are durable. */
  complete(request: CompleteRequest): Promise<CompleteResponse>;
}

/** The worker-side calls over `broker`, with the request limits of the broker's configuration. */
export function workerCalls(broker: Broker, limits: RequestLimits): WorkerCalls {
  const maxBytes = limits.maxMessageBytes;
  return {
    leaseBudget: maxBytes === undefined ? undefined : { maxBytes, sizeOf: leasedTaskBytesBound },

    leased(tasks) {
      return {
        tasks: tasks.map(
          (task): LeasedTask => ({
            task: toProtoTask(task),
            leaseToken: task.lease!.token,
            leaseDeadline: new Date(broker.wallTimeOf(task.lease!.deadlineMs)),
          }),
        ),
      };
    },

    encodedPush(tasks) {
      return encodeTaskPush(tasks, (steadyMs) => broker.wallTimeOf(steadyMs));
    },

    async heartbeat(request) {
      const { items, extendMs } = parseHeartbeatRequest(request, limits);
      const results = await broker.heartbeat(items, extendMs);
      return {
        results: results.map((result) => ({
          taskId: result.taskId,
          ok: result.ok,
          cancelRequested: result.cancelRequested,
          leaseDeadline: result.leaseDeadlineMs === undefined ? undefined : new Date(broker.wallTimeOf(result.leaseDeadlineMs)),
          reason: result.reason ?? '',
        })),
      };
    },

    async reportProgress(request) {
      const results = await broker.reportProgress(parseReportProgressRequest(request, limits));
      return { results: results.map((result) => ({ taskId: result.taskId, ok: result.ok, reason: result.reason ?? '' })) };
    },

    async complete(request) {
      const results = await broker.complete(parseCompleteRequest(request, limits));
      // Each result carries its whole task (args, result and all), so a batch of large tasks can
      // make the reply larger than the max message size, and such a reply is not sent at all: the
      // worker would see RESOURCE_EXHAUSTED for outcomes that were recorded. Past the budget,
      // results go without their task; `accepted` and `reason` are what a worker acts on.
      const withTask = replyMeter(maxBytes === undefined ? undefined : { maxBytes: maxBytes - results.length * 512, sizeOf: repeatedTaskBytesBound });
      return {
        results: results.map((result) => ({
          taskId: result.taskId,
          accepted: result.accepted,
          // A refused item carries no task, whatever the caller's scope: the caller does not hold
          // the lease, and a worker token could otherwise read any task (args, result and all) by
          // guessing a lease token for its id, where GetTask would deny it.
          task: result.accepted && !request.omitTasks && result.task && withTask(result.task) ? toProtoTask(result.task) : undefined,
          reason: result.reason ?? '',
        })),
      };
    },
  };
}
