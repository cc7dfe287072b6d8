import { describe, expect, it } from 'vitest';
import {
  applyDictionary,
  cleanMessage,
  compileDictionary,
  MAX_DICTIONARY_ENTRIES,
  MAX_DICTIONARY_TEXT_LENGTH,
  toPronunciationDict,
  validateDictionaryEntry,
} from '../../src/text/index.js';

describe('applyDictionary', () => {
  it('replaces whole words only', () => {
    expect(applyDictionary('lol lolz xlol lol.', [{ from: 'lol', to: 'laughing' }])).toBe('laughing lolz xlol laughing.');
  });

  it('is case-insensitive and keeps the replacement as written', () => {
    expect(applyDictionary('LOL Lol lOl', [{ from: 'lol', to: 'Ha' }])).toBe('Ha Ha Ha');
  });

  it('is case-insensitive beyond ASCII', () => {
    expect(applyDictionary('ÉCOLE école', [{ from: 'École', to: 'school' }])).toBe('school school');
  });

  it('prefers the longest entry at a position, whatever the order given', () => {
    const entries = [
      { from: 'new', to: 'N' },
      { from: 'new york city', to: 'NYC' },
      { from: 'new york', to: 'NY' },
    ];
    expect(applyDictionary('new york city and new york and new', entries)).toBe('NYC and NY and N');
  });

  it('falls back to a shorter entry when the longer one does not end on a word boundary', () => {
    const entries = [
      { from: 'ab', to: 'X' },
      { from: 'abc', to: 'Y' },
    ];
    expect(applyDictionary('abcd ab', entries)).toBe('abcd X');
  });

  it('makes one pass: a replacement is never replaced again', () => {
    const entries = [
      { from: 'a', to: 'b' },
      { from: 'b', to: 'c' },
      { from: 'hi', to: 'hi hi' },
    ];
    expect(applyDictionary('a b hi', entries)).toBe('b c hi hi');
  });

  it('treats regex metacharacters literally', () => {
    const entries = [
      { from: 'c++', to: 'C plus plus' },
      { from: '(.*)+$', to: 'EVIL' },
      { from: 'a.b', to: 'dot' },
      { from: '[x]', to: 'bracket' },
      { from: '\\d', to: 'backslash d' },
      { from: '$1', to: 'dollar one' },
    ];
    const text = 'c++ and c+ and (.*)+$ and axb and a.b and [x] and x and \\d and 5 and $1';
    expect(applyDictionary(text, entries)).toBe(
      'C plus plus and c+ and EVIL and axb and dot and bracket and x and backslash d and 5 and dollar one',
    );
  });

  it('needs no word boundary at an end that is not a word character', () => {
    expect(applyDictionary('nice:) ok', [{ from: ':)', to: ' smile' }])).toBe('nice smile ok');
  });

  it('matches any whitespace between the words of a phrase', () => {
    expect(applyDictionary('good   morning', [{ from: 'good morning', to: 'hello' }])).toBe('hello');
  });

  it('an empty replacement removes the word', () => {
    expect(applyDictionary('uwu hello', [{ from: 'uwu', to: '' }])).toBe(' hello');
  });

  it('ignores entries past the cap', () => {
    const entries = Array.from({ length: MAX_DICTIONARY_ENTRIES + 5 }, (_, i) => ({ from: `w${String(i)}`, to: 'X' }));
    const last = `w${String(MAX_DICTIONARY_ENTRIES - 1)}`;
    const past = `w${String(MAX_DICTIONARY_ENTRIES)}`;
    expect(applyDictionary(`${last} ${past}`, entries)).toBe(`X ${past}`);
    expect(compileDictionary(entries).size).toBe(MAX_DICTIONARY_ENTRIES);
  });

  it('ignores invalid entries (too long, empty, with a slash)', () => {
    const long = 'x'.repeat(MAX_DICTIONARY_TEXT_LENGTH + 1);
    const entries = [
      { from: long, to: 'L' },
      { from: '  ', to: 'E' },
      { from: 'a/b', to: 'S' },
      { from: 'ok', to: 'fine' },
    ];
    expect(applyDictionary(`${long} a/b ok`, entries)).toBe(`${long} a/b fine`);
    expect(compileDictionary(entries).size).toBe(1);
  });

  it('keeps the first of two entries with the same word in any case', () => {
    expect(applyDictionary('hi', [{ from: 'HI', to: 'first' }, { from: 'hi', to: 'second' }])).toBe('first');
  });

  it('neutralises markup in replacements unless allowed', () => {
    const entries = [{ from: 'pause', to: '<#2#> (laughs)' }];
    expect(applyDictionary('a pause b', entries)).toBe('a laughs b');
    expect(applyDictionary('a pause b', entries, { allowSpecialMarkup: true })).toBe('a <#2#> (laughs) b');
  });

  it('strips invisible characters from replacements', () => {
    expect(applyDictionary('x', [{ from: 'x', to: 'y' }, { from: 'z', to: '\u200b' }])).toBe('y');
    // Validation refuses them; applying still cleans what a bad store might hold.
    const compiled = compileDictionary([{ from: 'x', to: 'y' }]);
    expect(compiled.apply('x x')).toBe('y y');
  });

  it('an empty dictionary leaves the text alone', () => {
    expect(applyDictionary('same text', [])).toBe('same text');
  });

  it('stays fast with 200 entries on a long text', () => {
    const entries = Array.from({ length: MAX_DICTIONARY_ENTRIES }, (_, i) => ({ from: `word${String(i)} x`, to: 'y' }));
    const compiled = compileDictionary(entries);
    const text = 'aaaa '.repeat(4000) + 'word7 x';
    expect(compiled.apply(text).endsWith('y')).toBe(true);
  });

  it('a compiled dictionary can be passed to cleanMessage', () => {
    const compiled = compileDictionary([{ from: 'brb', to: 'be right back' }]);
    expect(cleanMessage({ content: 'brb!' }, { maxLength: 100, skipEmoji: false, repeatedCharacterCap: 3, dictionary: compiled })).toBe(
      'be right back!',
    );
  });
});

