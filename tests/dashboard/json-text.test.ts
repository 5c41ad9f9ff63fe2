/** The page's JSON indenter: it re-spaces JSON text and changes no value, big integers included. */
import { expect, test } from 'vitest';
import { indentJson } from '../../dashboard/src/json-text.js';

test('indents without parsing: integers past 2^53 and strings with brackets stay as they are', () => {
  expect(indentJson('[12345678901234567890,"a,[b]: \\"c\\"",{}]')).toBe('[\n  12345678901234567890,\n  "a,[b]: \\"c\\"",\n  {}\n]');
  expect(indentJson('{"k":{"n":[1, 2]},"e":[ ]}')).toBe('{\n  "k": {\n    "n": [\n      1,\n      2\n    ]\n  },\n  "e": []\n}');
  expect(indentJson('42')).toBe('42');
  expect(indentJson('"x"')).toBe('"x"');
});

test('the indented text is the same JSON value', () => {
  const text = JSON.stringify({ a: [1, 2, { b: 'x\\"y', c: null, d: true }], e: 'émoji 🎉', f: -1.5e-7 });
  expect(JSON.parse(indentJson(text))).toEqual(JSON.parse(text));
});
