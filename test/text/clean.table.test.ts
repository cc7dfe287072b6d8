import { describe, expect, it } from 'vitest';
import { cleanMessage, type CleanOptions, type MessageInput } from '../../src/text/index.js';

const ANA = '123456789012345678';
const BOB = '234567890123456789';
const GONE = '999999999999999999';
const MODS = '345678901234567890';
const GENERAL = '456789012345678901';

const users: Record<string, string> = { [ANA]: 'Ana', [BOB]: '🔥Bob_the_Builder🔥' };
const roles: Record<string, string> = { [MODS]: 'Moderators' };
const channels: Record<string, string> = { [GENERAL]: '💬┃general-chat' };

/** 2024-03-05 14:00:00 UTC */
const NOW = Date.UTC(2024, 2, 5, 14, 0, 0);
const T = 1709647200; // the same instant in seconds

const base: CleanOptions = { maxLength: 300, skipEmoji: false, repeatedCharacterCap: 3, now: NOW };

function clean(content: string, options: Partial<CleanOptions> = {}, extra: Partial<MessageInput> = {}): string | null {
  return cleanMessage(
    {
      content,
      resolveUser: (id) => users[id],
      resolveRole: (id) => roles[id],
      resolveChannel: (id) => channels[id],
      ...extra,
    },
    { ...base, ...options },
  );
}

