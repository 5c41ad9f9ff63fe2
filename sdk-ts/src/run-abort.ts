/**
 * How a run is stopped: a reason, set once, and the `AbortSignal` a handler sees, made only when
 * something asks for it. Node's `AbortController` is an EventTarget: making one and listening to
 * it cost several µs per run, the largest single item of a worker's time per trivial task; most
 * handlers never look at their signal.
 */
export class RunAbort {
  #aborted = false;
  #reason: unknown;
  #controller: AbortController | undefined;
  /** The one internal waiter, if any (see {@link race}). */
  #onAbort: ((reason: unknown) => void) | undefined;

  /** True once {@link abort} was called. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** Why the run was stopped (undefined until it is). */
  get reason(): unknown {
    return this.#reason;
  }

  /** The signal handed to the handler: aborted with the same reason, now or when the run stops. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Stops the run for `reason` (the first reason given wins). */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    const onAbort = this.#onAbort;
    this.#onAbort = undefined;
    onAbort?.(reason);
  }

  /**
   * Settles like `promise`, or rejects with the reason as soon as the run is stopped (the promise
   * itself goes on: JavaScript cannot stop a function from outside). One race at a time.
   */
  race<T>(promise: Promise<T>): Promise<T> {
    if (this.#aborted) {
      promise.catch(() => undefined);
      return Promise.reject(this.#reason);
    }
    return new Promise<T>((resolve, reject) => {
      this.#onAbort = reject;
      promise.then(
        (value) => {
          this.#onAbort = undefined;
          resolve(value);
        },
        (error: unknown) => {
          this.#onAbort = undefined;
          reject(error);
        },
      );
    });
  }
}
