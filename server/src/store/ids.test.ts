import { parse, stringify, validate, version } from 'uuid';
import { describe, expect, it } from 'vitest';
import { newLeaseToken, newTaskId } from './ids.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('task ids', () => {
  it('are UUIDv7, unique, and sort in the order they were made, also within one millisecond', () => {
    // Far more ids than one pool refill and than one millisecond holds.
    const ids = Array.from({ length: 20_000 }, () => newTaskId());
    expect(ids.every((id) => UUID_V7.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('are written as the uuid package writes the same bytes', () => {
    for (let i = 0; i < 2_000; i++) {
      const id = newTaskId();
      expect(validate(id) && version(id)).toBe(7);
      expect(stringify(parse(id))).toBe(id);
    }
  });

  it('carry the current time in their first 48 bits', () => {
    const before = Date.now();
    const id = newTaskId();
    const msecs = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(msecs).toBeGreaterThanOrEqual(before);
    expect(msecs).toBeLessThanOrEqual(Date.now() + 1);
  });
});

describe('lease tokens', () => {
  it('are 96 random bits in base64url, never repeated', () => {
    const tokens = Array.from({ length: 20_000 }, () => newLeaseToken());
    expect(tokens.every((token) => /^[A-Za-z0-9_-]{16}$/.test(token))).toBe(true);
    expect(new Set(tokens).size).toBe(tokens.length);
  });
});
