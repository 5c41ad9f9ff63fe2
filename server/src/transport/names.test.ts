import { describe, expect, test } from 'vitest';
import { InvalidArgumentError } from '../domain/errors.js';
import { normalizeName } from './names.js';

describe('normalizeName', () => {
  test('plain ASCII passes unchanged', () => {
    expect(normalizeName('queue', 'emails.send v2')).toBe('emails.send v2');
  });

  test('NFD becomes NFC, so both spellings of café are one name', () => {
    const nfd = 'cafe\u0301';
    expect(normalizeName('queue', nfd)).toBe('caf\u00e9');
    expect(normalizeName('queue', 'caf\u00e9')).toBe('caf\u00e9');
  });

  test('fullwidth letters stay distinct (NFC, not NFKC)', () => {
    expect(normalizeName('queue', '\uff51ueue')).toBe('\uff51ueue');
  });

  test.each([
    ['zero-width space', 'a\u200bb', '200B'],
    ['zero-width joiner', 'a\u200db', '200D'],
    ['word joiner', 'a\u2060b', '2060'],
    ['byte-order mark', '\ufeffab', 'FEFF'],
    ['soft hyphen', 'a\u00adb', '00AD'],
    ['right-to-left override', 'a\u202eb', '202E'],
    ['left-to-right isolate', 'a\u2066b', '2066'],
    ['right-to-left mark', 'a\u200fb', '200F'],
    ['variation selector', '\u2764\ufe0f', 'FE0F'],
    ['Hangul filler', 'a\u3164b', '3164'],
    
    ['line separator', 'a\u2028b', '2028'],
    ['tag character', 'a\u{e0041}b', 'E0041'],
  ])('refuses a %s, naming the field and the code point', (_label, value, codePoint) => {
    let error: unknown;
    try {
      normalizeName('tasks[0].queue', value);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(new RegExp(`^tasks\\[0\\]\\.queue: must not contain invisible.*U\\+${codePoint}\\b`));
  });
});
