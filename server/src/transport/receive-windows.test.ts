/** Wide receive windows for the first connections, on real HTTP/2 sessions over loopback. */
import { connect, createServer, type ClientHttp2Session, type ClientHttp2Stream, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_WINDOW_BYTES, ReceiveWindows, WIDE_WINDOW_BYTES } from './receive-windows.js';

let server: Http2Server | undefined;
const clients: ClientHttp2Session[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** A local HTTP/2 server whose sessions `windows` sees first; its streams stay open, unanswered. */
async function serve(windows: ReceiveWindows): Promise<string> {
  server = createServer();
  server.prependListener('session', (session) => windows.widen(session));
  server.on('stream', () => undefined);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A client once it has the server's settings and window updates. */
async function client(url: string): Promise<ClientHttp2Session> {
  const session = connect(url);
  clients.push(session);
  await new Promise((resolve) => session.once('remoteSettings', resolve));
  await settled(() => session.state.remoteWindowSize);
  return session;
}

/** Waits until `read` gives the same value twice 20 ms apart; returns it. */
async function settled(read: () => number | undefined): Promise<number | undefined> {
  let last: number | undefined = -1;
  while (read() !== last) {
    last = read();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return last;
}

/** Opens a stream that sends nothing yet. */
function open(session: ClientHttp2Session): ClientHttp2Stream {
  const stream = session.request({ ':method': 'POST', ':path': '/' }, { endStream: false });
  stream.on('error', () => undefined);
  return stream;
}

describe('ReceiveWindows', () => {
  it('widens the connection and its streams for the first sessions only, and frees a place when one closes', async () => {
    const windows = new ReceiveWindows(2, 4);
    const url = await serve(windows);
    const [first, second, third] = [await client(url), await client(url), await client(url)];
    for (const wide of [first, second]) {
      expect(wide.state.remoteWindowSize).toBe(WIDE_WINDOW_BYTES);
      expect(wide.remoteSettings.initialWindowSize).toBe(WIDE_WINDOW_BYTES);
    }
    expect(third.state.remoteWindowSize).toBe(DEFAULT_WINDOW_BYTES);
    expect(third.remoteSettings.initialWindowSize).toBe(DEFAULT_WINDOW_BYTES);
    expect(windows.wideSessions).toBe(2);
    first.close();
    await expect.poll(() => windows.wideSessions).toBe(1);
    const fourth = await client(url);
    expect(fourth.remoteSettings.initialWindowSize).toBe(WIDE_WINDOW_BYTES);
  });

  it('narrows a wide connection back to 64 KiB streams for good once it opens more streams than allowed', async () => {
    const windows = new ReceiveWindows(1, 2);
    const url = await serve(windows);
    const session = await client(url);
    const streams = [open(session), open(session)];
    await settled(() => session.remoteSettings.initialWindowSize);
    expect(session.remoteSettings.initialWindowSize).toBe(WIDE_WINDOW_BYTES);
    streams.push(open(session)); // the third at once
    await expect.poll(() => session.remoteSettings.initialWindowSize).toBe(DEFAULT_WINDOW_BYTES);
    for (const stream of streams) stream.close();
    open(session);
    await settled(() => session.remoteSettings.initialWindowSize);
    expect(session.remoteSettings.initialWindowSize).toBe(DEFAULT_WINDOW_BYTES); // for good
    expect(windows.wideSessions).toBe(1); // its place is kept until it closes
  });
});
