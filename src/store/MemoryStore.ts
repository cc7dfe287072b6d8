import { MemoryAccountLedger, type AccountLedger } from './accountLedger.js';
import { StoreError } from './errors.js';
import {
  checkDictionaryInput,
  checkSessionInput,
  checkUsageInput,
  dictionaryKey,
  utcDayKey,
  utcMonthBounds,
} from './records.js';
import {
  applyGuildSettingsPatch,
  applyVoicePatch,
  emptyStoredGuildSettings,
  withDefaults,
  type StoredGuildSettings,
} from './settings.js';
import { checkOwnedVoice, utcMonthKey } from './ownedVoices.js';
import { checkPendingConsent } from './pendingConsents.js';
import { byEnqueued, checkPendingItem } from './pendingItems.js';
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
  /** guild id -> UTC day key -> characters */
  readonly #usage = new Map<string, Map<string, number>>();
  readonly #sessions = new Map<string, ActiveSessionInfo>();
  /** guild id -> user id -> pool voice id */
  readonly #pool = new Map<string, Map<string, string>>();
  readonly #ownedVoices = new Map<string, OwnedVoice>();
  /** guild id -> UTC month key -> designs */
  readonly #designs = new Map<string, Map<string, number>>();
  /** token -> consent */
  readonly #consents = new Map<string, PendingConsent>();
  /** key -> pending item */
  readonly #pending = new Map<string, PendingItem>();
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
    checkUsageInput(guildId, chars, at);
    if (chars === 0) return;
    const days = getOrCreate(this.#usage, guildId);
    const day = utcDayKey(at);
    days.set(day, (days.get(day) ?? 0) + chars);
  }

  getUsage(guildId: string, at: Date): UsageTotals {
    this.#open();
    assertId('guildId', guildId);
    const today = utcDayKey(at);
    const { first, last } = utcMonthBounds(at);
    const totals: UsageTotals = { day: 0, month: 0 };
    for (const [day, chars] of this.#usage.get(guildId) ?? []) {
      if (day >= first && day <= last) totals.month += chars;
      if (day === today) totals.day += chars;
    }
    return totals;
  }

  accountLedger(): AccountLedger {
    this.#open();
    this.#ledger ??= new MemoryAccountLedger((month) => this.getAccountUsage(new Date(`${month}-15T00:00:00Z`)));
    return this.#ledger;
  }

  getAccountUsage(at: Date): number {
    this.#open();
    let total = 0;
    for (const guildId of this.#usage.keys()) total += this.getUsage(guildId, at).month;
    return total;
  }

  pruneUsage(before: Date): number {
    this.#open();
    const first = utcDayKey(before);
    let pruned = 0;
    for (const days of this.#usage.values()) {
      for (const day of [...days.keys()]) {
        if (day < first) {
          days.delete(day);
          pruned++;
        }
      }
    }
    return pruned;
  }

  saveOwnedVoice(voice: OwnedVoice): void {
    this.#open();
    const clean = checkOwnedVoice(voice);
    this.#ownedVoices.set(clean.voiceId, clean);
  }

  getOwnedVoice(voiceId: string): OwnedVoice | null {
    this.#open();
    assertId('voiceId', voiceId);
    const voice = this.#ownedVoices.get(voiceId);
    return voice ? { ...voice } : null;
  }

  findOwnedVoice(voiceId: string): Promise<OwnedVoice | null> {
    return Promise.resolve().then(() => this.getOwnedVoice(voiceId));
  }

  listOwnedVoices(guildId: string, userId?: string): OwnedVoice[] {
    this.#open();
    assertId('guildId', guildId);
    if (userId !== undefined) assertId('userId', userId);
    return [...this.#ownedVoices.values()]
      .filter((v) => v.guildId === guildId && (userId === undefined || v.userId === userId))
      .sort((a, b) => a.createdAt - b.createdAt || (a.voiceId < b.voiceId ? -1 : 1))
      .map((v) => ({ ...v }));
  }

  touchOwnedVoice(voiceId: string, at: number): void {
    this.#open();
    assertId('voiceId', voiceId);
    assertCount('at', at);
    const voice = this.#ownedVoices.get(voiceId);
    if (voice) voice.lastUsedAt = at;
  }

  deleteOwnedVoice(voiceId: string): boolean {
    this.#open();
    assertId('voiceId', voiceId);
    return this.#ownedVoices.delete(voiceId);
  }

  savePendingConsent(consent: PendingConsent): void {
    this.#open();
    const clean = checkPendingConsent(consent);
    for (const [token, c] of this.#consents) {
      if (c.expiresAt <= clean.createdAt || (c.guildId === clean.guildId && c.userId === clean.userId)) this.#consents.delete(token);
    }
    this.#consents.set(clean.token, clean);
  }

  getPendingConsent(token: string): PendingConsent | null {
    this.#open();
    assertId('token', token);
    const consent = this.#consents.get(token);
    return consent ? { ...consent } : null;
  }

  deletePendingConsent(token: string): boolean {
    this.#open();
    assertId('token', token);
    return this.#consents.delete(token);
  }

  addVoiceDesign(guildId: string, at: Date): void {
    this.#open();
    assertId('guildId', guildId);
    const months = getOrCreate(this.#designs, guildId);
    const month = utcMonthKey(at);
    months.set(month, (months.get(month) ?? 0) + 1);
  }

  /** Sets the count of a UTC month ("YYYY-MM") as read from a database (PgStore's start-up load). */
  loadVoiceDesigns(guildId: string, month: string, count: number): void {
    this.#open();
    assertId('guildId', guildId);
    assertCount('count', count);
    getOrCreate(this.#designs, guildId).set(month, count);
  }

  getVoiceDesigns(guildId: string, at: Date): number {
    this.#open();
    assertId('guildId', guildId);
    return this.#designs.get(guildId)?.get(utcMonthKey(at)) ?? 0;
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
    assertId('guildId', guildId);
    return Object.fromEntries(this.#pool.get(guildId) ?? []);
  }

  assignPoolVoice(guildId: string, userId: string, voiceId: string): string {
    this.#open();
    assertId('guildId', guildId);
    assertId('userId', userId);
    assertId('voiceId', voiceId);
    const pool = getOrCreate(this.#pool, guildId);
    const kept = pool.get(userId);
    if (kept !== undefined) return kept;
    pool.set(userId, voiceId);
    return voiceId;
  }

  addPendingItem(item: PendingItem): void {
    this.#open();
    const clean = checkPendingItem(item);
    this.#pending.set(clean.key, clean);
  }

  removePendingItem(key: string): void {
    this.#open();
    assertId('key', key);
    this.#pending.delete(key);
  }

  listPendingItems(guildId: string): PendingItem[] {
    this.#open();
    assertId('guildId', guildId);
    return [...this.#pending.values()].filter((i) => i.guildId === guildId).sort(byEnqueued).map((i) => ({ ...i }));
  }

  deleteGuild(guildId: string): void {
    this.#open();
    assertId('guildId', guildId);
    for (const [key, item] of this.#pending) if (item.guildId === guildId) this.#pending.delete(key);
    this.#pool.delete(guildId);
    // Usage stays, as in SqliteStore: re-inviting the bot must not reset the budget.
    this.#guilds.delete(guildId);
    this.#members.delete(guildId);
    this.#dictionaries.delete(guildId);
    this.#sessions.delete(guildId);
    for (const [token, c] of this.#consents) if (c.guildId === guildId) this.#consents.delete(token);
  }

  close(): void {
    this.#closed = true;
  }

  #open(): void {
    if (this.#closed) throw new StoreError('closed', 'The store is closed');
  }
}

function getOrCreate<V>(map: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let inner = map.get(key);
  if (inner === undefined) {
    inner = new Map();
    map.set(key, inner);
  }
  return inner;
}
