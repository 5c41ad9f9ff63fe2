import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ABORT, open, type Database, type RootDatabase } from 'lmdb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Committer, DEFERRED_COMMIT_MS, LONE_WRITE_MAX_BYTES, type Durability } from './commits.js';
import { DiskFullError, DiskSpaceGuard } from './disk-space.js';

let dir: string;
let env: RootDatabase;
let db: Database<string, string>;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'qtasks-commits-'));
  // As the store opens it (see task-store.ts).
  env = open({ path: dir, noSubdir: false, maxDbs: 2, eventTurnBatching: false });
  db = env.openDB<string, string>('t', {});
});

afterEach(async () => {
  await env.close();
  await rm(dir, { recursive: true, force: true });
});

function committer(durability: Durability = 'commit'): Committer {
  return new Committer(env, durability, new DiskSpaceGuard(dir, 0, undefined, () => performance.now()));
}

/** A small write: it may commit synchronously. */
const small = { bytes: 100 };

/** Counts the synchronous commits (`transactionSync`) made from now on. */
const syncCommits = (): { readonly calls: unknown[] } => vi.spyOn(env, 'transactionSync').mock;

/** Resolves after the current turn of the event loop (its immediates included). */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
/** Resolves once `commits` may commit synchronously again: the duty window after its last synchronous commit is over. */
const syncWindowOver = async (commits: Committer): Promise<void> => {
  const until = (commits as unknown as { syncDuty: { allowsFromMs: number } }).syncDuty.allowsFromMs;
  // A timer may fire before its delay by the clock performance.now() reads (libuv times it from
  // the loop's cached start of iteration, stale by a long iteration on a loaded machine): wait
  // until the clock the committer reads has passed the window.
  while (performance.now() < until) await new Promise((resolve) => setTimeout(resolve, Math.max(1, until - performance.now() + 1)));
  await nextTurn();
};

