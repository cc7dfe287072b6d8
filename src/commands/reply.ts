import { escapeMarkdown } from 'discord.js';

/**
 * What a command returns: its answer, and whether everyone in the channel should see it. Expected outcomes
 * (bad input, no voice channel, queue full) are replies like any other, never exceptions.
 */
export interface Reply {
  content: string;
  /** Only the caller sees it. Most replies are private; those that change what everyone hears are not. */
  ephemeral: boolean;
  /** Files attached to the message (e.g. a designed voice's preview). */
  files?: { name: string; data: Buffer }[];
  /** Buttons under the message, in one row (at most 5); each press arrives as a component interaction. */
  buttons?: ReplyButton[];
}

export interface ReplyButton {
  /** At most 100 characters; the button handlers route on its prefix. */
  customId: string;
  label: string;
  style?: 'primary' | 'secondary' | 'danger';
}

/** A reply only the caller sees. */
export function privately(content: string): Reply {
  return { content, ephemeral: true };
}

/** A reply the whole channel sees (it still pings nobody: mentions are disabled on everything the bot sends). */
export function publicly(content: string): Reply {
  return { content, ephemeral: false };
}

/**
 * User- or upstream-given text (a display name, a voice name, a dictionary word) made to show as written inside a
 * bot message: no masked link, emphasis, heading, list, quote or code span of its own.
 */
export function literal(text: string): string {
  const escaped = escapeMarkdown(text, { maskedLink: true, heading: true, bulletedList: true, numberedList: true });
  // A block quote or subtext marker at the start of a line (escapeMarkdown leaves these).
  return escaped.replace(/^(\s*)(>|-#)/gm, '$1\\$2');
}

/** An id (a voice id) as a code span: shown exactly as written, as nothing else (a backtick would end the span early). */
export function codeSpan(id: string): string {
  return `\`${id.replace(/`/g, "'")}\``;
}

/** Discord's limit on a message's content. */
export const MAX_CONTENT = 2000;

/**
 * Bidi embeddings, overrides, isolates and marks, zero-width characters (not the joiner emoji sequences need),
 * and control characters other than line breaks: in user input echoed back (a voice name, a display name)
 * they could turn the rest of the bot's message around or hide text in it.
 */
const DECEPTIVE = /[^\P{Cc}\n]|[\u061C\u200B\u200C\u200E\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/gu;

/** Makes `text` safe to send: no deceptive characters (see above), cut to Discord's limit without splitting a surrogate pair. */
export function fitMessage(text: string, max = MAX_CONTENT): string {
  text = text.replace(DECEPTIVE, '');
  if (text.length <= max) return text;
  const points = Array.from(text);
  let out = '';
  for (const p of points) {
    if (out.length + p.length > max - 1) break;
    out += p;
  }
  return `${out}…`;
}
