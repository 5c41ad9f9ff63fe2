import { describe, expect, it } from 'vitest';
import type { TaskRecord } from '../domain/task.js';
import { HotRecords } from './hot-records.js';

const ready = (id: string, args: Uint8Array = new Uint8Array(10)): TaskRecord =>
  ({ id, status: 'new', args, kwargs: new Uint8Array(0) }) as unknown as TaskRecord;

describe('HotRecords', () => {
  it('holds records within its budget and counts what it forgets', () => {
    const hot = new HotRecords(2_000);
    hot.put(ready('a'));
    hot.put(ready('b'));
    hot.put(ready('c')); // 3 × ~522 bytes: still within 2,000
    hot.put(ready('d', new Uint8Array(1_000))); // over the budget: not held
    expect([hot.get('a'), hot.get('d')].map((r) => r?.id)).toEqual(['a', undefined]);
    expect(hot.size).toBe(3);
    hot.forget('a');
    hot.forget('a');
    expect(hot.get('a')).toBeUndefined();
    expect(hot.heldBytes).toBe(2 * 522);
    hot.put(ready('b')); // a new record of a held task replaces it, counted once
    expect(hot.heldBytes).toBe(2 * 522);
  });

  it('copies payloads that view a larger buffer, so that one record pins no batch', () => {
    const batch = new Uint8Array(1_000_000);
    const hot = new HotRecords();
    hot.put(ready('a', batch.subarray(10, 20)));
    const held = hot.get('a')!;
    expect(held.args.byteLength).toBe(10);
    expect(held.args.buffer.byteLength).toBe(10);
    const own = new Uint8Array(10);
    hot.put(ready('b', own));
    expect(hot.get('b')!.args).toBe(own);
  });

  it('leaves records with a history of attempts to the disk', () => {
    const hot = new HotRecords();
    hot.put({ ...ready('a'), history: [] });
    expect(hot.get('a')).toBeUndefined();
    expect(hot.heldBytes).toBe(0);
  });
});
