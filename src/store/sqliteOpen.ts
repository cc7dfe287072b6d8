/** Opening SqliteStore's database file (or an in-memory one) and bringing it to the current schema. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from './errors.js';
import { migrate } from './migrations.js';
import type { InvalidDataEvent } from './sqliteRows.js';

/** File name of the database inside the data directory. */
export const SQLITE_FILENAME = 'parrot.sqlite';

export type SqliteStoreOptions = ({ dataDir: string } | { filename: ':memory:' }) & {
  /**
   * How long a write waits for another connection's lock before failing. Default 200 ms: the wait blocks the event
   * loop and so every voice player on it, and a write that fails is kept and retried (see ResilientStore), so a
   * short wait loses nothing. (Measured: a locked database held a write, and the players, 5043 ms at 5000.)
   */
  busyTimeoutMs?: number;
  /** Told about rows that held invalid data (so the app edge can log it; must not throw); the store never logs. */
  onInvalidData?: (event: InvalidDataEvent) => void;
};

/**
 * The migrated database of openSqliteStore (see there for what it throws); the caller owns it and closes it.
 */
export function openSqliteDatabase(options: SqliteStoreOptions): Database.Database {
  let filename: string;
  if ('dataDir' in options) {
    try {
      mkdirSync(options.dataDir, { recursive: true });
    } catch (cause) {
      throw new StoreError('open_failed', `Cannot create the data directory ${options.dataDir}`, { cause });
    }
    filename = join(options.dataDir, SQLITE_FILENAME);
  } else {
    filename = options.filename;
  }
  let db: Database.Database;
  try {
    db = new Database(filename, { timeout: options.busyTimeoutMs ?? 200 });
  } catch (cause) {
    throw new StoreError('open_failed', `Cannot open the database ${filename}`, { cause });
  }
  try {
    db.pragma('journal_mode = WAL');
    // With WAL, NORMAL is durable across application crashes; only a power loss can drop the last commits.
    db.pragma('synchronous = NORMAL');
    migrate(db);
  } catch (cause) {
    db.close();
    if (cause instanceof StoreError) throw cause;
    throw new StoreError('open_failed', `Cannot prepare the database ${filename}`, { cause });
  }
  return db;
}
