/** A fixture of the core's tests (not part of the build: see server/tsconfig.json). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { TaskStore } from '../store/task-store.js';
import { Broker } from './broker.js';

/** A broker on a fresh `commit`-mode store in a temporary directory. */
export interface TempBroker {
  store: TaskStore;
  broker: Broker;
}

/**
 * Before each test of the file, opens a fresh store and a broker on it and hands them to `use`
 * (which keeps them in the file's variables); after each, shuts both down and removes the files.
 */
export function useTempBroker(use: (made: TempBroker) => void): void {
  let dir: string | undefined;
  let made: TempBroker | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qtasks-core-'));
    const store = await TaskStore.open({ path: dir, durability: 'commit' });
    made = { store, broker: new Broker(store) };
    use(made);
  });
  afterEach(async () => {
    made?.broker.shutdown();
    await made?.store.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
}
