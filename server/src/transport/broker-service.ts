/**
 * The `qtasks.broker.v1.BrokerService` implementation: validate the request, call the core, map
 * the answer. Nothing else happens here; the state machine lives in the core. The two hot bidi
 * streams, Work and Produce, are served on grpc-js directly (`stream-calls.ts`), the other
 * methods through nice-grpc.
 */
import {
  CancelTaskResponse,
  CompleteResponse,
  GetTaskResponse,
  LeaseResponse,
  ListTasksResponse,
  WatchResultResponse,
  CREDIT_LIMIT_FEATURE,
  WORK_FEATURES_HEADER,
  type BrokerServiceDefinition,
  type EnqueueResponse,
} from '@qtasks/proto';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { ServiceImplementation } from 'nice-grpc';
import type { Broker } from '../core/broker.js';
import type { ReplyBudget } from '../domain/task.js';
import { asReply, encoded } from './encoded-replies.js';
import { encodeEnqueueResponse } from './task-wire.js';
import { repeatedTaskBytesBound, toProtoTask } from './task-mapping.js';
import { checkTaskId, encodePageToken, parseCancelRequest, parseLeaseRequest, parseListRequest, type RequestLimits } from './validation.js';
import { workerCalls, type WorkerCalls } from './worker-calls.js';
import { workSession } from './work-session.js';
import { produceSession } from './produce-session.js';
import { producerCalls, type ProducerCalls } from './producer-calls.js';
import { queueCalls } from './queue-calls.js';
import { serveStream } from './stream-calls.js';

/** The methods served on grpc-js directly, by their key in the service definition. */
export const STREAM_METHODS = ['work', 'produce'] as const;
type StreamMethodKey = (typeof STREAM_METHODS)[number];

/** The service definition as nice-grpc serves it: without {@link STREAM_METHODS}. */
export type NiceServedDefinition = Omit<typeof BrokerServiceDefinition, 'methods'> & {
  methods: Omit<(typeof BrokerServiceDefinition)['methods'], StreamMethodKey>;
};

/** `definition` without the {@link STREAM_METHODS}, for nice-grpc. */
export function withoutStreamMethods(definition: typeof BrokerServiceDefinition): NiceServedDefinition {
  const methods: Record<string, unknown> = { ...definition.methods };
  for (const key of STREAM_METHODS) delete methods[key];
  return { ...definition, methods } as NiceServedDefinition;
}

/** The broker's service: the nice-grpc implementation, and the handlers of the streams served on grpc-js. */
export interface BrokerService {
  implementation: ServiceImplementation<NiceServedDefinition>;
  streams: Record<StreamMethodKey, (call: ServerDuplexStream<never, never>) => void>;
}

/** Builds the service implementation over a broker core. */
export function createBrokerService(broker: Broker, limits: RequestLimits & { maxPageBytes?: number }): BrokerService {
  const worker = workerCalls(broker, limits);
  const producer = producerCalls(broker, limits);
  return {
    implementation: niceImplementation(broker, limits, worker, producer),
    streams: {
      work: (call) => serveStream(call, workSession(broker, worker), WORK_HEADERS),
      produce: (call) => serveStream(call, produceSession(broker, producer)),
    },
  };
}

/**
 * The Work stream's response headers: what this broker takes on it beyond the first version of
 * the contract, so that a client can use it and still work with a broker that predates it.
 */
const WORK_HEADERS = { [WORK_FEATURES_HEADER]: [CREDIT_LIMIT_FEATURE].join(',') };

/** The methods nice-grpc serves. */
function niceImplementation(
  broker: Broker,
  limits: RequestLimits & { maxPageBytes?: number },
  worker: WorkerCalls,
  producer: ProducerCalls,
): ServiceImplementation<NiceServedDefinition> {
  // Pages stop short of the max message size (see ReplyBudget), keeping room for their
  // next_page_token (a cursor of at most ~300 bytes, in base64).
  const maxBytes = limits.maxMessageBytes;
  // A page is also bounded by `maxPageBytes`, far below the message size: 20 pages of 60 MiB held
  // for clients that read slowly took 1.2 GB.
  const pageBytes = Math.min(maxBytes === undefined ? Infinity : maxBytes - 1024, limits.maxPageBytes ?? Infinity);
  const listBudget: ReplyBudget | undefined = pageBytes === Infinity ? undefined : { maxBytes: pageBytes, sizeOf: repeatedTaskBytesBound };
  // Replies built whole are encoded here, once (`encoded-replies.ts`).
  return {
    enqueue: async (request) => asReply<EnqueueResponse>(encodeEnqueueResponse(await producer.enqueue(request))),

    async getTask(request) {
      return encoded(GetTaskResponse, { task: toProtoTask(await broker.getTask(checkTaskId('task_id', request.taskId))) });
    },

    async cancelTask(request) {
      const { taskId, reason } = parseCancelRequest(request);
      return encoded(CancelTaskResponse, { task: toProtoTask(await broker.cancel(taskId, reason)) });
    },

    async listTasks(request) {
      const page = await broker.listTasks({ ...parseListRequest(request), replyBudget: listBudget });
      return encoded(ListTasksResponse, { tasks: page.tasks.map(toProtoTask), nextPageToken: page.next ? encodePageToken(page.next) : '' });
    },

    async *watchResult(request, context) {
      for await (const task of broker.watch(checkTaskId('task_id', request.taskId), context.signal)) {
        yield encoded(WatchResultResponse, { task: toProtoTask(task) });
      }
    },

    async lease(request, context) {
      const { options, waitMs } = parseLeaseRequest(request);
      return encoded(LeaseResponse, worker.leased(await broker.lease({ ...options, replyBudget: worker.leaseBudget }, waitMs, context.signal)));
    },

    heartbeat: (request) => worker.heartbeat(request),
    reportProgress: (request) => worker.reportProgress(request),
    complete: async (request) => encoded(CompleteResponse, await worker.complete(request)),
    ...queueCalls(broker),
  };
}
