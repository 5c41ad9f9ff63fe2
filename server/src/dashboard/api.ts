/**
 * The dashboard API's handlers: validate, call the core (`Broker`, as the gRPC transport does,
 * never the store), answer JSON or an event stream. Validation reuses the transport's checks, so
 * a refusal names the same field over HTTP as over gRPC (`task_id`, `queue`, `reason`, …).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Broker } from '../core/broker.js';
import { InvalidArgumentError } from '../domain/errors.js';
import type { TaskRecord } from '../domain/task.js';
import { checkQueue } from '../transport/queue-validation.js';
import { checkTaskId, encodePageToken, parseCancelRequest } from '../transport/validation.js';
import { apiErrorOf, sendJson } from './http-errors.js';
import { parseListQuery } from './list-query.js';
import { streamQueueChanges, streamTaskChanges, type LiveStreams, type Nudges } from './live-feeds.js';
import { readJsonObject } from './request-body.js';
import { EventStream } from './sse.js';
import { queueJson, taskJson, taskRowJson } from './task-json.js';

/** One request, as a handler sees it. */
export interface ApiCall {
  request: IncomingMessage;
  response: ServerResponse;
  /** The route's path parameters, percent-decoded (`id`, `queue`). */
  params: Readonly<Record<string, string>>;
  /** The query string. */
  query: URLSearchParams;
  /** The route, for log lines (`GET /api/tasks/:id`): never a parameter's value. */
  route: string;
}

/** A handler of one route. */
export type ApiHandler = (call: ApiCall) => Promise<void> | void;

/** What the handlers work with. */
export interface ApiDeps {
  broker: Broker;
  /** Counts the live streams open (`live-feeds.ts`). */
  liveStreams: LiveStreams;
  /** Told when the page changed a queue's settings, so the queues streams send a fresh state. */
  queueNudges: Nudges;
}

/** Every handler of the API, by name; `routes.ts` says which path and scope each one has. */
export function apiHandlers({ broker, liveStreams, queueNudges }: ApiDeps) {
  const wallTimeOf = (steadyMs: number): number => broker.wallTimeOf(steadyMs);
  /** Runs a live stream, counted against the limit; the limit is checked before the stream opens. */
  const live = async (response: ServerResponse, run: (stream: EventStream) => Promise<void>): Promise<void> => {
    const leave = liveStreams.enter();
    try {
      await run(new EventStream(response));
    } finally {
      leave();
    }
  };
  return {
    listQueues: async ({ response }: ApiCall) => sendJson(response, 200, { queues: (await broker.listQueues()).map(queueJson) }),

    queueEvents: ({ response }: ApiCall) => live(response, (stream) => streamQueueChanges(broker, stream, queueNudges)),

    async pauseQueue({ request, response, params }: ApiCall) {
      await readJsonObject(request);
      const queue = await broker.pauseQueue(checkQueue(params.queue!));
      queueNudges.nudge();
      sendJson(response, 200, { queue: queueJson(queue) });
    },

    async resumeQueue({ request, response, params }: ApiCall) {
      await readJsonObject(request);
      const queue = await broker.resumeQueue(checkQueue(params.queue!));
      queueNudges.nudge();
      sendJson(response, 200, { queue: queueJson(queue) });
    },

    async listTasks({ response, query }: ApiCall) {
      const page = await broker.listTasks(parseListQuery(query));
      sendJson(response, 200, {
        tasks: page.tasks.map((task) => ({ ...taskRowJson(task), version: task.version })),
        nextPageToken: page.next ? encodePageToken(page.next) : null,
      });
    },

    taskChanges({ response, query }: ApiCall) {
      for (const name of query.keys()) if (name !== 'queue') throw new InvalidArgumentError(name, 'is not a parameter of this call (expected queue)');
      const queue = query.get('queue');
      const filter = queue === null || queue === '' ? undefined : checkQueue(queue);
      return live(response, (stream) => streamTaskChanges(broker, stream, filter));
    },

    async getTask({ response, params }: ApiCall) {
      sendJson(response, 200, { task: taskJson(await broker.getTask(checkTaskId('task_id', params.id!)), wallTimeOf) });
    },

    /**
     * The task's state, then each transition (`task` events), then `end` after a final status;
     * `error` if the watch is refused midway (the broker shutting down, a client far behind).
     * An unknown task is a 404 before the stream opens. Bounded like WatchResult, whose watch
     * it is (`--max-watchers`, `--max-watchers-per-task`).
     */
    async taskEvents({ response, params, route }: ApiCall) {
      const taskId = checkTaskId('task_id', params.id!);
      const gone = new AbortController();
      response.once('close', () => gone.abort());
      const states = broker.watch(taskId, gone.signal);
      let step: IteratorResult<TaskRecord, void>;
      try {
        step = await states.next();
      } catch (error) {
        gone.abort();
        throw error;
      }
      const stream = new EventStream(response);
      try {
        for (; !step.done; step = await states.next()) await stream.send('task', taskJson(step.value, wallTimeOf));
        await stream.send('end', {});
      } catch (error) {
        await stream.send('error', apiErrorOf(error, route).body);
      } finally {
        await states.return(undefined);
        stream.end();
      }
    },

    async cancelTask({ request, response, params }: ApiCall) {
      const body = await readJsonObject(request);
      if (body.reason !== undefined && typeof body.reason !== 'string') throw new InvalidArgumentError('reason', 'must be a string');
      const { taskId, reason } = parseCancelRequest({ taskId: params.id!, reason: body.reason ?? 'cancelled from the dashboard' });
      sendJson(response, 200, { task: taskJson(await broker.cancel(taskId, reason), wallTimeOf) });
    },

    async retryTask({ request, response, params }: ApiCall) {
      await readJsonObject(request);
      sendJson(response, 200, { task: taskJson(await broker.retryTask(checkTaskId('task_id', params.id!)), wallTimeOf) });
    },
  } satisfies Record<string, ApiHandler>;
}
