import type Database from 'better-sqlite3';
import type { AccountLedger } from './accountLedger.js';
import { StoreError } from './errors.js';
import { SqliteAccountLedger } from './sqliteAccountLedger.js';
import { SqliteActiveSessions } from './sqliteActiveSessions.js';
import { SqliteBotState } from './sqliteBotState.js';
import { SqliteDictionary } from './sqliteDictionary.js';
import { SqliteGuildSettings } from './sqliteGuildSettings.js';
import { openSqliteDatabase, type SqliteStoreOptions } from './sqliteOpen.js';
import { SqliteOwnedVoices } from './sqliteOwnedVoices.js';
import { SqlitePendingConsents } from './sqlitePendingConsents.js';
import { SqlitePendingItems } from './sqlitePendingItems.js';
import { SqlitePoolVoices } from './sqlitePoolVoices.js';
import type { InvalidDataEvent, Report } from './sqliteRows.js';
import { prepareStatements, type Statements } from './sqliteStatements.js';
import { SqliteUsage } from './sqliteUsage.js';
import type {
  ActiveSession,
  ActiveSessionInfo,
  AddDictionaryResult,
  DictionaryEntry,
  GuildSettings,
  GuildSettingsPatch,
  OwnedVoice,
  PendingConsent,
  PendingItem,
  Store,
  UsageTotals,
  VoiceProfile,
  VoiceProfilePatch,
} from './types.js';
import { assertId } from './validate.js';

export { SQLITE_FILENAME, type SqliteStoreOptions } from './sqliteOpen.js';
export type { InvalidDataEvent } from './sqliteRows.js';

/**
 * Opens (creating when needed) the database: `<dataDir>/parrot.sqlite` in WAL mode, or an in-memory database,
 * and migrates it to the current schema. Throws StoreError('newer_schema') for a database written by a newer
 * Parrot and StoreError('open_failed') when the file cannot be opened or migrated.
 */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(openSqliteDatabase(options), options.onInvalidData);
}

