import { IllegalTransitionError } from '../errors.js';
import type { TaskRecord } from '../task.js';
import { allowsFrom, type TransitionName } from './table.js';

/**
 * Returns `before` if {@link TRANSITIONS}' row `name` may start from its status; every
 * transition function goes through here first, so none can move a task the table does not list.
 *
 * @param message - the refusal a client reads, where the refusal is theirs to read (cancel)
 * @throws IllegalTransitionError otherwise
 */
export function mayMove(name: TransitionName, before: TaskRecord, message?: string): TaskRecord {
  if (allowsFrom(name, before.status)) return before;
  throw new IllegalTransitionError(
    name,
    before.status,
    message ?? `task ${before.id} cannot ${name} from status ${before.status}`,
  );
}
