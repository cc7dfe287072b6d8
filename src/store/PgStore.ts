/**
 * The Store on PostgreSQL, for several processes (shards, hosts) sharing one database.
 *
 * The Store interface stays synchronous (see types.ts): `openPgStore` loads the rows this process needs (with
 * sharding, only its shards' guilds) into memory; reads are served from memory, so the hot path (guild settings on
 * every auto-read message) costs what it costs with SQLite or less; every write changes memory at once and is
 * written through, in order, by a PgWriter that retries while the server is away (nothing lost; `health()` says
 * so for /status). Usage counters are atomic SQL increments, so processes counting at once lose nothing.
 *
 * A guild is owned by one process at a time (the one running its shard), so its rows in memory are the truth.
 */
import type pg from 'pg';
import type { AccountLedger } from './accountLedger.js';
import { StoreError } from './errors.js';
import { PgAccountLedger } from './pgAccountLedger.js';
import { connectPg, type PgConnectOptions } from './pgConnect.js';
import { PgGuilds } from './pgGuilds.js';
import { PLAYOUT_DELAY, readPgOwnedVoice } from './pgLoad.js';
import { PgPending } from './pgPending.js';
import { SQL } from './pgStatements.js';
import { PgVoices } from './pgVoices.js';
import { PgWriter, type PgStatement, type PgWrite, type PgWriterOptions } from './PgWriter.js';
import type { MemoryStore } from './MemoryStore.js';
import { utcDayKey, utcMonthBounds } from './records.js';
import type { StoredGuildSettings } from './settings.js';
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
import { assertDate } from './validate.js';

export interface PgStoreOptions extends PgConnectOptions, PgWriterOptions {
  /** Usage still unwritten when the store closed (the server was away until the end). Must not throw. */
  onUnsaved?: (usage: { op: string; chars: number }[]) => void;
}

/** Connects, migrates and loads; throws StoreError('open_failed' | 'newer_schema') with the URL redacted. */
export async function openPgStore(options: PgStoreOptions): Promise<PgStore> {
  const { pool, state } = await connectPg(options);
  return new PgStore(pool, state.guilds, state.memory, options);
}

/** Create it with openPgStore. */
export class PgStore implements Store {
  readonly #pool: pg.Pool;
  readonly #guilds: PgGuilds;
  /** The rest of the rows this process owns, with MemoryStore's validation and merge rules. */
  readonly #memory: MemoryStore;
  readonly #writer: PgWriter;
  readonly #options: PgStoreOptions;
  readonly #voices: PgVoices;
  readonly #pending: PgPending;
  #closed = false;
  #ended: Promise<void> | null = null;
  #ledger: PgAccountLedger | null = null;

  constructor(pool: pg.Pool, guilds: Map<string, StoredGuildSettings>, memory: MemoryStore, options: PgStoreOptions) {
    this.#pool = pool;
    this.#memory = memory;
    this.#options = options;
    this.#writer = new PgWriter(pool, options);
    const write = (op: string, statements: [string, ...unknown[]][]) => this.#write(op, statements);
    this.#guilds = new PgGuilds(guilds, memory, write);
    this.#voices = new PgVoices(memory, write);
    this.#pending = new PgPending(memory, write, (w) => this.#writer.withdraw(w));
  }

  getGuildSettings(guildId: string): GuildSettings {
    this.#open();
    return this.#guilds.settings(guildId);
  }

  updateGuildSettings(guildId: string, patch: GuildSettingsPatch): GuildSettings {
    this.#open();
    return this.#guilds.updateSettings(guildId, patch);
  }

  resetGuildVoice(guildId: string): GuildSettings {
    this.#open();
    return this.#guilds.resetVoice(guildId);
  }

  getMemberVoice(guildId: string, userId: string): VoiceProfile {
    this.#open();
    return this.#memory.getMemberVoice(guildId, userId);
  }

  setMemberVoice(guildId: string, userId: string, patch: VoiceProfilePatch): VoiceProfile {
    this.#open();
    return this.#guilds.setMemberVoice(guildId, userId, patch);
  }

  resetMemberVoice(guildId: string, userId: string): boolean {
    this.#open();
    return this.#guilds.resetMemberVoice(guildId, userId);
  }

  addDictionaryEntry(guildId: string, entry: DictionaryEntry, limits: { maxEntries: number }): AddDictionaryResult {
    this.#open();
    return this.#guilds.addEntry(guildId, entry, limits);
  }

  removeDictionaryEntry(guildId: string, from: string): boolean {
    this.#open();
    return this.#guilds.removeEntry(guildId, from);
  }

  listDictionary(guildId: string): DictionaryEntry[] {
    this.#open();
    return this.#memory.listDictionary(guildId);
  }

  addUsage(guildId: string, chars: number, at: Date): void {
    this.#open();
    this.#memory.addUsage(guildId, chars, at);
    if (chars > 0) this.#write('addUsage', [[SQL.addUsage, guildId, utcDayKey(at), chars]], chars);
  }

  getUsage(guildId: string, at: Date): UsageTotals {
    this.#open();
    return this.#memory.getUsage(guildId, at);
  }

  pruneUsage(before: Date): number {
    this.#open();
    const pruned = this.#memory.pruneUsage(before);
    this.#write('pruneUsage', [[SQL.pruneUsage, utcDayKey(before)]]);
    return pruned;
  }