/** [rule, message, expected speech (null: nothing to say)] */
const table: readonly [string, string, string | null][] = [
  // plain text and whitespace
  ['plain text is kept', 'hello everyone, how are you?', 'hello everyone, how are you?'],
  ['whitespace is collapsed', '  so   much \t space  ', 'so much space'],
  ['lines become sentences', 'first line\nsecond line', 'first line. second line'],
  ['a line ending in punctuation keeps it', 'wait!\nwhat?', 'wait! what?'],
  ['blank lines are ignored', 'a\n\n\n\nb', 'a. b'],
  // mentions
  ['user mention -> display name', `hi <@${ANA}>`, 'hi Ana'],
  ['legacy nickname mention -> display name', `hi <@!${ANA}>!`, 'hi Ana!'],
  ['names lose emoji and underscores', `<@${BOB}> is here`, 'Bob the Builder is here'],
  ['unknown user', `hi <@${GONE}>`, 'hi unknown user'],
  ['role mention -> role name', `ping <@&${MODS}> please`, 'ping Moderators please'],
  ['unknown role', `<@&${GONE}> help`, 'unknown role help'],
  ['channel mention -> decorated name cleaned', `go to <#${GENERAL}>`, 'go to general chat'],
  ['unknown channel', `see <#${GONE}>`, 'see unknown channel'],
  ['mention glued to a word gets a space', `<@${ANA}>hello`, 'Ana hello'],
  ['mention before possessive', `<@${ANA}>'s cat`, "Ana's cat"],
  ['@everyone reads as a word', '@everyone wake up', 'everyone wake up'],
  ['@here reads as a word', 'anyone @here?', 'anyone here?'],
  ['plain @name loses the at sign', 'thanks @Ana', 'thanks Ana'],
  ['e-mail keeps its at sign', 'mail me at ana@example.com', 'mail me at ana@example.com'],
  ['slash command mention', 'use </voice set:1234567890123456789> now', 'use slash voice set now'],
  ['server guide link', 'read <id:guide> first', 'read server guide first'],
  // timestamps
  ['relative timestamp in the past', `started <t:${String(T - 3 * 3600)}:R>`, 'started 3 hours ago'],
  ['relative timestamp in the future', `meet <t:${String(T + 2 * 86400)}:R>`, 'meet in 2 days'],
  ['long date timestamp', `on <t:${String(T)}:D>`, 'on March 5, 2024'],
  ['short time timestamp', `at <t:${String(T)}:t>`, 'at 2:00 PM UTC'],
  ['default timestamp', `at <t:${String(T)}>`, 'at March 5, 2024 at 2:00 PM UTC'],
  ['full timestamp', `<t:${String(T)}:F>`, 'Tuesday, March 5, 2024 at 2:00 PM UTC'],
  ['out-of-range timestamp', 'at <t:9999999999999999:f>', 'at a time'],
  // emoji
  ['custom emoji -> name, never the id', 'lol <:pepe_laugh:123456789012345678>', 'lol pepe laugh'],
  ['animated emoji camelCase name', '<a:catJam:123456789012345678> vibes', 'cat jam vibes'],
  ['custom emoji dropped with skipEmoji', 'gg <:pog:123456789012345678>', 'gg'],
  ['unicode emoji named', 'nice 👍', 'nice thumbs up'],
  ['skin tone does not matter', 'ok 👍🏽', 'ok thumbs up'],
  ['a run of one emoji is named once', 'lmao 😂😂😂😂😂', 'lmao laughing'],
  ['different emoji each named', '🔥💯', 'fire hundred'],
  ['flag -> country', 'going to 🇫🇷 tomorrow', 'going to France flag tomorrow'],
  ['family ZWJ sequence', '👨‍👩‍👧 day', 'family day'],
  ['heart with selector', 'love it ❤️', 'love it heart'],
  ['unknown emoji dropped', 'hmm 🦩', 'hmm'],
  ['emoticons named', 'ok :) love you <3 xD', 'ok smiling love you heart laughing'],
  ['emoticon inside a word is left alone', 'ratio:3 and http:/x', 'ratio:3 and http:/x'],
  ['emoji-only message with skipEmoji -> null', '😂😂 👍', null],
  // links
  ['bare URL', 'look https://example.com/page?x=1 cool', 'look a link cool'],
  ['URL keeps the sentence full stop', 'see https://example.com/a.', 'see a link.'],
  ['www link', 'go to www.example.com now', 'go to a link now'],
  ['suppressed embed', 'docs: <https://docs.example.com/x>', 'docs: a link'],
  ['masked link -> its text', 'read [the guide](https://example.com/guide) first', 'read the guide first'],
  ['masked link with suppressed URL', '[here](<https://example.com>)', 'here'],
  ['invite link', 'join discord.gg/abc123', 'join a link'],
  ['wiki URL with parentheses', 'https://en.wikipedia.org/wiki/Foo_(bar) is it', 'a link is it'],
  // code and spoilers
  ['code block', 'try this:\n```js\nconsole.log(1);\n```', 'try this: code block'],
  ['code block then text', '```\nx\n```\nworks?', 'code block. works?'],
  ['short inline code is read', 'run `npm test` now', 'run npm test now'],
  ['long inline code is "code"', 'run `npx vitest run test/text --reporter verbose` now', 'run code now'],
  ['double-backtick inline code', 'type ``a`b`` here', 'type a b here'],
  ['spoiler', 'the killer is ||the butler||!', 'the killer is spoiler!'],
  ['two spoilers', '||a|| and ||b||', 'spoiler and spoiler'],
  // markdown
  ['bold and italic', '**very** *nice* ***wow***', 'very nice wow'],
  ['underline and italic underscores', '__under__ _it_', 'under it'],
  ['strikethrough', '~~no~~ yes', 'no yes'],
  ['snake_case keeps both words', 'call snake_case_name', 'call snake case name'],
  ['multiplication star kept', '2*3 is 6', '2*3 is 6'],
  ['block quote', '> to be or not\nthat is it', 'to be or not. that is it'],
  ['multi-line quote', '>>> quoted text', 'quoted text'],
  ['heading', '# Big news\ntoday', 'Big news. today'],
  ['subtext', '-# tiny print', 'tiny print'],
  ['bullets', 'list:\n- eggs\n- milk\n* bread', 'list: eggs. milk. bread'],
  ['escaped markdown', 'not \\*bold\\*', 'not bold'],
  // numbers and IDs
  ['snowflake -> an ID', 'my id is 123456789012345678', 'my id is an ID'],
  ['very long number', 'pi is 31415926535897932384626', 'pi is a long number'],
  ['ordinary numbers are read', 'I have 1000000 points', 'I have 1000000 points'],
  // repeats
  ['character flood capped', 'noooooooooo', 'nooo'],
  ['punctuation flood capped', 'what?!?!?!?!?!', 'what?!?!?!'],
  ['exclamation flood capped', 'yes!!!!!!!!', 'yes!!!'],
  ['laughter capped', 'hahahahahahahaha', 'hahaha'],
  ['ordinary double letters untouched', 'bookkeeper committee', 'bookkeeper committee'],
  // nothing to say
  ['empty', '', null],
  ['spaces only', '   \n  ', null],
  ['punctuation only', '?!...', null],
  ['emoticon-only message with skipEmoji -> null', ':) <3 xD', null],
  ['zero-width only', '\u200b\u200b\u200d\u2060', null],
  // hostile Unicode
  ['zero-width spaces removed', 'he\u200bll\u200bo', 'hello'],
  ['bidi override removed', '\u202Edlrow olleh\u202C', 'dlrow olleh'],
  ['isolates and BOM removed', '\uFEFF\u2066hi\u2069', 'hi'],
  ['control characters removed', 'a\u0000b\u0007c\u001b[31m', 'abc[31m'],
  ['zalgo capped', 'z\u0300\u0301\u0302\u0303\u0304\u0305\u0306', 'z\u0300\u0301\u0302'],
  ['lone surrogates removed', 'a\uD800b\uDC00c', 'abc'],
  ['decomposed text becomes NFC', 'cafe\u0301', 'caf\u00e9'],
  ['Hangul filler names removed', '\u3164\u3164 hi', 'hi'],
  ['non-Latin text kept', 'こんにちは、元気ですか？', 'こんにちは、元気ですか？'],
  ['Hindi with three marks survives', 'ज़ों', 'ज़ों'],
  // MiniMax markup
  ['pause marker neutralised', 'wait <#5#> for it', 'wait for it'],
  ['interjection tag neutralised', 'that was funny (laughs)', 'that was funny laughs'],
  ['spaced, capitalised, nested tag neutralised', 'ok ( ( Sighs ) )', 'ok Sighs'],
  ['broken marker cannot form', 'a <##0.5## b', 'a <0.5## b'],
  ['ordinary parentheses around several words stay', 'I (really) (like it)', 'I really (like it)'],
];

