/**
 * Cutting text by code points without splitting a surrogate pair or, where Intl.Segmenter can tell cheaply, a
 * grapheme or a word. `Segments.containing(i)` finds the unit around one index without walking the whole text.
 */
import { codePointLength, codePointOffset } from './unicode.js';

/** Said after a message cut to the length limit. */
export const TRUNCATION_SUFFIX = ', and more';

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const words = new Intl.Segmenter(undefined, { granularity: 'word' });

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** `index` moved back by one if it would split a surrogate pair (forward when that would give 0). */
function surrogateSafe(text: string, index: number): number {
  if (index <= 0 || index >= text.length) return Math.max(0, Math.min(index, text.length));
  if (!isHighSurrogate(text.charCodeAt(index - 1))) return index;
  return index - 1 > 0 ? index - 1 : index + 1;
}

/**
 * The largest UTF-16 index <= `index` that does not split a grapheme, but never 0 for a positive `index`: inside
 * a grapheme that starts the text, the cut falls back to the nearest index that does not split a surrogate pair.
 */
export function graphemeBoundaryBefore(text: string, index: number): number {
  if (index <= 0) return 0;
  if (index >= text.length) return text.length;
  const segment = graphemes.segment(text).containing(index);
  if (segment !== undefined && segment.index > 0) return segment.index;
  return surrogateSafe(text, index);
}

/** The start of the word containing `index` when `index` falls inside a word, else `index`. */
export function wordBoundaryBefore(text: string, index: number): number {
  if (index <= 0 || index >= text.length) return index;
  const segment = words.segment(text).containing(index);
  return segment !== undefined && segment.isWordLike === true ? segment.index : index;
}

/** The first `maxCodePoints` code points of `text`, shortened so that no grapheme is split. */
export function cutToCodePoints(text: string, maxCodePoints: number): string {
  if (maxCodePoints <= 0) return '';
  return text.slice(0, graphemeBoundaryBefore(text, codePointOffset(text, maxCodePoints)));
}

/** `text` without trailing spaces and the punctuation a cut leaves dangling. Linear (no regex backtracking). */
function trimDangling(text: string): string {
  let end = text.length;
  while (end > 0 && ' \n,;:.-–—'.includes(text.charAt(end - 1))) end--;
  return text.slice(0, end);
}

/**
 * Fits `text` into `maxLength` code points. Longer text (or any text when `alreadyCut`, i.e. the caller dropped
 * input) is cut at a word boundary when one lies in the last 40% of the room, else at a grapheme boundary, and
 * `suffix` is appended. When `maxLength` leaves no room for the suffix, the text is only cut.
 */
export function truncateSpeech(text: string, maxLength: number, alreadyCut = false, suffix = TRUNCATION_SUFFIX): string {
  const length = codePointLength(text);
  if (length <= maxLength && !alreadyCut) return text;
  const suffixLength = codePointLength(suffix);
  if (maxLength < suffixLength * 2) return cutToCodePoints(text, maxLength);
  const budget = maxLength - suffixLength;
  let cut = graphemeBoundaryBefore(text, codePointOffset(text, budget));
  if (cut < text.length) {
    const word = wordBoundaryBefore(text, cut);
    if (word >= cut * 0.6) cut = word;
  }
  const head = trimDangling(text.slice(0, cut));
  return head === '' ? cutToCodePoints(text, maxLength) : head + suffix;
}
