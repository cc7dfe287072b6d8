/** Keys and argument checks for dictionary, usage and session records, shared by every Store implementation. */
import type { ActiveSessionInfo, DictionaryEntry } from './types.js';
import { StoreError } from './errors.js';
import { assertCount, assertDate, assertId, assertString, isPlainObject } from './validate.js';

/** The key that makes dictionary `from` values unique regardless of case. */
export function dictionaryKey(from: string): string {
  return from.toLowerCase();
}

/** Checks `addDictionaryEntry`'s arguments; returns false when `from` is empty or only whitespace. */
export function checkDictionaryInput(entry: DictionaryEntry, limits: { maxEntries: number }): boolean {
  if (!isPlainObject(entry)) throw new StoreError('invalid_value', 'The dictionary entry must be an object');
  assertString('from', entry.from);
  assertString('to', entry.to);
  if (!isPlainObject(limits)) throw new StoreError('invalid_value', 'limits must be an object');
  assertCount('maxEntries', limits.maxEntries);
  return entry.from.trim().length > 0;
}

/** A stored dictionary row is usable when both sides are strings and `from` is not blank. */
export function isUsableDictionaryEntry(from: unknown, to: unknown): boolean {
  return typeof from === 'string' && typeof to === 'string' && from.trim().length > 0;
}

/** "YYYY-MM-DD" of the UTC calendar day containing `at`. */
export function utcDayKey(at: Date): string {
  assertDate('at', at);
  return at.toISOString().slice(0, 10);
}

/** First and last possible day keys of the UTC month containing `at` (day 31 bounds every month). */
export function utcMonthBounds(at: Date): { first: string; last: string } {
  assertDate('at', at);
  const month = at.toISOString().slice(0, 7);
  return { first: `${month}-01`, last: `${month}-31` };
}

/** Checks `addUsage`'s arguments. */
export function checkUsageInput(guildId: string, chars: number, at: Date): void {
  assertId('guildId', guildId);
  assertCount('chars', chars);
  assertDate('at', at);
}

/** Checks `setActiveSession`'s argument and returns a clean copy. */
export function checkSessionInput(session: ActiveSessionInfo): ActiveSessionInfo {
  if (!isPlainObject(session)) throw new StoreError('invalid_value', 'The session must be an object');
  assertId('voiceChannelId', session.voiceChannelId);
  const clean: ActiveSessionInfo = { voiceChannelId: session.voiceChannelId };
  const text: unknown = session.textChannelId;
  if (text !== undefined) {
    assertId('textChannelId', text);
    clean.textChannelId = text;
  }
  return clean;
}
