/**
 * The `qtasks.broker.v1.BrokerService` implementation: validate the request, call the core, map
 * the answer. Nothing else happens here; the state machine lives in the core.
 */
import type { BrokerServiceDefinition } from '@qtasks/proto';
import type { ServiceImplementation } from 'nice-grpc';
import type { Broker } from '../core/broker.js';
import { replyMeter, type ReplyBudget } from '../domain/task.js';
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
import { leasedTaskBytesBound, repeatedTaskBytesBound, toProtoTask } from './task-mapping.js';

/** Builds the service implementation over a broker core. */
export function createBrokerService(
  broker: Broker,
  limits: RequestLimits & { maxPageBytes?: number },
): ServiceImplementation<typeof BrokerServiceDefinition> {
  // Replies that carry many tasks stop short of the max message size: a Lease reply over it would
  // not be sent, and its tasks would stay leased to no one until their deadline (see ReplyBudget).
  // A page keeps room for its next_page_token (a cursor of at most ~300 bytes, in base64).
  const maxBytes = limits.maxMessageBytes;
  const leaseBudget: ReplyBudget | undefined = maxBytes === undefined ? undefined : { maxBytes, sizeOf: leasedTaskBytesBound };
  // A page is also bounded by `maxPageBytes`, far below the message size: 20 pages of 60 MiB held
  // for clients that read slowly took 1.2 GB.
  const pageBytes = Math.min(maxBytes === undefined ? Infinity : maxBytes - 1024, limits.maxPageBytes ?? Infinity);
  const listBudget: ReplyBudget | undefined = pageBytes === Infinity ? undefined : { maxBytes: pageBytes, sizeOf: repeatedTaskBytesBound };
  return {
    async enqueue(request) {
      // Refused before validation when overloaded: a refusal should cost the broker nothing.
      broker.admitEnqueue(request.tasks.length);
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
      const page = broker.listTasks({ ...parseListRequest(request), replyBudget: listBudget });
      return { tasks: page.tasks.map(toProtoTask), nextPageToken: page.next ? encodePageToken(page.next) : '' };
    },

    async *watchResult(request, context) {
      for await (const task of broker.watch(checkTaskId('task_id', request.taskId), context.signal)) {
        yield { task: toProtoTask(task) };
      }
    },

    async lease(request, context) {
      const { options, waitMs } = parseLeaseRequest(request);
      const tasks = await broker.lease({ ...options, replyBudget: leaseBudget }, waitMs, context.signal);
      return {
        tasks: tasks.map((task) => ({
          task: toProtoTask(task),
          leaseToken: task.lease!.token,
          leaseDeadline: new Date(broker.wallTimeOf(task.lease!.deadlineMs)),
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
