/**
 * The dashboard's JSON API on the real broker process, without a browser: queues, the task list
 * with its filters and paging, a task, the actions, the event streams, refusals (400 naming the
 * field, 404, 409, 401, 403, the browser-attack guards) and the static page's headers.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { json, spec, uniqueQueue, workerId } from '../helpers/tasks.js';
import { openEvents, startDashboardBroker, type DashboardBroker } from '../helpers/dashboard.js';
import type { BrokerClient } from '../helpers/broker-process.js';

/** A POST of an action, as the page sends it. */
function post(url: string, body: unknown = {}, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** The error body of a refusal. */
async function errorOf(response: Response): Promise<{ code: string; reason: string; message: string; field?: string }> {
  return ((await response.json()) as { error: { code: string; reason: string; message: string; field?: string } }).error;
}

/** Leases the tasks of `queue` and completes them with `outcome`. */
async function runAll(client: BrokerClient, queue: string, outcome: 'success' | 'failure'): Promise<void> {
  const { tasks } = await client.lease({ workerId: workerId(), queues: [queue], maxTasks: 100 });
  await client.complete({
    completions: tasks.map((t) => ({
      taskId: t.task!.id,
      leaseToken: t.leaseToken,
      outcome:
        outcome === 'success'
          ? { $case: 'success' as const, value: { result: json({ ok: true }) } }
          : { $case: 'failure' as const, value: { error: { type: 'ValueError', message: 'boom', traceback: 'Traceback: line 1' }, retryable: true } },
    })),
  });
}

describe('an open broker (no tokens)', () => {
  let dash: DashboardBroker;
  let client: BrokerClient;
  let base: string;
  beforeAll(async () => {
    dash = await startDashboardBroker();
    client = dash.broker.client;
    base = dash.base;
  });
  afterAll(() => dash.broker.dispose());

  test('GET /api/queues: counts by status, the rate, paused and limits', async () => {
    const queue = uniqueQueue('counted');
    await client.enqueue({ tasks: [spec(queue), spec(queue), spec(queue)] });
    await runAll(client, queue, 'success');
    await client.enqueue({ tasks: [spec(queue)] });
    await client.setQueueLimits({ queue, limits: { maxRunning: 5, maxRunningPerKey: 0 } });
    const response = await fetch(`${base}/api/queues`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const { queues } = (await response.json()) as { queues: { name: string }[] };
    expect(queues.find((q) => q.name === queue)).toEqual({
      name: queue,
      counts: { new: 1, process: 0, retry: 0, success: 3, error: 0, cancel: 0 },
      paused: false,
      limits: { maxRunning: 5, maxRunningPerKey: 0 },
      oldestReadyAgeMs: expect.any(Number),
      completedLastMinute: 3,
    });
  });

  test('GET /api/tasks filters by queue and status, and pages with next_page_token until the last page', async () => {
    const queue = uniqueQueue('paged');
    const other = uniqueQueue('other');
    const { tasks } = await client.enqueue({ tasks: Array.from({ length: 5 }, () => spec(queue)) });
    await client.enqueue({ tasks: [spec(other)] });
    const ids: string[] = [];
    let token: string | null = '';
    let pages = 0;
    do {
      const query: URLSearchParams = new URLSearchParams({ queue, page_size: '2', ...(token ? { page_token: token } : {}) });
      const response = await fetch(`${base}/api/tasks?${query}`);
      expect(response.status).toBe(200);
      const page = (await response.json()) as { tasks: { id: string; queue: string; status: string; version: number }[]; nextPageToken: string | null };
      expect(page.tasks.length).toBeLessThanOrEqual(2);
      for (const row of page.tasks) {
        expect(row).toMatchObject({ queue, status: 'new', version: expect.any(Number) });
        expect(row).not.toHaveProperty('args');
      }
      ids.push(...page.tasks.map((t) => t.id));
      token = page.nextPageToken;
      pages++;
    } while (token !== null && pages < 10);
    expect(pages).toBe(3);
    expect(ids.sort()).toEqual(tasks.map((t) => t.id).sort());

    // A status filter: one task done, listed under success and no longer under new.
    await runAll(client, other, 'success');
    const done = (await (await fetch(`${base}/api/tasks?queue=${other}&status=success`)).json()) as { tasks: { status: string }[] };
    expect(done.tasks.map((t) => t.status)).toEqual(['success']);
    const waiting = (await (await fetch(`${base}/api/tasks?queue=${other}&status=new`)).json()) as { tasks: unknown[] };
    expect(waiting.tasks).toEqual([]);
    const since = new Date(Date.now() - 60_000).toISOString();
    const recent = (await (await fetch(`${base}/api/tasks?status=success&finished_after=${since}&queue=${other}`)).json()) as { tasks: unknown[] };
    expect(recent.tasks).toHaveLength(1);
  });

  test('bad input is a 400 whose body names the field', async () => {
    const cases: [string, string][] = [
      ['status=bogus', 'status'],
      ['page_size=0', 'page_size'],
      ['page_size=5000', 'page_size'],
      ['page_size=ten', 'page_size'],
      ['page_token=not-a-token', 'page_token'],
      ['finished_after=2026-01-01T00:00:00Z', 'finished_after'],
      ['status=success&finished_after=yesterday', 'finished_after'],
      ['queue=%01', 'queue'],
      ['colour=red', 'colour'],
    ];
    for (const [query, field] of cases) {
      const response = await fetch(`${base}/api/tasks?${query}`);
      expect(response.status, query).toBe(400);
      const error = await errorOf(response);
      expect(error, query).toMatchObject({ code: 'INVALID_ARGUMENT', reason: 'INVALID_FIELD', field });
      expect(error.message.startsWith(`${field}: `), error.message).toBe(true);
    }
    const cancel = await post(`${base}/api/tasks/x/cancel`, { reason: 42 });
    expect(cancel.status).toBe(400);
    expect(await errorOf(cancel)).toMatchObject({ field: 'reason' });
    const notJson = await fetch(`${base}/api/tasks/x/cancel`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' });
    expect(notJson.status).toBe(400);
    expect(await errorOf(notJson)).toMatchObject({ field: 'body' });
    const badQueue = await post(`${base}/api/queues/%E0%A4%A/pause`);
    expect(badQueue.status).toBe(400);
    expect(await errorOf(badQueue)).toMatchObject({ field: 'queue' });
  });

  test('a body over 16 KiB is a 413, whether it declares its length or comes chunked', async () => {
    const big = JSON.stringify({ reason: 'x'.repeat(20_000) });
    const declared = await fetch(`${base}/api/tasks/x/cancel`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(declared.status).toBe(413);
    expect(await errorOf(declared)).toMatchObject({ reason: 'BODY_TOO_LARGE' });
    // A stream body goes chunked: no content-length to refuse it by, so the reader counts. A
    // client still sending megabytes when the refusal comes must get it too, not a reset.
    const chunks = [Buffer.from(big.slice(0, 10_000)), Buffer.from(big.slice(10_000)), ...Array.from({ length: 64 }, () => Buffer.alloc(64 * 1024, 0x20))];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const chunked = await fetch(`${base}/api/tasks/x/cancel`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await errorOf(chunked)).toMatchObject({ reason: 'BODY_TOO_LARGE' });
  });

  test('GET /api/tasks/:id: the whole task, payloads as their exact JSON text, the error of each attempt', async () => {
    const queue = uniqueQueue('whole');
    const args = Buffer.from('[12345678901234567890, "a"]');
    const [task] = (await client.enqueue({ tasks: [spec(queue, { args, kwargs: json({ k: 1 }), maxRetries: 1, retryBackoff: { initialMs: 1, multiplier: 1, maxMs: 1 } })] })).tasks;
    await runAll(client, queue, 'failure');
    const response = await fetch(`${base}/api/tasks/${task!.id}`);
    expect(response.status).toBe(200);
    const { task: body } = (await response.json()) as { task: Record<string, unknown> };
    expect(body).toMatchObject({
      id: task!.id,
      queue,
      status: 'retry',
      args: '[12345678901234567890, "a"]',
      kwargs: '{"k":1}',
      result: null,
      attempt: 1,
      maxRetries: 1,
      error: { type: 'ValueError', message: 'boom', traceback: 'Traceback: line 1' },
      history: [{ attempt: 1, status: 'retry', error: { type: 'ValueError', message: 'boom', traceback: 'Traceback: line 1' } }],
    });
  });

  test('an unknown task is a 404 on every route; an unknown route is a 404 too; a wrong method a 405', async () => {
    const id = '01890000-0000-7000-8000-000000000000';
    for (const response of [
      await fetch(`${base}/api/tasks/${id}`),
      await fetch(`${base}/api/tasks/${id}/events`),
      await post(`${base}/api/tasks/${id}/cancel`),
      await post(`${base}/api/tasks/${id}/retry`),
    ]) {
      expect(response.status).toBe(404);
      expect(await errorOf(response)).toMatchObject({ code: 'NOT_FOUND', reason: 'TASK_NOT_FOUND' });
    }
    const route = await fetch(`${base}/api/nothing-here`);
    expect(route.status).toBe(404);
    expect(await errorOf(route)).toMatchObject({ reason: 'ROUTE_NOT_FOUND' });
    const method = await fetch(`${base}/api/queues`, { method: 'DELETE' });
    expect(method.status).toBe(405);
    expect(method.headers.get('allow')).toBe('GET');
  });

  test('cancel, retry, pause and resume act through the core; an action the state forbids is a 409', async () => {
    const queue = uniqueQueue('acted');
    const [task] = (await client.enqueue({ tasks: [spec(queue)] })).tasks;
    const early = await post(`${base}/api/tasks/${task!.id}/retry`);
    expect(early.status).toBe(409);
    expect(await errorOf(early)).toMatchObject({ code: 'FAILED_PRECONDITION', reason: 'ILLEGAL_TRANSITION' });

    const cancelled = await post(`${base}/api/tasks/${task!.id}/cancel`, { reason: 'not needed' });
    expect(cancelled.status).toBe(200);
    expect(((await cancelled.json()) as { task: unknown }).task).toMatchObject({ status: 'cancel', cancelReason: 'not needed' });
    const retried = await post(`${base}/api/tasks/${task!.id}/retry`);
    expect(retried.status).toBe(200);
    expect(((await retried.json()) as { task: unknown }).task).toMatchObject({ status: 'retry', attempt: 0 });

    const paused = await post(`${base}/api/queues/${encodeURIComponent(queue)}/pause`);
    expect(((await paused.json()) as { queue: unknown }).queue).toMatchObject({ name: queue, paused: true });
    expect((await client.listQueues({})).queues.find((q) => q.name === queue)?.paused).toBe(true);
    const resumed = await post(`${base}/api/queues/${encodeURIComponent(queue)}/resume`);
    expect(((await resumed.json()) as { queue: unknown }).queue).toMatchObject({ name: queue, paused: false });
  });

  test('GET /api/tasks/:id/events: the current state, each transition, then end', async () => {
    const queue = uniqueQueue('watched');
    const [task] = (await client.enqueue({ tasks: [spec(queue)] })).tasks;
    const events = await openEvents(`${base}/api/tasks/${task!.id}/events`);
    expect(events.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(await events.next()).toMatchObject({ event: 'task', data: { id: task!.id, status: 'new' } });
    await runAll(client, queue, 'success');
    expect(await events.next()).toMatchObject({ event: 'task', data: { status: 'process' } });
    expect(await events.next()).toMatchObject({ event: 'task', data: { status: 'success', result: '{"ok":true}' } });
    expect(await events.next()).toEqual({ event: 'end', data: {} });
    expect(await events.next()).toBeUndefined();
  });

  test('GET /api/events: ready, then the rows of the tasks of its queue as they change, and of no other', async () => {
    const queue = uniqueQueue('listed');
    const events = await openEvents(`${base}/api/events?queue=${queue}`);
    try {
      expect(await events.next()).toEqual({ event: 'ready', data: {} });
      await client.enqueue({ tasks: [spec(uniqueQueue('elsewhere'))] });
      const [task] = (await client.enqueue({ tasks: [spec(queue)] })).tasks;
      const seen = new Map<string, string>();
      while (seen.get(task!.id) !== 'success') {
        const event = await events.next();
        expect(event?.event).toBe('tasks');
        for (const row of event!.data as { id: string; queue: string; status: string }[]) {
          expect(row.queue).toBe(queue);
          seen.set(row.id, row.status);
        }
        if (seen.get(task!.id) === 'new') await runAll(client, queue, 'success');
      }
      expect([...seen.keys()]).toEqual([task!.id]);
    } finally {
      events.close();
    }
  });

  test('GET /api/queues/events: every queue at once, then again after a change', async () => {
    const queue = uniqueQueue('live-queue');
    const events = await openEvents(`${base}/api/queues/events`);
    try {
      const first = await events.next();
      expect(first?.event).toBe('queues');
      expect((first!.data as { name: string }[]).some((q) => q.name === queue)).toBe(false);
      await client.enqueue({ tasks: [spec(queue)] });
      for (;;) {
        const event = await events.next();
        const mine = (event!.data as { name: string; counts: { new: number } }[]).find((q) => q.name === queue);
        if (mine) {
          expect(mine.counts.new).toBe(1);
          break;
        }
      }
    } finally {
      events.close();
    }
  });

  test('guards against browser attacks: actions need a JSON content type and this origin; names are refused without tokens', async () => {
    const queue = uniqueQueue('guarded');
    const form = await fetch(`${base}/api/queues/${queue}/pause`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' });
    expect(form.status).toBe(415);
    const foreign = await post(`${base}/api/queues/${queue}/pause`, {}, { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(await errorOf(foreign)).toMatchObject({ reason: 'CROSS_ORIGIN' });
    const same = await post(`${base}/api/queues/${queue}/resume`, {}, { origin: base });
    expect(same.status).toBe(200);
    // A DNS-rebinding page reaches the server under its own name: refused while no token guards the API.
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${base}/api/queues`);
      request({ host: url.hostname, port: url.port, path: url.pathname, headers: { host: `evil.example:${url.port}` } }, (response) => {
        response.resume();
        resolve(response.statusCode!);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(421);
  });

  test('the page: index.html revalidated by ETag, hashed assets immutable, nothing outside dist reachable', async () => {
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(index.headers.get('x-frame-options')).toBe('DENY');
    const html = await index.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${base}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const again = await fetch(`${base}/`, { headers: { 'if-none-match': index.headers.get('etag')! } });
    expect(again.status).toBe(304);
    const { request } = await import('node:http');
    for (const path of ['/assets/../../package.json', '/%2e%2e/%2e%2e/package.json', '/..%2f..%2fpackage.json', '/index.html%00', '/src/main.tsx']) {
      const status = await new Promise<number>((resolve, reject) => {
        const url = new URL(base);
        request({ host: url.hostname, port: url.port, path }, (response) => {
          response.resume();
          resolve(response.statusCode!);
        })
          .on('error', reject)
          .end();
      });
      expect(status, path).toBe(404);
    }
  });
});

describe('a broker with tokens', () => {
  const ALL = 'all-0123456789abcdef';
  const PRODUCER = 'producer-0123456789abcdef';
  const WORKER = 'worker-0123456789abcdef';
  let dash: DashboardBroker;
  let base: string;
  beforeAll(async () => {
    const { tmpdir } = await import('node:os');
    const file = join(tmpdir(), `qtasks-dashboard-tokens-${process.pid}`);
    await writeFile(file, `${ALL} all\n${PRODUCER} producer\n${WORKER} worker\n`);
    dash = await startDashboardBroker({ args: ['--auth-tokens-file', file], client: { token: ALL } });
    base = dash.base;
  });
  afterAll(() => dash.broker.dispose());

  const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

  test('no token or a wrong one is a 401 asking for a bearer token, and never echoes it', async () => {
    const none = await fetch(`${base}/api/queues`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect(await errorOf(none)).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'UNAUTHENTICATED' });
    const wrong = await fetch(`${base}/api/queues`, { headers: bearer(`${ALL}x`) });
    expect(wrong.status).toBe(401);
    expect(JSON.stringify(await wrong.json())).not.toContain(ALL);
    const events = await fetch(`${base}/api/events`);
    expect(events.status).toBe(401);
    // The page itself needs no token: it asks for one.
    expect((await fetch(`${base}/`)).status).toBe(200);
  });

  test('each route needs the scope of its gRPC method: a worker may not read, a producer may not pause (403)', async () => {
    const queue = uniqueQueue('scoped');
    const [task] = (await dash.broker.client.enqueue({ tasks: [spec(queue)] })).tasks;
    const workerRead = await fetch(`${base}/api/tasks`, { headers: bearer(WORKER) });
    expect(workerRead.status).toBe(403);
    expect(await errorOf(workerRead)).toMatchObject({ code: 'PERMISSION_DENIED', message: 'a worker token may not call ListTasks' });
    expect((await fetch(`${base}/api/tasks/${task!.id}`, { headers: bearer(PRODUCER) })).status).toBe(200);
    const pause = await post(`${base}/api/queues/${queue}/pause`, {}, bearer(PRODUCER));
    expect(pause.status).toBe(403);
    expect(await errorOf(pause)).toMatchObject({ message: 'a producer token may not call PauseQueue' });
    expect((await post(`${base}/api/tasks/${task!.id}/cancel`, {}, bearer(PRODUCER))).status).toBe(200);
    expect((await post(`${base}/api/queues/${queue}/pause`, {}, bearer(ALL))).status).toBe(200);
    // With tokens, a host name is fine (a rebinding page has no token).
    const named = await fetch(`${base}/api/queues`, { headers: { ...bearer(ALL) } });
    expect(named.status).toBe(200);
  });
});

test('a shutdown ends the open event streams, and the broker exits cleanly', async () => {
  const dash = await startDashboardBroker();
  try {
    const queue = uniqueQueue('closing');
    const [task] = (await dash.broker.client.enqueue({ tasks: [spec(queue)] })).tasks;
    const list = await openEvents(`${dash.base}/api/events`);
    const queues = await openEvents(`${dash.base}/api/queues/events`);
    const watch = await openEvents(`${dash.base}/api/tasks/${task!.id}/events`);
    expect((await list.next())?.event).toBe('ready');
    expect((await queues.next())?.event).toBe('queues');
    expect((await watch.next())?.event).toBe('task');
    const exited = dash.broker.stop('SIGTERM');
    expect(await list.next()).toBeUndefined();
    expect(await queues.next()).toBeUndefined();
    expect(await watch.next()).toMatchObject({ event: 'error', data: { error: { code: 'UNAVAILABLE', reason: 'SHUTTING_DOWN' } } });
    expect(await watch.next()).toBeUndefined();
    expect(await exited).toBe(0);
  } finally {
    await dash.broker.dispose();
  }
});
