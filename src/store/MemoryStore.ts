import { MemoryAccountLedger, type AccountLedger } from './accountLedger.js';
import { StoreError } from './errors.js';
import { getOrCreate } from './memoryMaps.js';
import { MemoryPending } from './memoryPending.js';
import { MemoryUsage } from './memoryUsage.js';
import { MemoryVoices } from './memoryVoices.js';
import { checkDictionaryInput, checkSessionInput, dictionaryKey } from './records.js';
import {
  applyGuildSettingsPatch,
  applyVoicePatch,
  emptyStoredGuildSettings,
  withDefaults,
  type StoredGuildSettings,
} from './settings.js';
import type {
  ActiveSession,
  OwnedVoice,
  PendingConsent,
  ActiveSessionInfo,
  PendingItem,
  AddDictionaryResult,
  DictionaryEntry,
  GuildSettings,
  GuildSettingsPatch,
  Store,
  UsageTotals,
  VoiceProfile,
  VoiceProfilePatch,
} from './types.js';
import { assertCount, assertId, assertString } from './validate.js';

/**
 * The Store kept in memory, for tests of other layers. Same merge, default and validation rules as SqliteStore
 * (shared in settings.ts, records.ts and validate.ts); nothing survives close().
 */
export class MemoryStore implements Store {
  readonly #guilds = new Map<string, StoredGuildSettings>();
  /** guild id -> user id -> profile */
  readonly #members = new Map<string, Map<string, VoiceProfile>>();
  /** guild id -> dictionary key -> entry; a Map keeps insertion order, and set() on an existing key keeps its place. */
  readonly #dictionaries = new Map<string, Map<string, DictionaryEntry>>();
  readonly #sessions = new Map<string, ActiveSessionInfo>();
  readonly #usage = new MemoryUsage();
  readonly #voices = new MemoryVoices();
  readonly #pending = new MemoryPending();
  #playoutDelayMs: number | null = null;
  #closed = false;
  #ledger: MemoryAccountLedger | null = null;

