/**
 * Unicode hygiene for text sent to MiniMax: unpaired surrogates, control and invisible characters, zalgo,
 * normalisation. MiniMax refuses a text whose invisible characters exceed 10% (status 1042), so everything
 * that renders as nothing is removed here rather than counted.
 */

/** Most combining marks kept on one base character: zalgo is cut, Devanagari (nukta + vowel sign + anusvara) survives. */
export const MAX_COMBINING_MARKS = 3;

/** Unpaired UTF-16 surrogates (in `u` mode `\p{Cs}` matches only unpaired halves). */
const LONE_SURROGATE = /\p{Cs}/gu;
/** Every line break Unicode knows, plus vertical tab and form feed. */
const LINE_BREAK = /\r\n|[\r\v\f\u0085\u2028\u2029]/g;
/** Space separators other than U+0020 (NBSP, en/em spaces, ideographic space...) and tabs. */
const ODD_SPACE = /[\t\p{Zs}]/gu;

/**
 * Characters that render as nothing or cannot be spoken: controls other than \n, format characters (ZWSP, ZWJ,
 * LRM/RLM, bidi embeddings, overrides and isolates, word joiner, invisible operators, BOM, tag characters...),
 * default-ignorable code points (soft hyphen, variation selectors, combining grapheme joiner, Hangul fillers,
 * Khmer inherent vowels, Mongolian selectors), the Braille blank, private-use and unassigned code points,
 * U+FFFC and U+FFFD.
 */
const INVISIBLE = /[^\P{Cc}\n]|[\p{Cf}\p{Co}\p{Cn}\p{Default_Ignorable_Code_Point}\u2800\uFFFC\uFFFD]/gu;
const INVISIBLE_TEST = new RegExp(INVISIBLE.source, 'u');

/** A run of combining marks longer than MAX_COMBINING_MARKS (the excess is dropped). */
const MARK_FLOOD = new RegExp(`(\\p{M}{${MAX_COMBINING_MARKS}})\\p{M}+`, 'gu');

/** Removes unpaired surrogate halves (a paired surrogate is one code point and kept). */
export function removeLoneSurrogates(text: string): string {
  return text.replace(LONE_SURROGATE, '');
}

/** Turns every line break into \n and every other kind of space (tab, NBSP, em space...) into U+0020. */
export function normaliseSpaces(text: string): string {
  return text.replace(LINE_BREAK, '\n').replace(ODD_SPACE, ' ');
}

/** Removes control (except \n), format and other invisible characters; see INVISIBLE above for the list. */
export function removeInvisible(text: string): string {
  return text.replace(INVISIBLE, '');
}

/** Keeps at most MAX_COMBINING_MARKS combining marks after each base character (zalgo text). */
export function capCombiningMarks(text: string): string {
  return text.replace(MARK_FLOOD, '$1');
}

/** True when `char` (one code point) is one of the characters removeInvisible strips. */
export function isInvisible(char: string): boolean {
  return INVISIBLE_TEST.test(char);
}

/** Share of code points in `text` that removeInvisible would strip (0 for an empty text). */
export function invisibleRatio(text: string): number {
  let total = 0;
  let invisible = 0;
  for (const char of text) {
    total++;
    if (isInvisible(char)) invisible++;
  }
  return total === 0 ? 0 : invisible / total;
}

/** Number of code points in `text` (a surrogate pair counts once). */
export function codePointLength(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--;
        i++;
      }
    }
  }
  return count;
}

/** UTF-16 index just after the first `count` code points of `text` (text.length when it is shorter). */
export function codePointOffset(text: string, count: number): number {
  let index = 0;
  for (let seen = 0; seen < count && index < text.length; seen++) {
    const code = text.charCodeAt(index);
    const next = text.charCodeAt(index + 1);
    index += code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
  }
  return index;
}

/** True when `text` contains an unpaired surrogate half. */
export function hasLoneSurrogate(text: string): boolean {
  return /\p{Cs}/u.test(text);
}
