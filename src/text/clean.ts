/**
 * A Discord message -> the text Parrot speaks, or null when nothing is worth saying. Pure: no discord.js, no I/O.
 *
 * Order matters: Unicode hygiene first (emoji are named before ZWJ and selectors are stripped), then Discord
 * tokens in one pass (so inserted names are never re-parsed), markdown, repeat capping, the dictionary, and last
 * MiniMax markup neutralisation, which therefore also covers names and dictionary output.
 */
import { describeAttachments } from './attachments.js';
import { compileDictionary } from './dictionary.js';
import { replaceEmoji, replaceEmoticons } from './emoji.js';
import { stripMarkdown } from './markdown.js';
import { neutraliseMarkup, normaliseMarkup } from './markup.js';
import { speakLongNumbers } from './names.js';
import { capRepeats } from './runs.js';
import { replaceTokens } from './tokens.js';
import { truncateSpeech } from './truncate.js';
import type { CleanOptions, MessageInput } from './types.js';
import { capCombiningMarks, codePointLength, normaliseSpaces, removeInvisible, removeLoneSurrogates } from './unicode.js';

/**
 * Longest input examined, in UTF-16 units. Discord messages have at most 4,000 characters; anything past this
 * is dropped (and the speech ends with ", and more") so hostile input costs bounded time.
 */
export const INPUT_SCAN_LIMIT = 20_000;

const SPACES = /\s+/g;
const SPACE_BEFORE_PUNCTUATION = / (?=[,.!?;:…%])/g;
const REPEATED_SEPARATORS = /([,;:])[,;:]+/g;
const COMMA_BEFORE_STOP = /,(?=[.!?])/g;
const LEADING_PUNCTUATION = /^[\s,.;:!?)\]}]+/;
const SPEAKABLE = /[\p{L}\p{N}]/u;
const SENTENCE_END = /[.!?…]$/;

/**
 * Unicode hygiene: unpaired surrogates removed, line breaks and odd spaces unified, emoji named or dropped,
 * invisible and control characters removed, combining marks capped, NFC.
 */
export function sanitizeText(text: string, skipEmoji: boolean): string {
  const visible = removeInvisible(replaceEmoji(normaliseSpaces(removeLoneSurrogates(text)), skipEmoji));
  return capCombiningMarks(visible.normalize('NFC')).normalize('NFC');
}

/** One line, single spaces, no space before punctuation, no doubled separators, no leading punctuation. */
function tidy(text: string): string {
  return text
    .replace(SPACES, ' ')
    .replace(SPACE_BEFORE_PUNCTUATION, '')
    .replace(REPEATED_SEPARATORS, '$1')
    .replace(COMMA_BEFORE_STOP, '')
    .replace(LEADING_PUNCTUATION, '')
    .trim();
}

function checkOptions(options: CleanOptions): void {
  if (!Number.isSafeInteger(options.maxLength) || options.maxLength < 1) {
    throw new RangeError(`maxLength must be a positive integer (got ${String(options.maxLength)})`);
  }
}

/** The message content as speech ('' when nothing speakable is left) and whether input was dropped. */
function speakContent(input: MessageInput, options: CleanOptions): { text: string; cut: boolean } {
  let content = removeLoneSurrogates(input.content);
  let cut = false;
  if (content.length > INPUT_SCAN_LIMIT) {
    // Only for floods: stripping invisibles first keeps "100k zero-width spaces, then hello" readable.
    content = removeInvisible(content);
    if (content.length > INPUT_SCAN_LIMIT) {
      const end = /[\uD800-\uDBFF]/.test(content.charAt(INPUT_SCAN_LIMIT - 1)) ? INPUT_SCAN_LIMIT - 1 : INPUT_SCAN_LIMIT;
      content = content.slice(0, end);
      cut = true;
    }
  }
  const allowMarkup = options.allowSpecialMarkup === true;
  let text = sanitizeText(content, options.skipEmoji);
  text = replaceTokens(text, {
    resolveUser: input.resolveUser,
    resolveRole: input.resolveRole,
    resolveChannel: input.resolveChannel,
    skipEmoji: options.skipEmoji,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
  });
  text = replaceEmoticons(text, options.skipEmoji);
  text = capRepeats(stripMarkdown(text), options.repeatedCharacterCap).replace(SPACES, ' ');
  const { dictionary } = options;
  const compiled =
    dictionary === undefined || 'apply' in dictionary ? dictionary : compileDictionary(dictionary, { allowSpecialMarkup: allowMarkup });
  if (compiled !== undefined && compiled.size > 0) {
    text = compiled.apply(text);
    text = sanitizeText(text, options.skipEmoji);
  }
  // Markdown removal and the dictionary can join digits into a new long run.
  text = speakLongNumbers(text);
  text = tidy(allowMarkup ? normaliseMarkup(text) : neutraliseMarkup(text));
  return { text: SPEAKABLE.test(text) ? text : '', cut };
}

/**
 * What to say for `input`, at most `options.maxLength` code points, or null when there is nothing to say
 * (empty, punctuation only, emoji only with skipEmoji...). Attachments and stickers are named after the text
 * ("look, with an image"). Throws RangeError only for an invalid maxLength; never for any content.
 */
export function cleanMessage(input: MessageInput, options: CleanOptions): string | null {
  checkOptions(options);
  const { text, cut } = speakContent(input, options);
  const phrase = describeAttachments(input.attachments, input.stickers);
  let speech: string;
  if (phrase === null) {
    if (text === '') return null;
    speech = truncateSpeech(text, options.maxLength, cut);
  } else if (text === '') {
    speech = truncateSpeech(phrase, options.maxLength);
  } else {
    const tail = `${SENTENCE_END.test(text) ? ' ' : ', '}with ${phrase}`;
    const room = options.maxLength - codePointLength(tail);
    speech = room >= 20 ? truncateSpeech(text, room, cut) + tail : truncateSpeech(text + tail, options.maxLength, cut);
  }
  speech = speech.normalize('NFC');
  return SPEAKABLE.test(speech) ? speech : null;
}
