/** Small timing helpers: exponential backoff, abortable sleeps and races. */

/** Exponential backoff with full jitter: 100 ms, doubling, at most 5 s. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly initialMs = 100,
    private readonly maxMs = 5000,
  ) {}

  /** The next delay. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt++);
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  /** Starts again from the initial delay. */
  reset(): void {
    this.attempt = 0;
  }
}

/**
 * Waits `ms`; rejects with the signal's reason if it aborts first (and then clears its timer).
 * The timer is ref'd on purpose: a process waiting to retry (a worker backing off, a producer
 * re-opening a watch) must not exit in the middle of the wait.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * An AbortSignal that aborts when any of `signals` does, with a `dispose()` that detaches it.
 * Unlike `AbortSignal.any`, it leaves nothing behind on a long-lived parent signal (on Node 20,
 * `AbortSignal.any` keeps an entry per call on the parent: a worker leasing for days would leak).
 */
export function linkedSignal(...signals: Array<AbortSignal | undefined>): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const parents = signals.filter((s): s is AbortSignal => s !== undefined);
  const onAbort = (event: Event): void => controller.abort((event.target as AbortSignal).reason);
  for (const parent of parents) {
    if (parent.aborted) {
      controller.abort(parent.reason);
      break;
    }
    parent.addEventListener('abort', onAbort, { once: true });
  }
  return { signal: controller.signal, dispose: () => parents.forEach((parent) => parent.removeEventListener('abort', onAbort)) };
}

/**
 * Settles like `promise`, or rejects with `signal.reason` as soon as the signal aborts (the
 * promise itself goes on; JavaScript cannot stop a function from outside).
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
