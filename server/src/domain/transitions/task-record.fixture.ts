/** A fixture of the transitions' tests (not part of the build: see server/tsconfig.json). */
import type { NewTask, TaskRecord } from '../task.js';
import type { TransitionContext } from './context.js';

/**
 * A context whose wall and steady clocks differ by an hour, as after a wall-clock step, so a test
 * can tell which clock a time was taken from. `nextSeq` counts up from `seq`.
 */
export function context(nowMs = 10_000_000, steadyMs = nowMs - 3_600_000, seq = 100): TransitionContext & { seqs: number } {
  const at = {
    nowMs,
    steadyMs,
    seqs: 0,
    nextSeq: () => {
      at.seqs++;
      return ++seq;
    },
  };
  return at;
}

/** A valid NewTask: ready at once, two retries, no time limit. */
export function newTask(overrides: Partial<NewTask> = {}): NewTask {
  return {
    name: 'job',
    queue: 'q',
    priority: 0,
    args: Buffer.from('[]'),
    kwargs: Buffer.from('{}'),
    maxRetries: 2,
    backoff: { initialMs: 1000, multiplier: 2, maxMs: 100_000 },
    maxTimeMs: 0,
    delayMs: 0,
    tags: [],
    metadata: {},
    ...overrides,
  };
}

/**
 * A well-formed record in `status`: a PROCESS record holds a lease (token `t1`, deadline 5 s
 * ahead of steady time 0), a final one has `finishedAtMs`, a waiting one is ready.
 */
export function taskRecord(status: TaskRecord['status'], overrides: Partial<TaskRecord> = {}): TaskRecord {
  const running = status === 'process';
  const ended = status === 'success' || status === 'error' || status === 'cancel';
  return {
    id: 'task-1',
    name: 'job',
    queue: 'q',
    priority: 0,
    args: Buffer.from('[]'),
    kwargs: Buffer.from('{}'),
    status,
    attempt: status === 'new' ? 0 : 1,
    maxRetries: 2,
    backoff: { initialMs: 1000, multiplier: 2, maxMs: 100_000 },
    maxTimeMs: 0,
    createdAtMs: 1_000,
    updatedAtMs: 1_000,
    runAtMs: 1_000,
    delayed: false,
    seq: 7,
    cancelRequested: false,
    tags: [],
    metadata: {},
    version: 3,
    ...(running ? { workerId: 'w1', startedAtMs: 1_000, lease: { token: 't1', deadlineMs: 5_000, leaseMs: 5_000 } } : {}),
    ...(ended ? { finishedAtMs: 1_000 } : {}),
    ...overrides,
  };
}
