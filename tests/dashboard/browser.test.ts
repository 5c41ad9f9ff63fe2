/**
 * The dashboard in a real headless Chromium (Debian's `chromium`, driven by playwright-core)
 * against the real broker process, with producers and workers of the TypeScript SDK in this
 * process: the page loads and lists queues; a task enqueued after load appears and turns
 * `success` without a reload; a failed task is retried from its page and runs again; a queue is
 * paused and resumed from the queues page; on a broker with tokens, the page asks for one and
 * shows the broker's refusal of an action the token's scope does not allow.
 *
 * Without Chromium these tests are skipped, saying why, except in CI (`CI=true`), where they fail.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { QTasks, type Logger } from '@qtasks/sdk';
import { chromiumMissing, inCi, launchChromium, startDashboardBroker, type Chromium, type DashboardBroker } from '../helpers/dashboard.js';
import { spec, uniqueQueue } from '../helpers/tasks.js';

const skipped = chromiumMissing !== undefined && !inCi;
if (skipped) test.skip(`browser tests skipped: ${chromiumMissing}`, () => {});

const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
/** A task (and so queue) name no other test uses. */
const uname = (label: string): string => `${label}-${randomUUID()}`;
/** How long the page may take to show a change (a slow CI machine; the page itself is pushed). */
const SHOWN_MS = 15_000;

let chromium: Chromium | undefined;
/** Why Chromium could not start: each test then fails with it (CI without the package). */
let launchError: unknown;
const apps: QTasks[] = [];
const pages: Page[] = [];

beforeAll(async () => {
  if (skipped) return;
  try {
    chromium = await launchChromium();
  } catch (error) {
    // In CI, a missing Chromium fails every test, loudly, instead of passing without a browser.
    launchError = error;
  }
});
afterAll(async () => {
  await chromium?.close();
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  await Promise.all(pages.splice(0).map((page) => page.close()));
});

/** A new tab that fails the test on any script error in the page. */
async function newPage(): Promise<{ page: Page; errors: string[] }> {
  if (!chromium) throw launchError;
  const page = await chromium.context.newPage();
  pages.push(page);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return { page, errors };
}

