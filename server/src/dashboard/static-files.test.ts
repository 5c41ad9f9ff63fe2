import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { loadStaticFiles } from './static-files.js';

let server: Server | undefined;
let dir: string | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  if (dir) await rm(dir, { recursive: true, force: true });
  server = dir = undefined;
});

/** Serves the files of `assets` (or none) on a free port; resolves with its base URL. */
async function serve(assets: string | undefined): Promise<string> {
  const files = loadStaticFiles(assets);
  server = createServer((request, response) => {
    if (!files.serve(request, response, new URL(request.url!, 'http://x').pathname)) response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

test('serves the built files by exact path, with their types and cache headers, and nothing else', async () => {
  dir = await mkdtemp(join(tmpdir(), 'qtasks-static-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>x</title>');
  await writeFile(join(dir, 'assets', 'app-abc.js'), 'export {}');
  await writeFile(join(dir, 'assets', 'notes.md'), '# not served');
  const base = await serve(dir);
  const root = await fetch(`${base}/`);
  expect([root.status, root.headers.get('content-type'), root.headers.get('cache-control')]).toEqual([200, 'text/html; charset=utf-8', 'no-cache']);
  const script = await fetch(`${base}/assets/app-abc.js`);
  expect([script.status, script.headers.get('content-type'), script.headers.get('cache-control')]).toEqual([
    200,
    'text/javascript; charset=utf-8',
    'public, max-age=31536000, immutable',
  ]);
  expect((await fetch(`${base}/assets/notes.md`)).status).toBe(404);
  expect((await fetch(`${base}/assets/../index.html`)).status).toBe(200); // fetch normalizes it to /index.html
  expect((await fetch(`${base}/assets%2F..%2Findex.html`)).status).toBe(404);
  expect((await fetch(`${base}/`, { method: 'HEAD' })).headers.get('content-length')).toBe('31');
});

test('without a built page, / says how to build it and the rest is 404', async () => {
  const base = await serve(undefined);
  const root = await fetch(`${base}/`);
  expect(root.status).toBe(503);
  expect(await root.text()).toContain('npm run build');
  expect((await fetch(`${base}/assets/app.js`)).status).toBe(404);
});
