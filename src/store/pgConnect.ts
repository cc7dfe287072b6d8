/** PgStore's opening: the pool, the schema brought up to date, and the rows this process needs read into memory. */
import pg from 'pg';
import { usageRetentionStart } from './budget.js';
import { StoreError } from './errors.js';
import { loadPgState, type LoadedState, type ShardFilter } from './pgLoad.js';
import { migratePg } from './pgMigrations.js';
import { redactDatabaseUrl, scrubSecret } from './pgUrl.js';
import type { InvalidDataEvent } from './SqliteStore.js';

export interface PgConnectOptions {
  /** postgres://user:password@host:port/database (the password never reaches a message). */
  url: string;
  /** Only these shards' guilds are loaded (a process running some shards); absent: every guild. */
  shards?: ShardFilter;
  onInvalidData?: (event: InvalidDataEvent) => void;
  /** Connections to the server. Default 4. */
  poolSize?: number;
  /** Deadline for connecting, and for one statement. Defaults 10 s and 30 s. */
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
}

/** Connects, migrates and loads; throws StoreError('open_failed' | 'newer_schema') with the URL redacted. */
export async function connectPg(options: PgConnectOptions): Promise<{ pool: pg.Pool; state: LoadedState }> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 4,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    query_timeout: options.statementTimeoutMs ?? 30_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle connection the server dropped (restart): the next query opens a new one; the writer reports outages.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    try {
      await migratePg(client);
    } finally {
      client.release();
    }
    const state = await loadPgState(pool, options.shards, usageRetentionStart(new Date()), (e) => options.onInvalidData?.(e));
    return { pool, state };
  } catch (cause) {
    await pool.end().catch(() => undefined);
    if (cause instanceof StoreError && cause.code === 'newer_schema') throw cause;
    const why = cause instanceof Error ? scrubSecret(cause.message, options.url) : 'unknown error';
    throw new StoreError('open_failed', `Cannot open the PostgreSQL database ${redactDatabaseUrl(options.url)}: ${why}`);
  }
}
