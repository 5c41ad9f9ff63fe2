#!/usr/bin/env node
// Takes the README's screenshots of the dashboard (docs/images/dashboard-*.png): starts a broker
// with --http-listen on free ports and a temporary data directory, seeds it through the SDK (a
// worker in this process runs the tasks), and photographs the queues page, the task list and a
// task page in headless Chromium (Debian's `chromium`, driven by playwright-core).
//   npm run screenshots        (builds first; QTASKS_CHROMIUM overrides /usr/bin/chromium)
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { QTasks } from '@qtasks/sdk';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'docs', 'images');
const executablePath = process.env.QTASKS_CHROMIUM ?? '/usr/bin/chromium';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

const dataDir = await mkdtemp(join(tmpdir(), 'qtasks-shots-'));
const profile = await mkdtemp(join(tmpdir(), 'qtasks-shots-chromium-'));
const broker = spawn(process.execPath, [join(root, 'server/bin/qtasks-broker.js'), '--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--data-dir', dataDir], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const { grpc, http } = await new Promise((resolve, reject) => {
  let text = '';
  broker.stdout.setEncoding('utf8').on('data', (chunk) => {
    text += chunk;
    const grpcMatch = /listening on (\S+)/.exec(text);
    const httpMatch = /http on (\S+)/.exec(text);
    if (grpcMatch && httpMatch) resolve({ grpc: grpcMatch[1], http: `http://${httpMatch[1]}` });
  });
  broker.once('exit', (code) => reject(new Error(`the broker exited (${code})`)));
});

const app = new QTasks({ broker: grpc, logger: quiet, config: { shutdownGraceMs: 500 } });
let browser;
try {
  // Seed: emails that succeed, images that fail once then succeed, reports held by a paused queue.
  const send = app.task({ name: 'emails.send', retry: 2 }, async (to, options) => ({ to, subject: options?.subject ?? 'Hello', messageId: `<${to.length}@mail>` }));
  let resizes = 0;
  const resize = app.task({ name: 'images.resize', retry: 1, retryBackoff: { initialMs: 10 } }, async (path, width) => {
    resizes++;
    if (resizes === 1) throw new RangeError(`width ${width} is wider than the source image`);
    return { path: path.replace('.png', `-${width}.png`), width };
  });
  const build = app.task({ name: 'reports.build' }, async (userId) => ({ userId, rows: 42 }));
  await app.setQueueLimits('emails.send', { maxRunning: 5, rate: { count: 100, periodMs: 1000 } });
  await app.pauseQueue('reports.build');
  app.worker.start();
  const people = ['ada@example.com', 'grace@example.com', 'alan@example.com', 'edsger@example.com', 'barbara@example.com', 'ken@example.com'];
  await Promise.all(people.map((to) => send.addTask([to], { kwargs: { subject: 'Welcome aboard' }, timeout: 10 })));
  const images = await Promise.all(['cat.png', 'dog.png', 'owl.png'].map((path) => resize.addTask([path, 640], { timeout: 10 })));
  for (const user of ['u-17', 'u-23', 'u-42']) await build.addTask([user]);
  await app.worker.stop();
  await send.addTask(['linus@example.com'], { kwargs: { subject: 'Your weekly digest' } });
  const retried = images.find((task) => (task?.history?.length ?? 0) > 0) ?? images[0];

  browser = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 720 },
  });
  const page = await browser.newPage();
  await page.goto(`${http}/#/queues`);
  await page.locator('tr[data-queue="reports.build"]').waitFor();
  await page.screenshot({ path: join(out, 'dashboard-queues.png') });
  await page.goto(`${http}/#/tasks`);
  await page.locator('table.tasks tbody tr').first().waitFor();
  await page.screenshot({ path: join(out, 'dashboard-tasks.png') });
  await page.goto(`${http}/#/tasks/${retried.uuid}`);
  await page.locator('main.task-page h1 [data-status="success"]').waitFor();
  await page.locator('article.attempt details').first().evaluate((details) => details.setAttribute('open', ''));
  await page.screenshot({ path: join(out, 'dashboard-task.png'), fullPage: true });
  console.log(`screenshots written to ${out}`);
} finally {
  await browser?.close();
  await app.close();
  broker.kill('SIGTERM');
  await new Promise((resolve) => broker.once('exit', resolve));
  await rm(dataDir, { recursive: true, force: true });
  await rm(profile, { recursive: true, force: true });
}
