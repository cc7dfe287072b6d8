/**
 * Which language a message is in, decided locally (no network, no model files): the writing system first
 * (kana, hangul, han, cyrillic, arabic, devanagari, thai, greek, hebrew, tamil), then, for Latin script, a score
 * of common short words and telling letters per language. The answer is a MiniMax `language_boost` value.
 * A message too short or too plain to tell is `unsure`; one written in two scripts or two languages is `mixed`.
 */
import type { LanguageBoost } from '../t2a/types.js';
import { LATIN_HINTS, LATIN_STOPWORDS, type LatinLanguage } from './languageData.js';

export type LanguageGuess =
  | { kind: 'language'; language: LanguageBoost }
  /** Too short or too plain to tell (e.g. "ok", "lol", "123"). */
  | { kind: 'unsure' }
  /** Two scripts or two languages, each with real weight. */
  | { kind: 'mixed' };

type Script = 'latin' | 'kana' | 'han' | 'hangul' | 'cyrillic' | 'arabic' | 'devanagari' | 'thai' | 'greek' | 'hebrew' | 'tamil';

const SCRIPTS: readonly [Script, RegExp][] = [
  ['latin', /\p{Script=Latin}/u],
  ['kana', /[\p{Script=Hiragana}\p{Script=Katakana}]/u],
  ['han', /\p{Script=Han}/u],
  ['hangul', /\p{Script=Hangul}/u],
  ['cyrillic', /\p{Script=Cyrillic}/u],
  ['arabic', /\p{Script=Arabic}/u],
  ['devanagari', /\p{Script=Devanagari}/u],
  ['thai', /\p{Script=Thai}/u],
  ['greek', /\p{Script=Greek}/u],
  ['hebrew', /\p{Script=Hebrew}/u],
  ['tamil', /\p{Script=Tamil}/u],
];

/**
 * How much one letter of a script says, roughly a syllable: a han, kana or hangul character is a syllable or a
 * word, an alphabet needs three or four letters for one. Keeps "今日はDiscordで" Japanese.
 */
const WEIGHT: Record<Script, number> = {
  latin: 0.3, kana: 1, han: 1, hangul: 1, cyrillic: 0.3, arabic: 0.4, devanagari: 0.4, thai: 0.4, greek: 0.3, hebrew: 0.4, tamil: 0.4,
};

/** The share of weight the main script needs; below it the message is mixed. */
const DOMINANT_SHARE = 0.75;
/** Less weight than this in all (about two syllables) is too little to tell. */
const MIN_WEIGHT = 1.5;

/** Cantonese written forms that Mandarin does not use. */
const CANTONESE = /[嘅佢咗唔冇喺嚟啲咁嘢乜噉睇]/u;
const PERSIAN = /[پچژگکی]/u;
const UKRAINIAN = /[іїєґ]/iu;
const RUSSIAN_ONLY = /[ыэё]/iu;
const BULGARIAN_HINT = /ъ/iu;
/** Vietnamese: the tone-marked vowels of Latin Extended Additional, and ơ ư đ. */
const VIETNAMESE = /[\u1EA0-\u1EF9ơưđƠƯĐ]/gu;

/** Discord's mentions, custom emoji and timestamps (<...>), links and :emoji_names: say nothing of the language. */
const NOT_WORDS = /<[^<>\n]{0,100}>|https?:\/\/\S+|:[\w~-]{1,40}:/gu;

/** Guesses the language of `text` (a raw message or cleaned text). Pure and fast (one pass). */
export function detectLanguage(raw: string): LanguageGuess {
  const text = raw.replace(NOT_WORDS, ' ');
  const weights = new Map<Script, number>();
  let total = 0;
  for (const char of text) {
    if (!/\p{L}/u.test(char)) continue;
    const script = scriptOf(char);
    if (script === undefined) continue;
    weights.set(script, (weights.get(script) ?? 0) + WEIGHT[script]);
    total += WEIGHT[script];
  }
  if (total < MIN_WEIGHT) return { kind: 'unsure' };
  const kana = weights.get('kana') ?? 0;
  // Japanese writes han and kana together: count them as one script when kana is present.
  if (kana > 0) {
    weights.set('kana', kana + (weights.get('han') ?? 0));
    weights.delete('han');
  }
  const [main, weight] = [...weights.entries()].reduce((a, b) => (b[1] > a[1] ? b : a));
  if (weight / total < DOMINANT_SHARE) return { kind: 'mixed' };
  return byScript(main, text);
}

function scriptOf(char: string): Script | undefined {
  for (const [script, pattern] of SCRIPTS) if (pattern.test(char)) return script;
  return undefined;
}

function byScript(script: Script, text: string): LanguageGuess {
  const language = (l: LanguageBoost): LanguageGuess => ({ kind: 'language', language: l });
  switch (script) {
    case 'kana':
      return language('Japanese');
    case 'hangul':
      return language('Korean');
    case 'han':
      return language(CANTONESE.test(text) ? 'Chinese,Yue' : 'Chinese');
    case 'cyrillic':
      if (UKRAINIAN.test(text)) return language('Ukrainian');
      return language(!RUSSIAN_ONLY.test(text) && BULGARIAN_HINT.test(text) ? 'Bulgarian' : 'Russian');
    case 'arabic':
      return language(PERSIAN.test(text) ? 'Persian' : 'Arabic');
    case 'devanagari':
      return language('Hindi');
    case 'thai':
      return language('Thai');
    case 'greek':
      return language('Greek');
    case 'hebrew':
      return language('Hebrew');
    case 'tamil':
      return language('Tamil');
    case 'latin':
      return latin(text);
  }
}

/** The best Latin-script language must score at least this, and this many times the runner-up. */
const MIN_SCORE = 1.5;
const LEAD = 1.4;
/** Two languages each scoring this much in a message with no clear winner: mixed, not unsure. */
const MIXED_SCORE = 3;

function latin(text: string): LanguageGuess {
  const lower = text.toLowerCase();
  if ((lower.match(VIETNAMESE)?.length ?? 0) >= 2) return { kind: 'language', language: 'Vietnamese' };
  const scores = new Map<LatinLanguage, number>();
  const add = (language: LatinLanguage, points: number): void => {
    scores.set(language, (scores.get(language) ?? 0) + points);
  };
  for (const word of lower.match(/[\p{L}']+/gu) ?? []) {
    for (const language of LATIN_STOPWORDS.get(word) ?? []) add(language, 1);
  }
  for (const char of lower) {
    for (const [language, points] of LATIN_HINTS.get(char) ?? []) add(language, points);
  }
  const ranked = [...scores.entries()].sort((a, b) => b[1] - a[1]);
  const [first, second] = ranked;
  if (first === undefined || first[1] < MIN_SCORE) return { kind: 'unsure' };
  const runnerUp = second?.[1] ?? 0;
  if (first[1] >= LEAD * runnerUp && first[1] > runnerUp) return { kind: 'language', language: first[0] };
  return runnerUp >= MIXED_SCORE ? { kind: 'mixed' } : { kind: 'unsure' };
}
