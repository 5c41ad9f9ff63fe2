/**
 * The operator's verbs over gRPC: RetryTask, PurgeQueue, PauseQueue, ResumeQueue, SetQueueLimits,
 * GetQueueLimits and ListQueues. Validate, call the core, map the answer.
 */
import type {
  GetQueueLimitsRequest,
  GetQueueLimitsResponse,
  ListQueuesResponse,
  PauseQueueRequest,
  PauseQueueResponse,
  PurgeQueueRequest,
  PurgeQueueResponse,
  QueueInfo as ProtoQueueInfo,
  QueueLimits as ProtoQueueLimits,
  RateLimit as ProtoRateLimit,
  ResumeQueueRequest,
  ResumeQueueResponse,
  RetryTaskRequest,
  RetryTaskResponse,
  SetQueueLimitsRequest,
  SetQueueLimitsResponse,
} from '@qtasks/proto';
import type { Broker } from '../core/broker.js';
import type { QueueInfo, QueueLimits, RateLimit } from '../domain/queue.js';
import { checkQueue, parsePurgeRequest, parseQueueLimits } from './queue-validation.js';
import { toProtoTask } from './task-mapping.js';
import { checkTaskId } from './validation.js';

/** The handlers of the queue verbs. */
export function queueCalls(broker: Broker) {
  return {
    async retryTask(request: RetryTaskRequest): Promise<RetryTaskResponse> {
      return { task: toProtoTask(await broker.retryTask(checkTaskId('task_id', request.taskId))) };
    },

    async purgeQueue(request: PurgeQueueRequest): Promise<PurgeQueueResponse> {
      const { queue, statuses } = parsePurgeRequest(request);
      return { purged: await broker.purgeQueue(queue, statuses) };
    },

    async pauseQueue(request: PauseQueueRequest): Promise<PauseQueueResponse> {
      return { queue: toProtoQueueInfo(await broker.pauseQueue(checkQueue(request.queue))) };
    },

    async resumeQueue(request: ResumeQueueRequest): Promise<ResumeQueueResponse> {
      return { queue: toProtoQueueInfo(await broker.resumeQueue(checkQueue(request.queue))) };
    },

    async setQueueLimits(request: SetQueueLimitsRequest): Promise<SetQueueLimitsResponse> {
      const queue = checkQueue(request.queue);
      return { limits: toProtoLimits(await broker.setQueueLimits(queue, parseQueueLimits(request.limits))) };
    },

    async getQueueLimits(request: GetQueueLimitsRequest): Promise<GetQueueLimitsResponse> {
      return { limits: toProtoLimits(broker.getQueueLimits(checkQueue(request.queue))) };
    },

    async listQueues(): Promise<ListQueuesResponse> {
      return { queues: (await broker.listQueues()).map(toProtoQueueInfo) };
    },
  };
}

/** The protobuf `QueueInfo` of a queue. */
export function toProtoQueueInfo(info: QueueInfo): ProtoQueueInfo {
  return {
    name: info.name,
    counts: { ...info.counts },
    paused: info.paused,
    limits: toProtoLimits(info.limits),
    oldestReadyAgeMs: info.oldestReadyAgeMs,
    completedLastMinute: info.completedLastMinute,
  };
}

function toProtoLimits(limits: QueueLimits): ProtoQueueLimits {
  return {
    maxRunning: limits.maxRunning,
    rate: toProtoRate(limits.rate),
    maxRunningPerKey: limits.maxRunningPerKey,
    ratePerKey: toProtoRate(limits.ratePerKey),
  };
}

function toProtoRate(rate: RateLimit | undefined): ProtoRateLimit | undefined {
  return rate ? { count: rate.count, periodMs: rate.periodMs } : undefined;
}
