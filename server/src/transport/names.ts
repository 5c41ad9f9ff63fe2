/**
 * Names that identify something (a queue, a task name, an idempotency key, a tag, a worker id, a
 * metadata key, an error type, a lease token) are compared as strings by the store. Two strings
 * that render the same must therefore be the same string, or an NFD producer's queue is never met
 * by an NFC worker, and a name with a right-to-left override shows in logs as another name:
 *
 * - every name is normalized to Unicode NFC (canonical composition), the form most text already
 *   comes in (macOS file names and some input methods produce NFD);
 * - characters that render as nothing or reorder text are refused: controls (Cc), format
 *   characters (Cf: zero-width space and joiners, bidi embeddings, overrides and isolates, the
 *   BOM, soft hyphen, invisible operators, tag characters), line and paragraph separators, and the
 *   rest of Unicode's Default_Ignorable_Code_Point set (variation selectors, Hangul fillers, the
 *   combining grapheme joiner).
 *
 * NFC, not NFKC: compatibility folding would also merge fullwidth `ｑ` into `q`, `ﬁ` into `fi`
 * and `²` into `2`, changing names their owners typed on purpose (fullwidth forms are ordinary in
 * CJK text); fullwidth letters stay distinct, visibly wider, names. See docs/decisions.md.
 */
import { InvalidArgumentError } from '../domain/errors.js';

/** Characters a name may not hold: invisible, bidi controls, separators (see the module comment). */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;

/** Printable ASCII only: already NFC and free of invisible characters, so the common case costs one test. */
const PLAIN_ASCII = /^[\x20-\x7e]*$/;

/**
 * The NFC form of a name, after refusing invisible and bidi control characters.
 *
 * @param field - the request field, named in the refusal
 * @throws InvalidArgumentError naming the field and the first refused character (as `U+XXXX`)
 */
export function normalizeName(field: string, value: string): string {
  if (PLAIN_ASCII.test(value)) return value;
  const found = INVISIBLE.exec(value);
  if (found) {
    const codePoint = found[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    throw new InvalidArgumentError(field, `must not contain invisible, bidi control or control characters (U+${codePoint} at index ${found.index})`);
  }
  return value.normalize('NFC');
}
