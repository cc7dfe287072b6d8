/**
 * Property tests on seeded random hostile input. The per-call time bound (50 ms) is a guard against
 * catastrophic regex backtracking, far above normal cost (well under 5 ms); a call over it is re-run twice and
 * judged by its fastest run, so a GC pause on a shared machine does not fail the suite.
 */
import { describe, expect, it } from 'vitest';
import {
  chunkForSpeech,
  cleanMessage,
  compileDictionary,
  codePointLength,
  containsMarkup,
  MAX_COMBINING_MARKS,
  MAX_PAUSE_SECONDS,
  MIN_PAUSE_SECONDS,
  splitForT2A,
  type CleanOptions,
  type DictionaryEntry,
  type MessageInput,
} from '../../src/text/index.js';
import { createRng, Gen } from './gen.js';

const CALL_BUDGET_MS = 50;
/**
 * 100,000 characters (50 times Discord's limit) take a few ms when the work is linear; a super-linear path (a
 * backtracking pattern) takes seconds at this size. The bound catches that, with room for a loaded machine.
 */
const LONG_CALL_BUDGET_MS = 500;

/** Invisible characters by a definition independent of the implementation's. */
const INVISIBLE = /\p{Cc}|\p{Cf}|\p{Default_Ignorable_Code_Point}|\p{Co}|\u2800|\uFFFC|\uFFFD/gu;
const LONE_SURROGATE = /\p{Cs}/u;
const MENTION_SYNTAX = /<(?:@[!&]?|#)\d+>|<a?:[\w~-]+:\d+>|<t:-?\d+(?::\w)?>/;
const SNOWFLAKE = /\p{Nd}{17,}/u;
const MARK_RUN = new RegExp(`\\p{M}{${String(MAX_COMBINING_MARKS + 1)}}`, 'u');
const TAG_LIKE = /\(\s*\p{L}[\p{L}\p{M}\p{N}'-]*\s*\)/u;

function timed<T>(run: () => T): { value: T; ms: number } {
  let best = Infinity;
  let value: T | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const start = performance.now();
    value = run();
    best = Math.min(best, performance.now() - start);
    if (best <= CALL_BUDGET_MS) break;
  }
  return { value: value as T, ms: best };
}

function randomDictionary(gen: Gen): DictionaryEntry[] {
  const entries: DictionaryEntry[] = [];
  for (let i = gen.int(1, 250); i > 0; i--) {
    entries.push({
      from: gen.pick([gen.word(), gen.fragment().slice(0, 50), '(.*)+$', '[a-z]+', 'a.b', '\\d', gen.word() + ' ' + gen.word()]),
      to: gen.pick([gen.word(), '<#5#>', '(laughs)', gen.fragment().slice(0, 50), '']),
    });
  }
  return entries;
}

/** A few hostile dictionaries, built once: compiling one costs milliseconds. */
const dictionaryGen = new Gen(createRng(0xd1c7));
const DICTIONARIES = Array.from({ length: 4 }, () => randomDictionary(dictionaryGen));
const COMPILED = DICTIONARIES.flatMap((entries) => [
  { entries, allow: false, compiled: compileDictionary(entries) },
  { entries, allow: true, compiled: compileDictionary(entries, { allowSpecialMarkup: true }) },
]);

function randomOptions(gen: Gen): CleanOptions {
  const options: CleanOptions = {
    maxLength: gen.pick([1, 5, 19, 20, 64, 300, 2000, 20_000]),
    skipEmoji: gen.chance(0.5),
    repeatedCharacterCap: gen.pick([0, 1, 2, 3, 5, 100]),
    allowSpecialMarkup: gen.chance(0.3),
    now: Date.UTC(2024, 0, 1),
  };
  if (gen.chance(0.05)) options.dictionary = gen.pick(DICTIONARIES);
  else if (gen.chance(0.3)) {
    const prepared = gen.pick(COMPILED.filter((c) => c.allow === options.allowSpecialMarkup));
    options.dictionary = prepared.compiled;
  }
  return options;
}


/** Hostile display names. */
const nameGen = new Gen(createRng(0x4a3e));
const NAMES = Array.from({ length: 200 }, () => nameGen.fragment().slice(0, 40));

function input(content: string, gen: Gen): MessageInput {
  return {
    content,
    resolveUser: (id) => (id.endsWith('7') ? undefined : gen.pick(NAMES)),
    resolveRole: () => '(laughs) <#3#> role\u202e',
    resolveChannel: () => gen.pick(['💬┃general', '\u200b\u200b', 'x'.repeat(200)]),
    ...(gen.chance(0.2) ? { attachments: [{ kind: 'image' as const }, { kind: 'file' as const }] } : {}),
    ...(gen.chance(0.1) ? { stickers: [{ name: gen.fragment().slice(0, 30) }] } : {}),
  };
}

/** Checks every output property; returns a description of the first failure, or null. */
function violations(out: string | null, options: CleanOptions): string | null {
  if (out === null) return null;
  if (out.trim() === '') return 'empty string instead of null';
  if (codePointLength(out) > options.maxLength) return `longer than ${String(options.maxLength)}`;
  if (LONE_SURROGATE.test(out)) return 'lone surrogate';
  if ((out.match(INVISIBLE) ?? []).length > 0) return 'invisible character';
  if (out !== out.normalize('NFC')) return 'not NFC';
  if (MARK_RUN.test(out)) return 'combining mark flood';
  if (MENTION_SYNTAX.test(out)) return 'raw Discord syntax';
  if (SNOWFLAKE.test(out)) return 'digits of an ID';
  if (options.allowSpecialMarkup !== true) {
    if (out.includes('<#') || out.includes('#>')) return 'pause marker syntax';
    if (TAG_LIKE.test(out)) return 'interjection tag syntax';
  } else {
    const trimmed = out.trim();
    if (trimmed.startsWith('<#') || trimmed.endsWith('#>')) return 'pause at an edge';
    if (/#>\s*<#/.test(out)) return 'two pauses in a row';
    for (const [, value] of out.matchAll(/<#([^#]*)#>/g)) {
      const seconds = Number(value);
      if (!/^\d+(?:\.\d+)?$/.test(value ?? '') || seconds < MIN_PAUSE_SECONDS || seconds > MAX_PAUSE_SECONDS) return 'bad pause';
    }
  }
  return null;
}

function stripSpace(text: string): string {
  return text.replace(/\s+/gu, '');
}

function splitViolations(text: string, pieces: string[], max: number): string | null {
  for (const piece of pieces) {
    if (piece === '') return 'empty piece';
    if (piece.length > max) return `piece of ${String(piece.length)} > ${String(max)}`;
    if (piece !== piece.trim()) return 'untrimmed piece';
    if (!LONE_SURROGATE.test(text) && LONE_SURROGATE.test(piece)) return 'split a surrogate pair';
  }
  if (stripSpace(pieces.join('')) !== stripSpace(text)) return 'characters lost or reordered';
  return null;
}

describe('cleanMessage on hostile input', () => {
  it('holds every property on 3,000 random messages', () => {
    const gen = new Gen(createRng(0x5eed));
    const failures: string[] = [];
    let slowest = 0;
    for (let i = 0; i < 3000 && failures.length < 5; i++) {
      const content = gen.message(gen.pick([0, 10, 50, 200, 1000, 4000]));
      const options = randomOptions(gen);
      const message = input(content, gen);
      let result: { value: string | null; ms: number };
      try {
        result = timed(() => cleanMessage(message, options));
      } catch (error) {
        failures.push(`#${String(i)} threw ${String(error)}`);
        continue;
      }
      slowest = Math.max(slowest, result.ms);
      const problem = violations(result.value, options);
      if (problem !== null) failures.push(`#${String(i)} ${problem}: ${JSON.stringify(result.value)}`);
      if (result.ms > CALL_BUDGET_MS) failures.push(`#${String(i)} took ${result.ms.toFixed(1)} ms`);
    }
    expect(failures).toEqual([]);
    expect(slowest).toBeLessThanOrEqual(CALL_BUDGET_MS);
  });

  it('handles 100,000-character messages within the time bound', () => {
    const gen = new Gen(createRng(0xb16));
    const failures: string[] = [];
    for (let i = 0; i < 30; i++) {
      const content = i < 10 ? gen.message(100_000) : gen.fragment().padEnd(100_000, gen.pick(['\u200b', '( ', '<#', '😂', 'a', '`', '||', '_*']));
      const options = randomOptions(gen);
      const { value, ms } = timed(() => cleanMessage(input(content, gen), options));
      const problem = violations(value, options);
      if (problem !== null) failures.push(`#${String(i)} ${problem}`);
      if (ms > LONG_CALL_BUDGET_MS) failures.push(`#${String(i)} took ${ms.toFixed(1)} ms`);
    }
    expect(failures).toEqual([]);
  });

  it('keeps MiniMax markup out of names, dictionary output and text when not allowed', () => {
    const gen = new Gen(createRng(42));
    for (let i = 0; i < 500; i++) {
      const content = gen.pick(['(', '<#', '( laughs', '']) + gen.message(100) + gen.pick([')', '#>', ' ) ', '']);
      const out = cleanMessage(
        { content, resolveUser: () => '( laughs )' },
        { maxLength: 2000, skipEmoji: false, repeatedCharacterCap: 0, dictionary: [{ from: 'a', to: '<#1#>' }] },
      );
      if (out !== null) expect(containsMarkup(out), JSON.stringify(out)).toBe(false);
    }
  });
});

describe('splitting hostile text', () => {
  it('splitForT2A: pieces non-empty, within the limit, nothing lost, on random text', () => {
    const gen = new Gen(createRng(7));
    const failures: string[] = [];
    for (let i = 0; i < 250 && failures.length < 5; i++) {
      const raw = gen.message(gen.pick([0, 100, 3000, 12_000]));
      const text = gen.chance(0.5) ? (cleanMessage({ content: raw }, { maxLength: 100_000, skipEmoji: false, repeatedCharacterCap: 3 }) ?? '') : raw;
      const max = gen.pick([10_000, 1000, 300, 37]);
      const { value: pieces, ms } = timed(() => splitForT2A(text, max));
      const problem = splitViolations(text, pieces, max);
      if (problem !== null) failures.push(`#${String(i)} max ${String(max)}: ${problem}`);
      if (ms > CALL_BUDGET_MS) failures.push(`#${String(i)} took ${ms.toFixed(1)} ms`);
    }
    expect(failures).toEqual([]);
  });

  it('splitForT2A: a 100,000-character message becomes pieces of at most 10,000', () => {
    const gen = new Gen(createRng(99));
    const text = gen.message(100_000);
    const pieces = splitForT2A(text);
    expect(pieces.length).toBeGreaterThanOrEqual(10);
    expect(splitViolations(text, pieces, 10_000)).toBeNull();
  });

  it('chunkForSpeech: pieces within max, nothing lost, on random text', () => {
    const gen = new Gen(createRng(11));
    const failures: string[] = [];
    for (let i = 0; i < 200 && failures.length < 5; i++) {
      const text = gen.message(gen.pick([50, 1000, 4000]));
      const target = gen.pick([2, 40, 300]);
      const max = gen.pick([target, 500, 10_000]);
      const pieces = chunkForSpeech(text, target, max);
      const problem = splitViolations(text, pieces, Math.max(target, max));
      if (problem !== null) failures.push(`#${String(i)} target ${String(target)} max ${String(max)}: ${problem}`);
    }
    expect(failures).toEqual([]);
  });
});
