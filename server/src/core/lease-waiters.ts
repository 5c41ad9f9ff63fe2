/**
 * Long-polling `Lease` calls, parked until a task becomes ready in one of their queues.
 *
 * There is no polling loop: the broker calls {@link LeaseWaiters.signal} after each commit that
 * made tasks ready, and every waiter of those queues wakes and tries to lease. A per-queue
 * generation counter closes the race between "I found nothing" and "I am parked": a caller reads
 * {@link LeaseWaiters.generation} before its lease attempt and parks only if it is unchanged after.
 */

/** How a wait ended. */
export type WaitOutcome = 'ready' | 'timeout' | 'aborted' | 'closed';

interface Waiter {
  queues: readonly string[];
  wake(outcome: WaitOutcome): void;
}

/** The parked lease calls of one broker. */
export class LeaseWaiters {
  private readonly byQueue = new Map<string, Set<Waiter>>();
  private readonly generations = new Map<string, number>();
  private closed = false;

  /** A number that changes whenever any of `queues` is signalled. */
  generation(queues: readonly string[]): number {
    let sum = 0;
    for (const queue of queues) sum += this.generations.get(queue) ?? 0;
    return sum;
  }

  /** Tells the waiters of these queues that tasks became ready there. */
  signal(queues: Iterable<string>): void {
    for (const queue of queues) {
      this.generations.set(queue, (this.generations.get(queue) ?? 0) + 1);
      const waiters = this.byQueue.get(queue);
      if (!waiters) continue;
      for (const waiter of [...waiters]) waiter.wake('ready');
    }
  }

  /**
   * Parks until one of `queues` is signalled, `timeoutMs` passes, `signal` aborts or
   * {@link close} is called.
   */
  wait(queues: readonly string[], timeoutMs: number, signal: AbortSignal): Promise<WaitOutcome> {
    if (this.closed) return Promise.resolve('closed');
    if (signal.aborted) return Promise.resolve('aborted');
    return new Promise((resolve) => {
      const onAbort = (): void => waiter.wake('aborted');
      const timer = setTimeout(() => waiter.wake('timeout'), timeoutMs);
      const waiter: Waiter = {
        queues,
        wake: (outcome) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          for (const queue of queues) {
            const set = this.byQueue.get(queue);
            set?.delete(waiter);
            if (set?.size === 0) this.byQueue.delete(queue);
          }
          resolve(outcome);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      for (const queue of queues) {
        let set = this.byQueue.get(queue);
        if (!set) this.byQueue.set(queue, (set = new Set()));
        set.add(waiter);
      }
    });
  }

  /** Wakes every waiter with `closed` and refuses new waits: the broker is shutting down. */
  close(): void {
    this.closed = true;
    const all = new Set<Waiter>();
    for (const set of this.byQueue.values()) for (const waiter of set) all.add(waiter);
    for (const waiter of all) waiter.wake('closed');
  }
}
