/**
 * fast-check arbitraries of contract messages, for the tests that compare a hand-written encoder or
 * decoder (SDK or broker) with the generated one on random messages.
 */
import fc from 'fast-check';

/** Text of every kind: ASCII, any code point (lone surrogates included), graphemes, and lengths around 42 UTF-16 units. */
export const text = fc.oneof(fc.string({ maxLength: 50 }), fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ minLength: 40, maxLength: 45 }), fc.string({ unit: 'grapheme', maxLength: 400 }));

/** A bytes field's value. */
export const bytes = fc.uint8Array({ maxLength: 300 }).map((array) => Buffer.from(array));

/** A `Completion`'s outcome, each of its four kinds, its fields set or not. */
export function outcomeOf(textOf: fc.Arbitrary<string>) {
  return fc.oneof(
    fc.record({ $case: fc.constant('success' as const), value: fc.record({ result: bytes }, { requiredKeys: [] }) }),
    fc.record({
      $case: fc.constant('failure' as const),
      value: fc.record({ error: fc.record({ type: textOf, message: textOf, traceback: textOf }, { requiredKeys: [] }), retryable: fc.boolean() }, { requiredKeys: [] }),
    }),
    fc.record({ $case: fc.constant('cancelled' as const), value: fc.record({ reason: textOf }, { requiredKeys: [] }) }),
    fc.record({ $case: fc.constant('released' as const), value: fc.constant({}) }),
  );
}

/** A `Completion` (a worker's outcome of one task), with text from `textOf`. */
export function completionOf(textOf: fc.Arbitrary<string> = text) {
  return fc.record({ taskId: textOf, leaseToken: textOf, outcome: outcomeOf(textOf) }, { requiredKeys: [] });
}
