/** SqliteStore's pending clone consents (pending_consents, migration 5); statements prepared here, once. */
import type Database from 'better-sqlite3';
import { checkPendingConsent, readPendingConsent } from './pendingConsents.js';
import type { PendingConsent } from './types.js';
import { assertId } from './validate.js';

type Report = (table: string, key: string, fields: string[]) => void;

export class SqlitePendingConsents {
  readonly #db: Database.Database;
  readonly #report: Report;
  readonly #put;
  readonly #prune;
  readonly #get;
  readonly #delete;
  readonly #deleteGuild;

  constructor(db: Database.Database, report: Report) {
    this.#db = db;
    this.#report = report;
    this.#put = db.prepare<[string, string, string, string, string, string, number, number, number]>(
      `INSERT INTO pending_consents (token, guild_id, user_id, sample_url, filename, content_type, size, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#prune = db.prepare<[number, string, string]>('DELETE FROM pending_consents WHERE expires_at <= ? OR (guild_id = ? AND user_id = ?)');
    this.#get = db.prepare<[string], Record<string, unknown>>('SELECT * FROM pending_consents WHERE token = ?');
    this.#delete = db.prepare<[string]>('DELETE FROM pending_consents WHERE token = ?');
    this.#deleteGuild = db.prepare<[string]>('DELETE FROM pending_consents WHERE guild_id = ?');
  }

  save(consent: PendingConsent): void {
    const c = checkPendingConsent(consent);
    this.#db.transaction(() => {
      this.#prune.run(c.createdAt, c.guildId, c.userId);
      this.#delete.run(c.token);
      this.#put.run(c.token, c.guildId, c.userId, c.sampleUrl, c.filename, c.contentType, c.size, c.createdAt, c.expiresAt);
    }).immediate();
  }

  get(token: string): PendingConsent | null {
    assertId('token', token);
    const row = this.#get.get(token);
    if (row === undefined) return null;
    const consent = readPendingConsent(row);
    if (!consent) this.#report('pending_consents', token, ['*']);
    return consent ?? null;
  }

  delete(token: string): boolean {
    assertId('token', token);
    return this.#delete.run(token).changes > 0;
  }

  deleteGuild(guildId: string): void {
    this.#deleteGuild.run(guildId);
  }
}
