/**
 * Where a worker's reports go (outcomes, heartbeats, progress): on its open Work stream, batched
 * per turn, so that they cost no call of their own; else through the connection's unary calls.
 * A stream that ends before answering sends its reports on to the unary calls, which then treat
 * them as they always have (per-item refusals, resends while the broker is unreachable): the
 * stream only saves calls, it changes nothing about what a report means.
 */
import type { Completion, CompletionResult, DeepPartial, HeartbeatRequest, HeartbeatResponse, ProgressItem, ProgressResult } from '@qtasks/proto';
import type { BrokerConnection } from './connection.js';
import { WorkStreamEndedError, type WorkSession } from './work-session.js';

/** The worker's reports, routed over its Work stream when it has one open. */
export class WorkerReports {
  /**
   * @param connection - the unary calls
   * @param session - the worker's open Work stream, if any, read anew for each report
   */
  constructor(
    private readonly connection: () => BrokerConnection,
    private readonly session: () => WorkSession | undefined,
  ) {}

  /**
   * Reports one outcome; resolves to the broker's answer for it. Written out rather than through
   * {@link route}: it runs once per task, and an async wrapper with two closures per call was a
   * third of what a worker allocated to report a trivial task.
   */
  complete(completion: DeepPartial<Completion>): Promise<CompletionResult> {
    const session = this.session();
    if (!session?.open) return this.connection().completions.add(completion);
    return session.completions.add(completion).catch((error: unknown) => {
      // Any other error is the broker's answer; this one says that no answer will come.
      if (!(error instanceof WorkStreamEndedError)) throw error;
      return this.connection().completions.add(completion);
    });
  }

  /** Publishes one progress item; resolves to the broker's answer for it. */
  progress(item: DeepPartial<ProgressItem>): Promise<ProgressResult> {
    return this.route(
      (session) => session.progress.add(item),
      () => this.connection().progress.add(item),
    );
  }

  /** Renews leases (one request for all of them). */
  heartbeat(request: DeepPartial<HeartbeatRequest>): Promise<HeartbeatResponse> {
    return this.route(
      (session) => session.heartbeat(request),
      () => this.connection().heartbeat(request),
    );
  }

  private async route<T>(onStream: (session: WorkSession) => Promise<T>, unary: () => Promise<T>): Promise<T> {
    const session = this.session();
    if (session?.open) {
      try {
        return await onStream(session);
      } catch (error) {
        // Any other error is the broker's answer; this one says that no answer will come.
        if (!(error instanceof WorkStreamEndedError)) throw error;
      }
    }
    return unary();
  }
}
