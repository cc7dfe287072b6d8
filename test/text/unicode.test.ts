import { describe, expect, it } from 'vitest';
import { codePointLength, cutToCodePoints, invisibleRatio, sanitizeText, truncateSpeech, TRUNCATION_SUFFIX } from '../../src/text/index.js';

describe('sanitizeText', () => {
  it('strips zero-width, bidi, BOM, soft hyphen, tags, variation selectors and controls', () => {
    const input = 'a\u200bb\u200cc\u200dd\u2060e\ufefff\u00adg\u202eh\u2067i\u{E0041}j\ufe0fk\u0000l\u007fm\u0085n';
    expect(sanitizeText(input, true)).toBe('abcdefghijklm\nn');
  });

  it('turns odd spaces into plain ones and line breaks into \\n', () => {
    expect(sanitizeText('a\u00a0b\u3000c\td\r\ne\u2028f', true)).toBe('a b c d\ne\nf');
  });

  it('brings a flood of invisible characters under any ratio', () => {
    const input = 'hi' + '\u200b'.repeat(1000);
    expect(invisibleRatio(input)).toBeGreaterThan(0.9);
    expect(invisibleRatio(sanitizeText(input, false))).toBe(0);
  });

  it('caps combining marks at three per character', () => {
    expect(sanitizeText('a' + '\u0301'.repeat(50), true)).toBe('\u00e1\u0301\u0301\u0301');
  });

  it('names or drops emoji before their joiners are stripped', () => {
    expect(sanitizeText('👩‍💻', false).trim()).toBe('woman');
    expect(sanitizeText('👩‍💻', true).trim()).toBe('');
  });
});

describe('code points and truncation', () => {
  it('counts a surrogate pair once', () => {
    expect(codePointLength('a😀b')).toBe(3);
    expect(codePointLength('\ud800')).toBe(1);
  });

  it('cuts by code points without splitting a grapheme', () => {
    expect(cutToCodePoints('ab👍🏽cd', 3)).toBe('ab');
    expect(cutToCodePoints('ab👍🏽cd', 4)).toBe('ab👍🏽');
  });

  it('leaves short text alone', () => {
    expect(truncateSpeech('short', 10)).toBe('short');
  });

  it('cuts at a word and appends the suffix', () => {
    const out = truncateSpeech('the quick brown fox jumps over the lazy dog', 30);
    expect(out).toBe(`the quick brown fox${TRUNCATION_SUFFIX}`);
    expect(codePointLength(out)).toBeLessThanOrEqual(30);
  });

  it('does not keep half a word', () => {
    expect(truncateSpeech('the quick brown foxes jump over the lazy dog', 30)).toBe(`the quick brown${TRUNCATION_SUFFIX}`);
  });

  it('cuts inside one huge word when there is no word boundary', () => {
    const out = truncateSpeech('x'.repeat(100), 30);
    expect(out).toBe('x'.repeat(30 - TRUNCATION_SUFFIX.length) + TRUNCATION_SUFFIX);
  });

  it('appends the suffix to short text when the caller dropped input', () => {
    expect(truncateSpeech('hello.', 100, true)).toBe(`hello${TRUNCATION_SUFFIX}`);
  });
});
