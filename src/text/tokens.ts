/**
 * Discord's inline syntax -> words, in one left-to-right pass: code, spoilers, masked and bare links, mentions,
 * slash commands, timestamps, custom emoji and long digit runs. One regex with one alternative per token means
 * replacement text (a display name, say) is never scanned again, and every alternative is linear.
 */
import { cleanName } from './names.js';
import { speakTimestamp, type TimeContext } from './timestamps.js';
import type { NameResolver } from './types.js';
import { codePointLength } from './unicode.js';

/** Inline code up to this many code points is read out; longer code is just "code". */
export const MAX_SPOKEN_INLINE_CODE = 30;

export interface TokenContext extends TimeContext {
  resolveUser?: NameResolver | undefined;
  resolveRole?: NameResolver | undefined;
  resolveChannel?: NameResolver | undefined;
  skipEmoji: boolean;
}

const BT = '`';
const URL_BODY = String.raw`(?:[^\s<>()]|\([^\s<>()]*\))*`;
const TOKEN = new RegExp(
  [
    String.raw`(?<codeBlock>${BT}${BT}${BT}[\s\S]*?${BT}${BT}${BT})`,
    String.raw`${BT}${BT}(?<code2>[^${BT}][\s\S]*?)${BT}${BT}`,
    String.raw`${BT}(?<code1>[^${BT}]+)${BT}`,
    String.raw`\|\|(?<spoiler>[\s\S]+?)\|\|`,
    String.raw`\[(?<linkText>[^\[\]\n]{1,256})\]\(\s*<?https?:\/\/${URL_BODY}>?\s*\)`,
    String.raw`(?<hiddenUrl><https?:\/\/[^\s<>]+>)`,
    String.raw`(?<url>(?<![\p{L}\p{N}_.\/])(?:https?:\/\/|www\.|discord\.gg\/|discord(?:app)?\.com\/invite\/)[^\s<>]+)`,
    String.raw`<@!?(?<user>\d{1,20})>`,
    String.raw`<@&(?<role>\d{1,20})>`,
    String.raw`<#(?<channel>\d{1,20})>`,
    String.raw`<\/(?<slash>[^\s:<>\/][^:<>\n]{0,99}):\d{1,20}>`,
    String.raw`<t:(?<time>-?\d{1,16})(?::(?<timeStyle>[a-zA-Z]))?>`,
    String.raw`<a?:(?<emoji>[\p{L}\p{N}_~-]{1,64}):\d{1,20}>`,
    String.raw`<id:(?<nav>customize|browse|guide|linked-roles)(?::\d{1,20})?>`,
    String.raw`(?<![\p{L}\p{N}_])@(?<everyone>everyone|here)(?![\p{L}\p{N}_])`,
    String.raw`(?<![\p{N}])(?<digits>\d{17,})(?![\p{N}])`,
  ].join('|'),
  'gu',
);

const NAV_WORDS: Record<string, string> = {
  customize: 'channels and roles',
  browse: 'browse channels',
  guide: 'server guide',
  'linked-roles': 'linked roles',
};
/** Punctuation that ends a sentence rather than a URL ("see https://x.y/z."). */
const URL_TAIL_CHARS = `.,!?;:'")]`;
/** Neighbours that need no space between them and inserted words. */
const NO_SPACE_BEFORE = /^$|[\s([{]/u;
const NO_SPACE_AFTER = /^$|[\s.,!?;:…%'’)\]}"]/u;

function resolved(resolver: NameResolver | undefined, id: string, fallback: string): string {
  const name = resolver?.(id);
  const clean = name === undefined ? '' : cleanName(name);
  return clean === '' ? fallback : clean;
}

/** "pepe_laugh", "pepeLaugh" -> "pepe laugh". */
function emojiWords(name: string): string {
  return cleanName(name.replace(/[_~-]+/g, ' ').replace(/(\p{Ll})(\p{Lu})/gu, '$1 $2').toLowerCase());
}

/** The sentence punctuation at the end of a bare URL; a ')' closing a '(' of the URL belongs to it. */
function urlTail(url: string): string {
  let surplus = 0; // ')' not matched by an earlier '('
  for (const char of url) {
    if (char === '(') surplus--;
    else if (char === ')') surplus++;
  }
  let end = url.length;
  while (end > 0 && URL_TAIL_CHARS.includes(url.charAt(end - 1))) {
    if (url.charAt(end - 1) === ')') {
      if (surplus <= 0) break;
      surplus--;
    }
    end--;
  }
  return url.slice(end);
}

type Groups = Record<string, string | undefined>;

function wordsFor(groups: Groups, whole: string, context: TokenContext): string {
  const { code1, code2, linkText, url, user, role, channel, slash, time, emoji, nav, everyone, digits } = groups;
  if (groups.codeBlock !== undefined) return 'code block';
  const code = (code2 ?? code1)?.trim();
  if (code !== undefined) {
    if (code === '') return '';
    return codePointLength(code) <= MAX_SPOKEN_INLINE_CODE ? replaceTokens(code, context) : 'code';
  }
  if (groups.spoiler !== undefined) return 'spoiler';
  if (linkText !== undefined) return replaceTokens(linkText, context);
  if (groups.hiddenUrl !== undefined) return 'a link';
  if (url !== undefined) return `a link${urlTail(url)}`;
  if (user !== undefined) return resolved(context.resolveUser, user, 'unknown user');
  if (role !== undefined) return resolved(context.resolveRole, role, 'unknown role');
  if (channel !== undefined) return resolved(context.resolveChannel, channel, 'unknown channel');
  if (slash !== undefined) return `slash ${cleanName(slash) || 'command'}`;
  if (time !== undefined) return speakTimestamp(Number(time), groups.timeStyle, context);
  if (emoji !== undefined) return context.skipEmoji ? '' : emojiWords(emoji);
  if (nav !== undefined) return NAV_WORDS[nav] ?? '';
  if (everyone !== undefined) return everyone;
  if (digits !== undefined) return digits.length <= 20 ? 'an ID' : 'a long number';
  return whole;
}

/**
 * Replaces every Discord token in `text` with words (see TOKEN). Inserted words are spaced from their
 * neighbours (another token included) except before closing punctuation, so "<@1><@2>'s" reads "Ana Bob's".
 */
export function replaceTokens(text: string, context: TokenContext): string {
  return text.replace(TOKEN, (...args: unknown[]) => {
    const whole = args[0] as string;
    const groups = args[args.length - 1] as Groups;
    const offset = args[args.length - 3] as number;
    const words = wordsFor(groups, whole, context);
    const before = NO_SPACE_BEFORE.test(text.charAt(offset - 1)) ? '' : ' ';
    const after = NO_SPACE_AFTER.test(text.charAt(offset + whole.length)) ? '' : ' ';
    return words === '' ? ' ' : before + words + after;
  });
}
