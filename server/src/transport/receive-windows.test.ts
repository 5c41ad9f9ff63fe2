/** The receive windows' pool, on real HTTP/2 sessions over loopback. */
import { connect, createServer, type ClientHttp2Session, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_WINDOW_BYTES, ReceiveWindows, WIDE_WINDOW_BYTES } from './receive-windows.js';

const EXTRA = WIDE_WINDOW_BYTES - DEFAULT_WINDOW_BYTES;
let server: Http2Server | undefined;
const clients: ClientHttp2Session[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** A local HTTP/2 server whose sessions `windows` widens. */
async function serve(windows: ReceiveWindows): Promise<string> {
  server = createServer();
  server.prependListener('session', (session) => windows.widen(session));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The connection window the server gave a new client (what the client may send unread). */
async function windowOfNewClient(url: string): Promise<number> {
  const client = connect(url);
  clients.push(client);
  await new Promise((resolve) => client.once('remoteSettings', resolve));
  // The WINDOW_UPDATE follows the settings: wait for the window to stop changing.
  let last = -1;
  while (client.state.remoteWindowSize !== last) {
    last = client.state.remoteWindowSize!;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return last;
}

describe('ReceiveWindows', () => {
  it('widens connections while the pool lasts, then leaves them at HTTP/2 default', async () => {
    const windows = new ReceiveWindows(2 * EXTRA + 1000);
    const url = await serve(windows);
    expect(await windowOfNewClient(url)).toBe(WIDE_WINDOW_BYTES);
    expect(await windowOfNewClient(url)).toBe(WIDE_WINDOW_BYTES);
    expect(await windowOfNewClient(url)).toBe(DEFAULT_WINDOW_BYTES + 1000); // what was left
    expect(await windowOfNewClient(url)).toBe(DEFAULT_WINDOW_BYTES);
    expect(windows.spareBytes).toBe(0);
  });

  it('takes a closed connection’s extra back for the next one', async () => {
    const windows = new ReceiveWindows(EXTRA);
    const url = await serve(windows);
    expect(await windowOfNewClient(url)).toBe(WIDE_WINDOW_BYTES);
    expect(await windowOfNewClient(url)).toBe(DEFAULT_WINDOW_BYTES);
    clients[0]!.close();
    await expect.poll(() => windows.spareBytes).toBe(EXTRA);
    expect(await windowOfNewClient(url)).toBe(WIDE_WINDOW_BYTES);
  });
});
