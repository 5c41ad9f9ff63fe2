/**
 * Wires the layers into a running broker: store (LMDB or PostgreSQL: `open-store.ts`) → core →
 * gRPC service, plus the standard health and reflection services.
 */
import { readFile } from 'node:fs/promises';
import { BrokerServiceDefinition, descriptorSetPath } from '@qtasks/proto';
import { ServerCredentials } from '@grpc/grpc-js';
import { createServer, type Server } from 'nice-grpc';
import { HealthDefinition, HealthServiceImpl, HealthState } from 'nice-grpc-server-health';
import { ServerReflection, ServerReflectionService } from 'nice-grpc-server-reflection';
import { ConfigError, DEFAULT_CONFIG, parseListenAddress, type BrokerConfig } from './config.js';
import { Broker, type BrokerStats } from './core/broker.js';
import { openStore } from './open-store.js';
import { tokenCheck } from './transport/auth.js';
import { createBrokerService, STREAM_METHODS, withoutStreamMethods } from './transport/broker-service.js';
import { streamMethod } from './transport/stream-calls.js';
import { callGuard } from './transport/call-guard.js';
import { listenWithConnectionLimit, type LimitedListener } from './transport/connection-limit.js';
import { acceptEncodedReplies } from './transport/encoded-replies.js';
import { errorMappingMiddleware } from './transport/error-mapping.js';
import { startHttpEndpoint, type HttpEndpoint } from './observability/http-endpoint.js';
import { createDashboard } from './dashboard/routes.js';
import { BrokerMetrics } from './observability/metrics.js';
import type { QueueInfo } from './domain/queue.js';
import { replyFlow } from './transport/reply-flow.js';
import { rejectUndecodableRequests, strictRequestDecoding } from './transport/request-decoding.js';
import { decodeProduceRequest } from './transport/produce-request-decoding.js';
import { decodeWorkRequest } from './transport/work-request-decoding.js';
import { UnsentReplies } from './transport/unsent-replies.js';

/** {@link BrokerStats} and the transport's own counts. */
export interface ServerStats extends BrokerStats {
  /** Calls open now, health included. */
  openCalls: number;
  /** Reply bytes written and not yet taken by their clients. */
  unsentReplyBytes: number;
  /** Calls received since the start, by method name (see `transport/call-guard.ts`). */
  callsByMethod: Record<string, number>;
}

/** A broker serving gRPC. */
export interface RunningBroker {
  /** The host it listens on, as configured. */
  host: string;
  /** The port it listens on (the real one when port 0 was asked for). */
  port: number;
  /** `HOST:PORT` with the real port. */
  address: string;
  /** `HOST:PORT` of the HTTP endpoint (`--http-listen`), if it serves one. */
  httpAddress?: string;
  /** The broker's counts (tasks, ready, leased, writes in flight, calls open, …); O(1) on LMDB. */
  stats(): Promise<ServerStats>;
  /**
   * Shuts down gracefully: refuses new calls, returns parked leases empty, ends watch streams,
   * waits for calls in flight, then flushes and closes LMDB.
   */
  close(): Promise<void>;
}

