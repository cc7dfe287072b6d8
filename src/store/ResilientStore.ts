/**
 * A Store decorator that keeps the bot speaking when the database cannot be used (disk full, a locked or
 * read-only file): no store call made by the session layer throws because of the database. Usage that could not
 * be written is kept and written when the database works again, exactly once (each usage write is one SQLite
 * statement: it either happened or it did not); reads that fail fall back to the last value read, else the
 * defaults. Failures are told to `onFault` once per cause, not once per call; `health()` says how things stand.
 *
 * Writes a member asked for (settings, voices, dictionary) still throw, as StoreError('unavailable'), so the
 * command tells the truth: the change was not saved.
 */
import type { AccountLedger } from './accountLedger.js';
import { checkPendingItem } from './pendingItems.js';
import { utcDayKey } from './records.js';
import { FaultGuard, type StoreFault } from './resilientFaults.js';
import { KeptWrites } from './resilientKept.js';
import { DEFAULT_GUILD_SETTINGS } from './settings.js';
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
  StoreHealth,
  UsageTotals,
  VoiceProfile,
  VoiceProfilePatch,
} from './types.js';

export type { StoreFault } from './resilientFaults.js';

export interface ResilientStoreOptions {
  /** A new cause of failure (called once per cause until the database works again). Must not throw. */
  onFault?: (fault: StoreFault) => void;
  /** Writes work again; `savedChars`: kept usage written now. Must not throw. */
  onRecovered?: (info: { cause: string; savedChars: number }) => void;
  /**
   * A write that came after close(): it is not made (the database is gone) and not thrown; it is told here
   * so that it is not lost silently (e.g. usage: the guild and the characters). Must not throw.
   */
  onLateWrite?: (op: string, detail: Record<string, unknown>) => void;
  /** Usage still unwritten when the store closed, because the database still failed. Must not throw. */
  onUnsaved?: (usage: { guildId: string; day: string; chars: number }[]) => void;
  /** How often kept usage is retried while nothing else writes. Default 30 s. */
  retryMs?: number;
  now?: () => number;
}

export class ResilientStore implements Store {
  readonly #inner: Store;
  readonly #options: ResilientStoreOptions;
  readonly #guard: FaultGuard;
  readonly #kept: KeptWrites;
  readonly #settings = new Map<string, GuildSettings>();
  readonly #members = new Map<string, VoiceProfile>();
  readonly #dictionaries = new Map<string, DictionaryEntry[]>();
  /** guild id -> the pool voices last read or given, so members keep their voice while the database fails. */
  readonly #pool = new Map<string, Record<string, string>>();

  constructor(inner: Store, options: ResilientStoreOptions = {}) {
    this.#inner = inner;
    this.#options = options;
    this.#guard = new FaultGuard(options, options.now ?? Date.now, () => this.#kept.empty);
    this.#kept = new KeptWrites(inner, this.#guard, options.retryMs ?? 30_000);
  }

  health(): StoreHealth {
    return this.#guard.health(this.#kept.unsavedChars());
  }

  getGuildSettings(guildId: string): GuildSettings {
    return this.#guard.read('getGuildSettings', () => {
      const settings = this.#inner.getGuildSettings(guildId);
      this.#settings.set(guildId, settings);
      return settings;
    }, () => structuredClone(this.#settings.get(guildId) ?? DEFAULT_GUILD_SETTINGS));
  }

  updateGuildSettings(guildId: string, patch: GuildSettingsPatch): GuildSettings {
    const settings = this.#guard.memberWrite('updateGuildSettings', () => this.#inner.updateGuildSettings(guildId, patch));
    this.#settings.set(guildId, settings);
    return settings;
  }

  resetGuildVoice(guildId: string): GuildSettings {
    const settings = this.#guard.memberWrite('resetGuildVoice', () => this.#inner.resetGuildVoice(guildId));
    this.#settings.set(guildId, settings);
    return settings;
  }

