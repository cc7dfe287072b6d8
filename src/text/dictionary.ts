/**
 * A server's word replacements. Plain strings only, never user regex (ReDoS): every entry is escaped and all of
 * them form one alternation tried longest first, so one pass replaces each match once and never rescans output.
 */
import { neutraliseMarkup } from './markup.js';
import type { CompiledDictionary, DictionaryEntry } from './types.js';
import { codePointLength, removeInvisible, removeLoneSurrogates } from './unicode.js';

/** Most entries a server may have; entries past it are ignored. */
export const MAX_DICTIONARY_ENTRIES = 200;
/** Longest `from` and longest `to`, in code points. */
export const MAX_DICTIONARY_TEXT_LENGTH = 100;

const REGEX_SPECIAL = /[.*+?^${}()|[\]\\]/g;
const WORD_CLASS = '[\\p{L}\\p{N}\\p{M}_]';
const WORD_START = new RegExp(`^${WORD_CLASS}`, 'u');
const WORD_END = new RegExp(`${WORD_CLASS}$`, 'u');
const SPACES = /\s+/g;
const UNSAFE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\u2028\u2029]/u;

/**
 * Why an entry cannot be stored, as a message for the user, or null when it is fine. An empty `to` is allowed
 * (the word is removed). '/' is refused because MiniMax's pronunciation_dict writes entries as "from/to".
 */
export function validateDictionaryEntry(from: string, to: string): string | null {
  const cleanFrom = from.trim();
  if (cleanFrom === '') return 'The word to replace is empty.';
  for (const [label, value] of [['word to replace', cleanFrom], ['replacement', to.trim()]] as const) {
    if (codePointLength(value) > MAX_DICTIONARY_TEXT_LENGTH) {
      return `The ${label} is longer than ${String(MAX_DICTIONARY_TEXT_LENGTH)} characters.`;
    }
    if (value.includes('/')) return `The ${label} contains '/', which the speech service uses as a separator.`;
    if (UNSAFE.test(value)) return `The ${label} contains invisible or control characters.`;
  }
  return null;
}

function normaliseFrom(from: string): string {
  return from.trim().replace(SPACES, ' ').normalize('NFC');
}

function cleanTo(to: string, allowSpecialMarkup: boolean): string {
  const text = removeInvisible(removeLoneSurrogates(to)).replace(SPACES, ' ').trim().normalize('NFC');
  return allowSpecialMarkup ? text : neutraliseMarkup(text).replace(SPACES, ' ').trim();
}

/**
 * The usable entries: valid ones, duplicates of an earlier `from` (any case) dropped, at most
 * MAX_DICTIONARY_ENTRIES, `from` trimmed with inner spaces collapsed, `to` cleaned.
 */
function usableEntries(entries: readonly DictionaryEntry[], allowSpecialMarkup: boolean): DictionaryEntry[] {
  const seen = new Set<string>();
  const out: DictionaryEntry[] = [];
  for (const entry of entries.slice(0, MAX_DICTIONARY_ENTRIES)) {
    if (validateDictionaryEntry(entry.from, entry.to) !== null) continue;
    const from = normaliseFrom(entry.from);
    const key = from.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ from, to: cleanTo(entry.to, allowSpecialMarkup) });
  }
  return out;
}

/** A literal pattern for `from`: metacharacters escaped, spaces matching any run of whitespace. */
function patternFor(from: string): string {
  return `(${from.replace(REGEX_SPECIAL, '\\$&').replace(/ /g, '\\s+')})`;
}

/**
 * Word boundaries shared by all entries (per-entry lookarounds make V8 take ~0.5 s to compile 200 entries).
 * Before: the previous character is not a word character, or the entry starts with a non-word character (then
 * the next character is one). After: likewise. An end that is not a word character needs no boundary, so
 * ":)" matches in "hi:)".
 */
const BEFORE = `(?:(?<!${WORD_CLASS})|(?!${WORD_CLASS}))`;
const AFTER = `(?:(?!${WORD_CLASS})|(?<!${WORD_CLASS}))`;

/**
 * Prepares `entries` for repeated use. Matching is case-insensitive, on word boundaries (for ends that are word
 * characters), longest `from` first. Replacements are neutralised (no pause markers or interjection tags)
 * unless `allowSpecialMarkup`.
 */
export function compileDictionary(
  entries: readonly DictionaryEntry[],
  options: { allowSpecialMarkup?: boolean } = {},
): CompiledDictionary {
  const usable = usableEntries(entries, options.allowSpecialMarkup === true);
  usable.sort((a, b) => codePointLength(b.from) - codePointLength(a.from));
  if (usable.length === 0) return { size: 0, apply: (text) => text };
  const regex = new RegExp(`${BEFORE}(?:${usable.map((e) => patternFor(e.from)).join('|')})${AFTER}`, 'giu');
  const replacements = usable.map((e) => e.to);
  return {
    size: usable.length,
    apply(text: string): string {
      return text.replace(regex, (...args: unknown[]) => {
        // args: match, one capture per entry, offset, whole string.
        const match = args[0] as string;
        const offset = args[replacements.length + 1] as number;
        const index = args.findIndex((arg, i) => i > 0 && i <= replacements.length && arg !== undefined);
        const words = index === -1 ? match : (replacements[index - 1] ?? '');
        // A replacement glued to a neighbouring word ("nice:)" -> "nice smile") gets a space.
        const end = offset + match.length;
        const glued = (left: string, right: string): boolean => WORD_END.test(left) && WORD_START.test(right);
        const before = glued(text.slice(Math.max(0, offset - 2), offset), words) ? ' ' : '';
        const after = glued(words, text.slice(end, end + 2)) ? ' ' : '';
        return before + words + after;
      });
    },
  };
}

/** `text` with `entries` applied once (see compileDictionary). */
export function applyDictionary(
  text: string,
  entries: readonly DictionaryEntry[],
  options: { allowSpecialMarkup?: boolean } = {},
): string {
  return compileDictionary(entries, options).apply(text);
}

/**
 * Entries as MiniMax `pronunciation_dict.tone` strings ("from/to"). Invalid entries, entries past the cap and
 * entries with an empty replacement are left out.
 */
export function toPronunciationDict(
  entries: readonly DictionaryEntry[],
  options: { allowSpecialMarkup?: boolean } = {},
): string[] {
  return usableEntries(entries, options.allowSpecialMarkup === true)
    .filter((e) => e.to !== '' && !e.to.includes('/'))
    .map((e) => `${e.from}/${e.to}`);
}
