/**
 * Queue limits, enforced where tasks are handed out (`TaskStore.lease`), so that they hold across
 * every worker in every language: how many of a queue's tasks (and of each `limitKey` of it) may
 * run at once, and how many may start per period (a sliding window of start times).
 *
 * A task over a limit takes no lease and no attempt. Over a queue-wide limit, the queue is skipped
 * and its tasks keep their place in line. Over a per-key limit, the task is held aside, in order,
 * with the other tasks of its key, so that tasks of other keys pass it: one noisy tenant never
 * blocks the others. Held tasks go back to their line (in their place, by `seq`) when their key
 * has room again: a running task of the key ends, its rate window moves on, or the limits change.
 *
 * What opens a closed queue is announced in {@link takeWoken}: the broker wakes the workers
 * waiting on those queues. Everything here lives in memory: after a restart nothing runs and no
 * start is counted, and the held tasks are ready in their lines again.
 */
import type { QueueLimits, RateLimit } from '../domain/queue.js';
import type { TaskRecord } from '../domain/task.js';
import type { PlacedEntry } from './ready-lines.js';

/** No task to release (shared: most lease ends release none). */
const NONE: readonly PlacedEntry[] = Object.freeze([]);

/**
 * Most tasks one lease call holds aside. A key at its limit with a long backlog at the head of the
 * line would otherwise be read and held whole in one call (a second for 200,000 tasks here): the
 * call stops there, and the caller goes on in a later turn (see {@link DispatchGate.takeHoldCapHit}).
 */
export const MAX_HELD_PER_LEASE = 1000;

/** What a task may do now. */
export type Verdict = 'go' | 'queue-closed' | 'key-closed';

/** Starts within a rate window, oldest first (steady ms). */
class StartLog {
  private readonly times: number[] = [];
  private head = 0;

  /** Starts in the window ending at `nowMs`. */
  countIn(rate: RateLimit, nowMs: number): number {
    while (this.head < this.times.length && this.times[this.head]! <= nowMs - rate.periodMs) this.head++;
    // Dropped starts are cut off now and then, not one by one.
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times.splice(0, this.head);
      this.head = 0;
    }
    return this.times.length - this.head;
  }

  /** When the window next has room, given that it is full now. */
  opensAt(rate: RateLimit): number {
    return this.times[this.times.length - rate.count]! + rate.periodMs;
  }

  add(nowMs: number): void {
    this.times.push(nowMs);
  }
}

interface Group {
  running: number;
  starts: StartLog;
  /** Tasks held aside for this group's limit, in `seq` order (per-key groups only). */
  held: PlacedEntry[];
}

/** The limits of every queue, applied to the tasks handed out. */
export class DispatchGate {
  private readonly queues = new Map<string, Group>();
  private readonly keys = new Map<string, Group>();
  private readonly woken = new Set<string>();
  /** Set when a rate refused a task: the due timer must then wake when the window opens. */
  private rateRefused = false;
  /** Tasks held aside by the lease call under way, and whether one stopped at the cap. */
  private heldThisLease = 0;
  private holdCapHit = false;

  /**
   * @param limitsOf - the limits of a queue, as set now
   * @param isWaiting - whether a held task is still waiting to run (not cancelled, purged or
   *   changed meanwhile): stale entries are dropped rather than released in place of live ones
   */
  constructor(
    private readonly limitsOf: (queue: string) => QueueLimits,
    private readonly isWaiting: (entry: PlacedEntry) => boolean = () => true,
  ) {}

  /** A lease call starts: it may hold up to {@link MAX_HELD_PER_LEASE} tasks aside. */
  beginLease(): void {
    this.heldThisLease = 0;
  }

  /** True once the lease call under way has held as many tasks aside as it may. */
  get holdCapReached(): boolean {
    if (this.heldThisLease < MAX_HELD_PER_LEASE) return false;
    this.holdCapHit = true;
    return true;
  }

  /** True if a lease call stopped at the cap since the last call: there may be tasks behind the ones it held. */
  takeHoldCapHit(): boolean {
    const hit = this.holdCapHit;
    this.holdCapHit = false;
    return hit;
  }

