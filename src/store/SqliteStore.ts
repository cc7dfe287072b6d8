import type Database from 'better-sqlite3';
import type { AccountLedger } from './accountLedger.js';
import { StoreError } from './errors.js';
import { SqliteAccountLedger } from './sqliteAccountLedger.js';
import { openSqliteDatabase, type SqliteStoreOptions } from './sqliteOpen.js';
import { SqliteOwnedVoices } from './sqliteOwnedVoices.js';
import { SqlitePendingConsents } from './sqlitePendingConsents.js';
import { checkPendingItem, readPendingItem } from './pendingItems.js';
import { isNonEmptyString, parseJson, type InvalidDataEvent } from './sqliteRows.js';
import { prepareStatements, type Statements } from './sqliteStatements.js';
import {
  checkDictionaryInput,
  checkSessionInput,
  checkUsageInput,
  dictionaryKey,
  isUsableDictionaryEntry,
  utcDayKey,
  utcMonthBounds,
} from './records.js';
import {
  applyGuildSettingsPatch,
  applyVoicePatch,
  emptyStoredGuildSettings,
  readStoredGuildSettings,
  readVoiceProfile,
  withDefaults,
  type StoredGuildSettings,
} from './settings.js';
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
import { assertCount, assertId, assertString, isCount } from './validate.js';

