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

/** An `int32`: small ones (one-byte varints) and any, negative ones included. */
export const int32 = fc.oneof(fc.integer({ min: -5, max: 300 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));

/** A `uint32`: small ones and any. */
export const uint32 = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }));

/**
 * A `TaskSpec`, its fields set or not, with text from `textOf` and int32s from `int32Of`; with
 * `rare`, also its rarer parts (a retry backoff, an eta, metadata, a trace context).
 */
export function taskSpecOf({ textOf = text, int32Of = int32, rare = true }: { textOf?: fc.Arbitrary<string>; int32Of?: fc.Arbitrary<number>; rare?: boolean } = {}) {
  const common = {
    name: textOf,
    queue: textOf,
    priority: int32Of,
    args: bytes,
    kwargs: bytes,
    maxRetries: int32Of,
    maxTimeMs: int32Of,
    delayMs: int32Of,
    idempotencyKey: textOf,
    tags: fc.array(textOf, { maxLength: 4 }),
    retentionMs: int32Of,
    limitKey: textOf,
  };
  if (!rare) return fc.record(common, { requiredKeys: [] });
  return fc.record(
    {
      ...common,
      retryBackoff: fc.record({ initialMs: int32Of, multiplier: fc.double({ noNaN: true }), maxMs: int32Of }, { requiredKeys: [] }),
      eta: fc.date({ min: new Date(0), max: new Date(2 ** 42), noInvalidDate: true }),
      metadata: fc.dictionary(fc.string({ maxLength: 8 }), textOf, { maxKeys: 3 }),
      traceContext: fc.record({ traceparent: textOf, tracestate: textOf }),
    },
    { requiredKeys: [] },
  );
}
