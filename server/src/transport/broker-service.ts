/**
 * The `qtasks.broker.v1.BrokerService` implementation: validate the request, call the core, map
 * the answer. Nothing else happens here; the state machine lives in the core.
 */
import type { BrokerServiceDefinition } from '@qtasks/proto';
import type { ServiceImplementation } from 'nice-grpc';
import type { Broker } from '../core/broker.js';
import {
  checkTaskId,
  encodePageToken,
  parseCancelRequest,
  parseCompleteRequest,
  parseEnqueueRequest,
  parseHeartbeatRequest,
  parseLeaseRequest,
  parseListRequest,
  parseReportProgressRequest,
  type RequestLimits,
} from './validation.js';
import { toProtoTask } from './task-mapping.js';

/** Builds the service implementation over a broker core. */
export function createBrokerService(
  broker: Broker,
  limits: RequestLimits,
): ServiceImplementation<typeof BrokerServiceDefinition> {
  return {
    async enqueue(request) {
      const tasks = await broker.enqueue(parseEnqueueRequest(request, limits));
      return { tasks: tasks.map(toProtoTask) };
    },

    async getTask(request) {
      return { task: toProtoTask(broker.getTask(checkTaskId('task_id', request.taskId))) };
    },

    async cancelTask(request) {
      const { taskId, reason } = parseCancelRequest(request);
      return { task: toProtoTask(await broker.cancel(taskId, reason)) };
    },

    async listTasks(request) {
      const page = broker.listTasks(parseListRequest(request));
      return { tasks: page.tasks.map(toProtoTask), nextPageToken: page.next ? encodePageToken(page.next) : '' };
    },

    async *watchResult(request, context) {
      for await (const task of broker.watch(checkTaskId('task_id', request.taskId), context.signal)) {
        yield { task: toProtoTask(task) };
      }
    },

    async lease(request, context) {
      const { options, waitMs } = parseLeaseRequest(request);
      const tasks = await broker.lease(options, waitMs, context.signal);
      return {
        tasks: tasks.map((task) => ({
          task: toProtoTask(task),
          leaseToken: task.lease!.token,
          leaseDeadline: new Date(task.lease!.deadlineMs),
        })),
      };
    },

    async heartbeat(request) {
      const { items, extendMs } = parseHeartbeatRequest(request, limits);
      const results = await broker.heartbeat(items, extendMs);
      return {
        results: results.map((result) => ({
          taskId: result.taskId,
          ok: result.ok,
          cancelRequested: result.cancelRequested,
          leaseDeadline: result.leaseDeadlineMs === undefined ? undefined : new Date(result.leaseDeadlineMs),
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
      return {
        results: results.map((result) => ({
          taskId: result.taskId,
          accepted: result.accepted,
          task: result.task ? toProtoTask(result.task) : undefined,
          reason: result.reason ?? '',
        })),
      };
    },
  };
}
