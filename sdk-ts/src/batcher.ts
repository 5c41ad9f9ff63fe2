/**
 * Coalesces calls made at the same moment into one RPC. Every `add` made before the event loop
 * turns (a loop of 10,000 `addTask`s, the completions of tasks that ended together) travels in
 * one request of up to `maxBatch` items; each caller gets its own item's answer.
 *
 * Batch RPCs of the broker are validated as a whole: one bad item (an over-long name, say) fails
 * the request with a message naming it (`tasks[3].name: …`). The batcher then fails only that
 * caller and sends the others again, so one caller's mistake never fails the rest.
 */

interface Pending<I, O> {
  item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

/** Options of {@link Batcher}. */
export interface BatcherOptions<I, O> {
  /** Sends one batch; resolves to one answer per item, in order. */
  send(items: I[]): Promise<O[]>;
  /** Most items per RPC. */
  maxBatch: number;
  /** The index of the item an error is about, if the error is about one item only. */
  failedItemIndex?(error: unknown): number | undefined;
}

/** A coalescing batcher of one RPC. */
export class Batcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private scheduled = false;
  /** RPCs sent so far (tests and metrics). */
  rpcCount = 0;

  constructor(private readonly options: BatcherOptions<I, O>) {}

  /** Queues an item for the next batch; resolves to its answer. */
  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate, not a microtask: calls made from different continuations of the same
        // turn (e.g. many awaited chains resuming together) still share the batch.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const pending = this.queue;
    this.queue = [];
    for (let start = 0; start < pending.length; start += this.options.maxBatch) {
      void this.sendBatch(pending.slice(start, start + this.options.maxBatch));
    }
  }

  private async sendBatch(batch: Pending<I, O>[]): Promise<void> {
    while (batch.length > 0) {
      this.rpcCount++;
      try {
        const answers = await this.options.send(batch.map((p) => p.item));
        batch.forEach((p, i) => p.resolve(answers[i]!));
        return;
      } catch (error) {
        const index = this.options.failedItemIndex?.(error);
        if (index === undefined || index < 0 || index >= batch.length || batch.length === 1) {
          for (const p of batch) p.reject(error);
          return;
        }
        batch[index]!.reject(error);
        batch = batch.filter((_, i) => i !== index);
      }
    }
  }
}
