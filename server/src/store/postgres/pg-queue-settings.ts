/**
 * Pause and limits on PostgreSQL: rows of `qtasks_queue_settings`, which every broker's lease
 * reads (so a pause holds across brokers the moment it commits), and a copy in each broker's
 * memory for the calls that show them (ListQueues, GetQueueLimits). A change is told to every
 * broker by `NOTIFY qtasks_settings` in its own transaction, and each reads the table again (a
 * few rows); after a reconnect too, as changes may have been missed meanwhile.
 */
import type { Sql, TransactionSql } from 'postgres';
import { NO_LIMITS, isUnlimited, type QueueLimits, type QueueSettingsRecord } from '../../domain/queue.js';
import { announceReadyTasks } from './notifications.js';

/** A read of the settings that failed is tried again this much later. */
const RELOAD_RETRY_MS = 1000;

/** The channel of settings changes; the payload is the queue's name. */
export const SETTINGS_CHANNEL = 'qtasks_settings';

/** Every queue's settings, as the database holds them. */
export class PgQueueSettings {
  private byQueue = new Map<string, QueueSettingsRecord>();
  /** Changes of this broker taken in memory so far: a read of the table begun before one is stale. */
  private taken = 0;
  /** Reads of the table begun, and the latest applied: an older read never overwrites a newer one. */
  private reads = 0;
  private appliedRead = 0;
  private retry: NodeJS.Timeout | undefined;
  private stopListening: (() => Promise<void>) | undefined;

  private constructor(
    private readonly sql: Sql,
    private readonly origin: string,
  ) {}

  /**
   * Reads the settings, and follows the changes of every broker from now on.
   *
   * @param origin - this broker's mark on what it notifies (`notifications.ts`)
   */
  static async open(sql: Sql, origin: string): Promise<PgQueueSettings> {
    const settings = new PgQueueSettings(sql, origin);
    // `onlisten` runs at each (re)connection of the listening connection: changes made while it
    // was down were not heard, so the table is read again then.
    const listening = await sql.listen(SETTINGS_CHANNEL, () => void settings.reload(), () => void settings.reload());
    settings.stopListening = () => listening.unlisten();
    await settings.reload();
    return settings;
  }

  /** Stops following changes. */
  async close(): Promise<void> {
    clearTimeout(this.retry);
    await this.stopListening?.();
  }

  /** True if `queue` is paused. */
  isPaused(queue: string): boolean {
    return this.byQueue.get(queue)?.paused === true;
  }

  /** The limits of `queue` (none if it has no settings). */
  limitsOf(queue: string): QueueLimits {
    return this.byQueue.get(queue)?.limits ?? NO_LIMITS;
  }

  /** The queues that have settings. */
  names(): IterableIterator<string> {
    return this.byQueue.keys();
  }

  /**
   * Pauses or resumes `queue` for every broker. Resuming tells the brokers its ready tasks are
   * there, in the same transaction, so that their parked workers take them.
   */
  async setPaused(queue: string, paused: boolean): Promise<void> {
    await this.sql.begin(async (tx) => {
      await this.write(tx, queue, { paused });
      if (!paused) await announceReadyTasks(tx, queue, this.origin);
    });
    this.take(queue, { ...this.current(queue), paused });
  }

  /** Replaces the limits of `queue` for every broker. */
  async setLimits(queue: string, limits: QueueLimits): Promise<void> {
    await this.sql.begin((tx) => this.write(tx, queue, { limits }));
    this.take(queue, { ...this.current(queue), limits });
  }

  /** Writes one setting of a queue's row (made if new) and tells every broker. */
  private async write(tx: TransactionSql, queue: string, change: Partial<QueueSettingsRecord>): Promise<void> {
    const paused = change.paused ?? this.current(queue).paused;
    const limits = change.limits ?? this.current(queue).limits;
    const stored = isUnlimited(limits) ? null : tx.json(limits as unknown as Parameters<typeof tx.json>[0]);
    await tx`
      INSERT INTO qtasks_queue_settings (queue, paused, limits) VALUES (${queue}, ${paused}, ${stored})
      ON CONFLICT (queue) DO UPDATE SET
        ${change.paused === undefined ? tx`` : tx`paused = excluded.paused,`}
        ${change.limits === undefined ? tx`` : tx`limits = excluded.limits,`}
        updated_at = now()`;
    await tx`SELECT pg_notify(${SETTINGS_CHANNEL}, ${queue})`;
  }

  private current(queue: string): QueueSettingsRecord {
    return this.byQueue.get(queue) ?? { paused: false, limits: NO_LIMITS };
  }

  /** Keeps a queue's settings in memory; a queue with none left is forgotten. */
  private take(queue: string, settings: QueueSettingsRecord): void {
    this.taken++;
    if (!settings.paused && isUnlimited(settings.limits)) this.byQueue.delete(queue);
    else this.byQueue.set(queue, settings);
  }

  /** Reads the whole table again (it holds a row per queue that ever had settings: a few). */
  private async reload(): Promise<void> {
    const taken = this.taken;
    const read = ++this.reads;
    try {
      const rows = await this.sql<{ queue: string; paused: boolean; limits: QueueLimits | null }[]>`SELECT queue, paused, limits FROM qtasks_queue_settings`;
      const byQueue = new Map<string, QueueSettingsRecord>();
      for (const row of rows) {
        const settings = { paused: row.paused, limits: row.limits ?? NO_LIMITS };
        if (settings.paused || !isUnlimited(settings.limits)) byQueue.set(row.queue, settings);
      }
      // A change of this broker's taken meanwhile may be missing from what was read (its own
      // notification brings a read that has it); a read begun earlier than one applied is older.
      if (this.taken === taken && read > this.appliedRead) {
        this.byQueue = byQueue;
        this.appliedRead = read;
      }
    } catch {
      // The database is away: read again a moment later (and at the next reconnection).
      this.retry ??= setTimeout(() => {
        this.retry = undefined;
        void this.reload();
      }, RELOAD_RETRY_MS).unref();
    }
  }
}
