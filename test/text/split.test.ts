import { describe, expect, it } from 'vitest';
import { chunkForSpeech, MAX_T2A_CHARS, splitForT2A, splitSentences } from '../../src/text/index.js';

const strip = (text: string): string => text.replace(/\s+/gu, '');

describe('splitSentences', () => {
  it('returns each sentence, trimmed', () => {
    expect(splitSentences('Hello there. How are you? Fine!  ')).toEqual(['Hello there.', 'How are you?', 'Fine!']);
  });

  it('understands CJK full stops', () => {
    expect(splitSentences('今日は晴れ。明日は雨！')).toEqual(['今日は晴れ。', '明日は雨！']);
  });

  it('breaks a sentence longer than the limit between words', () => {
    const sentence = 'one two three four five six seven eight nine ten.';
    const pieces = splitSentences(sentence, 20);
    expect(pieces.every((p) => p.length <= 20)).toBe(true);
    expect(pieces.join(' ')).toBe(sentence);
  });

  it('returns nothing for blank text', () => {
    expect(splitSentences('   \n ')).toEqual([]);
    expect(splitSentences('')).toEqual([]);
  });

  it('refuses a limit below 2', () => {
    expect(() => splitSentences('x', 1)).toThrow(RangeError);
  });
});

describe('splitForT2A', () => {
  it('keeps short text whole', () => {
    expect(splitForT2A('Hello. World.')).toEqual(['Hello. World.']);
  });

  it('packs sentences up to the limit and cuts between them', () => {
    const text = 'Aaaa aaaa. Bbbb bbbb. Cccc cccc. Dddd dddd.';
    expect(splitForT2A(text, 22)).toEqual(['Aaaa aaaa. Bbbb bbbb.', 'Cccc cccc. Dddd dddd.']);
  });

  it('defaults to MiniMax\'s 10,000 characters and loses nothing', () => {
    const text = 'This is a sentence of moderate length. '.repeat(800);
    const pieces = splitForT2A(text);
    expect(pieces.length).toBe(4);
    expect(pieces.every((p) => p.length <= MAX_T2A_CHARS && p.endsWith('.'))).toBe(true);
    expect(strip(pieces.join(''))).toBe(strip(text));
  });

  it('hard-cuts a word longer than the limit without splitting surrogate pairs or graphemes', () => {
    const text = '👍🏽'.repeat(10) + '𝒜'.repeat(15);
    const pieces = splitForT2A(text, 9);
    expect(pieces.every((p) => p.length <= 9 && !/\p{Cs}/u.test(p))).toBe(true);
    expect(pieces.slice(0, 3)).toEqual(['👍🏽👍🏽', '👍🏽👍🏽', '👍🏽👍🏽']);
    expect(pieces.join('')).toBe(text);
  });

  it('splits text with no spaces or punctuation at all', () => {
    const text = 'a'.repeat(25_000);
    const pieces = splitForT2A(text);
    expect(pieces.map((p) => p.length)).toEqual([10_000, 10_000, 5_000]);
  });

  it('keeps pause markers of allowed markup intact at sentence cuts', () => {
    const pieces = splitForT2A('First part. <#0.5#> Second part.', 20);
    expect(pieces).toEqual(['First part.', '<#0.5#> Second part.']);
  });
});

describe('chunkForSpeech', () => {
  const text = 'Short one. Another short one. A third sentence here. And a fourth one to end.';

  it('packs whole sentences up to the target', () => {
    expect(chunkForSpeech(text, 30)).toEqual(['Short one. Another short one.', 'A third sentence here.', 'And a fourth one to end.']);
  });

  it('keeps a sentence longer than the target whole when it fits the maximum', () => {
    const long = 'This sentence is clearly longer than the target size. Tiny.';
    expect(chunkForSpeech(long, 10, 100)).toEqual(['This sentence is clearly longer than the target size.', 'Tiny.']);
  });

  it('never exceeds the maximum', () => {
    const long = 'word '.repeat(100).trim() + '.';
    const pieces = chunkForSpeech(long, 10, 50);
    expect(pieces.every((p) => p.length <= 50)).toBe(true);
    expect(strip(pieces.join(''))).toBe(strip(long));
  });

  it('uses a 300-character target by default', () => {
    const many = 'Sentence number something. '.repeat(50);
    const pieces = chunkForSpeech(many);
    expect(pieces.every((p) => p.length <= 300)).toBe(true);
    expect(pieces[0]?.length).toBeGreaterThan(250);
  });
});
