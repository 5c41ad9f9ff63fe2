/**
 * The dashboard's page: the files Vite built into `dashboard/dist`, read once at start into a
 * table of URL path → bytes. A request is served only by an exact match in that table, so no
 * part of a URL ever reaches the filesystem: `..`, encoded slashes or NUL bytes cannot name a
 * file outside it.
 *
 * Cache headers: Vite names the files of `assets/` by their content's hash, so they are cached
 * for a year as immutable; `index.html` (which names them) is revalidated every time, by ETag.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';

/** Content types of the files a Vite build makes; a file of another kind is not served. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Headers of every page response. The page loads only its own scripts and styles, talks only to
 * its own origin, and may not be framed (its buttons act on the broker: no clickjacking).
 */
const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

/** One file, ready to send. */
interface StaticFile {
  body: Buffer;
  type: string;
  etag: string;
  cacheControl: string;
}

/** The built page, or why there is none. */
export interface StaticFiles {
  /** Answers a GET or HEAD of the page; false if no file has this path (the caller answers 404). */
  serve(request: IncomingMessage, response: ServerResponse, path: string): boolean;
}

/**
 * Where the built page is: `dist/` of the `@qtasks/dashboard` workspace, when it is installed
 * (a broker installed on its own has no dashboard to serve, and says so at `/`).
 */
export function defaultDashboardDir(): string | undefined {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('@qtasks/dashboard/package.json')), 'dist');
  } catch {
    return undefined;
  }
}

/** Reads the built page from `dir` (see the module comment). */
export function loadStaticFiles(dir: string | undefined): StaticFiles {
  const files = new Map<string, StaticFile>();
  if (dir !== undefined && existsSync(join(dir, 'index.html'))) {
    for (const path of walk(dir)) {
      const type = CONTENT_TYPES[extname(path)];
      if (type === undefined) continue;
      const urlPath = '/' + relative(dir, path).split(sep).join('/');
      const body = readFileSync(path);
      files.set(urlPath, {
        body,
        type,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
        cacheControl: urlPath.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
    }
  }
  const index = files.get('/index.html');
  return {
    serve(request, response, path) {
      if (!index && (path === '/' || path === '/index.html')) {
        response
          .writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
          .end('the dashboard is not built: run `npm run build` (the API under /api/ works without it)\n');
        return true;
      }
      const file = path === '/' ? index : files.get(path);
      if (!file) return false;
      const headers = { ...PAGE_HEADERS, 'content-type': file.type, 'cache-control': file.cacheControl, etag: file.etag };
      if (request.headers['if-none-match'] === file.etag) {
        response.writeHead(304, headers).end();
      } else {
        response.writeHead(200, { ...headers, 'content-length': file.body.length }).end(request.method === 'HEAD' ? undefined : file.body);
      }
      return true;
    },
  };
}

/** Every file under `dir`, following no symbolic link out of it. */
function walk(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...walk(path));
    else if (entry.isFile()) found.push(path);
  }
  return found;
}