describe('validateDictionaryEntry', () => {
  it('accepts an ordinary entry and an empty replacement', () => {
    expect(validateDictionaryEntry('gg', 'good game')).toBeNull();
    expect(validateDictionaryEntry('uwu', '')).toBeNull();
  });

  it('names each problem', () => {
    expect(validateDictionaryEntry(' ', 'x')).toMatch(/word to replace is empty/);
    expect(validateDictionaryEntry('a/b', 'x')).toMatch(/word to replace contains '\/'/);
    expect(validateDictionaryEntry('a', 'b/c')).toMatch(/replacement contains '\/'/);
    expect(validateDictionaryEntry('x'.repeat(101), 'y')).toMatch(/word to replace is longer than 100/);
    expect(validateDictionaryEntry('x', 'y'.repeat(101))).toMatch(/replacement is longer than 100/);
    expect(validateDictionaryEntry('a\u200bb', 'c')).toMatch(/invisible or control/);
    expect(validateDictionaryEntry('a', 'b\nc')).toMatch(/invisible or control/);
  });

  it('counts length in code points', () => {
    expect(validateDictionaryEntry('😀'.repeat(100), 'x')).toBeNull();
  });
});

describe('toPronunciationDict', () => {
  it('writes "from/to" strings for valid entries only', () => {
    const entries = [
      { from: ' Omg ', to: 'Oh my god' },
      { from: 'a/b', to: 'x' },
      { from: 'uwu', to: '' },
      { from: 'omg', to: 'duplicate' },
    ];
    expect(toPronunciationDict(entries)).toEqual(['Omg/Oh my god']);
  });

  it('neutralises markup in replacements unless allowed', () => {
    expect(toPronunciationDict([{ from: 'x', to: 'y <#5#>' }])).toEqual(['x/y']);
    expect(toPronunciationDict([{ from: 'x', to: 'y <#5#>' }], { allowSpecialMarkup: true })).toEqual(['x/y <#5#>']);
  });

  it('keeps at most the cap', () => {
    const entries = Array.from({ length: MAX_DICTIONARY_ENTRIES + 1 }, (_, i) => ({ from: `w${String(i)}`, to: 'x' }));
    expect(toPronunciationDict(entries)).toHaveLength(MAX_DICTIONARY_ENTRIES);
  });
});
