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

/** Waits `ms`; rejects with the signal's reason if it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return abortable(new Promise<void>((resolve) => setTimeout(resolve, ms).unref?.()), signal);
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
