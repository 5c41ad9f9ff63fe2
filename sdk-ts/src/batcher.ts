/**
 * Coalesces calls made at the same moment into one RPC. Every `add` made before the event loop
 * turns (a loop of 10,000 `addTask`s, the completions of tasks that ended together) travels in
 * one request of up to `maxBatch` items; each caller gets its own item's answer.
 *
 * Batch RPCs of the broker are validated as a whole: one bad item (an over-long name, say) fails
 * the request with a message naming it (`tasks[3].name: …`). The batcher then fails only that
 * caller and sends the others again, so one caller's mistake never fails the rest.
 *
 * A batch the broker refused as a whole without storing any of it (an overloaded broker's
 * RESOURCE_EXHAUSTED with a retry hint) is sent again after the wait `retryDelayMs` names, up to
 * `maxRetries` times, so that backpressure slows the callers down instead of failing them.
 *
 * With `maxInFlight`, at most that many RPCs are in flight at once: items added meanwhile wait
 * for one to finish and then go together ("group commit"), so that a steady stream of calls makes
 * few full batches rather than many small ones.
 */
import { sleep } from './backoff.js';

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
  /**
   * How long to wait before sending a refused batch again, in ms, or `undefined` to fail its
   * callers with the error. Return a number only for refusals that stored nothing (so that the
   * resend cannot duplicate anything).
   *
   * @param error - why the batch was refused
   * @param retry - how many times this batch was sent again already (0 on the first refusal)
   */
  retryDelayMs?(error: unknown, retry: number): number | undefined;
  /** Most times one batch is sent again after {@link retryDelayMs} asked for it. @defaultValue 0 */
  maxRetries?: number;
  /** Most RPCs in flight at once; later items wait and coalesce. @defaultValue no limit */
  maxInFlight?: number;
  /**
   * Asked when a batch's first item is added: `true` sends the batch as soon as a pass through the
   * microtask queue adds no item (up to `maxBatch`), for an item that nothing else is about to
   * join and whose latency counts; `false` waits for the end of the turn of the event loop, so
   * that calls from every continuation of the turn share the batch. @defaultValue always `false`
   */
  flushSoon?: () => boolean;
}

/** A coalescing batcher of one RPC. */
export class Batcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();
  /** RPCs sent so far (tests and metrics). */
  rpcCount = 0;
  /** Batches sent again after a refusal that asked for a wait (tests and metrics). */
  retryCount = 0;

  constructor(private readonly options: BatcherOptions<I, O>) {}

  /** Queues an item for the next batch; resolves to its answer. */
  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // By default setImmediate, not a microtask: calls made from different continuations of the
        // same turn (e.g. many awaited chains resuming together) still share the batch.
        if (this.options.flushSoon?.()) {
          this.queuedAtCheck = this.queue.length;
          queueMicrotask(this.flushWhenQuiet);
        } else {
          setImmediate(this.flushNow);
        }
      }
    });
  }

  private readonly flushNow = (): void => this.flush();

  /** Items queued when {@link flushWhenQuiet} was last queued. */
  private queuedAtCheck = 0;

  /**
   * Flushes once the microtasks queued since the last check added nothing: items that a chain of
   * microtasks keeps adding go in the same batch, up to `maxBatch`.
   */
  private readonly flushWhenQuiet = (): void => {
    if (this.queue.length > this.queuedAtCheck && this.queue.length < this.options.maxBatch) {
      this.queuedAtCheck = this.queue.length;
      queueMicrotask(this.flushWhenQuiet);
      return;
    }
    this.flush();
  };

  private flush(): void {
    this.scheduled = false;
    const maxInFlight = this.options.maxInFlight ?? Infinity;
    let start = 0;
    // Chunks of one flush go out together: calls made at the same moment have no order among
    // them to keep (a resend after a refused item may land after a later chunk).
    while (start < this.queue.length && this.inFlight.size < maxInFlight) {
      const sending = this.sendBatch(this.queue.slice(start, start + this.options.maxBatch));
      start += this.options.maxBatch;
      this.inFlight.add(sending);
      void sending.finally(() => {
        this.inFlight.delete(sending);
        // Items held back by maxInFlight go now, together with all that came meanwhile.
        if (this.queue.length > 0 && !this.scheduled) this.flush();
      });
    }
    this.queue = start === 0 ? this.queue : this.queue.slice(start);
  }

  /** Resolves once every item added so far has been sent and answered. */
  async drained(): Promise<void> {
    while (this.scheduled || this.queue.length > 0 || this.inFlight.size > 0) {
      if (this.scheduled) await new Promise<void>((resolve) => setImmediate(resolve)); // after either kind of flush
      await Promise.all(this.inFlight);
    }
  }

  private async sendBatch(batch: Pending<I, O>[]): Promise<void> {
    let retries = 0;
    while (batch.length > 0) {
      this.rpcCount++;
      try {
        const answers = await this.options.send(batch.map((p) => p.item));
        batch.forEach((p, i) => p.resolve(answers[i]!));
        return;
      } catch (error) {
        const delayMs = retries < (this.options.maxRetries ?? 0) ? this.options.retryDelayMs?.(error, retries) : undefined;
        if (delayMs !== undefined) {
          retries++;
          this.retryCount++;
          await sleep(delayMs);
          continue;
        }
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
