/**
 * Reporting a run's outcome (on the Work stream or with a unary Complete: see `worker-reports.ts`),
 * retried while the broker is unreachable and the lease may still hold.
 */
import type { Completion, CompletionResult, DeepPartial } from '@qtasks/proto';
import { Status } from 'nice-grpc';
import { Backoff, sleep } from './backoff.js';
import { BrokerCallError } from './errors.js';
import type { Logger } from './logger.js';
import { workerFailure, type Outcome } from './run-outcome.js';
import type { StopReason } from './run-state.js';

/** The lease a report is made under. */
export interface ReportedLease {
  readonly taskId: string;
  readonly leaseToken: string;
}

/** Sends one outcome and resolves to the broker's answer for it. */
export type SendCompletion = (completion: DeepPartial<Completion>) => Promise<CompletionResult>;

/**
 * Sends `outcome` and resolves to what became of it; never rejects. Retries with backoff for up
 * to `leaseMs` (past that the lease has run out and the broker decides): the outcome kind the
 * broker accepted, `refused` when it answered no, `unreported` when it could not be told. The
 * first send, all that nearly every report takes, is a plain promise chain: this runs once per
 * task, and an async function's frame was the largest thing a worker allocated per task.
 */
export function reportOutcome(send: SendCompletion, lease: ReportedLease, outcome: Outcome, leaseMs: number, logger: Logger): Promise<StopReason> {
  const giveUpAt = performance.now() + leaseMs;
  let sent: Promise<CompletionResult>;
  try {
    sent = send({ taskId: lease.taskId, leaseToken: lease.leaseToken, outcome });
  } catch (error) {
    // A send that throws instead of rejecting is retried the same way.
    return resend(send, lease, outcome, giveUpAt, logger, error);
  }
  return sent.then(
    (result) => verdictOf(result, outcome, logger),
    (error: unknown) => resend(send, lease, outcome, giveUpAt, logger, error),
  );
}

/** What an answer makes of a report: the outcome kind the broker accepted, or `refused`. */
function verdictOf(result: CompletionResult, outcome: Outcome, logger: Logger): StopReason {
  if (result.accepted) return outcome.$case;
  logger.warn(`the broker refused the outcome: ${result.reason}`);
  return 'refused';
}

/** The report after its first send failed with `error`: {@link reportOutcome}'s retries. */
async function resend(send: SendCompletion, lease: ReportedLease, outcome: Outcome, giveUpAt: number, logger: Logger, error: unknown): Promise<StopReason> {
  let backoff: Backoff | undefined; // made on the first wait
  let replaced = false;
  for (;;) {
    const refusal = refusedOutcome(error);
    if (refusal && !replaced) {
      // The broker refused this outcome itself (a result or traceback over its size limit,
      // say): resending it cannot help, and waiting out the lease would hide the cause behind
      // LeaseExpired. Report that refusal instead, once, as a failure that is not retried.
      logger.error(`the broker refused the outcome: ${refusal}`);
      replaced = true;
      outcome = workerFailure('OutcomeRefused', refusal.slice(0, 2000));
    } else if (refusal || performance.now() > giveUpAt) {
      logger.error('could not report the outcome; the broker will end or re-run the task when its lease runs out', error);
      return 'unreported';
    } else {
      await sleep((backoff ??= new Backoff()).next());
    }
    try {
      return verdictOf(await send({ taskId: lease.taskId, leaseToken: lease.leaseToken, outcome }), outcome, logger);
    } catch (next) {
      error = next;
    }
  }
}

/** The broker's message when it refused this one outcome as invalid or too large, else undefined. */
function refusedOutcome(error: unknown): string | undefined {
  if (!(error instanceof BrokerCallError)) return undefined;
  if (error.code !== Status.INVALID_ARGUMENT && error.code !== Status.RESOURCE_EXHAUSTED) return undefined;
  return error.field?.startsWith('completions[') ? error.details : undefined;
}
