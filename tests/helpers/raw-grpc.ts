/**
 * A raw gRPC client of the broker: requests and replies travel as bytes, passed through untouched,
 * so a test can send what no generated client would (invalid UTF-8 in a string field, bytes that
 * are no protobuf message at all) and streams it never reads.
 */
import { Client, credentials, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';

/** Path prefix of the broker's methods. */
export const BROKER_SERVICE = '/qtasks.broker.v1.BrokerService/';

/** The broker's RPCs, by their protobuf names. */
export type BrokerMethod =
  | 'Enqueue'
  | 'GetTask'
  | 'CancelTask'
  | 'ListTasks'
  | 'WatchResult'
  | 'Lease'
  | 'Heartbeat'
  | 'Complete'
  | 'ReportProgress';

/** The outcome of a raw call: the reply's bytes, or the status it failed with. */
export type RawReply = { ok: true; bytes: Buffer } | { ok: false; code: number; details: string };

const passThrough = (bytes: Buffer): Buffer => bytes;

/** A gRPC client of the broker that sends and receives bytes. */
export class RawBrokerClient {
  readonly client: Client;

  constructor(address: string, options: Record<string, unknown> = {}) {
    this.client = new Client(address, credentials.createInsecure(), options);
  }

  /** Sends `bytes` as the request of a unary method. */
  unary(method: Exclude<BrokerMethod, 'WatchResult'>, bytes: Uint8Array): Promise<RawReply> {
    return new Promise((resolve) => {
      this.client.makeUnaryRequest(BROKER_SERVICE + method, passThrough, passThrough, Buffer.from(bytes), (error: ServiceError | null, reply?: Buffer) => {
        resolve(error ? { ok: false, code: error.code, details: error.details } : { ok: true, bytes: reply! });
      });
    });
  }

  /** Opens a WatchResult stream with `bytes` as its request; nothing reads it unless the caller does. */
  watch(bytes: Uint8Array): ClientReadableStream<Buffer> {
    return this.client.makeServerStreamRequest(BROKER_SERVICE + 'WatchResult', passThrough, passThrough, Buffer.from(bytes));
  }

  /** WatchResult to its end: every message's bytes, then the status it ended with. */
  async watchToEnd(bytes: Uint8Array): Promise<{ messages: Buffer[]; code: number; details: string }> {
    const call = this.watch(bytes);
    const messages: Buffer[] = [];
    call.on('data', (message: Buffer) => messages.push(message));
    return new Promise((resolve) => {
      call.on('status', (status) => resolve({ messages, code: status.code, details: status.details }));
      call.on('error', () => undefined);
    });
  }

  /**
   * Opens a bidi stream (`Work`, `Produce`), writes `requests` as they are, ends its side, and
   * reads it to its end: every reply's bytes, then the status it ended with and its trailers.
   */
  async bidiToEnd(method: 'Work' | 'Produce', requests: Uint8Array[]): Promise<{ messages: Buffer[]; code: number; details: string; trailers: Record<string, unknown> }> {
    const call = this.client.makeBidiStreamRequest(BROKER_SERVICE + method, passThrough, passThrough);
    const messages: Buffer[] = [];
    call.on('data', (message: Buffer) => messages.push(message));
    call.on('error', () => undefined);
    const ended = new Promise<{ messages: Buffer[]; code: number; details: string; trailers: Record<string, unknown> }>((resolve) =>
      call.on('status', (status) => resolve({ messages, code: status.code, details: status.details, trailers: status.metadata.getMap() })),
    );
    for (const request of requests) call.write(Buffer.from(request));
    call.end();
    return ended;
  }

  close(): void {
    this.client.close();
  }
}

/** Eight bytes to put in a string field where invalid UTF-8 should go (see {@link withInvalidUtf8}). */
export const INVALID_UTF8_MARK = 'BADUTF8!';
/** Eight bytes that are not UTF-8: a lone 0xFF and 0xFE, an overlong `/`, a UTF-16 surrogate, a stray continuation byte. */
const INVALID_UTF8 = Buffer.from([0xff, 0xfe, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0x80]);

/**
 * An encoded message with every {@link INVALID_UTF8_MARK} replaced by as many bytes of invalid
 * UTF-8. The lengths stay the same, so the message stays well-formed protobuf: build it with the
 * generated `encode` and the mark in the string field under test.
 */
export function withInvalidUtf8(encoded: Uint8Array): Buffer {
  const bytes = Buffer.from(encoded);
  const mark = Buffer.from(INVALID_UTF8_MARK);
  let at = bytes.indexOf(mark);
  if (at < 0) throw new Error('the encoded message holds no INVALID_UTF8_MARK');
  while (at >= 0) {
    INVALID_UTF8.copy(bytes, at);
    at = bytes.indexOf(mark, at + mark.length);
  }
  return bytes;
}
