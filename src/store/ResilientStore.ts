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
import { StoreError } from './errors.js';
import { describeFaultCause, faultCause } from './faultCause.js';
import { byEnqueued, checkPendingItem } from './pendingItems.js';
import { utcDayKey } from './records.js';
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

/** One failure of the database, as told to the app edge. */
export interface StoreFault {
  /** The Store method that failed. */
  op: string;
  /** Stable key of the cause (an SQLite code such as SQLITE_FULL, else the error's name): one report per key. */
  cause: string;
  error: unknown;
}

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
  readonly #now: () => number;
  /** guild id -> UTC day -> characters not yet written. */
  readonly #unsaved = new Map<string, Map<string, number>>();
  readonly #settings = new Map<string, GuildSettings>();
  readonly #members = new Map<string, VoiceProfile>();
  readonly #dictionaries = new Map<string, DictionaryEntry[]>();
  /** guild id -> the pool voices last read or given, so members keep their voice while the database fails. */
  readonly #pool = new Map<string, Record<string, string>>();
  /**
   * Pending-item writes held while the database fails (key -> the item to add, or null to delete it), written by
   * the retry; an item added and finished while held is never written.
   */
  readonly #heldPending = new Map<string, PendingItem | null>();
  #fault: { cause: string; since: number } | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #closed = false;
  #closedAt = 0;

  constructor(inner: Store, options: ResilientStoreOptions = {}) {
    this.#inner = inner;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  health(): StoreHealth {
    let unsavedChars = 0;
    for (const days of this.#unsaved.values()) for (const n of days.values()) unsavedChars += n;
    if (this.#closed) return { ok: false, cause: 'closed', reason: 'the database is closed', since: this.#closedAt, unsavedChars };
    if (!this.#fault) return { ok: true, unsavedChars };
    return { ok: false, cause: this.#fault.cause, reason: describeFaultCause(this.#fault.cause), since: this.#fault.since, unsavedChars };
  }

  getGuildSettings(guildId: string): GuildSettings {
    return this.#read('getGuildSettings', () => {
      const settings = this.#inner.getGuildSettings(guildId);
      this.#settings.set(guildId, settings);
      return settings;
    }, () => structuredClone(this.#settings.get(guildId) ?? DEFAULT_GUILD_SETTINGS));
  }

  updateGuildSettings(guildId: string, patch: GuildSettingsPatch): GuildSettings {
    const settings = this.#memberWrite('updateGuildSettings', () => this.#inner.updateGuildSettings(guildId, patch));
    this.#settings.set(guildId, settings);
    return settings;
  }

  resetGuildVoice(guildId: string): GuildSettings {
    const settings = this.#memberWrite('resetGuildVoice', () => this.#inner.resetGuildVoice(guildId));
    this.#settings.set(guildId, settings);
    return settings;
  }

  getMemberVoice(guildId: string, userId: string): VoiceProfile {
    const key = `${guildId}/${userId}`;
    return this.#read('getMemberVoice', () => {
      const voice = this.#inner.getMemberVoice(guildId, userId);
      this.#members.set(key, voice);
      return voice;
    }, () => ({ ...this.#members.get(key) }));
  }

  setMemberVoice(guildId: string, userId: string, patch: VoiceProfilePatch): VoiceProfile {
    const voice = this.#memberWrite('setMemberVoice', () => this.#inner.setMemberVoice(guildId, userId, patch));
    this.#members.set(`${guildId}/${userId}`, voice);
    return voice;
  }

  resetMemberVoice(guildId: string, userId: string): boolean {
    const had = this.#memberWrite('resetMemberVoice', () => this.#inner.resetMemberVoice(guildId, userId));
    this.#members.delete(`${guildId}/${userId}`);
    return had;
  }

  addDictionaryEntry(guildId: string, entry: DictionaryEntry, limits: { maxEntries: number }): AddDictionaryResult {
    const result = this.#memberWrite('addDictionaryEntry', () => this.#inner.addDictionaryEntry(guildId, entry, limits));
    this.#dictionaries.delete(guildId);
    return result;
  }

  removeDictionaryEntry(guildId: string, from: string): boolean {
    const removed = this.#memberWrite('removeDictionaryEntry', () => this.#inner.removeDictionaryEntry(guildId, from));
    this.#dictionaries.delete(guildId);
    return removed;
  }

  listDictionary(guildId: string): DictionaryEntry[] {
    return this.#read('listDictionary', () => {
      const entries = this.#inner.listDictionary(guildId);
      this.#dictionaries.set(guildId, entries.map((e) => ({ ...e })));
      return entries;
    }, () => (this.#dictionaries.get(guildId) ?? []).map((e) => ({ ...e })));
  }

  /** Never throws for the database: usage that cannot be written now is kept and written later. */
  addUsage(guildId: string, chars: number, at: Date): void {
    if (this.#closed) {
      this.#options.onLateWrite?.('addUsage', { guild: guildId, chars });
      return;
    }
    if (chars === 0) return;
    const day = utcDayKey(at);
    // Kept first, then written with everything else kept: a write that fails leaves it kept, never counted twice.
    const days = this.#unsaved.get(guildId) ?? new Map<string, number>();
    days.set(day, (days.get(day) ?? 0) + chars);
    this.#unsaved.set(guildId, days);
    // While a write is failing, the retry timer writes: a locked database's busy wait then holds up the event
    // loop (and the voice players on it) once per retry, not once per message.
    if (this.#retryTimer) return;
    this.flush();
  }

  /** Usage in the database plus the usage kept unwritten, so budgets hold while the database fails. */
  getUsage(guildId: string, at: Date): UsageTotals {
    const stored = this.#read('getUsage', () => this.#inner.getUsage(guildId, at), () => ({ day: 0, month: 0 }));
    const day = utcDayKey(at);
    const month = day.slice(0, 7);
    for (const [d, n] of this.#unsaved.get(guildId) ?? []) {
      if (d === day) stored.day += n;
      if (d.startsWith(month)) stored.month += n;
    }
    return stored;
  }

  /** The inner store's total plus the usage kept unwritten in that month. */
  /**
   * The inner store's, as it is: a reservation that cannot be made must be refused, not kept for later (the
   * budget refuses the text; see AccountBudget).
   */
  accountLedger(): AccountLedger {
    return this.#inner.accountLedger();
  }

  getAccountUsage(at: Date): number {
    const inner = this.#inner;
    const stored = inner.getAccountUsage ? this.#read('getAccountUsage', () => inner.getAccountUsage!(at), () => 0) : 0;
    const month = utcDayKey(at).slice(0, 7);
    let kept = 0;
    for (const days of this.#unsaved.values()) for (const [d, n] of days) if (d.startsWith(month)) kept += n;
    return stored + kept;
  }

  pruneUsage(before: Date): number {
    return this.#sessionWrite('pruneUsage', () => this.#inner.pruneUsage(before), 0);
  }

  savePendingConsent(consent: PendingConsent): void {
    this.#memberWrite('savePendingConsent', () => this.#inner.savePendingConsent(consent));
  }

  getPendingConsent(token: string): PendingConsent | null {
    return this.#read('getPendingConsent', () => this.#inner.getPendingConsent(token), () => null);
  }

  deletePendingConsent(token: string): boolean {
    return this.#memberWrite('deletePendingConsent', () => this.#inner.deletePendingConsent(token));
  }

  saveOwnedVoice(voice: OwnedVoice): void {
    this.#memberWrite('saveOwnedVoice', () => this.#inner.saveOwnedVoice(voice));
  }

  getOwnedVoice(voiceId: string): OwnedVoice | null {
    return this.#read('getOwnedVoice', () => this.#inner.getOwnedVoice(voiceId), () => null);
  }

  findOwnedVoice(voiceId: string): Promise<OwnedVoice | null> {
    return Promise.resolve().then(() => this.getOwnedVoice(voiceId));
  }

  listOwnedVoices(guildId: string, userId?: string): OwnedVoice[] {
    return this.#read('listOwnedVoices', () => this.#inner.listOwnedVoices(guildId, userId), () => []);
  }

  /** Called while speaking: a database that fails only loses the note (the expiry warning may be early). */
  touchOwnedVoice(voiceId: string, at: number): void {
    this.#sessionWrite('touchOwnedVoice', () => this.#inner.touchOwnedVoice(voiceId, at), undefined);
  }

  deleteOwnedVoice(voiceId: string): boolean {
    return this.#memberWrite('deleteOwnedVoice', () => this.#inner.deleteOwnedVoice(voiceId));
  }

  addVoiceDesign(guildId: string, at: Date): void {
    this.#memberWrite('addVoiceDesign', () => this.#inner.addVoiceDesign(guildId, at));
  }

  getVoiceDesigns(guildId: string, at: Date): number {
    return this.#read('getVoiceDesigns', () => this.#inner.getVoiceDesigns(guildId, at), () => 0);
  }

  setActiveSession(guildId: string, session: ActiveSessionInfo): void {
    this.#sessionWrite('setActiveSession', () => this.#inner.setActiveSession(guildId, session), undefined);
  }

  clearActiveSession(guildId: string): boolean {
    return this.#sessionWrite('clearActiveSession', () => this.#inner.clearActiveSession(guildId), false);
  }

  listActiveSessions(): ActiveSession[] {
    return this.#read('listActiveSessions', () => this.#inner.listActiveSessions(), () => []);
  }

  getPlayoutDelay(): number | null {
    return this.#read('getPlayoutDelay', () => this.#inner.getPlayoutDelay(), () => null);
  }

  setPlayoutDelay(ms: number): void {
    this.#sessionWrite('setPlayoutDelay', () => this.#inner.setPlayoutDelay(ms), undefined);
  }

  /** The stored pool voices, with those given while the database failed. */
  getPoolVoices(guildId: string): Record<string, string> {
    const voices = { ...this.#pool.get(guildId), ...this.#read('getPoolVoices', () => this.#inner.getPoolVoices(guildId), () => ({})) };
    this.#pool.set(guildId, { ...voices });
    return voices;
  }

  /**
   * A pool voice that cannot be saved is still given (kept in memory: speech must not wait for the database), and
   * it is the one saved once the database works again, so the member keeps the voice they were heard with.
   */
  assignPoolVoice(guildId: string, userId: string, voiceId: string): string {
    const wanted = this.#pool.get(guildId)?.[userId] ?? voiceId;
    const given = this.#sessionWrite('assignPoolVoice', () => this.#inner.assignPoolVoice(guildId, userId, wanted), wanted);
    this.#pool.set(guildId, { ...this.#pool.get(guildId), [userId]: given });
    return given;
  }

  /** Never throws for the database, and never waits on a failing one per message: held and written by the retry. */
  addPendingItem(item: PendingItem): void {
    const clean = checkPendingItem(item);
    this.#pendingWrite('addPendingItem', clean.key, clean);
  }

  removePendingItem(key: string): void {
    this.#pendingWrite('removePendingItem', key, null);
  }

  /** The stored items with the held writes applied. */
  listPendingItems(guildId: string): PendingItem[] {
    const stored = this.#read('listPendingItems', () => this.#inner.listPendingItems(guildId), () => []);
    const items = stored.filter((i) => !this.#heldPending.has(i.key));
    for (const held of this.#heldPending.values()) if (held?.guildId === guildId) items.push({ ...held });
    return items.sort(byEnqueued);
  }

  deleteGuild(guildId: string): void {
    for (const [key, held] of this.#heldPending) if (held?.guildId === guildId) this.#heldPending.delete(key);
    this.#sessionWrite('deleteGuild', () => this.#inner.deleteGuild(guildId), undefined);
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
    if (this.#closed) return this.#unsaved.size === 0;
    let saved = 0;
    for (const [guildId, days] of this.#unsaved) {
      for (const [day, chars] of days) {
        try {
          this.#inner.addUsage(guildId, chars, new Date(`${day}T12:00:00.000Z`));
        } catch (error) {
          if (isCallerError(error)) {
            // A value the database will never take (a programming error): dropping it beats retrying forever.
            days.delete(day);
            throw error;
          }
          this.#failed('addUsage', error);
          this.#armRetry();
          return false;
        }
        days.delete(day);
        saved += chars;
      }
      this.#unsaved.delete(guildId);
    }
    for (const [key, item] of this.#heldPending) {
      try {
        if (item) this.#inner.addPendingItem(item);
        else this.#inner.removePendingItem(key);
      } catch (error) {
        this.#failed(item ? 'addPendingItem' : 'removePendingItem', error);
        this.#armRetry();
        return false;
      }
      this.#heldPending.delete(key);
    }
    this.#worked(saved);
    return true;
  }

  /** Writes the kept usage one last time, then closes the database; a later write is told to onLateWrite. */
  close(): void {
    if (this.#closed) return;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    try {
      this.flush();
    } catch {
      // A caller error was dropped by flush; the rest was written or is reported below.
    }
    this.#closed = true;
    this.#closedAt = this.#now();
    const left = [...this.#unsaved].flatMap(([guildId, days]) => [...days].map(([day, chars]) => ({ guildId, day, chars })));
    if (left.length > 0) this.#options.onUnsaved?.(left);
    this.#unsaved.clear();
    this.#inner.close();
  }

  /** A pending-item write: made now, or held (and the retry armed) while the database fails. */
  #pendingWrite(op: string, key: string, item: PendingItem | null): void {
    if (this.#closed) {
      this.#options.onLateWrite?.(op, {});
      return;
    }
    if (!this.#fault) {
      try {
        if (item) this.#inner.addPendingItem(item);
        else this.#inner.removePendingItem(key);
        this.#worked(0);
        return;
      } catch (error) {
        if (isCallerError(error)) throw error;
        this.#failed(op, error);
      }
    }
    if (item === null && this.#heldPending.get(key)) this.#heldPending.delete(key);
    else this.#heldPending.set(key, item);
    this.#armRetry();
  }

  #armRetry(): void {
    if (this.#retryTimer || this.#closed) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      try {
        this.flush();
      } catch {
        // Dropped by flush (a caller error); the next write reports anything else.
      }
    }, this.#options.retryMs ?? 30_000);
    this.#retryTimer.unref();
  }

  #read<T>(op: string, read: () => T, fallback: () => T): T {
    if (this.#closed) return fallback();
    try {
      return read();
    } catch (error) {
      if (isCallerError(error)) throw error;
      this.#failed(op, error);
      return fallback();
    }
  }

  /** A write the bot makes on its own (sessions, pruning, the playout delay): never thrown, only reported. */
  #sessionWrite<T>(op: string, write: () => T, fallback: T): T {
    if (this.#closed) {
      this.#options.onLateWrite?.(op, {});
      return fallback;
    }
    try {
      const result = write();
      this.#worked(0);
      return result;
    } catch (error) {
      if (isCallerError(error)) throw error;
      this.#failed(op, error);
      return fallback;
    }
  }

  /** A write a member asked for: reported, then thrown as StoreError('unavailable') so the reply says it failed. */
  #memberWrite<T>(op: string, write: () => T): T {
    try {
      const result = write();
      this.#worked(0);
      return result;
    } catch (error) {
      if (isCallerError(error)) throw error;
      const cause = this.#failed(op, error);
      throw new StoreError('unavailable', `The change could not be saved: ${describeFaultCause(cause)}`, { cause: error });
    }
  }

  #failed(op: string, error: unknown): string {
    const cause = faultCause(error);
    if (this.#fault?.cause === cause) return cause;
    this.#fault = { cause, since: this.#fault?.since ?? this.#now() };
    this.#options.onFault?.({ op, cause, error });
    return cause;
  }

  /** A write went through: the database works again once nothing kept is left. */
  #worked(savedChars: number): void {
    if (!this.#fault || this.#unsaved.size > 0 || this.#heldPending.size > 0) return;
    const { cause } = this.#fault;
    this.#fault = null;
    this.#options.onRecovered?.({ cause, savedChars });
  }
}

/** Errors that no retry can fix because the caller passed a wrong value (StoreError('invalid_value')). */
function isCallerError(error: unknown): boolean {
  return error instanceof StoreError && error.code === 'invalid_value';
}
