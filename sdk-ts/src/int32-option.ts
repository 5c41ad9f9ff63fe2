/** The check of an option that travels in one of the contract's `int32` fields. */
import { INT32_MAX, INT32_MIN } from '@qtasks/proto';
import { TaskUsageError } from './errors.js';

/**
 * `value`, if it is a whole number an `int32` field holds: anything else would fail inside the
 * encoder with a message that names no option. Range rules of the option itself (no negative
 * limit, say) are the broker's, which refuses them by name. @throws TaskUsageError naming `what`
 */
export function int32Option(what: string, value: number): number {
  if (!isInt32(value)) {
    throw new TaskUsageError(`${what} must be a whole number from ${INT32_MIN} to ${INT32_MAX}, got ${String(value)}`);
  }
  return value;
}

/** Whether `value` is a whole number an `int32` field holds (for callers that build {@link int32Option}'s label only on failure). */
export function isInt32(value: number): boolean {
  return Number.isInteger(value) && value <= INT32_MAX && value >= INT32_MIN;
}