  /** Whether `task` may start at `nowMs` (steady time). */
  verdict(task: TaskRecord, nowMs: number): Verdict {
    const limits = this.limitsOf(task.queue);
    const queue = isOpen(this.queues.get(task.queue), limits.maxRunning, limits.rate, nowMs);
    if (queue !== 'open') {
      this.rateRefused ||= queue === 'rate';
      return 'queue-closed';
    }
    if (task.limitKey === undefined) return 'go';
    const key = isOpen(this.keys.get(keyOf(task.queue, task.limitKey)), limits.maxRunningPerKey, limits.ratePerKey, nowMs);
    this.rateRefused ||= key === 'rate';
    return key === 'open' ? 'go' : 'key-closed';
  }

  /** True if a rate refused a task since the last call: the caller aims its timer at {@link nextOpeningMs}. */
  takeRateRefused(): boolean {
    const refused = this.rateRefused;
    this.rateRefused = false;
    return refused;
  }

  /** A task started (it was leased at `nowMs`). */
  started(task: TaskRecord, nowMs: number): void {
    const limits = this.limitsOf(task.queue);
    const queue = groupIn(this.queues, task.queue);
    queue.running++;
    if (limits.rate?.count) queue.starts.add(nowMs);
    if (task.limitKey === undefined) return;
    const key = groupIn(this.keys, keyOf(task.queue, task.limitKey));
    key.running++;
    if (!limits.ratePerKey?.count) return;
    key.starts.add(nowMs);
    // Held tasks wait for this window now: the timer must wake when it opens.
    if (key.held.length > 0 && key.starts.countIn(limits.ratePerKey, nowMs) >= limits.ratePerKey.count) this.rateRefused = true;
  }

  /**
   * A started task's lease ended. Its queue is announced if a limit held it closed; the tasks its
   * key held that now have room are returned, to go back to their line.
   */
  ended(task: TaskRecord, nowMs: number): readonly PlacedEntry[] {
    const limits = this.limitsOf(task.queue);
    const queue = this.queues.get(task.queue);
    if (queue) {
      queue.running--;
      if (limits.maxRunning > 0 && queue.running === limits.maxRunning - 1) this.woken.add(task.queue);
    }
    if (task.limitKey === undefined) return NONE;
    const name = keyOf(task.queue, task.limitKey);
    const key = this.keys.get(name);
    if (!key) return NONE;
    key.running--;
    const released = this.release(key, limits, nowMs);
    if (released.length > 0) this.woken.add(task.queue);
    if (key.running === 0 && key.held.length === 0 && !limits.ratePerKey?.count) this.keys.delete(name);
    return released;
  }

  /** Holds a task aside until its key has room (see the file's comment). */
  hold(entry: PlacedEntry, limitKey: string): void {
    this.heldThisLease++;
    const held = groupIn(this.keys, keyOf(entry.queue, limitKey)).held;
    // Nearly always the back: tasks come out of their line in order.
    let at = held.length;
    while (at > 0 && held[at - 1]!.seq > entry.seq) at--;
    held.splice(at, 0, entry);
  }

  /**
   * The held tasks that may go back to their line at `nowMs`: those of keys whose rate window
   * moved on (the due timer calls this at {@link nextOpeningMs}). Their queues are announced.
   */
  releaseDue(nowMs: number): PlacedEntry[] {
    const released: PlacedEntry[] = [];
    for (const [name, key] of this.keys) {
      if (key.held.length === 0) continue;
      const back = this.release(key, this.limitsOf(queueOf(name)), nowMs);
      if (back.length > 0) this.woken.add(queueOf(name));
      for (const entry of back) released.push(entry);
    }
    for (const [queue, group] of this.queues) {
      const rate = this.limitsOf(queue).rate;
      if (rate?.count && group.starts.countIn(rate, nowMs) < rate.count) this.woken.add(queue);
    }
    return released;
  }

