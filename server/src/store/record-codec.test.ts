import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import type { TaskRecord } from '../domain/task.js';
import { RecordEncoder, ROW_FIELDS, ROW_FORMAT } from './record-codec.js';

/** A record with every field set, each to a value no other field has. */
const full: TaskRecord = {
  id: '0190-id', name: 'send', queue: 'mail', priority: -3, args: Buffer.from('["a"]'), kwargs: Buffer.from('{"k":1}'),
  status: 'process', attempt: 2, maxRetries: 5, backoff: { initialMs: 100, multiplier: 2, maxMs: 900 }, maxTimeMs: 7000,
  createdAtMs: 1_700_000_000_001, updatedAtMs: 1_700_000_000_002, runAtMs: 1_700_000_000_003, delayed: true, seq: 2 ** 40,
  cancelRequested: true, tags: ['t1', 't2'], metadata: { m: 'v' }, version: 9, startedAtMs: 1_700_000_000_004,
  finishedAtMs: 1_700_000_000_005, result: Buffer.from('42'), error: { type: 'E', message: 'boom', traceback: 'tb' },
  cancelReason: 'why', workerId: 'w-1', lease: { token: 'tok', deadlineMs: 123.5, leaseMs: 30_000 },
  idempotencyKey: 'idem', progress: Buffer.from('{"p":1}'),
  traceContext: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: 'vendor=1' },
};

describe('RecordEncoder', () => {
  const codec = new RecordEncoder();

  it('stores a record as a row and reads every field back, in the shape of a record', () => {
    const bytes = codec.encode(full);
    const row = new Packr({ useRecords: false }).decode(bytes) as unknown[];
    expect(row[0]).toBe(ROW_FORMAT);
    expect(row).toHaveLength(ROW_FIELDS.length + 1);
    const back = codec.decode(bytes);
    expect(back).toEqual(full);
    expect(Object.keys(back)).toEqual([...ROW_FIELDS]);
  });

  it('reads unset fields back as undefined, present in the shape', () => {
    const sparse = { ...full, result: undefined, error: undefined, lease: undefined, progress: undefined, runAtMs: undefined };
    const back = codec.decode(codec.encode(sparse));
    expect(back).toEqual(sparse);
    expect('result' in back && back.result === undefined).toBe(true);
  });

  it('leaves an unset trace context out of the row: no byte for it, read back as unset', () => {
    const untraced = { ...full, traceContext: undefined };
    const bytes = codec.encode(untraced);
    const row = new Packr({ useRecords: false }).decode(bytes) as unknown[];
    expect(row).toHaveLength(ROW_FIELDS.length);
    expect(bytes.length).toBeLessThan(codec.encode(full).length);
    const back = codec.decode(bytes);
    expect(back).toEqual(untraced);
    expect(Object.keys(back)).toEqual([...ROW_FIELDS]);
  });

  it('reads a row written before the trace context existed, every other field unchanged', () => {
    // The row of a broker whose last field was attemptsBeforeRetry, spelled out by position.
    const { traceContext: _, ...before } = full;
    const oldRow = [ROW_FORMAT, ...ROW_FIELDS.slice(0, ROW_FIELDS.indexOf('traceContext')).map((field) => before[field as keyof typeof before])];
    const back = codec.decode(new Packr({ useRecords: false }).encode(oldRow));
    expect(back).toEqual({ ...before, traceContext: undefined });
    expect(back.traceContext).toBeUndefined();
    expect(Object.keys(back)).toEqual([...ROW_FIELDS]);
  });

  it('reads a record that an older broker stored as a map, undefined fields left out', () => {
    const map = new Packr({ useRecords: false, skipValues: [undefined] } as object).encode({ ...full, error: undefined });
    const back = codec.decode(map);
    expect(back).toEqual({ ...full, error: undefined });
    expect(Object.keys(back)).toEqual([...ROW_FIELDS]);
  });

  it('refuses a row of a format it does not know', () => {
    expect(() => codec.decode(new Packr().encode([ROW_FORMAT + 1, 'x']))).toThrow(/unknown row format \(2\)/);
  });
});
