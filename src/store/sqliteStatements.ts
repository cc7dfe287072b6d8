/** SQL of SqliteStore (schema in migrations.ts). Rows are typed `unknown` where the value is validated on read. */
import type Database from 'better-sqlite3';

export interface BlobRow {
  data: unknown;
}
export interface DictionaryRow {
  id: number;
  from_text: unknown;
  to_text: unknown;
}
export interface UsageRow {
  day: string;
  chars: unknown;
}
export interface SessionRow {
  guild_id: unknown;
  voice_channel_id: unknown;
  text_channel_id: unknown;
}

export interface OwnedVoiceRow {
  voice_id: unknown;
  kind: unknown;
  guild_id: unknown;
  user_id: unknown;
  description: unknown;
  created_at: unknown;
  last_used_at: unknown;
}

/** Every statement SqliteStore runs, prepared once per connection. */
export function prepareStatements(db: Database.Database) {
  return {
    getGuild: db.prepare<[string], BlobRow>('SELECT data FROM guild_settings WHERE guild_id = ?'),
    putGuild: db.prepare<[string, string]>(
      'INSERT INTO guild_settings (guild_id, data) VALUES (?, ?) ON CONFLICT (guild_id) DO UPDATE SET data = excluded.data',
    ),
    deleteGuild: db.prepare<[string]>('DELETE FROM guild_settings WHERE guild_id = ?'),
    getMember: db.prepare<[string, string], BlobRow>('SELECT data FROM member_voices WHERE guild_id = ? AND user_id = ?'),
    putMember: db.prepare<[string, string, string]>(
      'INSERT INTO member_voices (guild_id, user_id, data) VALUES (?, ?, ?) ON CONFLICT (guild_id, user_id) DO UPDATE SET data = excluded.data',
    ),
    deleteMember: db.prepare<[string, string]>('DELETE FROM member_voices WHERE guild_id = ? AND user_id = ?'),
    deleteMembers: db.prepare<[string]>('DELETE FROM member_voices WHERE guild_id = ?'),
    findEntry: db.prepare<[string, string], { id: number }>('SELECT id FROM dictionary_entries WHERE guild_id = ? AND from_key = ?'),
    countEntries: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM dictionary_entries WHERE guild_id = ?'),
    updateEntry: db.prepare<[string, string, number]>('UPDATE dictionary_entries SET from_text = ?, to_text = ? WHERE id = ?'),
    insertEntry: db.prepare<[string, string, string, string]>(
      'INSERT INTO dictionary_entries (guild_id, from_key, from_text, to_text) VALUES (?, ?, ?, ?)',
    ),
    deleteEntry: db.prepare<[string, string]>('DELETE FROM dictionary_entries WHERE guild_id = ? AND from_key = ?'),
    deleteEntries: db.prepare<[string]>('DELETE FROM dictionary_entries WHERE guild_id = ?'),
    listEntries: db.prepare<[string], DictionaryRow>(
      'SELECT id, from_text, to_text FROM dictionary_entries WHERE guild_id = ? ORDER BY id',
    ),
    addUsage: db.prepare<[string, string, number]>(
      'INSERT INTO usage_days (guild_id, day, chars) VALUES (?, ?, ?) ON CONFLICT (guild_id, day) DO UPDATE SET chars = chars + excluded.chars',
    ),
    accountUsage: db.prepare<[string, string], { n: number }>('SELECT COALESCE(SUM(chars), 0) AS n FROM usage_days WHERE day BETWEEN ? AND ?'),
    pruneUsage: db.prepare<[string]>('DELETE FROM usage_days WHERE day < ?'),
    usageBetween: db.prepare<[string, string, string], UsageRow>(
      'SELECT day, chars FROM usage_days WHERE guild_id = ? AND day BETWEEN ? AND ?',
    ),
    putSession: db.prepare<[string, string, string | null]>(
      `INSERT INTO active_sessions (guild_id, voice_channel_id, text_channel_id) VALUES (?, ?, ?)
       ON CONFLICT (guild_id) DO UPDATE SET voice_channel_id = excluded.voice_channel_id, text_channel_id = excluded.text_channel_id`,
    ),
    deleteSession: db.prepare<[string]>('DELETE FROM active_sessions WHERE guild_id = ?'),
    getState: db.prepare<[string], { value: unknown }>('SELECT value FROM bot_state WHERE name = ?'),
    putState: db.prepare<[string, string]>(
      'INSERT INTO bot_state (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
    ),
    listPool: db.prepare<[string], { user_id: unknown; voice_id: unknown }>('SELECT user_id, voice_id FROM pool_voices WHERE guild_id = ?'),
    getPool: db.prepare<[string, string], { voice_id: unknown }>('SELECT voice_id FROM pool_voices WHERE guild_id = ? AND user_id = ?'),
    putPool: db.prepare<[string, string, string]>(
      'INSERT INTO pool_voices (guild_id, user_id, voice_id) VALUES (?, ?, ?) ON CONFLICT (guild_id, user_id) DO NOTHING',
    ),
    deletePool: db.prepare<[string]>('DELETE FROM pool_voices WHERE guild_id = ?'),
    putOwnedVoice: db.prepare<[string, string, string, string, string, number, number | null]>(
      `INSERT INTO owned_voices (voice_id, kind, guild_id, user_id, description, created_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (voice_id) DO UPDATE SET kind = excluded.kind, guild_id = excluded.guild_id, user_id = excluded.user_id,
       description = excluded.description, created_at = excluded.created_at, last_used_at = excluded.last_used_at`,
    ),
    getOwnedVoice: db.prepare<[string], OwnedVoiceRow>('SELECT * FROM owned_voices WHERE voice_id = ?'),
    listOwnedVoices: db.prepare<[string, string], OwnedVoiceRow>(
      'SELECT * FROM owned_voices WHERE guild_id = ? AND user_id = ? ORDER BY created_at, voice_id',
    ),
    listGuildOwnedVoices: db.prepare<[string], OwnedVoiceRow>('SELECT * FROM owned_voices WHERE guild_id = ? ORDER BY created_at, voice_id'),
    touchOwnedVoice: db.prepare<[number, string]>('UPDATE owned_voices SET last_used_at = ? WHERE voice_id = ?'),
    deleteOwnedVoice: db.prepare<[string]>('DELETE FROM owned_voices WHERE voice_id = ?'),
    addVoiceDesign: db.prepare<[string, string]>(
      'INSERT INTO voice_designs (guild_id, month, count) VALUES (?, ?, 1) ON CONFLICT (guild_id, month) DO UPDATE SET count = count + 1',
    ),
    getVoiceDesigns: db.prepare<[string, string], { count: unknown }>('SELECT count FROM voice_designs WHERE guild_id = ? AND month = ?'),
    putPending: db.prepare<[string, string, string, string, number]>(
      `INSERT INTO pending_items (item_key, guild_id, channel_id, author_id, enqueued_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (item_key) DO UPDATE SET guild_id = excluded.guild_id, channel_id = excluded.channel_id,
       author_id = excluded.author_id, enqueued_at = excluded.enqueued_at`,
    ),
    deletePending: db.prepare<[string]>('DELETE FROM pending_items WHERE item_key = ?'),
    deleteGuildPending: db.prepare<[string]>('DELETE FROM pending_items WHERE guild_id = ?'),
    listPending: db.prepare<[string], Record<string, unknown>>('SELECT * FROM pending_items WHERE guild_id = ? ORDER BY enqueued_at, item_key'),
    listSessions: db.prepare<[], SessionRow>('SELECT guild_id, voice_channel_id, text_channel_id FROM active_sessions ORDER BY guild_id'),
  };
}
export type Statements = ReturnType<typeof prepareStatements>;
