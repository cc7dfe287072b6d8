import { describe, expect, it } from 'vitest';
import { detectLanguage } from '../../src/text/language.js';
import { HELD_OUT, SENTENCES } from './languageSentences.js';

/** The share of each table the detector must get right (measured: 89/89 on the tuning table, 23/24 held out). */
const REQUIRED_ACCURACY = { tuning: 0.95, heldOut: 0.9 };

function score(table: readonly (readonly [string, string])[]) {
  const rows = table.map(([expected, text]) => ({ expected, text, got: detectLanguage(text) }));
  const wrong = rows.filter((r) => !(r.got.kind === 'language' && r.got.language === r.expected));
  return { accuracy: 1 - wrong.length / rows.length, wrong };
}

describe('detectLanguage', () => {
  it.each([
    ['the tuning table', SENTENCES, REQUIRED_ACCURACY.tuning],
    ['the held-out table', HELD_OUT, REQUIRED_ACCURACY.heldOut],
  ] as const)('names the language of real chat sentences (%s)', (name, table, required) => {
    const { accuracy, wrong } = score(table);
    console.info(`language detection, ${name}: ${table.length - wrong.length}/${table.length} (${(accuracy * 100).toFixed(1)}%)`, wrong);
    expect(accuracy).toBeGreaterThanOrEqual(required);
    // A miss may only be "unsure" or "mixed", never another language: a wrong voice is worse than the usual one.
    expect(wrong.filter((r) => r.got.kind === 'language')).toEqual([]);
  });

  it('covers at least ten languages in each table', () => {
    expect(new Set(SENTENCES.map(([l]) => l)).size).toBeGreaterThanOrEqual(10);
    expect(new Set(HELD_OUT.map(([l]) => l)).size).toBeGreaterThanOrEqual(10);
  });

  it.each(['ok', 'lol', 'www', '123', '👍👍', 'gg', '?', '', '@here', 'hmm'])('is unsure about %j', (text) => {
    expect(detectLanguage(text)).toEqual({ kind: 'unsure' });
  });

  it.each([
    ['Japanese words among Russian ones', 'Привет всем, как у вас дела сегодня? こんにちは'],
    ['English and Korean halves', 'See you all tomorrow at the station 내일 역에서 만나요 다들'],
    ['English and Spanish halves', 'I will be there at eight, pero no sé si mi hermano puede venir con nosotros'],
  ])('calls %s mixed', (_what, text) => {
    expect(detectLanguage(text)).toEqual({ kind: 'mixed' });
  });

  it('tells Japanese from Chinese by kana, Cantonese by its own characters, Ukrainian and Persian by their letters', () => {
    expect(detectLanguage('東京都')).toEqual({ kind: 'language', language: 'Chinese' });
    expect(detectLanguage('東京へ行く')).toEqual({ kind: 'language', language: 'Japanese' });
    expect(detectLanguage('佢哋喺度')).toEqual({ kind: 'language', language: 'Chinese,Yue' });
    expect(detectLanguage('Це їхня книга')).toEqual({ kind: 'language', language: 'Ukrainian' });
    expect(detectLanguage('Это их книга')).toEqual({ kind: 'language', language: 'Russian' });
    expect(detectLanguage('این کتاب من است')).toEqual({ kind: 'language', language: 'Persian' });
  });

  it('ignores mentions, custom emoji, links and emoji names', () => {
    expect(detectLanguage('<@123456789012345678> ありがとう <:pepe_laugh:123456789012345678> https://example.com/some/english/words :thumbs_up:')).toEqual({
      kind: 'language',
      language: 'Japanese',
    });
  });

  it('keeps a Japanese sentence Japanese with an English product name in it', () => {
    expect(detectLanguage('明日はDiscordで一緒に遊ぼう')).toEqual({ kind: 'language', language: 'Japanese' });
  });
});
