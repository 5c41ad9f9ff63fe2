/**
 * The broker's HTTP side (`--http-listen`): `/metrics` for Prometheus, `/healthz` (the process
 * answers) and `/readyz` (it serves: 503 from the first moment of a shutdown, as gRPC health
 * turns NOT_SERVING); every other path goes to the dashboard (`dashboard/routes.ts`). Plain
 * `node:http`: a dozen routes need no framework.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** A running HTTP endpoint. */
export interface HttpEndpoint {
  /** `HOST:PORT` with the real port. */
  address: string;
  /** Stops accepting connections and closes the open ones. */
  close(): Promise<void>;
}

/** What the endpoint serves. */
export interface HttpEndpointOptions {
  host: string;
  port: number;
  registry: Registry;
  /** False once the broker is shutting down (`/readyz` answers 503). */
  ready(): boolean;
  /** Answers the other paths it knows (the dashboard); false for those it does not (404). */
  fallback?: (request: IncomingMessage, response: ServerResponse) => boolean;
}

/** The endpoint's own paths. */
const OWN_PATHS = new Set(['/metrics', '/healthz', '/readyz']);

/** Starts the endpoint; resolves once it listens. */
export async function startHttpEndpoint(options: HttpEndpointOptions): Promise<HttpEndpoint> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0]!;
    if (!OWN_PATHS.has(path) && options.fallback?.(request, response)) return;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': options.registry.contentType }).end(text),
        () => response.writeHead(500).end('metrics failed\n'),
      );
    } else if (path === '/healthz') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const ready = options.ready();
      response.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ready\n' : 'shutting down\n');
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: try /metrics, /healthz or /readyz${options.fallback ? ', or / for the dashboard' : ''}\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host.replace(/^\[(.*)\]$/, '$1'), () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    address: `${options.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