  getMemberVoice(guildId: string, userId: string): VoiceProfile {
    const key = `${guildId}/${userId}`;
    return this.#guard.read('getMemberVoice', () => {
      const voice = this.#inner.getMemberVoice(guildId, userId);
      this.#members.set(key, voice);
      return voice;
    }, () => ({ ...this.#members.get(key) }));
  }

  setMemberVoice(guildId: string, userId: string, patch: VoiceProfilePatch): VoiceProfile {
    const voice = this.#guard.memberWrite('setMemberVoice', () => this.#inner.setMemberVoice(guildId, userId, patch));
    this.#members.set(`${guildId}/${userId}`, voice);
    return voice;
  }

  resetMemberVoice(guildId: string, userId: string): boolean {
    const had = this.#guard.memberWrite('resetMemberVoice', () => this.#inner.resetMemberVoice(guildId, userId));
    this.#members.delete(`${guildId}/${userId}`);
    return had;
  }

  addDictionaryEntry(guildId: string, entry: DictionaryEntry, limits: { maxEntries: number }): AddDictionaryResult {
    const result = this.#guard.memberWrite('addDictionaryEntry', () => this.#inner.addDictionaryEntry(guildId, entry, limits));
    this.#dictionaries.delete(guildId);
    return result;
  }

  removeDictionaryEntry(guildId: string, from: string): boolean {
    const removed = this.#guard.memberWrite('removeDictionaryEntry', () => this.#inner.removeDictionaryEntry(guildId, from));
    this.#dictionaries.delete(guildId);
    return removed;
  }

  listDictionary(guildId: string): DictionaryEntry[] {
    return this.#guard.read('listDictionary', () => {
      const entries = this.#inner.listDictionary(guildId);
      this.#dictionaries.set(guildId, entries.map((e) => ({ ...e })));
      return entries;
    }, () => (this.#dictionaries.get(guildId) ?? []).map((e) => ({ ...e })));
  }

  /** Never throws for the database: usage that cannot be written now is kept and written later. */
  addUsage(guildId: string, chars: number, at: Date): void {
    if (this.#guard.closed) {
      this.#guard.lateWrite('addUsage', { guild: guildId, chars });
      return;
    }
    if (chars === 0) return;
    this.#kept.addUsage(guildId, chars, utcDayKey(at));
  }

  /** Usage in the database plus the usage kept unwritten, so budgets hold while the database fails. */
  getUsage(guildId: string, at: Date): UsageTotals {
    const stored = this.#guard.read('getUsage', () => this.#inner.getUsage(guildId, at), () => ({ day: 0, month: 0 }));
    return this.#kept.addUnsavedTo(stored, guildId, utcDayKey(at));
  }

  /**
   * The inner store's, as it is: a reservation that cannot be made must be refused, not kept for later (the
   * budget refuses the text; see AccountBudget).
   */
  accountLedger(): AccountLedger {
    return this.#inner.accountLedger();
  }

  /** The inner store's total plus the usage kept unwritten in that month. */
  getAccountUsage(at: Date): number {
    const inner = this.#inner;
    const stored = inner.getAccountUsage ? this.#guard.read('getAccountUsage', () => inner.getAccountUsage!(at), () => 0) : 0;
    return stored + this.#kept.unsavedInMonth(utcDayKey(at).slice(0, 7));
  }

  pruneUsage(before: Date): number {
    return this.#guard.sessionWrite('pruneUsage', () => this.#inner.pruneUsage(before), 0);
  }

  savePendingConsent(consent: PendingConsent): void {
    this.#guard.memberWrite('savePendingConsent', () => this.#inner.savePendingConsent(consent));
  }

  getPendingConsent(token: string): PendingConsent | null {
    return this.#guard.read('getPendingConsent', () => this.#inner.getPendingConsent(token), () => null);
  }

  deletePendingConsent(token: string): boolean {
    return this.#guard.memberWrite('deletePendingConsent', () => this.#inner.deletePendingConsent(token));
  }

  saveOwnedVoice(voice: OwnedVoice): void {
    this.#guard.memberWrite('saveOwnedVoice', () => this.#inner.saveOwnedVoice(voice));
  }

  getOwnedVoice(voiceId: string): OwnedVoice | null {
    return this.#guard.read('getOwnedVoice', () => this.#inner.getOwnedVoice(voiceId), () => null);
  }

  findOwnedVoice(voiceId: string): Promise<OwnedVoice | null> {
    return Promise.resolve().then(() => this.getOwnedVoice(voiceId));
  }

  listOwnedVoices(guildId: string, userId?: string): OwnedVoice[] {
    return this.#guard.read('listOwnedVoices', () => this.#inner.listOwnedVoices(guildId, userId), () => []);
  }

  /** Called while speaking: a database that fails only loses the note (the expiry warning may be early). */
  touchOwnedVoice(voiceId: string, at: number): void {
    this.#guard.sessionWrite('touchOwnedVoice', () => this.#inner.touchOwnedVoice(voiceId, at), undefined);
  }

  deleteOwnedVoice(voiceId: string): boolean {
    return this.#guard.memberWrite('deleteOwnedVoice', () => this.#inner.deleteOwnedVoice(voiceId));
  }

  addVoiceDesign(guildId: string, at: Date): void {
    this.#guard.memberWrite('addVoiceDesign', () => this.#inner.addVoiceDesign(guildId, at));
  }

  getVoiceDesigns(guildId: string, at: Date): number {
    return this.#guard.read('getVoiceDesigns', () => this.#inner.getVoiceDesigns(guildId, at), () => 0);
  }

  setActiveSession(guildId: string, session: ActiveSessionInfo): void {
    this.#guard.sessionWrite('setActiveSession', () => this.#inner.setActiveSession(guildId, session), undefined);
  }

  clearActiveSession(guildId: string): boolean {
    return this.#guard.sessionWrite('clearActiveSession', () => this.#inner.clearActiveSession(guildId), false);
  }

  listActiveSessions(): ActiveSession[] {
    return this.#guard.read('listActiveSessions', () => this.#inner.listActiveSessions(), () => []);
  }

  getPlayoutDelay(): number | null {
    return this.#guard.read('getPlayoutDelay', () => this.#inner.getPlayoutDelay(), () => null);
  }

  setPlayoutDelay(ms: number): void {
    this.#guard.sessionWrite('setPlayoutDelay', () => this.#inner.setPlayoutDelay(ms), undefined);
  }

  /** The stored pool voices, with those given while the database failed. */
  getPoolVoices(guildId: string): Record<string, string> {
    const voices = { ...this.#pool.get(guildId), ...this.#guard.read('getPoolVoices', () => this.#inner.getPoolVoices(guildId), () => ({})) };
    this.#pool.set(guildId, { ...voices });
    return voices;
  }

  /**
   * A pool voice that cannot be saved is still given (kept in memory: speech must not wait for the database), and
   * it is the one saved once the database works again, so the member keeps the voice they were heard with.
   */
  assignPoolVoice(guildId: string, userId: string, voiceId: string): string {
    const wanted = this.#pool.get(guildId)?.[userId] ?? voiceId;
    const given = this.#guard.sessionWrite('assignPoolVoice', () => this.#inner.assignPoolVoice(guildId, userId, wanted), wanted);
    this.#pool.set(guildId, { ...this.#pool.get(guildId), [userId]: given });
    return given;
  }

  /** Never throws for the database, and never waits on a failing one per message: held and written by the retry. */
  addPendingItem(item: PendingItem): void {
    const clean = checkPendingItem(item);
    this.#kept.writePending('addPendingItem', clean.key, clean);
  }

  removePendingItem(key: string): void {
    this.#kept.writePending('removePendingItem', key, null);
  }

  /** The stored items with the held writes applied. */
  listPendingItems(guildId: string): PendingItem[] {
    const stored = this.#guard.read('listPendingItems', () => this.#inner.listPendingItems(guildId), () => []);
    return this.#kept.applyHeldPending(guildId, stored);
  }

  deleteGuild(guildId: string): void {
    this.#kept.forgetGuild(guildId);
    this.#guard.sessionWrite('deleteGuild', () => this.#inner.deleteGuild(guildId), undefined);
    this.#settings.delete(guildId);
    this.#pool.delete(guildId);
    this.#dictionaries.delete(guildId);
    for (const key of this.#members.keys()) if (key.startsWith(`${guildId}/`)) this.#members.delete(key);
  }

  /**
   * Writes the kept usage, oldest day first, one statement per guild and day; stops at the first failure (the
   * rest stays kept, and a timer tries again). Returns whether nothing is left unwritten.
   */
  flush(): boolean {
    return this.#kept.flush();
  }

  /** Writes the kept usage one last time, then closes the database; a later write is told to onLateWrite. */
  close(): void {
    if (this.#guard.closed) return;
    this.#kept.cancelRetry();
    try {
      this.#kept.flush();
    } catch {
      // A caller error was dropped by flush; the rest was written or is reported below.
    }
    this.#guard.close();
    const left = this.#kept.listUnsaved();
    if (left.length > 0) this.#options.onUnsaved?.(left);
    this.#kept.clearUnsaved();
    this.#inner.close();
  }
}
