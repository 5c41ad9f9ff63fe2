/**
 * The preamble of a test file that runs SDK apps against one real `qtasks-broker` process: the
 * broker started before the file's tests and stopped after them, and apps closed after each test.
 *
 * ```ts
 * const env = useBrokerWithApps();
 * test('…', async () => {
 *   const app = env.newApp();
 *   const name = uname('label');
 * });
 * ```
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { QTasks, type Logger } from '@qtasks/sdk';
import { startBrokerProcess, type BrokerProcess, type StartOptions } from './broker-process.js';

/** A logger that drops everything. */
export const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** A task (and so queue) name no other test uses. */
export const uname = (label: string): string => `${label}-${randomUUID()}`;

/** What {@link useBrokerWithApps} gives a test file. */
export interface BrokerWithApps {
  /** The file's broker (set once `beforeAll` has run). */
  readonly broker: BrokerProcess;
  /** A new app on the broker, quiet, closed after the test. */
  newApp(): QTasks;
  /** Closes `app` after the test too (an app on another broker, say); returns it. */
  track(app: QTasks): QTasks;
}

/** Registers the hooks (call it at the top level of a test file). */
export function useBrokerWithApps(options?: StartOptions): BrokerWithApps {
  let broker: BrokerProcess | undefined;
  const apps: QTasks[] = [];
  beforeAll(async () => {
    broker = await startBrokerProcess(options);
  });
  afterAll(async () => {
    await broker?.dispose();
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  return {
    get broker() {
      if (!broker) throw new Error('the broker starts in beforeAll: use it inside a test');
      return broker;
    },
    newApp() {
      return this.track(new QTasks({ broker: this.broker.address, logger: quiet, config: { shutdownGraceMs: 500 } }));
    },
    track(app) {
      apps.push(app);
      return app;
    },
  };
}