  setActiveSession(guildId: string, session: ActiveSessionInfo): void {
    this.#open();
    this.#memory.setActiveSession(guildId, session);
    this.#write('setActiveSession', [[SQL.putSession, guildId, session.voiceChannelId, session.textChannelId ?? null]]);
  }

  clearActiveSession(guildId: string): boolean {
    this.#open();
    const had = this.#memory.clearActiveSession(guildId);
    if (had) this.#write('clearActiveSession', [[SQL.deleteSession, guildId]]);
    return had;
  }

  listActiveSessions(): ActiveSession[] {
    this.#open();
    return this.#memory.listActiveSessions();
  }

  getPlayoutDelay(): number | null {
    this.#open();
    return this.#memory.getPlayoutDelay();
  }

  setPlayoutDelay(ms: number): void {
    this.#open();
    this.#memory.setPlayoutDelay(ms);
    this.#write('setPlayoutDelay', [[SQL.putState, PLAYOUT_DELAY, JSON.stringify(ms)]]);
  }

  savePendingConsent(consent: PendingConsent): void {
    this.#open();
    this.#pending.saveConsent(consent);
  }

  getPendingConsent(token: string): PendingConsent | null {
    this.#open();
    return this.#memory.getPendingConsent(token);
  }

  deletePendingConsent(token: string): boolean {
    this.#open();
    return this.#pending.deleteConsent(token);
  }

  saveOwnedVoice(voice: OwnedVoice): void {
    this.#open();
    this.#voices.save(voice);
  }

  getOwnedVoice(voiceId: string): OwnedVoice | null {
    this.#open();
    return this.#memory.getOwnedVoice(voiceId);
  }

  /**
   * From memory, else one read of the database: the voice may belong to a guild of another process. This process's
   * own writes land first (up to 2 s), so a voice it just forgot is not read back from a row still being deleted.
   */
  async findOwnedVoice(voiceId: string): Promise<OwnedVoice | null> {
    this.#open();
    const local = this.#memory.getOwnedVoice(voiceId);
    if (local) return local;
    await this.#writer.drain(2_000);
    const { rows } = await this.#pool.query<Record<string, unknown>>(SQL.getOwnedVoice, [voiceId]);
    return rows[0] ? (readPgOwnedVoice(rows[0]) ?? null) : null;
  }

  listOwnedVoices(guildId: string, userId?: string): OwnedVoice[] {
    this.#open();
    return this.#memory.listOwnedVoices(guildId, userId);
  }

  touchOwnedVoice(voiceId: string, at: number): void {
    this.#open();
    this.#voices.touch(voiceId, at);
  }

  deleteOwnedVoice(voiceId: string): boolean {
    this.#open();
    return this.#voices.delete(voiceId);
  }

  addVoiceDesign(guildId: string, at: Date): void {
    this.#open();
    this.#voices.addDesign(guildId, at);
  }

  getVoiceDesigns(guildId: string, at: Date): number {
    this.#open();
    return this.#memory.getVoiceDesigns(guildId, at);
  }

  getPoolVoices(guildId: string): Record<string, string> {
    this.#open();
    return this.#memory.getPoolVoices(guildId);
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
    return this.#memory.listPendingItems(guildId);
  }

  deleteGuild(guildId: string): void {
    this.#open();
    this.#guilds.delete(guildId);
  }

  /**
   * Characters billed in the UTC month of `at` across every guild and process, as the database has them now
   * (asynchronous: it asks the server). Rejects while the server cannot be reached.
   */
  async accountMonthUsage(at: Date): Promise<number> {
    assertDate('at', at);
    const { first, last } = utcMonthBounds(at);
    const result = await this.#pool.query<{ chars: string }>(SQL.accountMonth, [first, last]);
    return Number(result.rows[0]?.chars ?? 0);
  }

  /** Not behind the write-behind mirror: each call is a round trip to the server (see pgAccountLedger.ts). */
  accountLedger(): AccountLedger {
    this.#open();
    this.#ledger ??= new PgAccountLedger(this.#pool);
    return this.#ledger;
  }

  health(): StoreHealth {
    return this.#writer.health();
  }

  /** Resolves once every write made so far reached the server (false: not within `deadlineMs`). */
  flushed(deadlineMs?: number): Promise<boolean> {
    return this.#writer.drain(deadlineMs);
  }

  /** Stops taking calls; the pending writes get until the end of `end()`. */
  close(): void {
    void this.end();
  }

  /** Closes: waits up to `deadlineMs` (default 5 s) for pending writes, reports any left, ends the pool. */
  end(deadlineMs = 5_000): Promise<void> {
    this.#closed = true;
    this.#ended ??= (async () => {
      await this.#writer.drain(deadlineMs);
      const left = this.#writer.close();
      const usage = left.filter((w) => w.usageChars > 0).map((w) => ({ op: w.op, chars: w.usageChars }));
      if (usage.length > 0) this.#options.onUnsaved?.(usage);
      await this.#pool.end().catch(() => undefined);
    })();
    return this.#ended;
  }

  #open(): void {
    if (this.#closed) throw new StoreError('closed', 'The store is closed');
  }

  #write(op: string, statements: [string, ...unknown[]][], usageChars = 0): PgWrite {
    const write: PgWrite = { op, usageChars, statements: statements.map(([text, ...values]): PgStatement => ({ text, values })) };
    this.#writer.enqueue(write);
    return write;
  }
}
