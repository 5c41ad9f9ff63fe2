/** A JSON value shown as indented text (see json-text.ts), or a dash when absent. */
import { indentJson } from '../json-text.js';

/** Shows the JSON text `text` under `label`. */
export function JsonBlock({ label, text }: { label: string; text: string | null }) {
  return (
    <section class="json-block">
      <h3>{label}</h3>
      {text === null ? <p class="muted">—</p> : <pre data-field={label.toLowerCase()}>{indentJson(text)}</pre>}
    </section>
  );
}
