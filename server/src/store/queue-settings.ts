/**
 * Paused queues and queue limits: a few records in the `queues` database, all held in memory
 * (they are read on every lease) and written through on each change, in a commit of their own.
 */
import type { Database } from 'lmdb';
import { NO_LIMITS, isUnlimited, type QueueLimits, type QueueSettingsRecord } from '../domain/queue.js';

/** The settings of every queue that has any. */
export class QueueSettings {
  private readonly byQueue = new Map<string, QueueSettingsRecord>();
  /** The last change issued: each waits for the one before. */
  private updates: Promise<void> = Promise.resolve();

  /** @param db - the `queues` database, read whole now (absent: a read-only store that has none yet) */
  constructor(private readonly db: Database<QueueSettingsRecord, string> | undefined) {
    for (const { key, value } of db?.getRange() ?? []) this.byQueue.set(key, value);
  }

  /** True if `queue` is paused. */
  isPaused(queue: string): boolean {
    return this.byQueue.get(queue)?.paused === true;
  }

  /** The limits of `queue` (none if it has no settings). */
  limitsOf(queue: string): QueueLimits {
    return this.byQueue.get(queue)?.limits ?? NO_LIMITS;
  }

  /** True if any queue has settings: the lease path skips its checks while none does. */
  get any(): boolean {
    return this.byQueue.size > 0;
  }

  /** The queues that have settings. */
  names(): IterableIterator<string> {
    return this.byQueue.keys();
  }

  /** Pauses or resumes `queue`, durably; resolves once committed. */
  setPaused(queue: string, paused: boolean): Promise<void> {
    return this.update(queue, (settings) => ({ ...settings, paused }));
  }

  /** Replaces the limits of `queue`, durably; resolves once committed. */
  setLimits(queue: string, limits: QueueLimits): Promise<void> {
    return this.update(queue, (settings) => ({ ...settings, limits }));
  }

  private current(queue: string): QueueSettingsRecord {
    return this.byQueue.get(queue) ?? { paused: false, limits: NO_LIMITS };
  }

  /**
   * Applies `change` to the settings of `queue` as the earlier changes left them (one change at a
   * time: two at once would each start from the same record and one would be lost), writes the
   * result (none left: the record goes), then takes it in memory.
   */
  private update(queue: string, change: (settings: QueueSettingsRecord) => QueueSettingsRecord): Promise<void> {
    const apply = async (): Promise<void> => {
      const settings = change(this.current(queue));
      const empty = !settings.paused && isUnlimited(settings.limits);
      await (empty ? this.db!.remove(queue) : this.db!.put(queue, settings));
      if (empty) this.byQueue.delete(queue);
      else this.byQueue.set(queue, settings);
    };
    const applied = this.updates.then(apply, apply);
    this.updates = applied.catch(() => undefined);
    return applied;
  }
}
