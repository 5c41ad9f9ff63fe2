/**
 * Opens the store `--store` names, with the clock the core must share with it: the LMDB store in
 * the data directory (steady time for its leases), or the PostgreSQL store (`--database-url`),
 * whose lease deadlines are wall times every broker on the database reads (`store/postgres/`).
 */
import { mkdir } from 'node:fs/promises';
import type { BrokerConfig } from './config.js';
import type { BrokerStore } from './core/broker-store.js';
import { systemClock, toClock, type Clock } from './domain/clock.js';
import type { CommitObserver } from './store/commits.js';
import { PgTaskStore } from './store/postgres/pg-task-store.js';
import { TaskStore } from './store/task-store.js';

/** A store ready for the core, and the clock both read. */
export interface OpenedStore {
  store: BrokerStore & { close(): Promise<void> };
  clock: Clock;
}

/** Opens the store of `config` (see the module comment). */
export async function openStore(config: BrokerConfig, commitObserver?: CommitObserver): Promise<OpenedStore> {
  const retention = { succeededMs: config.retainSucceededMs, failedMs: config.retainFailedMs };
  if (config.store === 'postgres') {
    const store = await PgTaskStore.open({ url: config.databaseUrl, retention });
    return { store, clock: toClock(Date.now) };
  }
  await mkdir(config.dataDir, { recursive: true });
  // One clock for both, so that the core and the store read the same steady time.
  const clock = systemClock();
  const store = await TaskStore.open({
    path: config.dataDir,
    durability: config.durability,
    minFreeBytes: config.minFreeBytes,
    clock,
    retention,
    ...(commitObserver ? { commitObserver } : {}),
  });
  return { store, clock };
}
