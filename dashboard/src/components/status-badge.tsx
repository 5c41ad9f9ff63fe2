/** A task status as a coloured label (the colours are in style.css, one per status). */
import type { TaskStatus } from '../types.js';

/** The status `status`, labelled for tests and screen readers by `data-status`. */
export function StatusBadge({ status }: { status: TaskStatus }) {
  return (
    <span class={`status status-${status}`} data-status={status}>
      {status}
    </span>
  );
}
