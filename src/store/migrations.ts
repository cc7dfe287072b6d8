/**
 * Numbered schema migrations, tracked in SQLite's `PRAGMA user_version`. Append new migrations; never edit one
 * that has shipped. All pending migrations run in one IMMEDIATE transaction, so a crash leaves the old version
 * and two processes opening the same file cannot both migrate.
 */
import type Database from 'better-sqlite3';
import { StoreError } from './errors.js';

export interface Migration {
  /** 1, 2, 3, ... in order; the database's user_version after this migration ran. */
  readonly version: number;
  readonly description: string;
  up(db: Database.Database): void;
}

/*
 * Settings and member voices are JSON blobs validated field by field on read, so adding a setting needs no
 * migration; the records queried by key (dictionary, usage, sessions) get columns.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'guild settings, member voices, dictionary, daily usage, active sessions',
    up(db) {
      db.exec(`
        CREATE TABLE guild_settings (
          guild_id TEXT PRIMARY KEY,
          data TEXT NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE member_voices (
          guild_id TEXT NOT NULL,
          user_id TEXT NOT NULL,
          data TEXT NOT NULL,
          PRIMARY KEY (guild_id, user_id)
        ) WITHOUT ROWID;

        -- from_key is the lower-cased "from": one entry per word regardless of case. id keeps insertion order.
        CREATE TABLE dictionary_entries (
          id INTEGER PRIMARY KEY,
          guild_id TEXT NOT NULL,
          from_key TEXT NOT NULL,
          from_text TEXT NOT NULL,
          to_text TEXT NOT NULL,
          UNIQUE (guild_id, from_key)
        );

        -- One row per guild and UTC day ("YYYY-MM-DD"); a month is the sum of its days.
        CREATE TABLE usage_days (
          guild_id TEXT NOT NULL,
          day TEXT NOT NULL,
          chars INTEGER NOT NULL,
          PRIMARY KEY (guild_id, day)
        ) WITHOUT ROWID;

        CREATE TABLE active_sessions (
          guild_id TEXT PRIMARY KEY,
          voice_channel_id TEXT NOT NULL,
          text_channel_id TEXT
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 2,
    description: 'bot state: values the bot learned and keeps across restarts (the playout delay)',
    up(db) {
      db.exec(`
        -- One row per value, as JSON; the store validates it on read.
        CREATE TABLE bot_state (
          name TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 3,
    description: 'pool voices: the distinct voice each member who chose none was given (issue 19)',
    up(db) {
      db.exec(`
        CREATE TABLE pool_voices (
          guild_id TEXT NOT NULL,
          user_id TEXT NOT NULL,
          voice_id TEXT NOT NULL,
          PRIMARY KEY (guild_id, user_id)
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 4,
    description: 'voices of one\'s own: designed and cloned voices, and voice designs counted per guild and month',
    up(db) {
      db.exec(`
        CREATE TABLE owned_voices (
          voice_id TEXT PRIMARY KEY,
          kind TEXT NOT NULL,
          guild_id TEXT NOT NULL,
          user_id TEXT NOT NULL,
          description TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          last_used_at INTEGER
        ) WITHOUT ROWID;
        CREATE INDEX owned_voices_member ON owned_voices (guild_id, user_id);

        -- month: 'YYYY-MM' (UTC)
        CREATE TABLE voice_designs (
          guild_id TEXT NOT NULL,
          month TEXT NOT NULL,
          count INTEGER NOT NULL,
          PRIMARY KEY (guild_id, month)
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 5,
    description: 'pending clone consents: a sample waiting for its owner\'s press survives a restart (issue 19)',
    up(db) {
      db.exec(`
        -- Where to download the sample again (never its audio); times in ms since the epoch.
        CREATE TABLE pending_consents (
          token TEXT PRIMARY KEY,
          guild_id TEXT NOT NULL,
          user_id TEXT NOT NULL,
          sample_url TEXT NOT NULL,
          filename TEXT NOT NULL,
          content_type TEXT NOT NULL,
          size INTEGER NOT NULL,
          created_at INTEGER NOT NULL,
          expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX pending_consents_member ON pending_consents (guild_id, user_id);
      `);
    },
  },
  {
    version: 6,
    description: 'pending items: who has a text queued, and where, so a crash can tell them it was not read (issue 17)',
    up(db) {
      db.exec(`
        -- No text, no message id, no name: only who and where. A row lives while its text is queued or being read.
        -- enqueued_at: ms since the epoch.
        CREATE TABLE pending_items (
          item_key TEXT PRIMARY KEY,
          guild_id TEXT NOT NULL,
          channel_id TEXT NOT NULL,
          author_id TEXT NOT NULL,
          enqueued_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX pending_items_guild ON pending_items (guild_id);
      `);
    },
  },
  {
    version: 7,
    description: 'account-wide budget: characters billed and reserved per UTC month, and the reservations each process holds (issue 17)',
    up(db) {
      db.exec(`
        -- month: 'YYYY-MM' (UTC). used: billed; reserved: held by texts on their way to MiniMax.
        CREATE TABLE account_months (
          month TEXT PRIMARY KEY,
          used INTEGER NOT NULL,
          reserved INTEGER NOT NULL
        ) WITHOUT ROWID;
        -- owner: one id per process start; lease_until: ms since the epoch (renewed while the process lives).
        CREATE TABLE account_holds (
          month TEXT NOT NULL,
          owner TEXT NOT NULL,
          chars INTEGER NOT NULL,
          lease_until INTEGER NOT NULL,
          PRIMARY KEY (month, owner)
        ) WITHOUT ROWID;
      `);
    },
  },
];

function userVersion(db: Database.Database): number {
  const version = db.pragma('user_version', { simple: true });
  if (typeof version !== 'number') throw new StoreError('open_failed', 'PRAGMA user_version did not return a number');
  return version;
}

/**
 * Brings the database to the latest version in `migrations`. Running it again is a no-op. A database whose
 * version is higher than the latest known one throws StoreError('newer_schema') and is left untouched.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): { from: number; to: number } {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new StoreError('open_failed', `Migration ${index + 1} is numbered ${migration.version}; migrations must be numbered 1, 2, 3, ...`);
    }
  });
  const latest = migrations.length;
  const run = db.transaction((): { from: number; to: number } => {
    // Read inside the transaction: another process may have migrated between our open and our lock.
    const from = userVersion(db);
    if (from > latest) {
      throw new StoreError(
        'newer_schema',
        `The database has schema version ${from}, newer than the ${latest} this Parrot knows; upgrade Parrot or use another data directory`,
      );
    }
    for (const migration of migrations.slice(from)) migration.up(db);
    // PRAGMA takes no bound parameters; `latest` is an integer we computed.
    if (latest !== from) db.pragma(`user_version = ${latest}`);
    return { from, to: latest };
  });
  return run.immediate();
}