  getGuildSettings(guildId: string): GuildSettings {
    this.#open();
    assertId('guildId', guildId);
    return withDefaults(this.#guilds.get(guildId) ?? emptyStoredGuildSettings());
  }

  updateGuildSettings(guildId: string, patch: GuildSettingsPatch): GuildSettings {
    this.#open();
    assertId('guildId', guildId);
    const next = applyGuildSettingsPatch(this.#guilds.get(guildId) ?? emptyStoredGuildSettings(), patch);
    this.#guilds.set(guildId, next);
    return withDefaults(next);
  }

  resetGuildVoice(guildId: string): GuildSettings {
    this.#open();
    assertId('guildId', guildId);
    const next = { ...(this.#guilds.get(guildId) ?? emptyStoredGuildSettings()), voice: {} };
    this.#guilds.set(guildId, next);
    return withDefaults(next);
  }

  getMemberVoice(guildId: string, userId: string): VoiceProfile {
    this.#open();
    assertId('guildId', guildId);
    assertId('userId', userId);
    return { ...this.#members.get(guildId)?.get(userId) };
  }

  setMemberVoice(guildId: string, userId: string, patch: VoiceProfilePatch): VoiceProfile {
    this.#open();
    assertId('guildId', guildId);
    assertId('userId', userId);
    const members = getOrCreate(this.#members, guildId);
    const next = applyVoicePatch(members.get(userId) ?? {}, patch);
    if (Object.keys(next).length === 0) members.delete(userId);
    else members.set(userId, next);
    if (members.size === 0) this.#members.delete(guildId);
    return { ...next };
  }

  resetMemberVoice(guildId: string, userId: string): boolean {
    this.#open();
    assertId('guildId', guildId);
    assertId('userId', userId);
    const members = this.#members.get(guildId);
    const existed = members?.delete(userId) ?? false;
    if (members?.size === 0) this.#members.delete(guildId);
    return existed;
  }

  addDictionaryEntry(guildId: string, entry: DictionaryEntry, limits: { maxEntries: number }): AddDictionaryResult {
    this.#open();
    assertId('guildId', guildId);
    if (!checkDictionaryInput(entry, limits)) return { ok: false, reason: 'empty_from' };
    const key = dictionaryKey(entry.from);
    const entries = this.#dictionaries.get(guildId) ?? new Map<string, DictionaryEntry>();
    const replaced = entries.has(key);
    if (!replaced && entries.size >= limits.maxEntries) return { ok: false, reason: 'full' };
    entries.set(key, { from: entry.from, to: entry.to });
    this.#dictionaries.set(guildId, entries);
    return { ok: true, replaced };
  }

  removeDictionaryEntry(guildId: string, from: string): boolean {
    this.#open();
    assertId('guildId', guildId);
    assertString('from', from);
    return this.#dictionaries.get(guildId)?.delete(dictionaryKey(from)) ?? false;
  }

  listDictionary(guildId: string): DictionaryEntry[] {
    this.#open();
    assertId('guildId', guildId);
    return [...(this.#dictionaries.get(guildId)?.values() ?? [])].map((entry) => ({ ...entry }));
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
    this.#ledger ??= new MemoryAccountLedger((month) => this.getAccountUsage(new Date(`${month}-15T00:00:00Z`)));
    return this.#ledger;
  }

  getAccountUsage(at: Date): number {
    this.#open();
    let total = 0;
    for (const guildId of this.#usage.guildIds()) total += this.getUsage(guildId, at).month;
    return total;
  }

  pruneUsage(before: Date): number {
    this.#open();
    return this.#usage.prune(before);
  }

  saveOwnedVoice(voice: OwnedVoice): void {
    this.#open();
    this.#voices.save(voice);
  }

  getOwnedVoice(voiceId: string): OwnedVoice | null {
    this.#open();
    return this.#voices.get(voiceId);
  }

  findOwnedVoice(voiceId: string): Promise<OwnedVoice | null> {
    return Promise.resolve().then(() => this.getOwnedVoice(voiceId));
  }

  listOwnedVoices(guildId: string, userId?: string): OwnedVoice[] {
    this.#open();
    return this.#voices.list(guildId, userId);
  }

  touchOwnedVoice(voiceId: string, at: number): void {
    this.#open();
    this.#voices.touch(voiceId, at);
  }

  deleteOwnedVoice(voiceId: string): boolean {
    this.#open();
    return this.#voices.delete(voiceId);
  }

  savePendingConsent(consent: PendingConsent): void {
    this.#open();
    this.#pending.saveConsent(consent);
  }

  getPendingConsent(token: string): PendingConsent | null {
    this.#open();
    return this.#pending.getConsent(token);
  }

  deletePendingConsent(token: string): boolean {
    this.#open();
    return this.#pending.deleteConsent(token);
  }

  addVoiceDesign(guildId: string, at: Date): void {
    this.#open();
    this.#voices.addDesign(guildId, at);
  }

  /** Sets the count of a UTC month ("YYYY-MM") as read from a database (PgStore's start-up load). */
  loadVoiceDesigns(guildId: string, month: string, count: number): void {
    this.#open();
    this.#voices.loadDesigns(guildId, month, count);
  }

  getVoiceDesigns(guildId: string, at: Date): number {
    this.#open();
    return this.#voices.designs(guildId, at);
  }

  setActiveSession(guildId: string, session: ActiveSessionInfo): void {
    this.#open();
    assertId('guildId', guildId);
    this.#sessions.set(guildId, checkSessionInput(session));
  }

  clearActiveSession(guildId: string): boolean {
    this.#open();
    assertId('guildId', guildId);
    return this.#sessions.delete(guildId);
  }

  listActiveSessions(): ActiveSession[] {
    this.#open();
    return [...this.#sessions]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([guildId, session]) => ({ guildId, ...session }));
  }

  getPlayoutDelay(): number | null {
    this.#open();
    return this.#playoutDelayMs;
  }

  setPlayoutDelay(ms: number): void {
    this.#open();
    assertCount('ms', ms);
    this.#playoutDelayMs = ms;
  }

  getPoolVoices(guildId: string): Record<string, string> {
    this.#open();
    return this.#voices.poolVoices(guildId);
  }

  assignPoolVoice(guildId: string, userId: string, voiceId: string): string {
    this.#open();
    return this.#voices.assignPool(guildId, userId, voiceId);
  }

  addPendingItem(item: PendingItem): void {
    this.#open();
    this.#pending.addItem(item);
  }

  removePendingItem(key: string): void {
    this.#open();
    this.#pending.removeItem(key);
  }

  listPendingItems(guildId: string): PendingItem[] {
    this.#open();
    return this.#pending.listItems(guildId);
  }

  deleteGuild(guildId: string): void {
    this.#open();
    assertId('guildId', guildId);
    this.#pending.deleteGuild(guildId);
    this.#voices.deletePool(guildId);
    // Usage stays, as in SqliteStore: re-inviting the bot must not reset the budget.
    this.#guilds.delete(guildId);
    this.#members.delete(guildId);
    this.#dictionaries.delete(guildId);
    this.#sessions.delete(guildId);
  }

  close(): void {
    this.#closed = true;
  }

  #open(): void {
    if (this.#closed) throw new StoreError('closed', 'The store is closed');
  }
}
