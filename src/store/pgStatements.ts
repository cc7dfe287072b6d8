/** PgStore's write-through statements (the tables are in pgMigrations.ts). */
export const SQL = {
  putGuild: 'INSERT INTO guild_settings (guild_id, data) VALUES ($1, $2) ON CONFLICT (guild_id) DO UPDATE SET data = EXCLUDED.data',
  putMember:
    'INSERT INTO member_voices (guild_id, user_id, data) VALUES ($1, $2, $3) ON CONFLICT (guild_id, user_id) DO UPDATE SET data = EXCLUDED.data',
  deleteMember: 'DELETE FROM member_voices WHERE guild_id = $1 AND user_id = $2',
  putEntry: `INSERT INTO dictionary_entries (guild_id, from_key, from_text, to_text) VALUES ($1, $2, $3, $4)
    ON CONFLICT (guild_id, from_key) DO UPDATE SET from_text = EXCLUDED.from_text, to_text = EXCLUDED.to_text`,
  deleteEntry: 'DELETE FROM dictionary_entries WHERE guild_id = $1 AND from_key = $2',
  addUsage: `INSERT INTO usage_days (guild_id, day, chars) VALUES ($1, $2, $3)
    ON CONFLICT (guild_id, day) DO UPDATE SET chars = usage_days.chars + EXCLUDED.chars`,
  pruneUsage: 'DELETE FROM usage_days WHERE day < $1',
  putSession: `INSERT INTO active_sessions (guild_id, voice_channel_id, text_channel_id) VALUES ($1, $2, $3)
    ON CONFLICT (guild_id) DO UPDATE SET voice_channel_id = EXCLUDED.voice_channel_id, text_channel_id = EXCLUDED.text_channel_id`,
  deleteSession: 'DELETE FROM active_sessions WHERE guild_id = $1',
  putState: 'INSERT INTO bot_state (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value',
  deleteGuild: 'DELETE FROM guild_settings WHERE guild_id = $1',
  deleteMembers: 'DELETE FROM member_voices WHERE guild_id = $1',
  deleteEntries: 'DELETE FROM dictionary_entries WHERE guild_id = $1',
  putPool: 'INSERT INTO pool_voices (guild_id, user_id, voice_id) VALUES ($1, $2, $3) ON CONFLICT (guild_id, user_id) DO NOTHING',
  deletePool: 'DELETE FROM pool_voices WHERE guild_id = $1',
  putOwnedVoice: `INSERT INTO owned_voices (voice_id, kind, guild_id, user_id, description, created_at, last_used_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (voice_id) DO UPDATE SET kind = EXCLUDED.kind, guild_id = EXCLUDED.guild_id,
    user_id = EXCLUDED.user_id, description = EXCLUDED.description, created_at = EXCLUDED.created_at, last_used_at = EXCLUDED.last_used_at`,
  touchOwnedVoice: 'UPDATE owned_voices SET last_used_at = $1 WHERE voice_id = $2',
  deleteOwnedVoice: 'DELETE FROM owned_voices WHERE voice_id = $1',
  getOwnedVoice: 'SELECT * FROM owned_voices WHERE voice_id = $1',
  /** Member profiles (JSON written by PgStore) that chose the voice: the voice is unset. */
  unsetMemberVoice: `UPDATE member_voices SET data = (data::jsonb - 'voiceId')::text
    WHERE CASE WHEN strpos(data, '"voiceId":' || to_json($1::text)::text) > 0 THEN data::jsonb ->> 'voiceId' = $1 ELSE false END`,
  addVoiceDesign: `INSERT INTO voice_designs (guild_id, month, count) VALUES ($1, $2, 1)
    ON CONFLICT (guild_id, month) DO UPDATE SET count = voice_designs.count + 1`,
  putConsent: `INSERT INTO pending_consents (token, guild_id, user_id, sample_url, filename, content_type, size, created_at, expires_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (token) DO UPDATE SET guild_id = EXCLUDED.guild_id, user_id = EXCLUDED.user_id,
    sample_url = EXCLUDED.sample_url, filename = EXCLUDED.filename, content_type = EXCLUDED.content_type, size = EXCLUDED.size,
    created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at`,
  pruneConsents: 'DELETE FROM pending_consents WHERE expires_at <= $1 OR (guild_id = $2 AND user_id = $3)',
  deleteConsent: 'DELETE FROM pending_consents WHERE token = $1',
  deleteGuildConsents: 'DELETE FROM pending_consents WHERE guild_id = $1',
  putPending: `INSERT INTO pending_items (item_key, guild_id, channel_id, author_id, enqueued_at) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (item_key) DO UPDATE SET guild_id = EXCLUDED.guild_id, channel_id = EXCLUDED.channel_id,
    author_id = EXCLUDED.author_id, enqueued_at = EXCLUDED.enqueued_at`,
  deletePending: 'DELETE FROM pending_items WHERE item_key = $1',
  deleteGuildPending: 'DELETE FROM pending_items WHERE guild_id = $1',
  accountMonth: 'SELECT COALESCE(SUM(chars), 0)::bigint AS chars FROM usage_days WHERE day BETWEEN $1 AND $2',
} as const;
