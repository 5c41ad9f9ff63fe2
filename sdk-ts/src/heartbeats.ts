/**
 * Keeping a worker's leases alive: one Heartbeat call renews every lease the worker holds, every
 * third of the lease, and renews each run's deadline on this process's monotonic clock.
 */
import type { DeepPartial, HeartbeatRequest, HeartbeatResponse, HeartbeatResult } from '@qtasks/proto';

/** A lease the heartbeats renew. */
export interface RenewedLease {
  readonly taskId: string;
  readonly leaseToken: string;
  /** When the lease runs out unless renewed, on the monotonic clock: see {@link monotonicDeadline}. */
  leaseDeadlineMs: number;
}

/** What the heartbeats need from their worker. */
export interface HeartbeatHost<Lease extends RenewedLease> {
  /** The lease length asked for; the beat comes every third of it. */
  leaseMs(): number;
  /** The leases to renew now. */
  leases(): readonly Lease[];
  /** Sends one Heartbeat call. */
  send(request: DeepPartial<HeartbeatRequest>): Promise<HeartbeatResponse>;
  /** What the broker said of `lease` (after its deadline was renewed, when `result.ok`). */
  answered(lease: Lease, result: HeartbeatResult): void;
  /** A Heartbeat call failed: the next beat tries again. */
  failed(error: unknown): void;
}

/** One worker's heartbeat timer. */
export class Heartbeats<Lease extends RenewedLease> {
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;

  constructor(private readonly host: HeartbeatHost<Lease>) {}

  /** Starts beating, if not already. */
  start(): void {
    if (this.timer) return;
    // Heartbeats are the one periodic call: a lease is kept alive by renewing it, not by an event.
    // Ref'd: while tasks run (or their outcomes are being reported), the worker's process must
    // stay up even if they await nothing else.
    this.timer = setInterval(() => void this.beat(), Math.floor(this.host.leaseMs() / 3));
  }

  /** Stops beating (a beat in flight still delivers its answers). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async beat(): Promise<void> {
    const leases = [...this.host.leases()];
    // A beat still waiting on a slow broker is not joined by another: they would pile up.
    if (leases.length === 0 || this.inFlight) return;
    this.inFlight = true;
    try {
      const leaseMs = this.host.leaseMs();
      const { results } = await this.host.send({ items: leases.map(({ taskId, leaseToken }) => ({ taskId, leaseToken })), extendMs: leaseMs });
      results.forEach((result, i) => {
        const lease = leases[i]!;
        if (result.ok && result.leaseDeadline) lease.leaseDeadlineMs = monotonicDeadline(result.leaseDeadline, leaseMs);
        this.host.answered(lease, result);
      });
    } catch (error) {
      this.host.failed(error);
    } finally {
      this.inFlight = false;
    }
  }
}

/**
 * A lease deadline from the broker (a wall-clock time) as a time on this process's monotonic
 * clock (`performance.now()`): the time left, read once on arrival, counted from now. Absent:
 * `leaseMs` from now. Monotonic, so that a step of this machine's wall clock neither drops a held
 * task whose lease is alive nor keeps one whose lease ran out.
 */
export function monotonicDeadline(deadline: Date | undefined, leaseMs: number): number {
  return performance.now() + (deadline === undefined ? leaseMs : deadline.getTime() - Date.now());
}