/** Opens the store (`config.store`) and serves the broker on `config.listen`. */
export async function startBroker(options: Partial<BrokerConfig> = {}): Promise<RunningBroker> {
  const config: BrokerConfig = { ...DEFAULT_CONFIG, ...options };
  const { host, port: askedPort } = parseListenAddress(config.listen);
  if (config.authTokens?.length === 0) throw new ConfigError('authTokens: must hold at least one token (leave it out to turn authentication off)');
  // Metrics only with an endpoint to serve them: without one, the core and the store have no
  // observer to call. (The gauges read the broker only when scraped, once it exists.)
  let stats = async (): Promise<ServerStats> => ({ ...(await broker.stats()), openCalls: 0, unsentReplyBytes: 0, callsByMethod: {} });
  let shuttingDown = false;
  const metrics: BrokerMetrics | undefined = config.httpListen
    ? new BrokerMetrics({ queues: (): Promise<QueueInfo[]> | QueueInfo[] => (shuttingDown ? [] : broker.listQueues()), stats: () => stats() })
    : undefined;
  const { store, clock } = await openStore(config, metrics);
  const broker: Broker = new Broker(store, {
    ...(metrics ? { observer: metrics } : {}),
    maxPendingWrites: config.maxPendingWrites,
    clock,
    watchLimits: { maxWatchers: config.maxWatchers, maxWatchersPerTask: config.maxWatchersPerTask },
  });
  const health = HealthState();
  // Each health Watch stream listens to the state; the call guard bounds how many there are (a
  // tenth of --max-calls), so Node's leak warning past 10 listeners is only noise.
  health.setMaxListeners(0);
  // Health stays open (probes carry no credentials); reflection describes the API, so it is
  // as closed as the API itself. Tokens and the call limit are checked on the headers, before
  // grpc-js reads a request's body (call-guard.ts); replies wait for clients that do not read
  // (reply-flow.ts).
  // One check for gRPC and the dashboard's API: the scope rules are the same on both.
  const checkToken = config.authTokens ? tokenCheck(config.authTokens) : undefined;
  const guard = callGuard({
    ...(checkToken ? { checkToken } : {}),
    isOpen: (path) => path.startsWith('/grpc.health.v1.Health/'),
    maxCalls: config.maxCalls,
    ...(metrics ? { onCallEnd: (path: string, code: number, seconds: number) => metrics.observeCall(path, code, seconds) } : {}),
  });
  const unsent = new UnsentReplies({ maxBytes: config.maxUnsentReplyBytes });
  const server = createServer({
    'grpc.max_receive_message_length': config.maxMessageBytes,
    'grpc.max_send_message_length': config.maxMessageBytes,
    'grpc.max_concurrent_streams': config.maxConcurrentStreams,
    'grpc.max_connection_idle_ms': config.idleTimeoutMs,
    // Not in nice-grpc's option type, but handed to grpc-js's Server as is; the guard comes first.
    ...({ interceptors: [guard.interceptor, replyFlow(unsent)] } as object),
  }).use(errorMappingMiddleware);
  const descriptorSet = await readFile(descriptorSetPath);
  // Requests are decoded strictly: invalid UTF-8 in a string field, or bytes that are no message
  // at all, are INVALID_ARGUMENT naming the field, not silently replaced or INTERNAL. Hot replies
  // may come encoded already (`encoded-replies.ts`).
  // Work and Produce, the hot streams, are served on grpc-js directly (`stream-calls.ts`) with the
  // same decoders, interceptors and error mapping; nice-grpc serves the rest. Their most common
  // requests (a batch of outcomes, a batch of tasks) are decoded by hand when they are plain
  // (`work-request-decoding.ts`, `produce-request-decoding.ts`).
  const definition = acceptEncodedReplies(strictRequestDecoding(BrokerServiceDefinition, descriptorSet, { work: decodeWorkRequest, produce: decodeProduceRequest }));
  const service = createBrokerService(broker, config);
  server.with(rejectUndecodableRequests).add(withoutStreamMethods(definition), service.implementation);
  const streams = STREAM_METHODS.map((key) => streamMethod(definition, key, service.streams[key]));
  server.add(HealthDefinition, HealthServiceImpl(health));
  // Reflection lists the health service too, and answers on both versions of its contract: tools
  // built on the older client (ghz, some grpcurl builds) speak only `v1alpha`, as grpc-go's own
  // reflection package does for them.
  const reflection = ServerReflection(descriptorSet, [BrokerServiceDefinition.fullName, HEALTH_SERVICE]);
  server.add(ServerReflectionService, reflection);
  server.add(REFLECTION_V1ALPHA, reflection);
  let listener: LimitedListener;
  try {
    listener = await listenWithConnectionLimit(
      (address, credentials) => server.listen(address, credentials),
      host,
      askedPort,
      serverCredentials(config),
      config.maxConnections,
      (grpcServer) => {
        for (const { path, handler, serialize, deserialize } of streams) {
          if (!grpcServer.register(path, handler, serialize, deserialize, 'bidi')) throw new Error(`${path} is served twice`);
        }
      },
    );
  } catch (error) {
    await store.close();
    throw error;
  }
  // Overall and per service, so that `grpc-health-probe -service=qtasks.broker.v1.BrokerService`
  // gets an answer (NOT_FOUND before); both turn NOT_SERVING first thing at shutdown.
  for (const service of HEALTH_CHECKED) health.setStatus('healthy', service);
  const port = listener.port;
  stats = async () => ({ ...(await broker.stats()), openCalls: guard.openCalls, unsentReplyBytes: unsent.bytes, callsByMethod: { ...guard.callsByMethod } });
  let http: HttpEndpoint | undefined;
  if (metrics) {
    const { host: httpHost, port: httpPort } = parseListenAddress(config.httpListen);
    try {
      http = await startHttpEndpoint({
        host: httpHost,
        port: httpPort,
        registry: metrics.registry,
        ready: () => !shuttingDown,
        fallback: createDashboard({ broker, ...(checkToken ? { checkToken } : {}) }),
      });
    } catch (error) {
      listener.close();
      await shutdownWithin(server, 0);
      await store.close();
      throw error;
    }
  }
  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    address: `${host}:${port}`,
    ...(http ? { httpAddress: http.address } : {}),
    stats: () => stats(),
    close: () =>
      (closing ??= (async () => {
        for (const service of HEALTH_CHECKED) health.setStatus('unhealthy', service);
        shuttingDown = true;
        broker.shutdown();
        listener.close();
        await shutdownWithin(server, SHUTDOWN_GRACE_MS);
        await http?.close();
        await store.close();
      })()),
  };
}

/** gRPC's health service, as reflection names it. */
const HEALTH_SERVICE = 'grpc.health.v1.Health';

/** What health answers for: the server as a whole (`""`) and the broker's service by name. */
const HEALTH_CHECKED = ['', BrokerServiceDefinition.fullName] as const;

/**
 * `grpc.reflection.v1alpha.ServerReflection`: the same messages as `v1` (the two protos differ in
 * their package name only), so `v1`'s definition serves it with its path renamed.
 */
const REFLECTION_V1ALPHA = {
  serverReflectionInfo: {
    ...ServerReflectionService.serverReflectionInfo,
    path: '/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo',
  },
} as unknown as typeof ServerReflectionService;

/** How long calls in flight get to finish when the broker shuts down. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * Shuts the server down gracefully, then cancels whatever is still open after `graceMs`. A
 * WatchResult stream whose client stopped reading never ends on its own: its last messages and
 * its status wait behind a full flow-control window, and a graceful shutdown alone waited for
 * it forever, so the broker never exited on SIGTERM.
 */
async function shutdownWithin(server: Pick<Server, 'shutdown' | 'forceShutdown'>, graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const graceful = server.shutdown().then(() => 'done' as const);
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, graceMs, 'late')));
  const outcome = await Promise.race([graceful, late]);
  clearTimeout(timer);
  if (outcome === 'late') {
    graceful.catch(() => undefined);
    server.forceShutdown();
  }
}

/** Plaintext, TLS, or mutual TLS (client certificates required and checked against `clientCa`). */
function serverCredentials({ tls }: BrokerConfig): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(tls.clientCa ?? null, [{ cert_chain: tls.cert, private_key: tls.key }], tls.clientCa !== undefined);
}
