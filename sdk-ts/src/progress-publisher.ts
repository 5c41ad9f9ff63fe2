/**
 * Publishes a running task's progress items in order without making the task wait: items that
 * pile up while one report is in flight go together in the next one (and the worker's batcher
 * merges reports of tasks that publish at the same moment).
 */
import type { DeepPartial, ProgressItem } from '@qtasks/proto';
import { encodeJson } from './json.js';

/** Sends one progress item; a refusal is ignored: the task goes on either way. */
export type SendProgress = (item: DeepPartial<ProgressItem>) => Promise<unknown>;

/** The progress channel of one leased task. */
export class ProgressPublisher {
  private buffer: Buffer[] = [];
  private sending: Promise<void> = Promise.resolve();
  private inFlight = false;

  constructor(
    private readonly send: SendProgress,
    private readonly taskId: string,
    private readonly leaseToken: string,
  ) {}

  /** Queues one item (JSON-serializable). */
  publish(item: unknown): void {
    this.buffer.push(encodeJson(item, 'a progress item'));
    if (!this.inFlight) this.sending = this.drain();
  }

  /** Resolves once every item published so far has been sent (or refused). */
  async flushed(): Promise<void> {
    await this.sending;
  }

  private async drain(): Promise<void> {
    this.inFlight = true;
    try {
      while (this.buffer.length > 0) {
        const items = this.buffer;
        this.buffer = [];
        // One report per item keeps every item a state of its own for watchers; the batcher
        // sends them in one request, applied in order.
        await Promise.all(items.map((progress) => this.send({ taskId: this.taskId, leaseToken: this.leaseToken, progress }).catch(() => undefined)));
      }
    } finally {
      this.inFlight = false;
    }
  }
}