describe('cleanMessage: real-world messages', () => {
  it('has a large table', () => {
    expect(table.length).toBeGreaterThanOrEqual(60);
  });

  it.each(table)('%s', (_rule, message, expected) => {
    const skipEmoji = _rule.includes('skipEmoji');
    expect(clean(message, { skipEmoji })).toBe(expected);
  });
});

describe('cleanMessage: attachments and stickers', () => {
  it('names a lone image', () => {
    expect(clean('', {}, { attachments: [{ kind: 'image' }] })).toBe('an image');
  });

  it('counts several of a kind and lists kinds', () => {
    const attachments = [{ kind: 'image' }, { kind: 'image' }, { kind: 'file' }] as const;
    expect(clean('', {}, { attachments })).toBe('2 images and a file');
  });

  it('names audio and video', () => {
    expect(clean('', {}, { attachments: [{ kind: 'audio' }, { kind: 'video' }] })).toBe('a video and an audio file');
  });

  it('names a sticker', () => {
    expect(clean('', {}, { stickers: [{ name: 'Wave_Hello' }] })).toBe('a sticker: Wave Hello');
  });

  it('counts several stickers', () => {
    expect(clean('', {}, { stickers: [{ name: 'a' }, { name: 'b' }] })).toBe('2 stickers');
  });

  it('adds the attachments after the text', () => {
    expect(clean('look at this', {}, { attachments: [{ kind: 'image' }] })).toBe('look at this, with an image');
    expect(clean('is this it?', {}, { attachments: [{ kind: 'file' }] })).toBe('is this it? with a file');
  });

  it('speaks the attachment even when the text has nothing to say', () => {
    expect(clean('🦩', {}, { attachments: [{ kind: 'image' }] })).toBe('an image');
  });

  it('keeps the attachment phrase when the text is cut', () => {
    const out = clean('word '.repeat(100), { maxLength: 60 }, { attachments: [{ kind: 'image' }] });
    expect(out).toMatch(/^word word .*, and more, with an image$/);
    expect([...(out ?? '')].length).toBeLessThanOrEqual(60);
  });
});

