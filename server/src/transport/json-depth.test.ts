import { describe, expect, test } from 'vitest';
import { jsonNestsDeeperThan } from './json-depth.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');
const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

describe('jsonNestsDeeperThan', () => {
  test('counts arrays and objects inside one another', () => {
    expect(jsonNestsDeeperThan(bytes('1'), 0)).toBe(false);
    expect(jsonNestsDeeperThan(bytes('[]'), 0)).toBe(true);
    expect(jsonNestsDeeperThan(bytes('[{"a":[1]}]'), 3)).toBe(false);
    expect(jsonNestsDeeperThan(bytes('[{"a":[1]}]'), 2)).toBe(true);
  });

  test('siblings do not add up: depth is the deepest path, not the number of brackets', () => {
    expect(jsonNestsDeeperThan(bytes(`[${Array(1000).fill('[]').join(',')}]`), 2)).toBe(false);
  });

  test('exactly at the limit passes, one more level does not', () => {
    expect(jsonNestsDeeperThan(bytes(nested(512)), 512)).toBe(false);
    expect(jsonNestsDeeperThan(bytes(nested(513)), 512)).toBe(true);
  });

  test('brackets and escaped quotes inside strings do not count', () => {
    expect(jsonNestsDeeperThan(bytes(`["${'['.repeat(100)}"]`), 1)).toBe(false);
    expect(jsonNestsDeeperThan(bytes(`["\\"[[[[", {"k\\\\": []}]`), 3)).toBe(false);
    expect(jsonNestsDeeperThan(bytes(`["\\"[[[[", {"k\\\\": [[]]}]`), 3)).toBe(true);
  });

  test('multi-byte UTF-8 is never taken for a bracket', () => {
    expect(jsonNestsDeeperThan(bytes('["［｛漢字🙂", {"é": ["ü"]}]'), 3)).toBe(false);
  });

  test('100,000 levels are refused at once', () => {
    expect(jsonNestsDeeperThan(bytes(nested(100_000)), 512)).toBe(true);
  });
});
