/**
 * Unicode emoji -> spoken names, or nothing.
 *
 * Why emoji are never passed to MiniMax raw: how it reads them is undocumented, and the sequences carry ZWJ,
 * variation selectors and tag characters that count towards its 10% invisible-character limit (a run of family
 * emoji is 40% ZWJ). So an emoji is either named from a table of common ones (TB's behaviour with skip_emoji off),
 * or dropped (unknown emoji, or skipEmoji). A run of the same emoji is named once.
 */
import { emojiName } from './emojiNames.js';

/**
 * One emoji: a flag (two regional indicators), a keycap, or a pictograph with an optional variation selector or
 * skin tone, optional tag sequence (subdivision flags) and ZWJ-joined followers; also stray modifiers/indicators.
 * Hand-written rather than `\p{RGI_Emoji}` (v flag), which V8 runs about 100 times slower.
 */
const EMOJI =
  /\p{RI}\p{RI}|[#*0-9]\uFE0F?\u20E3|\p{Extended_Pictographic}(?:\uFE0F|\p{EMod})?(?:[\u{E0020}-\u{E007E}]+\u{E007F})?(?:\u200D\p{Extended_Pictographic}(?:\uFE0F|\p{EMod})?)*|\p{EMod}|\p{RI}/gu;
const SELECTORS_AND_TONES = /\uFE0F|\p{EMod}|[\u{E0020}-\u{E007F}]/gu;
/** A ZWJ sequence of men, women, boys and girls only. */
const FAMILY = /^[\u{1F468}\u{1F469}\u{1F466}\u{1F467}](?:\u200D[\u{1F468}\u{1F469}\u{1F466}\u{1F467}])+$/u;
const KEYCAP_NAMES: Record<string, string> = { '#': 'hash', '*': 'star' };

const regionNames = new Intl.DisplayNames('en', { type: 'region' });

function flagName(sequence: string): string | undefined {
  const region = [...sequence].map((c) => String.fromCharCode((c.codePointAt(0) ?? 0) - 0x1f1e6 + 65)).join('');
  const name = regionNames.of(region);
  return name === undefined || name === region || name === 'Unknown Region' ? undefined : `${name} flag`;
}

/** The spoken name of one emoji sequence matched by EMOJI, or undefined to drop it. */
function nameOf(sequence: string): string | undefined {
  const first = sequence.codePointAt(0) ?? 0;
  if (first >= 0x1f1e6 && first <= 0x1f1ff) return sequence.length === 4 ? flagName(sequence) : undefined;
  if (sequence.endsWith('\u20E3')) {
    const key = sequence.charAt(0);
    return KEYCAP_NAMES[key] ?? key;
  }
  const key = sequence.replace(SELECTORS_AND_TONES, '');
  const direct = emojiName(key);
  if (direct !== undefined || !key.includes('\u200D')) return direct;
  if (FAMILY.test(key)) return 'family';
  // Most ZWJ sequences are a gendered or styled variant of their first emoji (facepalm + male sign).
  return emojiName(key.slice(0, key.indexOf('\u200D')));
}

/**
 * Replaces every Unicode emoji in `text` with its spoken name padded by spaces, or removes it when `skip` is
 * true or the emoji has no known name. Consecutive identical emoji (whitespace between allowed) are named once.
 */
export function replaceEmoji(text: string, skip: boolean): string {
  let lastKey = '';
  let lastEnd = -1;
  return text.replace(EMOJI, (sequence: string, offset: number) => {
    const key = sequence.replace(SELECTORS_AND_TONES, '');
    const repeated = key === lastKey && text.slice(lastEnd, offset).trim() === '';
    lastKey = key;
    lastEnd = offset + sequence.length;
    if (skip || repeated) return ' ';
    const name = nameOf(sequence);
    return name === undefined ? ' ' : ` ${name} `;
  });
}

const EMOTICON_NAMES: Record<string, string> = {
  ':)': 'smiling', ':(': 'frowning', ':D': 'grinning', ':P': 'tongue out', ':p': 'tongue out', ';)': 'winking',
  ':/': 'unsure', ':\\': 'unsure', ':|': 'neutral face', ':O': 'surprised', ':o': 'surprised', ':3': 'cat face',
  xD: 'laughing', XD: 'laughing', '<3': 'heart', '</3': 'broken heart',
};
/** A text emoticon standing alone between spaces (a nose '-' and '=' eyes allowed). */
const EMOTICON = /(?<!\S)(?:<\/3|<3|[:;=]-?[)(DPpOo/\\|3]|[xX]D)(?!\S)/g;

/**
 * Replaces stand-alone text emoticons (":)", "xD", "<3") with a name, or removes them when `skip` is true, so
 * ":D" is not read as "D".
 */
export function replaceEmoticons(text: string, skip: boolean): string {
  return text.replace(EMOTICON, (emoticon: string) => {
    const key = emoticon.replace('-', '').replace(/^=/, ':');
    return skip ? ' ' : ` ${EMOTICON_NAMES[key] ?? ''} `;
  });
}