/** The Store on SQLite (better-sqlite3). Create it with openSqliteStore. */
export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #onInvalidData: ((event: InvalidDataEvent) => void) | undefined;
  #closed = false;

  readonly #stmt: Statements;
  readonly #settings: SqliteGuildSettings;
  readonly #dictionary: SqliteDictionary;
  readonly #usage: SqliteUsage;
  readonly #owned: SqliteOwnedVoices;
  readonly #consents: SqlitePendingConsents;
  readonly #sessions: SqliteActiveSessions;
  readonly #state: SqliteBotState;
  readonly #pool: SqlitePoolVoices;
  readonly #pending: SqlitePendingItems;
  #ledger: SqliteAccountLedger | null = null;

  /** Use openSqliteStore; this expects a migrated database and takes ownership of it. */
  constructor(db: Database.Database, onInvalidData?: (event: InvalidDataEvent) => void) {
    this.#db = db;
    this.#onInvalidData = onInvalidData;
    const stmt = prepareStatements(db);
    const report: Report = (table, key, fields) => this.#report(table, key, fields);
    this.#stmt = stmt;
    this.#settings = new SqliteGuildSettings(db, stmt, report);
    this.#dictionary = new SqliteDictionary(db, stmt, report);
    this.#usage = new SqliteUsage(stmt, report);
    this.#owned = new SqliteOwnedVoices(stmt, report);
    this.#consents = new SqlitePendingConsents(db, report);
    this.#sessions = new SqliteActiveSessions(stmt, report);
    this.#state = new SqliteBotState(stmt, report);
    this.#pool = new SqlitePoolVoices(db, stmt, report);
    this.#pending = new SqlitePendingItems(stmt, report);
  }

  getGuildSettings(guildId: string): GuildSettings {
    this.#open();
    return this.#settings.get(guildId);
  }

  updateGuildSettings(guildId: string, patch: GuildSettingsPatch): GuildSettings {
    this.#open();
    return this.#settings.update(guildId, patch);
  }

  resetGuildVoice(guildId: string): GuildSettings {
    this.#open();
    return this.#settings.resetVoice(guildId);
  }

  getMemberVoice(guildId: string, userId: string): VoiceProfile {
    this.#open();
    return this.#settings.getMember(guildId, userId);
  }

  setMemberVoice(guildId: string, userId: string, patch: VoiceProfilePatch): VoiceProfile {
    this.#open();
    return this.#settings.setMember(guildId, userId, patch);
  }

  resetMemberVoice(guildId: string, userId: string): boolean {
    this.#open();
    return this.#settings.resetMember(guildId, userId);
  }

  addDictionaryEntry(guildId: string, entry: DictionaryEntry, limits: { maxEntries: number }): AddDictionaryResult {
    this.#open();
    return this.#dictionary.add(guildId, entry, limits);
  }

  removeDictionaryEntry(guildId: string, from: string): boolean {
    this.#open();
    return this.#dictionary.remove(guildId, from);
  }

  listDictionary(guildId: string): DictionaryEntry[] {
    this.#open();
    return this.#dictionary.list(guildId);
  }

  addUsage(guildId: string, chars: number, at: Date): void {
    this.#open();
    this.#usage.add(guildId, chars, at);
  }

  getUsage(guildId: string, at: Date): UsageTotals {
    this.#open();
    return this.#usage.get(guildId, at);
  }

  accountLedger(): AccountLedger {
    this.#open();
    this.#ledger ??= new SqliteAccountLedger(this.#db, () => this.#open());
    return this.#ledger;
  }

  getAccountUsage(at: Date): number {
    this.#open();
    return this.#usage.account(at);
  }

  pruneUsage(before: Date): number {
    this.#open();
    return this.#usage.prune(before);
  }

  savePendingConsent(consent: PendingConsent): void {
    this.#open();
    this.#consents.save(consent);
  }

  getPendingConsent(token: string): PendingConsent | null {
    this.#open();
    return this.#consents.get(token);
  }

  deletePendingConsent(token: string): boolean {
    this.#open();
    return this.#consents.delete(token);
  }

  saveOwnedVoice(voice: OwnedVoice): void {
    this.#open();
    this.#owned.save(voice);
  }

  getOwnedVoice(voiceId: string): OwnedVoice | null {
    this.#open();
    return this.#owned.get(voiceId);
  }

  findOwnedVoice(voiceId: string): Promise<OwnedVoice | null> {
    return Promise.resolve().then(() => this.getOwnedVoice(voiceId));
  }

  listOwnedVoices(guildId: string, userId?: string): OwnedVoice[] {
    this.#open();
    return this.#owned.list(guildId, userId);
  }

  touchOwnedVoice(voiceId: string, at: number): void {
    this.#open();
    this.#owned.touch(voiceId, at);
  }

  deleteOwnedVoice(voiceId: string): boolean {
    this.#open();
    return this.#owned.delete(voiceId);
  }

  addVoiceDesign(guildId: string, at: Date): void {
    this.#open();
    this.#owned.addDesign(guildId, at);
  }

  getVoiceDesigns(guildId: string, at: Date): number {
    this.#open();
    return this.#owned.designs(guildId, at);
  }

  setActiveSession(guildId: string, session: ActiveSessionInfo): void {
    this.#open();
    this.#sessions.set(guildId, session);
  }

  clearActiveSession(guildId: string): boolean {
    this.#open();
    return this.#sessions.clear(guildId);
  }

  listActiveSessions(): ActiveSession[] {
    this.#open();
    return this.#sessions.list();
  }

  getPlayoutDelay(): number | null {
    this.#open();
    return this.#state.getPlayoutDelay();
  }

  setPlayoutDelay(ms: number): void {
    this.#open();
    this.#state.setPlayoutDelay(ms);
  }

  getPoolVoices(guildId: string): Record<string, string> {
    this.#open();
    return this.#pool.list(guildId);
  }

  assignPoolVoice(guildId: string, userId: string, voiceId: string): string {
    this.#open();
    return this.#pool.assign(guildId, userId, voiceId);
  }

  addPendingItem(item: PendingItem): void {
    this.#open();
    this.#pending.add(item);
  }

  removePendingItem(key: string): void {
    this.#open();
    this.#pending.remove(key);
  }

  listPendingItems(guildId: string): PendingItem[] {
    this.#open();
    return this.#pending.list(guildId);
  }

  deleteGuild(guildId: string): void {
    this.#open();
    assertId('guildId', guildId);
    this.#db.transaction(() => {
      this.#stmt.deleteGuildPending.run(guildId);
      this.#stmt.deletePool.run(guildId);
      this.#stmt.deleteGuild.run(guildId);
      this.#stmt.deleteMembers.run(guildId);
      this.#stmt.deleteEntries.run(guildId);
      this.#stmt.deleteSession.run(guildId);
      this.#consents.deleteGuild(guildId);
    }).immediate();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }

  #open(): void {
    if (this.#closed) throw new StoreError('closed', 'The store is closed');
  }

  #report(table: string, key: string, fields: string[]): void {
    this.#onInvalidData?.({ table, key, fields });
  }
}
