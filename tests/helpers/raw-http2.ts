/**
 * gRPC spoken by hand over Node's HTTP/2 client, for clients no gRPC library would be: one that
 * announces a message and never finishes it, one that never reads (an HTTP/2 window of 0), one that
 * opens hundreds of streams at once.
 */
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';

/** Options of {@link openSession}. */
export interface SessionOptions {
  /** Advertise a flow-control window of 0: the broker can send headers but no reply bytes. */
  neverRead?: boolean;
}

/** An HTTP/2 connection to `address` (`HOST:PORT`), plaintext. */
export async function openSession(address: string, options: SessionOptions = {}): Promise<ClientHttp2Session> {
  const session = connect(`http://${address}`, options.neverRead ? { settings: { initialWindowSize: 0 } } : {});
  session.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    session.once('remoteSettings', () => resolve());
    session.once('error', reject);
    session.once('close', () => reject(new Error('the broker closed the connection before its settings')));
  });
  return session;
}

/** A gRPC length-prefixed message: the 5-byte header announcing `announcedBytes`, then `body`. */
export function grpcFrame(body: Uint8Array, announcedBytes = body.byteLength): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(announcedBytes, 1);
  return Buffer.concat([header, body]);
}

/** A call opened by {@link startCall}. */
export interface RawCall {
  stream: ClientHttp2Stream;
  /** The grpc-status the call ended with (from trailers-only headers or trailers), or -1 when the stream closed without one. */
  status: Promise<{ code: number; details: string }>;
}

/**
 * Opens a call of `path`: sends the headers and `body` (a whole message, or part of one) and
 * ends the request only with `end`.
 */
export function startCall(session: ClientHttp2Session, path: string, body: Buffer, options: { token?: string; end?: boolean } = {}): RawCall {
  const stream = session.request({
    [constants.HTTP2_HEADER_METHOD]: 'POST',
    [constants.HTTP2_HEADER_PATH]: path,
    [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
    te: 'trailers',
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
  });
  stream.on('error', () => undefined);
  const status = new Promise<{ code: number; details: string }>((resolve) => {
    const fromHeaders = (headers: Record<string, unknown>): void => {
      if (headers['grpc-status'] !== undefined) {
        resolve({ code: Number(headers['grpc-status']), details: decodeURIComponent(String(headers['grpc-message'] ?? '')) });
      }
    };
    stream.on('response', fromHeaders);
    stream.on('trailers', fromHeaders);
    stream.on('close', () => resolve({ code: -1, details: 'closed without a status' }));
  });
  stream.write(body);
  if (options.end) stream.end();
  return { stream, status };
}

/** Resolves when everything written to `stream` so far has been sent (flow control let it through). */
export function flushed(stream: ClientHttp2Stream): Promise<void> {
  return new Promise((resolve) => stream.write(Buffer.alloc(0), () => resolve()));
}
