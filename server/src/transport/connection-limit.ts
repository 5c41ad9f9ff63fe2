/**
 * Serving with a cap on connections. grpc-js has no such option, but it accepts connections
 * accepted elsewhere (`Server.createConnectionInjector`), so the broker owns the listening socket:
 * a `net.Server` with `maxConnections`, past which Node closes a new connection at once (the client
 * sees UNAVAILABLE and may retry). TLS is still grpc-js's: the injector applies the credentials.
 *
 * nice-grpc creates its grpc-js `Server` inside `listen()` and exposes no hook to reach it, so
 * for the one synchronous call of `listen()` the prototype's `bindAsync` is replaced by one that
 * injects instead of binding (nice-grpc 2.1 calls `bindAsync` synchronously from `listen()`;
 * startBroker fails loudly if that ever changes), then restored. The same moment, with the
 * services added and nothing bound yet, is when `register` adds the methods served on grpc-js
 * directly (`stream-calls.ts`).
 */
import { Server as GrpcServer, type ServerCredentials } from '@grpc/grpc-js';
import { createServer, type Server as NetServer } from 'node:net';

/** A listening socket whose connections go to grpc-js. */
export interface LimitedListener {
  /** The port listened on (the real one when 0 was asked for). */
  port: number;
  /** Connections open now. */
  connections(): Promise<number>;
  /** Stops accepting connections (those open are grpc-js's to close). */
  close(): void;
}

type BindAsync = GrpcServer['bindAsync'];

/**
 * Calls `listen(address, credentials)` (nice-grpc's), serving on `host:port` through a
 * `net.Server` that holds at most `maxConnections` connections; `register` is handed nice-grpc's
 * grpc-js server before it serves, to add methods of its own.
 */
export async function listenWithConnectionLimit(
  listen: (address: string, credentials: ServerCredentials) => Promise<number>,
  host: string,
  port: number,
  credentials: ServerCredentials,
  maxConnections: number,
  register: (server: GrpcServer) => void = () => undefined,
): Promise<LimitedListener> {
  const original = GrpcServer.prototype.bindAsync;
  let netServer: NetServer | undefined;
  const inject: BindAsync = function (this: GrpcServer, _address, bindCredentials, callback) {
    register(this);
    const injector = this.createConnectionInjector(bindCredentials);
    const server = createServer({ noDelay: true }, (socket) => injector.injectConnection(socket));
    server.maxConnections = maxConnections;
    netServer = server;
    server.once('error', (error) => callback(error, 0));
    // Brackets of an IPv6 address are for the HOST:PORT form only.
    server.listen(port, host.replace(/^\[(.*)\]$/, '$1'), () => {
      const address = server.address();
      callback(null, typeof address === 'object' && address ? address.port : port);
    });
  };
  GrpcServer.prototype.bindAsync = inject;
  let listening: Promise<number>;
  try {
    listening = listen(`${host}:${port}`, credentials);
  } finally {
    GrpcServer.prototype.bindAsync = original;
  }
  const boundPort = await listening;
  const server = netServer;
  if (!server) throw new Error('nice-grpc did not bind through grpc-js bindAsync: the connection limit cannot be applied');
  return {
    port: boundPort,
    connections: () => new Promise((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count)))),
    close: () => void server.close(),
  };
}
