/** The JSON conventions of the wire: `args` a JSON array, `kwargs` a JSON object, results any JSON value. */

const decoder = new TextDecoder();

/**
 * UTF-8 JSON bytes of a value; `undefined` becomes `null`. An error names `what` (followed by
 * `of`, when given: the name is joined to it only for the message, not on every call).
 * @throws TypeError when it cannot be encoded
 */
export function encodeJson(value: unknown, what: string, of?: string): Buffer {
  let text: string | undefined;
  try {
    text = JSON.stringify(value === undefined ? null : value);
  } catch (error) {
    throw new TypeError(`${labelOf(what, of)} is not JSON-serializable: ${(error as Error).message}`);
  }
  if (text === undefined) throw new TypeError(`${labelOf(what, of)} is not JSON-serializable (a ${typeof value})`);
  return Buffer.from(text, 'utf8'); // one copy (TextEncoder, then Buffer.from, made two)
}

/** What {@link encodeJson}'s errors name (module-level: nothing is built per call). */
function labelOf(what: string, of: string | undefined): string {
  return of === undefined ? what : `${what} ${of}`;
}

/** The value of UTF-8 JSON bytes; empty bytes are `fallback`. */
export function decodeJson<T = unknown>(bytes: Uint8Array | undefined, fallback: T): T {
  if (!bytes || bytes.length === 0) return fallback;
  return JSON.parse(decoder.decode(bytes)) as T;
}
