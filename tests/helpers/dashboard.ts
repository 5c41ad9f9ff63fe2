/**
 * What the dashboard tests share: a real broker serving `--http-listen` on a free port, its
 * dashboard's base URL, a reader of its event streams, and a real headless Chromium (Debian's
 * `chromium` package, driven by playwright-core: no browser download).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { startBrokerProcess, type BrokerProcess, type StartOptions } from './broker-process.js';

/** The Chromium the browser tests drive (`QTASKS_CHROMIUM` overrides it). */
export const CHROMIUM_PATH = process.env.QTASKS_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Why the browser tests cannot run here, or undefined when they can. In CI (`CI=true`) they must
 * not be skipped: they fail with this reason instead (see {@link launchChromium}).
 */
export const chromiumMissing: string | undefined = existsSync(CHROMIUM_PATH)
  ? undefined
  : `no Chromium at ${CHROMIUM_PATH}: install Debian's package (apt-get install chromium), or set QTASKS_CHROMIUM`;

/** True where a missing Chromium must fail the browser tests rather than skip them. */
export const inCi = process.env.CI === 'true' || process.env.CI === '1';

/** Flags for a quiet, offline, throwaway headless Chromium. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A running Chromium with a fresh profile. */
export interface Chromium {
  context: BrowserContext;
  /** Closes the browser and deletes its profile. */
  close(): Promise<void>;
}

/**
 * Launches headless Chromium with a fresh `--user-data-dir` (a persistent context is how
 * Playwright takes one).
 *
 * @throws with {@link chromiumMissing} when there is no Chromium to launch
 */
export async function launchChromium(): Promise<Chromium> {
  if (chromiumMissing) throw new Error(chromiumMissing);
  const profile = await mkdtemp(join(tmpdir(), 'qtasks-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** A broker serving its dashboard, and the dashboard's base URL (`http://127.0.0.1:PORT`). */
export interface DashboardBroker {
  broker: BrokerProcess;
  base: string;
}

/** Starts a broker with `--http-listen 127.0.0.1:0`; resolves once its HTTP ready line is out. */
export async function startDashboardBroker(options: StartOptions = {}): Promise<DashboardBroker> {
  const broker = await startBrokerProcess({ ...options, args: ['--http-listen', '127.0.0.1:0', ...(options.args ?? [])] });
  const pattern = /qtasks-broker http on (\S+) /;
  const address = await new Promise<string>((resolve, reject) => {
    const check = (): boolean => {
      const match = pattern.exec(broker.stdout());
      if (match) resolve(match[1]!);
      return match !== null;
    };
    if (check()) return;
    const onData = (): void => {
      if (check()) broker.child.stdout!.off('data', onData);
    };
    broker.child.stdout!.on('data', onData);
    broker.child.once('exit', () => reject(new Error(`the broker exited before its http line:\n${broker.stderr()}`)));
  });
  return { broker, base: `http://${address}` };
}

/** One server-sent event. */
export interface ServerEvent {
  event: string;
  data: unknown;
}

/**
 * Opens an event stream with fetch; `next()` resolves with each event in turn (undefined once
 * the stream ended), `close()` drops the connection.
 */
export async function openEvents(url: string, headers: Record<string, string> = {}): Promise<{ response: Response; next(): Promise<ServerEvent | undefined>; close(): void }> {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    response,
    async next() {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
          const data = /^data: (.*)$/m.exec(block)?.[1];
          return { event, data: data === undefined ? undefined : JSON.parse(data) };
        }
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
        if (done) return undefined;
        buffer += value;
      }
    },
    close: () => abort.abort(),
  };
}
