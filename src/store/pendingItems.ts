/**
 * Pending items (issue 17): the texts accepted into a queue and not finished, kept so that after a crash their
 * authors are told what was not read. Shared checks of every Store implementation.
 */
import { StoreError } from './errors.js';
import type { PendingItem } from './types.js';
import { assertCount, assertId, isCount, isId, isPlainObject } from './validate.js';

/** A copy of `item` with only its known fields; throws StoreError('invalid_value') for a wrong one. */
export function checkPendingItem(item: PendingItem): PendingItem {
  if (!isPlainObject(item)) throw new StoreError('invalid_value', 'The pending item must be an object');
  assertId('key', item.key);
  assertId('guildId', item.guildId);
  assertId('channelId', item.channelId);
  assertId('authorId', item.authorId);
  assertCount('enqueuedAt', item.enqueuedAt);
  return { key: item.key, guildId: item.guildId, channelId: item.channelId, authorId: item.authorId, enqueuedAt: item.enqueuedAt };
}

/** A stored row as a PendingItem, or null when it holds something unusable (reported by the caller). */
export function readPendingItem(row: Record<string, unknown>): PendingItem | null {
  const { item_key: key, guild_id: guildId, channel_id: channelId, author_id: authorId } = row;
  // BIGINT columns come from PostgreSQL as strings.
  const at = row['enqueued_at'];
  const enqueuedAt = typeof at === 'string' && /^[0-9]{1,16}$/.test(at) ? Number(at) : at;
  if (!isId(key) || !isId(guildId) || !isId(channelId) || !isId(authorId) || !isCount(enqueuedAt)) return null;
  return { key, guildId, channelId, authorId, enqueuedAt };
}

/** Oldest first; the key breaks ties so that every store lists in the same order. */
export function byEnqueued(a: PendingItem, b: PendingItem): number {
  return a.enqueuedAt - b.enqueuedAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}
