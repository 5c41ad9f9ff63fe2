import { describe, expect, it } from 'vitest';
import type { TaskRecord } from '../domain/task.js';
import { LeaseBook } from './lease-book.js';

const leased = (id: string, deadlineMs: number): TaskRecord =>
  ({ id, status: 'process', lease: { token: `t-${id}`, deadlineMs, leaseMs: 1000 } }) as TaskRecord;

describe('LeaseBook', () => {
  it('gives expired leases earliest first, up to a limit, and follows moved deadlines', () => {
    const book = new LeaseBook();
    book.set(leased('a', 300));
    book.set(leased('b', 100));
    book.set(leased('c', 200));
    book.set(leased('b', 500)); // a heartbeat
    expect(book.nextDeadline()).toBe(200);
    expect(book.expired(400, 1).map((t) => t.id)).toEqual(['c']);
    expect(book.expired(400, 10).map((t) => t.id)).toEqual(['a']);
    expect(book.expired(1000, 10).map((t) => t.id)).toEqual(['b']);
  });

  it('keeps a settling lease readable but not active, and reaps it again if its write fails', () => {
    const book = new LeaseBook();
    book.set(leased('a', 100));
    book.markSettling('a', true);
    expect(book.get('a')?.id).toBe('a');
    expect(book.active('a')).toBeUndefined();
    expect(book.expired(200, 10)).toEqual([]);
    book.markSettling('a', false);
    expect(book.active('a')?.id).toBe('a');
    expect(book.expired(200, 10).map((t) => t.id)).toEqual(['a']);
  });

  it('forgets a deleted lease', () => {
    const book = new LeaseBook();
    book.set(leased('a', 100));
    book.delete('a');
    expect(book.has('a')).toBe(false);
    expect(book.nextDeadline()).toBeUndefined();
    expect(book.size).toBe(0);
  });
});
