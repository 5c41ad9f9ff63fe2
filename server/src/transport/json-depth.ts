/**
 * How deeply a JSON text nests, found by one byte scan. The broker stores JSON byte for byte and
 * only checks it; a nesting it accepts must also
 * parse in every worker, and the usual decoders stop early: Python's `json.loads` raises
 * RecursionError near its recursion limit (1000 frames, fewer inside a worker's call stack), Go's
 * `encoding/json` refuses more than 10,000 levels.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/** The default of `--max-json-depth`: Python's decoder parses 512 levels with ~480 frames to spare. */
export const DEFAULT_MAX_JSON_DEPTH = 512;

/**
 * True if `bytes`, a UTF-8 JSON text, opens more than `maxDepth` arrays and objects inside one
 * another (`[]` is depth 1, a scalar depth 0). Brackets inside strings do not count; every byte of
 * a multi-byte UTF-8 character is ≥ 0x80, so none is taken for a bracket or a quote. Stops at the
 * first level too deep. The scanner (`json-scan.ts`) measures the depth of a valid text itself;
 * this runs for a refused one, so that text too deep is refused as such, whatever else is wrong.
 */
export function jsonNestsDeeperThan(bytes: Uint8Array, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > maxDepth) return true;
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}
