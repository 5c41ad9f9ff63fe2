/**
 * The leases held now, in memory only: the PROCESS record of every leased task, and its deadline
 * in a min-heap for the reaper. A lease is never written to LMDB (docs/decisions.md, "Leases in
 * memory"): on disk the task stays NEW or RETRY until its outcome, so a crash gives every leased
 * task back as it was before its lease (the attempt does not count).
 *
 * A lease being settled (its outcome, expiry or release written, not yet committed) stays in the
 * book, marked, so that reads keep showing PROCESS until the new state is on disk; an outcome for
 * it then goes to the record, where the write in flight decides.
 */
import type { TaskRecord } from '../domain/task.js';

interface Held {
  record: TaskRecord;
  settling: boolean;
}

/** The leases held now. */
export class LeaseBook {
  private readonly held = new Map<string, Held>();
  /** `[deadlineMs, taskId]`, earliest first; entries of moved or ended leases are dropped lazily. */
  private readonly deadlines = new DeadlineHeap();

  /** Leases held, settling ones included. */
  get size(): number {
    return this.held.size;
  }

  /** The PROCESS record of a leased task (settling or not), or undefined. */
  get(taskId: string): TaskRecord | undefined {
    return this.held.get(taskId)?.record;
  }

  /** The record of a lease that may take an outcome, heartbeat or progress: held and not settling. */
  active(taskId: string): TaskRecord | undefined {
    const held = this.held.get(taskId);
    return held && !held.settling ? held.record : undefined;
  }

  /** True if the task is leased (settling or not). */
  has(taskId: string): boolean {
    return this.held.has(taskId);
  }

  /** Records a new lease, or a leased task's new state (a heartbeat, progress, a cancel request). */
  set(record: TaskRecord): void {
    const held = this.held.get(record.id);
    const deadlineMoved = held?.record.lease?.deadlineMs !== record.lease!.deadlineMs;
    this.held.set(record.id, { record, settling: held?.settling ?? false });
    if (deadlineMoved) this.deadlines.push(record.lease!.deadlineMs, record.id);
  }

  /** Marks a lease as being settled (see the file's comment), or no longer (a failed commit). */
  markSettling(taskId: string, settling: boolean): void {
    const held = this.held.get(taskId);
    if (!held) return;
    held.settling = settling;
    // The reaper may have dropped its deadline meanwhile: an unsettled lease needs it back.
    if (!settling) this.deadlines.push(held.record.lease!.deadlineMs, taskId);
  }

  /** Ends a lease. */
  delete(taskId: string): void {
    this.held.delete(taskId);
  }

  /** Every held record, in no order. */
  *records(): IterableIterator<TaskRecord> {
    for (const held of this.held.values()) yield held.record;
  }

  /** Up to `limit` active leases whose deadline is at or before `steadyMs`, earliest first. */
  expired(steadyMs: number, limit: number): TaskRecord[] {
    const expired: TaskRecord[] = [];
    const taken = new Set<string>();
    while (expired.length < limit) {
      const top = this.current();
      if (!top || top.deadlineMs > steadyMs) break;
      this.deadlines.pop();
      const held = this.held.get(top.taskId)!;
      // A deadline moved away and back leaves two entries for one lease.
      if (!held.settling && !taken.has(top.taskId)) {
        taken.add(top.taskId);
        expired.push(held.record);
      }
    }
    return expired;
  }

  /** The earliest deadline of a held lease (steady time), or undefined. */
  nextDeadline(): number | undefined {
    return this.current()?.deadlineMs;
  }

  /** The heap's top after dropping entries that no longer match a held lease. */
  private current(): { deadlineMs: number; taskId: string } | undefined {
    for (;;) {
      const top = this.deadlines.peek();
      if (!top) return undefined;
      const held = this.held.get(top.taskId);
      if (held && held.record.lease?.deadlineMs === top.deadlineMs) return top;
      this.deadlines.pop();
    }
  }
}

/** A binary min-heap of lease deadlines. */
class DeadlineHeap {
  private readonly items: { deadlineMs: number; taskId: string }[] = [];

  peek(): { deadlineMs: number; taskId: string } | undefined {
    return this.items[0];
  }

  push(deadlineMs: number, taskId: string): void {
    const items = this.items;
    items.push({ deadlineMs, taskId });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]!.deadlineMs <= items[i]!.deadlineMs) break;
      [items[parent], items[i]] = [items[i]!, items[parent]!];
      i = parent;
    }
  }

  pop(): void {
    const items = this.items;
    const last = items.pop();
    if (items.length === 0 || !last) return;
    items[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < items.length && items[left]!.deadlineMs < items[smallest]!.deadlineMs) smallest = left;
      if (right < items.length && items[right]!.deadlineMs < items[smallest]!.deadlineMs) smallest = right;
      if (smallest === i) return;
      [items[smallest], items[i]] = [items[i]!, items[smallest]!];
      i = smallest;
    }
  }
}
