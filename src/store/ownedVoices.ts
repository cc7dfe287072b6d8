/** Checks and row reading for designed and cloned voices (OwnedVoice), shared by every Store implementation. */
import { StoreError } from './errors.js';
import type { OwnedVoice } from './types.js';
import { assertCount, assertId, assertString, isPlainObject } from './validate.js';

/** Checks `saveOwnedVoice`'s argument and returns a clean copy. */
export function checkOwnedVoice(voice: OwnedVoice): OwnedVoice {
  if (!isPlainObject(voice)) throw new StoreError('invalid_value', 'The voice must be an object');
  assertId('voiceId', voice.voiceId);
  if (voice.kind !== 'designed' && voice.kind !== 'cloned') throw new StoreError('invalid_value', 'kind must be designed or cloned');
  assertId('guildId', voice.guildId);
  assertId('userId', voice.userId);
  assertString('description', voice.description);
  assertCount('createdAt', voice.createdAt);
  if (voice.lastUsedAt !== null) assertCount('lastUsedAt', voice.lastUsedAt);
  const { voiceId, kind, guildId, userId, description, createdAt, lastUsedAt } = voice;
  return { voiceId, kind, guildId, userId, description, createdAt, lastUsedAt };
}

/** An OwnedVoice from a stored row, or undefined when the row is unusable. */
export function readOwnedVoice(row: Record<string, unknown>): OwnedVoice | undefined {
  const { voice_id: voiceId, kind, guild_id: guildId, user_id: userId, description, created_at: createdAt, last_used_at: lastUsedAt } = row;
  const id = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
  const count = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!id(voiceId) || (kind !== 'designed' && kind !== 'cloned') || !id(guildId) || !id(userId)) return undefined;
  if (typeof description !== 'string' || !count(createdAt) || (lastUsedAt !== null && !count(lastUsedAt))) return undefined;
  return { voiceId, kind, guildId, userId, description, createdAt, lastUsedAt };
}

/** "YYYY-MM" of the UTC month containing `at`. */
export function utcMonthKey(at: Date): string {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new StoreError('invalid_value', 'at must be a valid Date');
  return at.toISOString().slice(0, 7);
}
