/** A fixture of the core's tests (not part of the build: see server/tsconfig.json). */
import type { NewTask } from '../domain/task.js';

/** A valid NewTask in `queue`: ready at once, no retries, no time limit, empty args. */
export function newTask(queue = 'q'): NewTask {
  return {
    name: 'job',
    queue,
    priority: 0,
    args: Buffer.from('[]'),
    kwargs: Buffer.from('{}'),
    maxRetries: 0,
    backoff: { initialMs: 1000, multiplier: 2, maxMs: 100_000 },
    maxTimeMs: 0,
    delayMs: 0,
    tags: [],
    metadata: {},
  };
}