describe('Committer', () => {
  it.each(['commit', 'strict'] as const)('commits a lone write synchronously at the end of its turn, on disk (%s)', async (durability) => {
    const commits = committer(durability);
    const sync = syncCommits();
    const written = commits.write(1, () => db.put('a', '1'), small);
    // Not written yet: the turn's other work (replies it sends) goes first. Not counted either:
    // it commits before the turn's I/O can add more.
    expect(commits.pendingWrites).toBe(0);
    expect(db.get('a')).toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    // Committed synchronously: no hop to the writer thread.
    expect(sync.calls).toHaveLength(1);
    expect(db.get('a')).toBe('1');
    await written;
    expect(commits.pendingWrites).toBe(0);
  });

  it.each([
    ['of unknown size', {}],
    ['over the size limit', { bytes: LONE_WRITE_MAX_BYTES + 1 }],
  ])('batches a lone write %s (a big synchronous commit would block the event loop)', async (_, options) => {
    const commits = committer();
    const sync = syncCommits();
    const written = commits.write(1, () => db.put('a', '1'), options);
    expect(db.get('a')).toBeUndefined();
    await written;
    expect(sync.calls).toHaveLength(0);
    expect(db.get('a')).toBe('1');
  });

  it('flushed() waits for the writes queued for the end of the turn (a store closing does not leave them behind)', async () => {
    const commits = committer();
    const written = commits.write(1, () => db.put('a', '1'), small);
    await commits.flushed();
    expect(db.get('a')).toBe('1');
    await written;
  });

  it('small writes issued in the same turn share one synchronous commit (group commit on the main thread)', async () => {
    const commits = committer();
    const sync = syncCommits();
    const writes = Array.from({ length: 50 }, (_, i) => commits.write(1, () => db.put(`k${i}`, String(i)), small));
    await Promise.all(writes);
    expect(sync.calls).toHaveLength(1);
    expect(db.get('k0')).toBe('0');
    expect(db.get('k49')).toBe('49');
    expect(commits.pendingWrites).toBe(0);
  });

  it('sends the writes of a turn past the size limit of a synchronous commit to the writer thread, all of them', async () => {
    const commits = committer();
    const sync = syncCommits();
    const third = { bytes: Math.floor(LONE_WRITE_MAX_BYTES / 3) + 1 };
    const writes = Array.from({ length: 3 }, (_, i) => commits.write(1, () => db.put(`k${i}`, String(i)), third));
    // The third does not fit: it goes to lmdb-js's writer thread, and the two queued for the end of
    // the turn join it there rather than block the event loop for a commit of their own.
    await Promise.all(writes);
    expect(sync.calls).toHaveLength(0);
    expect([db.get('k0'), db.get('k1'), db.get('k2')]).toEqual(['0', '1', '2']);
  });

  it('bodies run in the order the writes were issued, when a later write of the turn goes to the writer thread', async () => {
    const commits = committer();
    const order: string[] = [];
    const writes = [
      commits.write(1, () => order.push('a'), small),
      commits.write(1, () => order.push('big'), { bytes: LONE_WRITE_MAX_BYTES + 1 }),
      commits.write(1, () => order.push('c'), small),
    ];
    await Promise.all(writes);
    expect(order).toEqual(['a', 'big', 'c']);
  });

  it('a deferred write waits past its turn for the next write, and commits in the same synchronous commit as it', async () => {
    const commits = committer();
    const sync = syncCommits();
    const deferred = commits.write(1, () => db.put('a', '1'), { ...small, deferred: true });
    await nextTurn();
    expect(db.get('a')).toBeUndefined();
    expect(sync.calls).toHaveLength(0);
    await commits.write(1, () => db.put('b', '2'), small);
    await deferred;
    expect(sync.calls).toHaveLength(1);
    expect([db.get('a'), db.get('b')]).toEqual(['1', '2']);
  });

  it('a deferred write that no other write carries commits alone within DEFERRED_COMMIT_MS', async () => {
    const commits = committer();
    const sync = syncCommits();
    const issuedMs = performance.now();
    await commits.write(1, () => db.put('a', '1'), { ...small, deferred: true });
    expect(performance.now() - issuedMs).toBeGreaterThanOrEqual(DEFERRED_COMMIT_MS - 1);
    expect(sync.calls).toHaveLength(1);
    expect(db.get('a')).toBe('1');
  });

  it('a background write carries the deferred writes before it to the writer thread, in order, and flushed() does not wait for their timer', async () => {
    const commits = committer();
    const sync = syncCommits();
    const order: string[] = [];
    const writes = [commits.write(1, () => order.push('deferred'), { ...small, deferred: true })];
    await nextTurn();
    writes.push(commits.write(1, () => order.push('background'), { ...small, background: true }));
    await Promise.all(writes);
    await commits.flushed();
    expect(order).toEqual(['deferred', 'background']);
    expect(sync.calls).toHaveLength(0);
  });

  it('when the commit of a turn fails, a write whose body had refused keeps its own error; the others get the disk error', async () => {
    const commits = committer();
    const real = env.transactionSync.bind(env);
    // The commit runs the bodies, then fails as a full map would (and stores nothing).
    vi.spyOn(env, 'transactionSync').mockImplementationOnce((callback: () => unknown) => {
      real(() => {
        callback();
        return ABORT;
      });
      throw Object.assign(new Error('MDB_MAP_FULL: Environment mapsize limit reached'), { code: -30792 });
    });
    const refused = commits.write(
      1,
      () => {
        throw new Error('refused by its own rules');
      },
      small,
    );
    const stored = commits.write(1, () => db.put('a', '1'), small);
    await expect(refused).rejects.toThrow('refused by its own rules');
    await expect(stored).rejects.toBeInstanceOf(DiskFullError);
    expect(db.get('a')).toBeUndefined();
  });

  it('a write of the turn that throws rolls back its own writes only; the others of its commit stay', async () => {
    const commits = committer();
    const kept = commits.write(1, () => db.put('kept', 'yes'), small);
    const refused = commits.write(
      1,
      () => {
        db.put('lost', 'no');
        throw new Error('refused');
      },
      small,
    );
    await expect(refused).rejects.toThrow('refused');
    await kept;
    expect(db.get('kept')).toBe('yes');
    expect(db.get('lost')).toBeUndefined();
  });

  it('commits a lone write synchronously again once the last synchronous commit is far enough behind', async () => {
    const commits = committer();
    await Promise.all([commits.write(1, () => db.put('a', '1'), small), commits.write(1, () => db.put('b', '2'), small)]);
    await syncWindowOver(commits);
    const sync = syncCommits();
    await commits.write(1, () => db.put('c', '3'), small);
    expect(sync.calls).toHaveLength(1);
  });

  it('joins the async batch while one is in flight, even in a new turn', async () => {
    const commits = committer();
    await commits.write(1, () => db.put('a', '1'), small);
    await syncWindowOver(commits);
    const issued = commits.write(1, () => db.put('b', '2')); // size unknown: the batched path
    expect(db.get('b')).toBeUndefined();
    await nextTurn();
    const joined = commits.write(1, () => db.put('c', '3'), small);
    expect(db.get('c')).toBeUndefined();
    await Promise.all([issued, joined]);
    expect(db.get('c')).toBe('3');
  });

  it('rolls back only the writes of a body that throws, on the synchronous path', async () => {
    const commits = committer();
    await commits.write(1, () => db.put('kept', 'yes'), small);
    await syncWindowOver(commits);
    await expect(
      commits.write(
        2,
        () => {
          db.put('lost', 'no');
          throw new Error('refused');
        },
        small,
      ),
    ).rejects.toThrow('refused');
    expect(db.get('lost')).toBeUndefined();
    expect(db.get('kept')).toBe('yes');
    expect(commits.pendingWrites).toBe(0);
    // The environment takes the next write.
    await syncWindowOver(commits);
    await commits.write(1, () => db.put('next', 'ok'), small);
    expect(db.get('next')).toBe('ok');
  });

  it('rolls back only the writes of a body that throws, on the batched path', async () => {
    const commits = committer();
    void commits.write(1, () => db.put('first', '1'), small); // the lone write; the next two batch
    const good = commits.write(1, () => db.put('good', '1'), small);
    const bad = commits.write(
      1,
      () => {
        db.put('bad', '1');
        throw new Error('refused');
      },
      small,
    );
    await expect(bad).rejects.toThrow('refused');
    await good;
    expect(db.get('good')).toBe('1');
    expect(db.get('bad')).toBeUndefined();
  });

  it('durable() resolves after a synchronous commit in strict mode, and the write survives a reopen', async () => {
    const commits = committer('strict');
    await commits.write(1, () => db.put('a', '1'), small);
    await commits.durable();
    await env.close();
    env = open({ path: dir, noSubdir: false, maxDbs: 2, eventTurnBatching: false });
    db = env.openDB<string, string>('t', {});
    expect(db.get('a')).toBe('1');
  });
});
