/**
 * PgStore's start-up read: the rows this process needs, into memory. With sharding only the guilds of this
 * process's shards are read, filtered in SQL by Discord's rule `(guild_id >> 22) % count`.
 */
import type pg from 'pg';
import { MemoryStore } from './MemoryStore.js';
import { readOwnedVoice } from './ownedVoices.js';
import { readPendingConsent } from './pendingConsents.js';
import { readPendingItem } from './pendingItems.js';
import { isUsableDictionaryEntry, utcDayKey } from './records.js';
import { readStoredGuildSettings, readVoiceProfile, type StoredGuildSettings } from './settings.js';
import type { InvalidDataEvent } from './SqliteStore.js';
import type { OwnedVoice } from './types.js';
import { isCount, isId } from './validate.js';

/** The shards a process runs: only their guilds are loaded. */
export interface ShardFilter {
  ids: readonly number[];
  count: number;
}

export interface LoadedState {
  guilds: Map<string, StoredGuildSettings>;
  /** Member voices, dictionary, usage, sessions, pool voices, owned voices, voice designs, pending consents, pending items and the playout delay. */
  memory: MemoryStore;
}

/**
 * `guild_id` belongs to one of `$1` (shard ids) of `$2` shards; ids that are not snowflakes belong to none (CASE,
 * unlike AND, guarantees the cast only sees digits).
 */
const SHARD_WHERE = `CASE WHEN guild_id ~ '^[0-9]{1,19}$' THEN ((guild_id::bigint >> 22) % $2::int) = ANY($1::int[]) ELSE false END`;

/** Loads every row of the shards' guilds (usage from `usageSince` on) and the bot's own state. */
export async function loadPgState(
  pool: pg.Pool,
  shards: ShardFilter | undefined,
  usageSince: Date,
  report: (event: InvalidDataEvent) => void,
): Promise<LoadedState> {
  // Unsharded: every row ($1 = $2 = null, and a WHERE that is always true).
  const filter = shards ? [[...shards.ids], shards.count] : [null, null];
  const where = shards ? SHARD_WHERE : '($1::int[] IS NULL AND $2::int IS NULL)';
  const q = <R extends pg.QueryResultRow>(text: string, extra: unknown[] = []) =>
    pool.query<R>(text.replaceAll('SHARD_WHERE', () => where), [...filter, ...extra]);
  const [settings, members, entries, usage, sessions, poolVoices, owned, designs, pending, state, consents] = await Promise.all([
    q<{ guild_id: string; data: string }>(`SELECT guild_id, data FROM guild_settings WHERE SHARD_WHERE`),
    q<{ guild_id: string; user_id: string; data: string }>(`SELECT guild_id, user_id, data FROM member_voices WHERE SHARD_WHERE`),
    q<{ id: string; guild_id: string; from_text: string; to_text: string }>(
      `SELECT id, guild_id, from_text, to_text FROM dictionary_entries WHERE SHARD_WHERE ORDER BY id`,
    ),
    q<{ guild_id: string; day: string; chars: string }>(`SELECT guild_id, day, chars FROM usage_days WHERE SHARD_WHERE AND day >= $3`, [
      utcDayKey(usageSince),
    ]),
    q<{ guild_id: string; voice_channel_id: string; text_channel_id: string | null }>(
      `SELECT guild_id, voice_channel_id, text_channel_id FROM active_sessions WHERE SHARD_WHERE`,
    ),
    q<{ guild_id: string; user_id: string; voice_id: string }>(`SELECT guild_id, user_id, voice_id FROM pool_voices WHERE SHARD_WHERE`),
    q<Record<string, unknown>>(`SELECT * FROM owned_voices WHERE SHARD_WHERE`),
    q<{ guild_id: string; month: string; count: number }>(`SELECT guild_id, month, count FROM voice_designs WHERE SHARD_WHERE`),
    q<Record<string, unknown>>(`SELECT * FROM pending_items WHERE SHARD_WHERE`),
    pool.query<{ name: string; value: string }>('SELECT name, value FROM bot_state'),
    q<Record<string, unknown>>(`SELECT * FROM pending_consents WHERE SHARD_WHERE ORDER BY created_at`),
  ]);
  const guilds = new Map<string, StoredGuildSettings>();
  const memory = new MemoryStore();
  for (const row of settings.rows) {
    const dropped: string[] = [];
    const parsed = parseJson(row.data);
    guilds.set(row.guild_id, readStoredGuildSettings(parsed.ok ? parsed.value : undefined, dropped));
    if (!parsed.ok) dropped.splice(0, dropped.length, '*');
    if (dropped.length > 0) report({ table: 'guild_settings', key: row.guild_id, fields: dropped });
  }
  for (const row of members.rows) {
    const dropped: string[] = [];
    const parsed = parseJson(row.data);
    const profile = parsed.ok ? readVoiceProfile(parsed.value, 'voice', dropped) : {};
    if (!parsed.ok) dropped.push('*');
    if (dropped.length > 0) report({ table: 'member_voices', key: `${row.guild_id}/${row.user_id}`, fields: dropped });
    if (Object.keys(profile).length > 0) memory.setMemberVoice(row.guild_id, row.user_id, profile);
  }
  for (const row of entries.rows) {
    if (!isUsableDictionaryEntry(row.from_text, row.to_text)) {
      report({ table: 'dictionary_entries', key: `${row.guild_id}#${row.id}`, fields: ['*'] });
      continue;
    }
    memory.addDictionaryEntry(row.guild_id, { from: row.from_text, to: row.to_text }, { maxEntries: Number.MAX_SAFE_INTEGER });
  }
  for (const row of usage.rows) {
    const chars = Number(row.chars);
    const at = new Date(`${row.day}T12:00:00.000Z`);
    if (!isCount(chars) || Number.isNaN(at.getTime())) {
      report({ table: 'usage_days', key: `${row.guild_id}/${row.day}`, fields: ['chars'] });
      continue;
    }
    memory.addUsage(row.guild_id, chars, at);
  }
  for (const row of sessions.rows) {
    if (!row.voice_channel_id) continue;
    memory.setActiveSession(row.guild_id, {
      voiceChannelId: row.voice_channel_id,
      ...(row.text_channel_id ? { textChannelId: row.text_channel_id } : {}),
    });
  }
  for (const row of poolVoices.rows) {
    if (isId(row.user_id) && isId(row.voice_id)) memory.assignPoolVoice(row.guild_id, row.user_id, row.voice_id);
    else report({ table: 'pool_voices', key: `${row.guild_id}/${row.user_id}`, fields: ['*'] });
  }
  loadOwnedVoices(memory, owned.rows, designs.rows, report);
  for (const row of consents.rows) {
    const consent = readPendingConsent(row);
    if (consent) memory.savePendingConsent(consent);
    else report({ table: 'pending_consents', key: String(row['token']), fields: ['*'] });
  }
  for (const row of pending.rows) {
    const item = readPendingItem(row);
    if (item) memory.addPendingItem(item);
    else report({ table: 'pending_items', key: String(row['item_key']), fields: ['*'] });
  }
  const delay = state.rows.find((r) => r.name === PLAYOUT_DELAY);
  if (delay) {
    const parsed = parseJson(delay.value);
    if (parsed.ok && isCount(parsed.value)) memory.setPlayoutDelay(parsed.value);
    else report({ table: 'bot_state', key: PLAYOUT_DELAY, fields: ['*'] });
  }
  return { guilds, memory };
}

