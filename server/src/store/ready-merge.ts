import type { Database } from 'lmdb';
import { prefixRange, type Key } from './keys.js';

/**
 * Picks the first `limit` ready tasks across several queues, in the order a single queue would
 * give: lowest priority number first, then lowest `seq` (FIFO), whatever queue they are in.
 *
 * Each queue's ready index is already sorted, so this is a k-way merge of lazy cursors: it reads
 * `limit + queues` entries at most, not every entry of every queue. Must run inside the write
 * transaction that removes the picked entries; it only reads, and closes its cursors before
 * returning, so the caller may then mutate freely.
 *
 * @returns the picked task ids, in lease order
 */
export function mergeReadyQueues(ready: Database<unknown, Key>, queues: readonly string[], limit: number): string[] {
  const cursors = queues.map((queue) => ready.getRange({ ...prefixRange([queue]), limit })[Symbol.iterator]());
  const heads = cursors.map((cursor) => cursor.next());
  const picked: string[] = [];
  try {
    while (picked.length < limit) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const head = heads[i]!;
        if (head.done) continue;
        if (best < 0 || isBefore(head.value.key, (heads[best] as IteratorYieldResult<{ key: Key }>).value.key)) best = i;
      }
      if (best < 0) break;
      picked.push((heads[best] as IteratorYieldResult<{ value: unknown }>).value.value as string);
      heads[best] = cursors[best]!.next();
    }
  } finally {
    for (const cursor of cursors) cursor.return?.();
  }
  return picked;
}

/** Ready keys are `[queue, priority, seq]`; across queues, order by priority, then seq. */
function isBefore(a: Key, b: Key): boolean {
  const [, priorityA, seqA] = a as [string, number, number];
  const [, priorityB, seqB] = b as [string, number, number];
  return priorityA !== priorityB ? priorityA < priorityB : seqA < seqB;
}
