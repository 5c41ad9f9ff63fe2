/**
 * Long-polling `Lease` calls, parked until a task becomes ready in one of their queues.
 *
 * There is no polling loop: the broker calls {@link LeaseWaiters.signal} after each commit that
 * made tasks ready, with how many, and only as many waiters wake as those tasks can keep busy, the
 * longest-parked first. With thousands of idle workers parked, an enqueue of one task wakes one
 * of them, not all: waking every waiter cost each Enqueue a lease attempt per parked caller.
 *
 * Waking fewer than all needs a hand-over, or a task could stay ready while workers sleep:
 * - a woken caller always makes its lease attempt (one that has gone away gives what it got back,
 *   and that release signals the tasks ready again);
 * - a woken caller whose lease came back full may have left tasks behind (more than it could
 *   take, or tasks of a queue it was not woken for), so the broker passes the wake on
 *   ({@link LeaseWaiters.passOn}).
 *
 * A per-queue generation counter closes the race between "I found nothing" and "I am parked": a
 * caller reads {@link LeaseWaiters.generation} before its lease attempt and parks only if it is
 * unchanged after.
 *
 * A waiter may also leave a `take` to be run synchronously when a signal hands tasks over (an
 * enqueue that put tasks in line before its commit, `store/early-tasks.ts`): its lease is then taken,
 * and its push written, in the enqueue's own turn, before the enqueue's ack log append, its
 * publishing and its answer, rather than in a microtask after them all.
 */

/** How a wait ended. */
export type WaitOutcome = 'ready' | 'timeout' | 'aborted' | 'closed';

interface Waiter {
  queues: readonly string[];
  /** The most tasks its lease takes: how much of a signal's count waking it covers. */
  maxTasks: number;
  wake(outcome: WaitOutcome): void;
  /** Run at once after a hand-over wake (see {@link LeaseWaiters.signal}). */
  take?: () => void;
}

/** The parked lease calls of one broker. */
export class LeaseWaiters {
  /** Each queue's waiters, in the order they parked (a Set iterates in insertion order). */
  private readonly byQueue = new Map<string, Set<Waiter>>();
  private readonly generations = new Map<string, number>();
  private closed = false;

  /** The queues some parked call waits on. */
  parkedQueues(): IterableIterator<string> {
    return this.byQueue.keys();
  }

  /** A number that changes whenever any of `queues` is signalled. */
  generation(queues: readonly string[]): number {
    let sum = 0;
    for (const queue of queues) sum += this.generations.get(queue) ?? 0;
    return sum;
  }

  /**
   * Tells the waiters of each queue that this many tasks became ready there: waiters wake, the
   * longest-parked first, until their `maxTasks` add up to the count. O(woken), whatever the
   * number parked.
   *
   * @param handOver - run the `take` of each waiter woken, synchronously, once all have woken;
   *   `'takers'`: wake only the waiters that have one (the tasks are not in line yet: the others
   *   would find nothing, and wake when they are)
   * @returns true if any waiter woke
   */
  signal(readyCounts: ReadonlyMap<string, number>, handOver: boolean | 'takers' = false): boolean {
    let woke = false;
    const takers: (() => void)[] = [];
    for (const [queue, count] of readyCounts) {
      // Only what is in line makes a lease in flight look again (see generation).
      if (handOver !== 'takers') this.generations.set(queue, (this.generations.get(queue) ?? 0) + 1);
      const waiters = this.byQueue.get(queue);
      if (!waiters) continue;
      let uncovered = count;
      // Waking removes the waiter from the set; deleting the current entry keeps a Set iterating.
      for (const waiter of waiters) {
        if (uncovered <= 0) break;
        if (handOver === 'takers' && !waiter.take) continue;
        uncovered -= waiter.maxTasks;
        waiter.wake('ready');
        if (handOver && waiter.take) takers.push(waiter.take);
        woke = true;
      }
    }
    // After the loop: a take may signal again (a full lease passes the wake on).
    for (const take of takers) take();
    return woke;
  }

  /**
   * A lease on `queues` came back full: tasks may be left there, so one more waiter of each queue
   * wakes to look. A woken caller that finds nothing parks again.
   */
  passOn(queues: readonly string[]): void {
    this.signal(new Map(queues.map((queue) => [queue, 1])));
  }

  /**
   * Parks until one of `queues` is signalled and this caller is among those woken, `timeoutMs`
   * passes, `signal` aborts or {@link close} is called.
   *
   * @param maxTasks - the most tasks the caller's lease takes (see {@link signal})
   * @param take - run synchronously when a hand-over signal wakes this caller (see {@link signal})
   */
  wait(queues: readonly string[], maxTasks: number, timeoutMs: number, signal: AbortSignal, take?: () => void): Promise<WaitOutcome> {
    if (this.closed) return Promise.resolve('closed');
    if (signal.aborted) return Promise.resolve('aborted');
    return new Promise((resolve) => {
      const onAbort = (): void => waiter.wake('aborted');
      const timer = setTimeout(() => waiter.wake('timeout'), timeoutMs);
      const waiter: Waiter = {
        queues,
        maxTasks: Math.max(1, maxTasks),
        take,
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

  /** Number of parked callers (for tests; O(parked)). */
  get parked(): number {
    return this.all().size;
  }

  /** Wakes every waiter with `closed` and refuses new waits: the broker is shutting down. */
  close(): void {
    this.closed = true;
    for (const waiter of this.all()) waiter.wake('closed');
  }

  private all(): Set<Waiter> {
    const all = new Set<Waiter>();
    for (const set of this.byQueue.values()) for (const waiter of set) all.add(waiter);
    return all;
  }
}
