import { describe, expect, it } from 'vitest';
import { newTaskId } from './ids.js';
import { ReadyLine } from './ready-line.js';
import { ReadyLines, type PlacedEntry } from './ready-lines.js';
import { readIdBytes, writeIdBytes } from './task-id-bytes.js';

const entry = (seq: number, queue = 'q', priority = 0): PlacedEntry => ({ id: newTaskId(), seq, retry: seq % 2 === 1, queue, priority });
const seqsOf = (line: ReadyLine): number[] => {
  const seqs: number[] = [];
  line.forEachAfter(undefined, (e) => seqs.push(e.seq) > 0);
  return seqs;
};

describe('task ids as bytes', () => {
  it('round-trip', () => {
    const bytes = new Uint8Array(32);
    const id = newTaskId();
    writeIdBytes(id, bytes, 16);
    expect(readIdBytes(bytes, 16)).toBe(id);
  });
});

describe('ReadyLine', () => {
  it('keeps seq order whatever the order of arrival, across growth and wrap-around', () => {
    const line = new ReadyLine();
    const expected: number[] = [];
    let seq = 0;
    // Take from the front while adding at the back, so the ring wraps; some arrive late.
    for (let round = 0; round < 200; round++) {
      const late = ++seq;
      line.add(entry(++seq));
      line.add(entry(++seq));
      line.add(entry(late));
      expected.push(late, seq - 1, seq);
      if (round % 3 === 0) expect(line.shift()!.seq).toBe(expected.shift());
    }
    expect(seqsOf(line)).toEqual(expected);
    expect(line.length).toBe(expected.length);
  });

  it('keeps the id and the kind (NEW or RETRY) of each entry', () => {
    const line = new ReadyLine();
    const a = entry(1);
    const b = entry(2);
    line.add(b);
    line.add(a);
    expect(line.shift()).toEqual({ id: a.id, seq: 1, retry: true });
    expect(line.shift()).toEqual({ id: b.id, seq: 2, retry: false });
    expect(line.shift()).toBeUndefined();
  });

  it('removes an entry from anywhere by its seq, and nothing for an unknown seq', () => {
    const line = new ReadyLine();
    for (let seq = 1; seq <= 40; seq++) line.add(entry(seq));
    expect(line.remove(3)).toBe(true);
    expect(line.remove(37)).toBe(true);
    expect(line.remove(3)).toBe(false);
    expect(line.remove(99)).toBe(false);
    expect(seqsOf(line)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1).filter((s) => s !== 3 && s !== 37));
  });

  it('lists from after a seq', () => {
    const line = new ReadyLine();
    for (const seq of [2, 4, 6, 8]) line.add(entry(seq));
    const after: number[] = [];
    line.forEachAfter(4, (e) => after.push(e.seq) < 2);
    expect(after).toEqual([6, 8]);
    const fromGap: number[] = [];
    line.forEachAfter(5, (e) => fromGap.push(e.seq) > 0);
    expect(fromGap).toEqual([6, 8]);
  });
});

describe('ReadyLines', () => {
  it('takes by priority, then FIFO, across queues, and counts per queue', () => {
    const lines = new ReadyLines();
    const tasks = [entry(1, 'a', 5), entry(2, 'b', 1), entry(3, 'a', 1), entry(4, 'b', -3), entry(5, 'c', -9)];
    for (const task of tasks) lines.add(task);
    expect(lines.size).toBe(5);
    expect(lines.sizeOf('a')).toBe(2);
    const taken = [lines.takeBest(['a', 'b']), lines.takeBest(['a', 'b']), lines.takeBest(['a', 'b']), lines.takeBest(['a', 'b'])];
    expect(taken.map((t) => t?.seq)).toEqual([4, 2, 3, 1]);
    expect(taken[0]).toMatchObject({ queue: 'b', priority: -3, id: tasks[3]!.id });
    expect(lines.takeBest(['a', 'b'])).toBeUndefined();
    expect(lines.size).toBe(1);
    expect(lines.sizeOf('a')).toBe(0);
  });

  it('lists by queue name, priority and seq, resuming after a position', () => {
    const lines = new ReadyLines();
    for (const task of [entry(1, 'b', 0), entry(2, 'a', 2), entry(3, 'a', 1), entry(4, 'a', 2), entry(5, 'c', 0)]) lines.add(task);
    const all: number[] = [];
    lines.forEachAfter(undefined, undefined, (e) => all.push(e.seq) > 0);
    expect(all).toEqual([3, 2, 4, 1, 5]);
    const rest: number[] = [];
    lines.forEachAfter(undefined, { queue: 'a', priority: 2, seq: 2 }, (e) => rest.push(e.seq) > 0);
    expect(rest).toEqual([4, 1, 5]);
    const onlyA: number[] = [];
    lines.forEachAfter('a', { queue: 'a', priority: 1, seq: 3 }, (e) => onlyA.push(e.seq) > 0);
    expect(onlyA).toEqual([2, 4]);
  });

  it('removes an entry, and forgets emptied queues', () => {
    const lines = new ReadyLines();
    lines.add(entry(1, 'a', 0));
    expect(lines.remove('a', 0, 2)).toBe(false);
    expect(lines.remove('a', 0, 1)).toBe(true);
    expect(lines.size).toBe(0);
    expect(lines.takeBest(['a'])).toBeUndefined();
  });
});
