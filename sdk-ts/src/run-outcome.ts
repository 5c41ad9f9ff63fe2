/**
 * What a run reports to the broker when it ends: the `Completion` outcome made from a handler's
 * result or from what stopped it, and the reasons the worker itself stops a run for.
 */
import type { Completion } from '@qtasks/proto';
import { QTasksError, TaskCancelError } from './errors.js';
import type { TaskExecSchema } from './task-exec-schema.js';

/** A run's outcome, as the broker's `Complete` takes it. */
export type Outcome = NonNullable<Completion['outcome']>;

/** The lease of a task was lost (refused by a heartbeat, or handed out again): someone else may run it now. */
export class LeaseLostError extends QTasksError {}

/** The worker gives the task back unfinished: it is stopping, or cannot hold the task in hand. */
export class WorkerStoppingError extends QTasksError {}

/** The outcome of a run that threw (or was aborted). */
export function outcomeOf(error: unknown, schema: TaskExecSchema): Outcome {
  if (error instanceof TaskCancelError) return { $case: 'cancelled', value: { reason: error.reason } };
  if (error instanceof WorkerStoppingError) return { $case: 'released', value: {} };
  const retryable = schema.retryOnExc.length === 0 || schema.retryOnExc.some((cls) => error instanceof cls);
  return failure(error, retryable);
}

/**
 * The outcome of a run given up before its handler started, from the reason it was aborted with:
 * cancelled, released, or undefined when its lease is lost (there is nothing to report then).
 */
export function unstartedOutcome(reason: unknown): Outcome | undefined {
  if (reason instanceof LeaseLostError) return undefined;
  return reason instanceof TaskCancelError ? { $case: 'cancelled', value: { reason: reason.reason } } : { $case: 'released', value: {} };
}

/**
 * A failure that is not the handler's own error (an unknown task name, an outcome the broker
 * refused): `name` is its type, and no stack is sent, since it would only show the worker's code.
 */
export function workerFailure(name: string, message: string): Outcome {
  // failure() reads name/message only from an Error; a plain object would be reported as "Object".
  return failure(Object.assign(new Error(message), { name, stack: '' }), false);
}

/** A `failure` outcome for a thrown value. */
function failure(error: unknown, retryable: boolean): Outcome {
  const message = error instanceof Error ? error.message : String(error);
  const traceback = error instanceof Error ? (error.stack ?? '') : '';
  return { $case: 'failure', value: { error: { type: errorType(error), message, traceback }, retryable } };
}

/**
 * The type reported for a thrown value: the `name` an error or its own class sets (a built-in
 * error's, or `TimeLimitExceeded`), else its class name, so that `class TooBig extends RangeError`
 * reports "TooBig" rather than the "RangeError" it inherits. A thrown non-error reports its class
 * (`String`, `Object`), or "Error" for null and undefined.
 */
function errorType(error: unknown): string {
  const className = (error as object | null | undefined)?.constructor?.name;
  if (error instanceof Error) {
    const setsOwnName = Object.hasOwn(error, 'name') || Object.hasOwn(Object.getPrototypeOf(error) as object, 'name');
    return setsOwnName ? error.name : className || error.name;
  }
  return className || 'Error';
}
