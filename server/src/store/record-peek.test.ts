import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { afterAll, describe, expect, it } from 'vitest';
import type { TaskRecord } from '../domain/task.js';
import { RecordEncoder } from './record-codec.js';
import { peekRecord } from './record-peek.js';

// The encoders lmdb-js gives a database: plain maps (how the store writes records) and msgpackr's
// shared structures (how an older broker wrote them).
const dir = mkdtempSync(join(tmpdir(), 'qtasks-peek-'));
const env = open({ path: dir, noSubdir: false, maxDbs: 4 });
type Encoder = { encode(value: unknown): Uint8Array };
const plain = (env.openDB('plain', { useRecords: false } as object) as unknown as { encoder: Encoder }).encoder;
const structured = (env.openDB('structured', {}) as unknown as { encoder: Encoder }).encoder;
afterAll(async () => {
  await env.close();
  rmSync(dir, { recursive: true, force: true });
});
const record = {
  id: 'x',
  name: 'ünïcödé',
  queue: 'emails/😀',
  priority: -2147483648,
  args: Buffer.alloc(70_000, 1), // bin 32
  kwargs: Buffer.from('{}'),
  status: 'retry',
  attempt: 3,
  backoff: { initialMs: 1000, multiplier: 1.5, maxMs: 0 },
  createdAtMs: 1_700_000_000_123,
  tags: Array.from({ length: 20 }, (_, i) => `t${i}`), // array 16
  metadata: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'v'.repeat(300)])), // map 16, str 16
  delayed: false,
  seq: 2 ** 40,
  cancelRequested: true,
  error: { type: 'E', message: 'm', traceback: '' },
  lease: undefined,
};

describe('peekRecord', () => {
  it('reads the fields a restart needs from a record stored as a row', () => {
    const row = new RecordEncoder().encode(record as unknown as TaskRecord);
    expect(peekRecord(row)).toEqual({ status: 'retry', queue: 'emails/😀', priority: -2147483648, seq: 2 ** 40, delayed: false, cancelRequested: true });
  });

  it('reads the fields a restart needs from a record encoded as a plain map, skipping every other kind of value', () => {
    expect(peekRecord(plain.encode(record))).toEqual({ status: 'retry', queue: 'emails/😀', priority: -2147483648, seq: 2 ** 40, delayed: false, cancelRequested: true });
  });

  it('reads only the value’s own bytes from a larger shared buffer', () => {
    const bytes = plain.encode({ status: 'new', queue: 'q', priority: 0, seq: 7, delayed: true, cancelRequested: false });
    const shared = Buffer.concat([bytes, Buffer.alloc(64, 0xff)]);
    expect(peekRecord(shared, bytes.length)).toMatchObject({ status: 'new', seq: 7, delayed: true });
  });

  it('gives up, for a full decode instead, on a record that is not a plain map or lacks a field', () => {
    expect(peekRecord(structured.encode(record))).toBeUndefined();
    expect(peekRecord(plain.encode({ status: 'new', queue: 'q' }))).toBeUndefined();
    expect(peekRecord(new Uint8Array(0))).toBeUndefined();
  });
});