describe('cleanMessage: options', () => {
  it('cuts long text at a word boundary and says there is more', () => {
    const out = clean('alpha beta gamma delta epsilon zeta eta theta iota kappa', { maxLength: 30 });
    expect(out).toBe('alpha beta gamma, and more');
  });

  it('never splits a surrogate pair or a grapheme when cutting', () => {
    const out = clean('👍'.repeat(1) + ' ' + '𝒜'.repeat(100), { maxLength: 25 }) ?? '';
    expect([...out].length).toBeLessThanOrEqual(25);
    expect(out).not.toMatch(/\p{Cs}/u);
  });

  it('a tiny maxLength cuts without a suffix', () => {
    expect(clean('hello wonderful world', { maxLength: 5 })).toBe('hello');
  });

  it('repeatedCharacterCap 0 leaves floods alone', () => {
    expect(clean('noooooo', { repeatedCharacterCap: 0 })).toBe('noooooo');
  });

  it('repeatedCharacterCap 5 allows five', () => {
    expect(clean('noooooooooo', { repeatedCharacterCap: 5 })).toBe('nooooo');
  });

  it('allowSpecialMarkup keeps a valid pause and tags', () => {
    expect(clean('wait <#1.5#> for it (laughs)', { allowSpecialMarkup: true })).toBe('wait <#1.5#> for it (laughs)');
  });

  it('allowSpecialMarkup clamps pauses, merges doubles, drops edge pauses and malformed markers', () => {
    expect(clean('<#2#> a <#0.001#> <#3#> b <#x#> c <#1#>', { allowSpecialMarkup: true })).toBe('a <#3#> b c');
  });

  it('relative timestamps without a clock read as dates', () => {
    const { now: _now, ...withoutNow } = base;
    const out = cleanMessage({ content: `<t:${String(T)}:R>` }, withoutNow);
    expect(out).toBe('March 5, 2024 at 2:00 PM UTC');
  });

  it('timestamps follow the configured zone', () => {
    expect(clean(`<t:${String(T)}:t>`, { timeZone: 'America/New_York' })).toBe('9:00 AM EST');
  });

  it('an unknown time zone reads "a time" instead of throwing', () => {
    expect(clean(`at <t:${String(T)}:t>`, { timeZone: 'Not/AZone' })).toBe('at a time');
  });

  it('applies the dictionary after mentions are resolved', () => {
    expect(clean(`<@${ANA}> lol`, { dictionary: [{ from: 'ana', to: 'Anna' }, { from: 'lol', to: 'laughing out loud' }] })).toBe(
      'Anna laughing out loud',
    );
  });

  it('a dictionary entry cannot inject markup', () => {
    expect(clean('hi', { dictionary: [{ from: 'hi', to: 'hello <#5#> (laughs)' }] })).toBe('hello laughs');
  });

  it('a dictionary entry may inject markup where allowed', () => {
    expect(clean('hi there', { allowSpecialMarkup: true, dictionary: [{ from: 'hi', to: 'hello <#0.5#>' }] })).toBe(
      'hello <#0.5#> there',
    );
  });

  it('display names cannot inject markup even where allowed', () => {
    const out = cleanMessage(
      { content: `<@${ANA}> hi`, resolveUser: () => '(laughs) <#9#> Eve' },
      { ...base, allowSpecialMarkup: true },
    );
    expect(out).toBe('laughs Eve hi');
  });

  it('rejects a maxLength that is not a positive integer', () => {
    expect(() => clean('x', { maxLength: 0 })).toThrow(RangeError);
    expect(() => clean('x', { maxLength: Number.NaN })).toThrow(RangeError);
  });

  it('reads the start of a 100,000-character flood and says there is more', () => {
    const out = clean('spam '.repeat(20_000), { maxLength: 100 });
    expect(out).toMatch(/^spam spam .*, and more$/);
  });

  it('a zero-width flood before the text does not hide it', () => {
    expect(clean('\u200b'.repeat(100_000) + 'hello')).toBe('hello');
  });
});