describe.skipIf(skipped)('an open broker', () => {
  let dash: DashboardBroker;
  beforeAll(async () => {
    dash = await startDashboardBroker();
  });
  afterAll(() => dash?.broker.dispose());

  /** A new app on the test broker, closed after the test. */
  function newApp(): QTasks {
    const app = new QTasks({ broker: dash.broker.address, logger: quiet, config: { shutdownGraceMs: 500 } });
    apps.push(app);
    return app;
  }

  test('the page loads and lists the queues with their counts', async () => {
    const queue = uniqueQueue('listed');
    await dash.broker.client.enqueue({ tasks: [spec(queue), spec(queue)] });
    const { page, errors } = await newPage();
    await page.goto(`${dash.base}/`);
    expect(await page.title()).toBe('QTasks broker');
    const row = page.locator(`tr[data-queue="${queue}"]`);
    await row.waitFor({ timeout: SHOWN_MS });
    expect(await row.locator('td[data-count="new"]').innerText()).toBe('2');
    expect(await row.locator('td[data-paused]').innerText()).toBe('running');
    expect(errors).toEqual([]);
  });

  test('a task enqueued after the page loaded appears in the list and turns success without a reload', async () => {
    const app = newApp();
    const name = uname('live');
    const double = app.task({ name }, async (n: number) => n * 2);
    const { page, errors } = await newPage();
    await page.goto(`${dash.base}/#/tasks?queue=${name}`);
    await page.getByText('No task matches.').waitFor({ timeout: SHOWN_MS });
    // A mark that a reload would wipe out.
    await page.evaluate('window.loadedOnce = true');

    app.worker.start();
    const task = await double.addTask([21]);
    await page.locator(`tr[data-task-id="${task.uuid}"]`).waitFor({ timeout: SHOWN_MS });
    await page.locator(`tr[data-task-id="${task.uuid}"] [data-status="success"]`).waitFor({ timeout: SHOWN_MS });
    expect(await page.evaluate('window.loadedOnce')).toBe(true);
    expect((await app.get(task.uuid))?.returning).toBe(42);

    // Its page shows the arguments and the result.
    await page.locator(`tr[data-task-id="${task.uuid}"] a`).click();
    await page.locator('main.task-page h1 [data-status="success"]').waitFor({ timeout: SHOWN_MS });
    expect(await page.locator('pre[data-field="args"]').innerText()).toBe('[\n  21\n]');
    expect(await page.locator('pre[data-field="result"]').innerText()).toBe('42');
    expect(errors).toEqual([]);
  });

  test('a failed task is retried from its page: it runs again, its failed attempt kept with its traceback', async () => {
    const app = newApp();
    const name = uname('flaky');
    let runs = 0;
    const flaky = app.task({ name }, async () => {
      runs++;
      if (runs === 1) throw new Error('the first run fails');
      return 'fine';
    });
    app.worker.start();
    const failed = await flaky.addTask([], { timeout: 10 });
    expect(failed?.status).toBe('error');

    const { page, errors } = await newPage();
    await page.goto(`${dash.base}/#/tasks/${failed!.uuid}`);
    await page.locator('main.task-page h1 [data-status="error"]').waitFor({ timeout: SHOWN_MS });
    expect(await page.locator('.last-error').innerText()).toContain('the first run fails');
    expect(await page.locator('.last-error pre.traceback').innerText()).toContain('the first run fails');

    await page.getByRole('button', { name: 'Retry' }).click();
    await page.locator('main.task-page h1 [data-status="success"]').waitFor({ timeout: SHOWN_MS });
    expect(runs).toBe(2);
    expect(await page.locator('pre[data-field="result"]').innerText()).toBe('"fine"');
    const attempt = page.locator('article.attempt[data-attempt="1"]');
    expect(await attempt.innerText()).toContain('the first run fails');
    expect(errors).toEqual([]);
  });

  test('a queue is paused and resumed from the queues page', async () => {
    const app = newApp();
    const queue = uniqueQueue('pausable');
    await dash.broker.client.enqueue({ tasks: [spec(queue)] });
    const { page, errors } = await newPage();
    await page.goto(`${dash.base}/#/queues`);
    const row = page.locator(`tr[data-queue="${queue}"]`);
    await row.waitFor({ timeout: SHOWN_MS });

    await row.getByRole('button', { name: 'Pause' }).click();
    await row.locator('td[data-paused="true"]').waitFor({ timeout: SHOWN_MS });
    expect((await app.listQueues()).find((q) => q.name === queue)?.paused).toBe(true);

    await row.getByRole('button', { name: 'Resume' }).click();
    await row.locator('td[data-paused="false"]').waitFor({ timeout: SHOWN_MS });
    expect((await app.listQueues()).find((q) => q.name === queue)?.paused).toBe(false);
    expect(errors).toEqual([]);
  });
});

describe.skipIf(skipped)('a broker with tokens', () => {
  const ALL = `all-${randomUUID()}`;
  const PRODUCER = `producer-${randomUUID()}`;
  let dash: DashboardBroker;
  beforeAll(async () => {
    const file = join(tmpdir(), `qtasks-dashboard-browser-tokens-${process.pid}`);
    await writeFile(file, `${ALL} all\n${PRODUCER} producer\n`);
    dash = await startDashboardBroker({ args: ['--auth-tokens-file', file], client: { token: ALL } });
  });
  afterAll(() => dash?.broker.dispose());

  test('the page asks for a token (401), reads with a producer token, and shows the 403 of a pause that needs an all token', async () => {
    const queue = uniqueQueue('guarded');
    await dash.broker.client.enqueue({ tasks: [spec(queue)] });
    const { page, errors } = await newPage();
    await page.goto(`${dash.base}/#/queues`);
    await page.locator('.error', { hasText: '401 UNAUTHENTICATED' }).waitFor({ timeout: SHOWN_MS });

    await page.locator('input[name="token"]').fill(PRODUCER);
    await page.getByRole('button', { name: 'Use' }).click();
    const row = page.locator(`tr[data-queue="${queue}"]`);
    await row.waitFor({ timeout: SHOWN_MS });

    await row.getByRole('button', { name: 'Pause' }).click();
    const refusal = page.locator('.error', { hasText: '403' });
    await refusal.waitFor({ timeout: SHOWN_MS });
    expect(await refusal.innerText()).toContain('403 PERMISSION_DENIED: a producer token may not call PauseQueue');
    expect((await dash.broker.client.listQueues({})).queues.find((q) => q.name === queue)?.paused).toBe(false);
    // The token lives in the tab's sessionStorage, and nowhere in the page's URL.
    expect(await page.evaluate("sessionStorage.getItem('qtasks.dashboard.token')")).toBe(PRODUCER);
    expect(page.url()).not.toContain(PRODUCER);
    expect(errors).toEqual([]);
  });
});
