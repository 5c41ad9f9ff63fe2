/** Random values of every type a record holds, for the msgpack writer's and reader's tests (compared with msgpackr). */
import fc from 'fast-check';

const scalar = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  fc.string({ maxLength: 300 }),
  fc.integer(),
  fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
  fc.double(),
  fc.boolean(),
  fc.constant(undefined),
  fc.constant(null),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
);
/** Any value a record may hold: scalars, bins, and arrays and objects of them, nested. */
export const msgpackValue = fc.letrec((tie) => ({
  any: fc.oneof({ depthSize: 'small' }, scalar, tie('array'), tie('object')),
  array: fc.array(tie('any'), { maxLength: 20 }),
  object: fc.dictionary(fc.string({ maxLength: 12 }), tie('any'), { maxKeys: 20 }),
})).any;

