/**
 * The free-space guard of the data directory. A full disk makes every LMDB commit fail, and a
 * failed commit fails every write batched with it (completions, leases, heartbeats), so the
 * broker refuses new tasks while the free space is below a reserve, and keeps the reserve for the
 * writes that finish work already taken on.
 *
 * Nothing polls: the free space is read (`statfs`) only when a check asks for it, and a reading
 * is reused for up to {@link REFRESH_MS} unless the writes admitted since have used up half the
 * room it showed above the reserve (a fast producer can write megabytes in 500 ms); a commit that
 * fails for lack of space forces the next read. For one more interval a reading that showed room
 * still admits writes at once while the next one is taken, so that steady traffic never waits for
 * a `statfs` on the thread pool (an idle task's hand-over took 0.1–0.3 ms longer every 500 ms).
 */
import { statfs } from 'node:fs/promises';
import { ResourceExhaustedError } from '../domain/errors.js';

/** A cached reading of the free space is used for at most this long. */
export const REFRESH_MS = 500;

/** Bytes an unprivileged writer may still use on the filesystem that holds `path`. */
export type FreeBytesReader = (path: string) => Promise<number>;

/** `statfs` of the directory: blocks available to unprivileged users (root may have a little more). */
export const readFreeBytes: FreeBytesReader = async (path) => {
  const stats = await statfs(path);
  return stats.bavail * stats.bsize;
};

/** The disk of the data directory is full, or below the reserve kept for finishing work. */
export class DiskFullError extends ResourceExhaustedError {
  constructor(
    message: string,
    /** Free bytes when refused. */
    readonly freeBytes: number,
  ) {
    super('DISK_FULL', message);
  }
}

/** Refuses new work while the free space of a directory's filesystem is below a reserve. */
export class DiskSpaceGuard {
  private freeBytes = Infinity;
  private readAtMs = -Infinity;
  /** Estimated bytes of the writes admitted since the last reading. */
  private admittedBytes = 0;
  private reading: Promise<number> | undefined;
  /** Bumped by {@link invalidate}: a reading begun before it is not kept. */
  private generation = 0;

  /**
   * @param path - the data directory
   * @param minFreeBytes - the reserve; 0 turns the guard off
   * @param readFree - how free space is read; tests pass a fake
   * @param clock - epoch milliseconds
   */
  constructor(
    readonly path: string,
    readonly minFreeBytes: number,
    private readonly readFree: FreeBytesReader = readFreeBytes,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * Admits a write of about `bytes`, or refuses it. Decided synchronously (returns undefined, or
   * throws) while the last reading is fresh, and while it is stale by less than one more interval
   * but showed room (a new reading is taken meanwhile), so that the common case adds no tick
   * before the write is issued; otherwise the returned promise settles after a new reading.
   *
   * @throws DiskFullError when the free space is below the reserve (thrown, or as a rejection)
   */
  check(bytes: number): Promise<void> | undefined {
    if (this.minFreeBytes === 0) return undefined;
    const age = this.clock() - this.readAtMs;
    if (age < REFRESH_MS) {
      this.assertRoom(this.freeBytes);
      if (this.admit(bytes)) return undefined;
    } else if (age < 2 * REFRESH_MS && this.freeBytes >= this.minFreeBytes && this.admit(bytes)) {
      // A failed reading is met by the next check that has to wait for one.
      this.read().catch(() => undefined);
      return undefined;
    }
    return this.decide(bytes);
  }

  /** Admits or refuses `bytes` on a new reading; one that a commit failed during is read again. */
  private async decide(bytes: number): Promise<void> {
    const generation = this.generation;
    let free = await this.read();
    if (generation !== this.generation) free = await this.read();
    this.assertRoom(free);
    this.admittedBytes += bytes;
  }

  /**
   * True unless the last reading found the free space inside the reserve (always, with the guard
   * off). Inside the reserve only outcomes write, and one may find the disk full: a write that
   * cannot fail once answered (answered from the ack log) waits for its commit then.
   */
  get aboveReserve(): boolean {
    return this.minFreeBytes === 0 || this.freeBytes - this.admittedBytes >= this.minFreeBytes;
  }

  /** The free bytes now (a fresh reading unless the last one is younger than {@link REFRESH_MS}). */
  async currentFreeBytes(): Promise<number> {
    return this.clock() - this.readAtMs < REFRESH_MS ? this.freeBytes : this.read();
  }

  /**
   * Forgets the last reading: the next check reads the disk again (after a commit failed for lack
   * of space). A reading in flight, begun before, is not kept: it may predate the failure.
   */
  invalidate(): void {
    this.readAtMs = -Infinity;
    this.generation++;
    this.reading = undefined;
  }

  private read(): Promise<number> {
    if (this.reading) return this.reading;
    const generation = this.generation;
    const reading = this.readFree(this.path).then(
      (free) => {
        if (generation === this.generation) {
          this.freeBytes = free;
          this.readAtMs = this.clock();
          this.admittedBytes = 0;
        }
        if (this.reading === reading) this.reading = undefined;
        return free;
      },
      (error: unknown) => {
        if (this.reading === reading) this.reading = undefined;
        throw error;
      },
    );
    this.reading = reading;
    return reading;
  }

  /** Counts `bytes` as admitted if the last reading has room for them (half of it above the reserve). */
  private admit(bytes: number): boolean {
    if (this.admittedBytes + bytes > (this.freeBytes - this.minFreeBytes) / 2) return false;
    this.admittedBytes += bytes;
    return true;
  }

  private assertRoom(free: number): void {
    if (free >= this.minFreeBytes) return;
    throw new DiskFullError(
      `the broker's disk is nearly full: ${free} bytes free in ${this.path}, below the reserve of ${this.minFreeBytes} bytes ` +
        '(--min-free-bytes) kept for finishing tasks already taken; new tasks are refused until space is freed',
      free,
    );
  }
}
