/**
 * Display, role, channel, sticker and slash-command names -> something a voice can say. Names never carry
 * emoji, decorations ("💬┃general-chat" -> "general chat") or MiniMax markup, whatever the server allows.
 */
import { replaceEmoji } from './emoji.js';
import { neutraliseMarkup } from './markup.js';
import { capRepeats } from './runs.js';
import { cutToCodePoints } from './truncate.js';
import { capCombiningMarks, normaliseSpaces, removeInvisible, removeLoneSurrogates } from './unicode.js';

/** Longest name spoken, in code points (Discord display names have at most 32, channel names 100). */
export const MAX_NAME_LENGTH = 50;

/** Symbols, box drawing, separators and markdown characters used to decorate names. */
const DECORATION = /[\p{So}\p{Sk}\u2500-\u259F\u2022\u00B7\u30FB\uFF5C|*_~`>\\-]+/gu;
const SPACES = /\s+/g;
const LONG_NUMBER = /(?<!\p{N})\p{Nd}{17,}(?!\p{N})/gu;
const URL = /(?:https?:\/\/|www\.)\S+/g;
const SPEAKABLE = /[\p{L}\p{N}]/u;

/** Runs of 17+ digits (Discord IDs and worse) as words, never digit by digit. */
export function speakLongNumbers(text: string): string {
  return text.replace(LONG_NUMBER, (digits: string) => ([...digits].length <= 20 ? ' an ID ' : ' a long number '));
}

/** The speakable form of a name, or '' when nothing speakable is left. */
export function cleanName(name: string): string {
  let text = normaliseSpaces(removeLoneSurrogates(name));
  text = capCombiningMarks(removeInvisible(replaceEmoji(text, true)).normalize('NFC'));
  text = speakLongNumbers(text.replace(URL, ' a link '));
  text = neutraliseMarkup(text).replace(DECORATION, ' ');
  text = capRepeats(text, 3).replace(SPACES, ' ').trim();
  text = cutToCodePoints(text, MAX_NAME_LENGTH).trim();
  return SPEAKABLE.test(text) ? text : '';
}
