/**
 * The dashboard on the broker's HTTP endpoint (`--http-listen`): the JSON API under `/api/` and
 * the built page everywhere else. Each API route names the BrokerService method it stands for,
 * whose scope it needs (`http-auth.ts`).
 *
 * | route | scope of |
 * | --- | --- |
 * | `GET /api/queues` | ListQueues |
 * | `GET /api/queues/events` (event stream) | ListQueues |
 * | `POST /api/queues/:queue/pause`, `…/resume` | PauseQueue, ResumeQueue |
 * | `GET /api/tasks?queue&status&page_size&page_token&finished_after` | ListTasks |
 * | `GET /api/events?queue` (event stream of list rows) | ListTasks |
 * | `GET /api/tasks/:id` | GetTask |
 * | `GET /api/tasks/:id/events` (event stream) | WatchResult |
 * | `POST /api/tasks/:id/cancel`, `…/retry` | CancelTask, RetryTask |
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Broker } from '../core/broker.js';
import { InvalidArgumentError } from '../domain/errors.js';
import type { TokenCheck } from '../transport/auth.js';
import { apiHandlers, type ApiHandler } from './api.js';
import { apiGuard, checkSameOriginAction, type GuardedMethod } from './http-auth.js';
import { HttpError, sendApiError } from './http-errors.js';
import { LiveStreams, Nudges } from './live-feeds.js';
import { defaultDashboardDir, loadStaticFiles } from './static-files.js';

/** Options of {@link createDashboard}. */
export interface DashboardOptions {
  /** The core the API calls. */
  broker: Broker;
  /** The broker's token check (`transport/auth.ts`), when it has tokens; absent: open, as over gRPC. */
  checkToken?: TokenCheck;
  /** Where the built page is. @defaultValue `dist/` of the `@qtasks/dashboard` workspace */
  assetsDir?: string;
}

/** Answers a request if it is the dashboard's; false otherwise (the endpoint answers 404). */
export type DashboardHandler = (request: IncomingMessage, response: ServerResponse) => boolean;

/** One API route. */
interface Route {
  method: 'GET' | 'POST';
  /** Path segments after `/api/`; `:name` captures one segment. */
  pattern: readonly string[];
  /** The method whose scope the route needs. */
  scope: GuardedMethod;
  handler: ApiHandler;
}

/** Builds the dashboard's request handler over `broker`. */
export function createDashboard(options: DashboardOptions): DashboardHandler {
  const guard = apiGuard(options.checkToken);
  const api = apiHandlers({ broker: options.broker, liveStreams: new LiveStreams(), queueNudges: new Nudges() });
  const page = loadStaticFiles(options.assetsDir ?? defaultDashboardDir());
  const routes: Route[] = [
    { method: 'GET', pattern: ['queues'], scope: 'ListQueues', handler: api.listQueues },
    { method: 'GET', pattern: ['queues', 'events'], scope: 'ListQueues', handler: api.queueEvents },
    { method: 'POST', pattern: ['queues', ':queue', 'pause'], scope: 'PauseQueue', handler: api.pauseQueue },
    { method: 'POST', pattern: ['queues', ':queue', 'resume'], scope: 'ResumeQueue', handler: api.resumeQueue },
    { method: 'GET', pattern: ['tasks'], scope: 'ListTasks', handler: api.listTasks },
    { method: 'GET', pattern: ['events'], scope: 'ListTasks', handler: api.taskChanges },
    { method: 'GET', pattern: ['tasks', ':id'], scope: 'GetTask', handler: api.getTask },
    { method: 'GET', pattern: ['tasks', ':id', 'events'], scope: 'WatchResult', handler: api.taskEvents },
    { method: 'POST', pattern: ['tasks', ':id', 'cancel'], scope: 'CancelTask', handler: api.cancelTask },
    { method: 'POST', pattern: ['tasks', ':id', 'retry'], scope: 'RetryTask', handler: api.retryTask },
  ];

  return (request, response) => {
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://dashboard');
    } catch {
      return false;
    }
    if (url.pathname !== '/api' && !url.pathname.startsWith('/api/')) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return false;
      return page.serve(request, response, url.pathname);
    }
    const segments = url.pathname.split('/').slice(2);
    const matching = routes.filter((route) => matchParams(route.pattern, segments) !== undefined);
    const route = matching.find((candidate) => candidate.method === request.method);
    const name = `${request.method} /api/${(route ?? matching[0])?.pattern.join('/') ?? '?'}`;
    void (async () => {
      try {
        if (matching.length === 0) throw new HttpError(404, 'ROUTE_NOT_FOUND', `no API route ${url.pathname} (see docs/dashboard.md)`);
        if (!route) {
          const allow = [...new Set(matching.map((candidate) => candidate.method))].join(', ');
          throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${url.pathname} takes ${allow}`, { allow });
        }
        guard(request, route.scope);
        if (route.method === 'POST') checkSameOriginAction(request);
        const params = decodeParams(matchParams(route.pattern, segments)!);
        await route.handler({ request, response, params, query: url.searchParams, route: name });
      } catch (error) {
        sendApiError(response, error, name);
      }
    })();
    return true;
  };
}

/** The raw (still percent-encoded) parameters of `segments` under `pattern`, or undefined if it does not match. */
function matchParams(pattern: readonly string[], segments: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const part = pattern[i]!;
    if (part.startsWith(':')) {
      if (segments[i] === '') return undefined;
      params[part.slice(1)] = segments[i]!;
    } else if (part !== segments[i]) {
      return undefined;
    }
  }
  return params;
}

/** @throws InvalidArgumentError naming the parameter (`task_id`, `queue`) whose percent-encoding is broken */
function decodeParams(raw: Record<string, string>): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    try {
      decoded[name] = decodeURIComponent(value);
    } catch {
      throw new InvalidArgumentError(name === 'id' ? 'task_id' : name, 'is not valid percent-encoding');
    }
  }
  return decoded;
}
