/**
 * A Work stream's credit: how many tasks the broker may push to the worker now. The worker grants
 * it by increments (`credit`) or sets an absolute limit (`credit_limit`) that can also take back
 * credit not yet used, so that a worker whose pace drops is not sent what it would only hold.
 */
import { InvalidArgumentError } from '../domain/errors.js';

/** Most credit granted and not yet used, on one stream. */
export const MAX_OUTSTANDING_CREDIT = 10_000;

/**
 * The tasks a worker can still take: a limit on the tasks pushed on the stream in all, less those
 * pushed. `credit` raises the limit by what it grants; `credit_limit` sets it, lower too (counts
 * wrap at 2^32, compared as their signed 32-bit difference).
 */
export class Credit {
  /** The most tasks the stream may have been pushed in all, mod 2^32. */
  private limit = 0;
  /** The tasks pushed on the stream so far, mod 2^32. */
  private pushed = 0;
  private wake: (() => void) | undefined;
  private closed = false;

  /** The tasks that may be pushed now. */
  get left(): number {
    const left = (this.limit - this.pushed) | 0;
    return left > 0 ? left : 0;
  }

  /** Adds `count` to the credit left. @throws InvalidArgumentError past {@link MAX_OUTSTANDING_CREDIT} */
  grant(count: number): void {
    if (count === 0) return;
    const left = this.left;
    if (left + count > MAX_OUTSTANDING_CREDIT) {
      throw new InvalidArgumentError('credit', `the credit granted and not yet used would be ${left + count}, over ${MAX_OUTSTANDING_CREDIT}`);
    }
    this.limit = (this.pushed + left + count) >>> 0;
    this.wake?.();
  }

  /** Sets the limit on the tasks pushed in all (`credit_limit`). @throws InvalidArgumentError if it leaves more than {@link MAX_OUTSTANDING_CREDIT} */
  limitTo(limit: number): void {
    const left = (limit - this.pushed) | 0;
    if (left > MAX_OUTSTANDING_CREDIT) {
      throw new InvalidArgumentError('credit_limit', `${limit} would leave ${left} tasks to push (${this.pushed} pushed so far, mod 2^32), over ${MAX_OUTSTANDING_CREDIT}`);
    }
    this.limit = limit >>> 0;
    if (left > 0) this.wake?.();
  }

  /** Counts `count` tasks pushed. */
  use(count: number): void {
    this.pushed = (this.pushed + count) >>> 0;
  }

  /** Resolves true at once if credit is left, else once some is granted; false once closed. */
  async available(): Promise<boolean> {
    while (this.left <= 0 && !this.closed) await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = undefined;
    return !this.closed;
  }

  /** Wakes the waiter for good: the session ended. */
  close(): void {
    this.closed = true;
    this.wake?.();
  }
}