/** Designed and cloned voices, and the voice designs counted per month (BIGINT columns arrive as strings). */
function loadOwnedVoices(
  memory: MemoryStore,
  owned: Record<string, unknown>[],
  designs: { guild_id: string; month: string; count: number }[],
  report: (event: InvalidDataEvent) => void,
): void {
  for (const row of owned) {
    const voice = readPgOwnedVoice(row);
    if (voice) memory.saveOwnedVoice(voice);
    else report({ table: 'owned_voices', key: String(row['voice_id']), fields: ['*'] });
  }
  for (const row of designs) {
    if (isCount(row.count) && /^[0-9]{4}-(0[1-9]|1[0-2])$/.test(row.month)) memory.loadVoiceDesigns(row.guild_id, row.month, row.count);
    else report({ table: 'voice_designs', key: `${row.guild_id}/${row.month}`, fields: ['count'] });
  }
}

/** An owned_voices row (its BIGINT columns arrive as strings), or undefined when it is unusable. */
export function readPgOwnedVoice(row: Record<string, unknown>): OwnedVoice | undefined {
  const int = (v: unknown): unknown => (typeof v === 'string' && /^[0-9]{1,16}$/.test(v) ? Number(v) : v);
  return readOwnedVoice({ ...row, created_at: int(row['created_at']), last_used_at: int(row['last_used_at']) });
}

/** bot_state's row for the learned playout delay (the same name SQLite uses). */
export const PLAYOUT_DELAY = 'playout_delay_ms';

function parseJson(data: unknown): { ok: true; value: unknown } | { ok: false } {
  if (typeof data !== 'string') return { ok: false };
  try {
    return { ok: true, value: JSON.parse(data) as unknown };
  } catch {
    return { ok: false };
  }
}
