/**
 * The byte scanner accepts exactly what `JSON.parse` accepts, on random JSON texts (with random
 * whitespace) and on random near-texts made of JSON's own characters, and tells the top level's kind.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { scanJson } from './json-scan.js';

/** What JSON.parse says of `text`: its kind, or undefined when it refuses it. */
function parsed(text: string): string | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? 'array' : value !== null && typeof value === 'object' ? 'object' : 'scalar';
  } catch {
    return undefined;
  }
}
/** Deeper than any text here: the depth is tested on its own. */
const NO_LIMIT = 10_000;
const agrees = (text: string): void => expect(scanJson(Buffer.from(text), NO_LIMIT)).toBe(parsed(text));

describe('scanJson', () => {
  test('accepts every JSON text, with its kind', () => {
    fc.assert(
      fc.property(fc.json(), fc.constantFrom('', ' ', '\n\t', '\r\n  '), (text, space) => {
        agrees(`${space}${text}${space}`);
      }),
      { numRuns: 3000 },
    );
  });

  test('agrees with JSON.parse on near-texts made of its own characters', () => {
    const near = fc.string({ unit: fc.constantFrom(...'{}[]",:.-+eE0123456789 tfrunlasx\\/bu\n\tAF\u0001é'.split('')), maxLength: 24 });
    fc.assert(
      fc.property(near, (text) => {
        agrees(text);
      }),
      { numRuns: 20000 },
    );
  });

  test('agrees on the cases that tell JSON from near-JSON', () => {
    for (const text of [
      '', ' ', '[]', '{}', '[1,]', '{"a":1,}', '[01]', '[-0]', '[1.]', '[.5]', '[1e]', '[1e+5]', '[1E-5]', '-', '--1', '"\\u12"', '"\\u12G4"',
      '"\\uD800"', '"\\x"', '"\t"', '"\u007f"', 'tru', 'true ', 'nul', '[true false]', '{"a" 1}', '{1:2}', '["a"]]', '"é"', '\ufeff[1]', '[NaN]',
      '[1] [2]', '1e400', '[[[[]]]]', '{"a":{"b":[{"c":null}]}}',
    ]) {
      agrees(text);
    }
  });

  test('stops at the first array or object past the depth allowed, and only there', () => {
    const nested = (depth: number): Buffer => Buffer.from(`${'[{"k":'.repeat(depth / 2)}1${'}]'.repeat(depth / 2)}`);
    expect(scanJson(nested(512), 512)).toBe('array');
    expect(scanJson(nested(514), 512)).toBe('too-deep');
    expect(scanJson(Buffer.from('[[[1]]]'), 3)).toBe('array');
    expect(scanJson(Buffer.from('[[[[1]]]]'), 3)).toBe('too-deep');
    // Brackets inside strings are text, not depth.
    expect(scanJson(Buffer.from('["[[[[[["]'), 1)).toBe('array');
    // A fault before the depth is passed is a fault.
    expect(scanJson(Buffer.from('[x[[[[1]]]]]'), 3)).toBeUndefined();
  });
});
