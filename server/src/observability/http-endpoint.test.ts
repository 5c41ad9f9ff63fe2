import { Registry } from 'prom-client';
import { expect, test } from 'vitest';
import { startHttpEndpoint } from './http-endpoint.js';

test('/readyz follows ready(): 200 while serving, 503 once the broker shuts down; /healthz stays 200', async () => {
  let ready = true;
  const endpoint = await startHttpEndpoint({ host: '127.0.0.1', port: 0, registry: new Registry(), ready: () => ready });
  try {
    const status = async (path: string) => (await fetch(`http://${endpoint.address}${path}`)).status;
    expect([await status('/readyz'), await status('/healthz')]).toEqual([200, 200]);
    ready = false;
    expect([await status('/readyz'), await status('/healthz')]).toEqual([503, 200]);
  } finally {
    await endpoint.close();
  }
});