/** bot_state's row for the learned playout delay. */
const PLAYOUT_DELAY = 'playout_delay_ms';

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
  readonly #owned: SqliteOwnedVoices;
  readonly #consents: SqlitePendingConsents;
  #ledger: SqliteAccountLedger | null = null;

  /** Use openSqliteStore; this expects a migrated database and takes ownership of it. */
  constructor(db: Database.Database, onInvalidData?: (event: InvalidDataEvent) => void) {
    this.#db = db;
    this.#onInvalidData = onInvalidData;
    this.#stmt = prepareStatements(db);
    this.#owned = new SqliteOwnedVoices(this.#stmt, (table, key, fields) => this.#report(table, key, fields));
    this.#consents = new SqlitePendingConsents(db, (table, key, fields) => this.#report(table, key, fields));
  }

  getGuildSettings(guildId: string): GuildSettings {
    this.#open();
    assertId('guildId', guildId);
    return withDefaults(this.#readGuild(guildId));
  }

  updateGuildSettings(guildId: string, patch: GuildSettingsPatch): GuildSettings {
    this.#open();
    assertId('guildId', guildId);
    return this.#writeGuild(guildId, (stored) => applyGuildSettingsPatch(stored, patch));
  }

  resetGuildVoice(guildId: string): GuildSettings {
    this.#open();
    assertId('guildId', guildId);
    return this.#writeGuild(guildId, (stored) => ({ ...stored, voice: {} }));
  }

  getMemberVoice(guildId: string, userId: string): VoiceProfile {
    this.#open();
    assertId('guildId', guildId);
    assertId('userId', userId);
    return this.#readMember(guildId, userId);
  }

  setMemberVoice(guildId: string, userId: string, patch: VoiceProfilePatch): VoiceProfile {
    this.#open();
    assertId('guildId', guildId);
    assertId('userId', userId);
    const write = this.#db.transaction((): VoiceProfile => {
      const next = applyVoicePatch(this.#readMember(guildId, userId), patch);
      // An emptied profile is the same as none: drop the row instead of keeping "{}".
      if (Object.keys(next).length === 0) this.#stmt.deleteMember.run(guildId, userId);
      else this.#stmt.putMember.run(guildId, userId, JSON.stringify(next));
      return next;
    });
    return { ...write.immediate() };
  }

  resetMemberVoice(guildId: string, userId: string): boolean {
    this.#open();
    assertId('guildId', guildId);
    assertId('userId', userId);
    return this.#stmt.deleteMember.run(guildId, userId).changes > 0;
  }

  addDictionaryEntry(guildId: string, entry: DictionaryEntry, limits: { maxEntries: number }): AddDictionaryResult {
    this.#open();
    assertId('guildId', guildId);
    if (!checkDictionaryInput(entry, limits)) return { ok: false, reason: 'empty_from' };
    const key = dictionaryKey(entry.from);
    const add = this.#db.transaction((): AddDictionaryResult => {
      const existing = this.#stmt.findEntry.get(guildId, key);
      if (existing !== undefined) {
        this.#stmt.updateEntry.run(entry.from, entry.to, existing.id);
        return { ok: true, replaced: true };
      }
      const count = this.#stmt.countEntries.get(guildId)?.n ?? 0;
      if (count >= limits.maxEntries) return { ok: false, reason: 'full' };
      this.#stmt.insertEntry.run(guildId, key, entry.from, entry.to);
      return { ok: true, replaced: false };
    });
    return add.immediate();
  }

  removeDictionaryEntry(guildId: string, from: string): boolean {
    this.#open();
    assertId('guildId', guildId);
    assertString('from', from);
    return this.#stmt.deleteEntry.run(guildId, dictionaryKey(from)).changes > 0;
  }

  listDictionary(guildId: string): DictionaryEntry[] {
    this.#open();
    assertId('guildId', guildId);
    const entries: DictionaryEntry[] = [];
    for (const row of this.#stmt.listEntries.all(guildId)) {
      if (isUsableDictionaryEntry(row.from_text, row.to_text)) {
        entries.push({ from: row.from_text as string, to: row.to_text as string });
      } else {
        this.#report('dictionary_entries', `${guildId}#${row.id}`, ['*']);
      }
    }
    return entries;
  }

  addUsage(guildId: string, chars: number, at: Date): void {
    this.#open();
    checkUsageInput(guildId, chars, at);
    if (chars === 0) return;
    this.#stmt.addUsage.run(guildId, utcDayKey(at), chars);
  }

  getUsage(guildId: string, at: Date): UsageTotals {
    this.#open();
    assertId('guildId', guildId);
    const today = utcDayKey(at);
    const { first, last } = utcMonthBounds(at);
    const totals: UsageTotals = { day: 0, month: 0 };
    for (const row of this.#stmt.usageBetween.all(guildId, first, last)) {
      const chars = row.chars;
      if (!Number.isSafeInteger(chars) || (chars as number) < 0) {
        this.#report('usage_days', `${guildId}/${row.day}`, ['chars']);
        continue;
      }
      totals.month += chars as number;
      if (row.day === today) totals.day += chars as number;
    }
    return totals;
  }

  accountLedger(): AccountLedger {
    this.#open();
    this.#ledger ??= new SqliteAccountLedger(this.#db, () => this.#open());
    return this.#ledger;
  }

  getAccountUsage(at: Date): number {
    this.#open();
    const { first, last } = utcMonthBounds(at);
    return this.#stmt.accountUsage.get(first, last)?.n ?? 0;
  }

  pruneUsage(before: Date): number {
    this.#open();
    return this.#stmt.pruneUsage.run(utcDayKey(before)).changes;
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
    assertId('guildId', guildId);
    const clean = checkSessionInput(session);
    this.#stmt.putSession.run(guildId, clean.voiceChannelId, clean.textChannelId ?? null);
  }

  clearActiveSession(guildId: string): boolean {
    this.#open();
    assertId('guildId', guildId);
    return this.#stmt.deleteSession.run(guildId).changes > 0;
  }

  listActiveSessions(): ActiveSession[] {
    this.#open();
    const sessions: ActiveSession[] = [];
    for (const row of this.#stmt.listSessions.all()) {
      const { guild_id: guildId, voice_channel_id: voiceChannelId, text_channel_id: textChannelId } = row;
      if (!isNonEmptyString(guildId) || !isNonEmptyString(voiceChannelId)) {
        this.#report('active_sessions', String(guildId), ['*']);
        continue;
      }
      const session: ActiveSession = { guildId, voiceChannelId };
      if (isNonEmptyString(textChannelId)) session.textChannelId = textChannelId;
      else if (textChannelId !== null) this.#report('active_sessions', guildId, ['textChannelId']);
      sessions.push(session);
    }
    return sessions;
  }

  getPlayoutDelay(): number | null {
    this.#open();
    const row = this.#stmt.getState.get(PLAYOUT_DELAY);
    if (row === undefined) return null;
    const parsed = parseJson(row.value);
    if (parsed.ok && isCount(parsed.value)) return parsed.value;
    this.#report('bot_state', PLAYOUT_DELAY, ['*']);
    return null;
  }

  setPlayoutDelay(ms: number): void {
    this.#open();
    assertCount('ms', ms);
    this.#stmt.putState.run(PLAYOUT_DELAY, JSON.stringify(ms));
  }

  getPoolVoices(guildId: string): Record<string, string> {
    this.#open();
    assertId('guildId', guildId);
    const voices: Record<string, string> = {};
    for (const row of this.#stmt.listPool.all(guildId)) {
      if (isNonEmptyString(row.user_id) && isNonEmptyString(row.voice_id)) voices[row.user_id] = row.voice_id;
      else this.#report('pool_voices', `${guildId}/${String(row.user_id)}`, ['*']);
    }
    return voices;
  }

  assignPoolVoice(guildId: string, userId: string, voiceId: string): string {
    this.#open();
    assertId('guildId', guildId);
    assertId('userId', userId);
    assertId('voiceId', voiceId);
    const assign = this.#db.transaction((): string => {
      this.#stmt.putPool.run(guildId, userId, voiceId);
      const kept = this.#stmt.getPool.get(guildId, userId)?.voice_id;
      return isNonEmptyString(kept) ? kept : voiceId;
    });
    return assign.immediate();
  }

  addPendingItem(item: PendingItem): void {
    this.#open();
    const i = checkPendingItem(item);
    this.#stmt.putPending.run(i.key, i.guildId, i.channelId, i.authorId, i.enqueuedAt);
  }

  removePendingItem(key: string): void {
    this.#open();
    assertId('key', key);
    this.#stmt.deletePending.run(key);
  }

  listPendingItems(guildId: string): PendingItem[] {
    this.#open();
    assertId('guildId', guildId);
    const items: PendingItem[] = [];
    for (const row of this.#stmt.listPending.all(guildId)) {
      const item = readPendingItem(row);
      if (item) items.push(item);
      else this.#report('pending_items', String(row['item_key']), ['*']);
    }
    return items;
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

  #readGuild(guildId: string): StoredGuildSettings {
    const row = this.#stmt.getGuild.get(guildId);
    if (row === undefined) return emptyStoredGuildSettings();
    const dropped: string[] = [];
    const parsed = parseJson(row.data);
    const stored = parsed.ok ? readStoredGuildSettings(parsed.value, dropped) : emptyStoredGuildSettings();
    if (!parsed.ok) dropped.push('*');
    if (dropped.length > 0) this.#report('guild_settings', guildId, dropped);
    return stored;
  }

  #writeGuild(guildId: string, change: (stored: StoredGuildSettings) => StoredGuildSettings): GuildSettings {
    const write = this.#db.transaction((): StoredGuildSettings => {
      const next = change(this.#readGuild(guildId));
      this.#stmt.putGuild.run(guildId, JSON.stringify(next));
      return next;
    });
    return withDefaults(write.immediate());
  }

  #readMember(guildId: string, userId: string): VoiceProfile {
    const row = this.#stmt.getMember.get(guildId, userId);
    if (row === undefined) return {};
    const dropped: string[] = [];
    const parsed = parseJson(row.data);
    const profile = parsed.ok ? readVoiceProfile(parsed.value, 'voice', dropped) : {};
    if (!parsed.ok) dropped.push('*');
    if (dropped.length > 0) this.#report('member_voices', `${guildId}/${userId}`, dropped);
    return profile;
  }

  #report(table: string, key: string, fields: string[]): void {
    this.#onInvalidData?.({ table, key, fields });
  }
}