  /** Every task `queue`'s keys hold (its limits changed: each is judged again when taken). */
  releaseQueue(queue: string): PlacedEntry[] {
    let released: PlacedEntry[] = [];
    for (const [name, key] of this.keys) {
      if (queueOf(name) !== queue || key.held.length === 0) continue;
      released = released.concat(key.held);
      key.held = [];
    }
    this.woken.add(queue);
    return released;
  }

  /**
   * The earliest steady time at which a full rate window opens for a queue or key that has tasks
   * waiting on it, or undefined. `hasReady` tells whether a queue has tasks in line.
   */
  nextOpeningMs(nowMs: number, hasReady: (queue: string) => boolean): number | undefined {
    let earliest = Infinity;
    for (const [queue, group] of this.queues) {
      const rate = this.limitsOf(queue).rate;
      if (rate?.count && hasReady(queue) && group.starts.countIn(rate, nowMs) >= rate.count) earliest = Math.min(earliest, group.starts.opensAt(rate));
    }
    for (const [name, key] of this.keys) {
      const rate = this.limitsOf(queueOf(name)).ratePerKey;
      if (rate?.count && key.held.length > 0 && key.starts.countIn(rate, nowMs) >= rate.count) earliest = Math.min(earliest, key.starts.opensAt(rate));
    }
    return earliest === Infinity ? undefined : earliest;
  }

  /** The queues opened since the last call, for the broker to wake their waiting workers. */
  takeWoken(): string[] {
    if (this.woken.size === 0) return [];
    const queues = [...this.woken];
    this.woken.clear();
    return queues;
  }

  /** The tasks held for the keys of `queue` (of every queue without one), in no order: for listings and purges. */
  held(queue?: string): PlacedEntry[] {
    let held: PlacedEntry[] = [];
    for (const [name, key] of this.keys) if (queue === undefined || queueOf(name) === queue) held = held.concat(key.held);
    return held;
  }

  /**
   * Takes from the front of a key's held tasks as many as its limits let start now, dropping
   * stale ones on the way (they would take the room of live ones).
   */
  private release(key: Group, limits: QueueLimits, nowMs: number): PlacedEntry[] {
    let room = Infinity;
    if (limits.maxRunningPerKey > 0) room = limits.maxRunningPerKey - key.running;
    const rate = limits.ratePerKey;
    if (rate?.count) room = Math.min(room, rate.count - key.starts.countIn(rate, nowMs));
    const released: PlacedEntry[] = [];
    let taken = 0;
    while (taken < key.held.length && released.length < room) {
      const entry = key.held[taken++]!;
      if (this.isWaiting(entry)) released.push(entry);
    }
    key.held.splice(0, taken);
    // The rate keeps some back: the timer must wake when its window opens.
    if (key.held.length > 0 && rate?.count && released.length === room) this.rateRefused = true;
    return released;
  }

  /** Takes a held task out (it was cancelled or purged); false if the gate does not hold it. */
  unhold(task: TaskRecord): boolean {
    if (task.limitKey === undefined) return false;
    const held = this.keys.get(keyOf(task.queue, task.limitKey))?.held;
    const at = held ? held.findIndex((entry) => entry.seq === task.seq) : -1;
    if (at < 0) return false;
    held!.splice(at, 1);
    return true;
  }
}

/** Whether a group may start one more task, or which of its limits is reached. */
function isOpen(group: Group | undefined, maxRunning: number, rate: RateLimit | undefined, nowMs: number): 'open' | 'running' | 'rate' {
  if (!group) return 'open';
  if (maxRunning > 0 && group.running >= maxRunning) return 'running';
  return !rate?.count || group.starts.countIn(rate, nowMs) < rate.count ? 'open' : 'rate';
}

function groupIn(groups: Map<string, Group>, name: string): Group {
  let group = groups.get(name);
  if (!group) groups.set(name, (group = { running: 0, starts: new StartLog(), held: [] }));
  return group;
}

/** A key's name in the gate: its queue and key (names hold no NUL: validated at the edge). */
function keyOf(queue: string, limitKey: string): string {
  return `${queue}\u0000${limitKey}`;
}

function queueOf(keyName: string): string {
  return keyName.slice(0, keyName.indexOf('\u0000'));
}
