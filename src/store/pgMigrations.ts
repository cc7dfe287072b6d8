/**
 * PostgreSQL schema, as numbered forward-only migrations like the SQLite ones (migrations.ts): append, never edit
 * one that shipped. The version lives in `parrot_schema`; every process migrates at start-up under an advisory
 * lock inside one transaction, so several shard processes starting at once migrate exactly once.
 */
import type pg from 'pg';
import { StoreError } from './errors.js';

export interface PgMigration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

/** The tables mirror the SQLite ones (same columns, same JSON blobs validated on read). */
export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    description: 'guild settings, member voices, dictionary, daily usage, active sessions, bot state',
    sql: `
      CREATE TABLE guild_settings (guild_id TEXT PRIMARY KEY, data TEXT NOT NULL);
      CREATE TABLE member_voices (
        guild_id TEXT NOT NULL, user_id TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (guild_id, user_id)
      );
      -- from_key is the lower-cased "from"; id keeps insertion order (a replaced entry keeps its id).
      CREATE TABLE dictionary_entries (
        id BIGSERIAL PRIMARY KEY, guild_id TEXT NOT NULL, from_key TEXT NOT NULL,
        from_text TEXT NOT NULL, to_text TEXT NOT NULL, UNIQUE (guild_id, from_key)
      );
      -- One row per guild and UTC day ("YYYY-MM-DD"); counters only ever grow by atomic increments.
      CREATE TABLE usage_days (
        guild_id TEXT NOT NULL, day TEXT NOT NULL, chars BIGINT NOT NULL, PRIMARY KEY (guild_id, day)
      );
      -- The account-wide budget sums a month over every guild.
      CREATE INDEX usage_days_day ON usage_days (day);
      CREATE TABLE active_sessions (guild_id TEXT PRIMARY KEY, voice_channel_id TEXT NOT NULL, text_channel_id TEXT);
      CREATE TABLE bot_state (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    `,
  },
  {
    version: 2,
    description: 'pool voices: the distinct voice each member who chose none was given (issue 19)',
    sql: `
      CREATE TABLE pool_voices (
        guild_id TEXT NOT NULL, user_id TEXT NOT NULL, voice_id TEXT NOT NULL, PRIMARY KEY (guild_id, user_id)
      );
    `,
  },
  {
    version: 3,
    description: "voices of one's own: designed and cloned voices, and voice designs counted per guild and month (issue 19)",
    sql: `
      -- created_at, last_used_at: ms since the epoch.
      CREATE TABLE owned_voices (
        voice_id TEXT PRIMARY KEY, kind TEXT NOT NULL, guild_id TEXT NOT NULL, user_id TEXT NOT NULL,
        description TEXT NOT NULL, created_at BIGINT NOT NULL, last_used_at BIGINT
      );
      CREATE INDEX owned_voices_guild ON owned_voices (guild_id, user_id);
      -- month: 'YYYY-MM' (UTC); counts only ever grow by atomic increments.
      CREATE TABLE voice_designs (
        guild_id TEXT NOT NULL, month TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (guild_id, month)
      );
    `,
  },
  {
    version: 4,
    description: "pending clone consents: a sample waiting for its owner's press survives a restart (issue 19)",
    sql: `
      -- Where to download the sample again (never its audio); times in ms since the epoch.
      CREATE TABLE pending_consents (
        token TEXT PRIMARY KEY, guild_id TEXT NOT NULL, user_id TEXT NOT NULL, sample_url TEXT NOT NULL,
        filename TEXT NOT NULL, content_type TEXT NOT NULL, size BIGINT NOT NULL, created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
      );
      CREATE INDEX pending_consents_member ON pending_consents (guild_id, user_id);
    `,
  },
  {
    version: 5,
    description: 'pending items: who has a text queued, and where, so a crash can tell them it was not read (issue 17)',
    sql: `
      -- No text, no message id, no name: only who and where. A row lives while its text is queued or being read.
      -- enqueued_at: ms since the epoch.
      CREATE TABLE pending_items (
        item_key TEXT PRIMARY KEY, guild_id TEXT NOT NULL, channel_id TEXT NOT NULL, author_id TEXT NOT NULL,
        enqueued_at BIGINT NOT NULL
      );
      CREATE INDEX pending_items_guild ON pending_items (guild_id);
    `,
  },
  {
    version: 6,
    description: 'account-wide budget: characters billed and reserved per UTC month, and the reservations each process holds (issue 17)',
    sql: `
      -- month: 'YYYY-MM' (UTC). used: billed; reserved: held by texts on their way to MiniMax.
      CREATE TABLE account_months (month TEXT PRIMARY KEY, used BIGINT NOT NULL, reserved BIGINT NOT NULL);
      -- owner: one id per process start; lease_until: ms since the epoch on the server's clock (renewed while it lives).
      CREATE TABLE account_holds (
        month TEXT NOT NULL, owner TEXT NOT NULL, chars BIGINT NOT NULL, lease_until BIGINT NOT NULL,
        PRIMARY KEY (month, owner)
      );
      CREATE INDEX account_holds_owner ON account_holds (owner);
    `,
  },
];

/** Any constant: the key of the advisory lock that serializes migrations across processes. */
const MIGRATION_LOCK = 0x70617272; // "parr"

/** Brings the database to the latest version; throws StoreError('newer_schema') for a newer database. */
export async function migratePg(client: pg.ClientBase, migrations: readonly PgMigration[] = PG_MIGRATIONS): Promise<{ from: number; to: number }> {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new StoreError('open_failed', `PostgreSQL migration ${i + 1} is numbered ${m.version}`);
  });
  const latest = migrations.length;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS parrot_schema (version INTEGER NOT NULL)');
    const row = (await client.query<{ version: number }>('SELECT version FROM parrot_schema')).rows[0];
    const from = row?.version ?? 0;
    if (from > latest) {
      throw new StoreError(
        'newer_schema',
        `The database has schema version ${from}, newer than the ${latest} this Parrot knows; upgrade Parrot or use another database`,
      );
    }
    for (const migration of migrations.slice(from)) await client.query(migration.sql);
    if (row === undefined) await client.query('INSERT INTO parrot_schema (version) VALUES ($1)', [latest]);
    else if (from !== latest) await client.query('UPDATE parrot_schema SET version = $1', [latest]);
    await client.query('COMMIT');
    return { from, to: latest };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
