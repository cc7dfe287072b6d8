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
import pg from 'pg';
import type { AccountLedger } from './accountLedger.js';
import { StoreError } from './errors.js';
import { PgAccountLedger } from './pgAccountLedger.js';
import { loadPgState, PLAYOUT_DELAY, readPgOwnedVoice, type ShardFilter } from './pgLoad.js';
import { migratePg } from './pgMigrations.js';
import { redactDatabaseUrl, scrubSecret } from './pgUrl.js';
import { SQL } from './pgStatements.js';
import { PgWriter, type PgStatement, type PgWrite, type PgWriterOptions } from './PgWriter.js';
import { usageRetentionStart } from './budget.js';
import type { MemoryStore } from './MemoryStore.js';
import { utcMonthKey } from './ownedVoices.js';
import { dictionaryKey, utcDayKey, utcMonthBounds } from './records.js';
import { applyGuildSettingsPatch, emptyStoredGuildSettings, withDefaults, type StoredGuildSettings } from './settings.js';
import type { InvalidDataEvent } from './SqliteStore.js';
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
import { assertDate, assertId } from './validate.js';

export interface PgStoreOptions extends PgWriterOptions {
  /** postgres://user:password@host:port/database (the password never reaches a message). */
  url: string;
  /** Only these shards' guilds are loaded (a process running some shards); absent: every guild. */
  shards?: ShardFilter;
  onInvalidData?: (event: InvalidDataEvent) => void;
  /** Usage still unwritten when the store closed (the server was away until the end). Must not throw. */
  onUnsaved?: (usage: { op: string; chars: number }[]) => void;
  /** Connections to the server. Default 4. */
  poolSize?: number;
  /** Deadline for connecting, and for one statement. Defaults 10 s and 30 s. */
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
}

/** Connects, migrates and loads; throws StoreError('open_failed' | 'newer_schema') with the URL redacted. */
export async function openPgStore(options: PgStoreOptions): Promise<PgStore> {
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
    return new PgStore(pool, state.guilds, state.memory, options);
  } catch (cause) {
    await pool.end().catch(() => undefined);
    if (cause instanceof StoreError && cause.code === 'newer_schema') throw cause;
    const why = cause instanceof Error ? scrubSecret(cause.message, options.url) : 'unknown error';
    throw new StoreError('open_failed', `Cannot open the PostgreSQL database ${redactDatabaseUrl(options.url)}: ${why}`);
  }
}

/** Create it with openPgStore. */
export class PgStore implements Store {
  readonly #pool: pg.Pool;
  readonly #guilds: Map<string, StoredGuildSettings>;
  /** The rest of the rows this process owns, with MemoryStore's validation and merge rules. */
  readonly #memory: MemoryStore;
  readonly #writer: PgWriter;
  readonly #options: PgStoreOptions;
  /** Pending items whose INSERT has not gone out yet: removing one withdraws it instead of writing a DELETE. */
  readonly #unwrittenPending = new Map<string, PgWrite>();
  #closed = false;
  #ended: Promise<void> | null = null;
  #ledger: PgAccountLedger | null = null;

  constructor(pool: pg.Pool, guilds: Map<string, StoredGuildSettings>, memory: MemoryStore, options: PgStoreOptions) {
    this.#pool = pool;
    this.#guilds = guilds;
    this.#memory = memory;
    this.#options = options;
    this.#writer = new PgWriter(pool, options);
  }

  getGuildSettings(guildId: string): GuildSettings {
    this.#open();
    assertId('guildId', guildId);
    return withDefaults(this.#guilds.get(guildId) ?? emptyStoredGuildSettings());
  }

  updateGuildSettings(guildId: string, patch: GuildSettingsPatch): GuildSettings {
    return this.#putGuild('updateGuildSettings', guildId, (stored) => applyGuildSettingsPatch(stored, patch));
  }

  resetGuildVoice(guildId: string): GuildSettings {
    return this.#putGuild('resetGuildVoice', guildId, (stored) => ({ ...stored, voice: {} }));
  }

  getMemberVoice(guildId: string, userId: string): VoiceProfile {
    this.#open();
    return this.#memory.getMemberVoice(guildId, userId);
  }

  setMemberVoice(guildId: string, userId: string, patch: VoiceProfilePatch): VoiceProfile {
    this.#open();
    const next = this.#memory.setMemberVoice(guildId, userId, patch);
    if (Object.keys(next).length === 0) this.#write('setMemberVoice', [[SQL.deleteMember, guildId, userId]]);
    else this.#write('setMemberVoice', [[SQL.putMember, guildId, userId, JSON.stringify(next)]]);
    return next;
  }

  resetMemberVoice(guildId: string, userId: string): boolean {
    this.#open();
    const had = this.#memory.resetMemberVoice(guildId, userId);
    if (had) this.#write('resetMemberVoice', [[SQL.deleteMember, guildId, userId]]);
    return had;
  }

  addDictionaryEntry(guildId: string, entry: DictionaryEntry, limits: { maxEntries: number }): AddDictionaryResult {
    this.#open();
    const result = this.#memory.addDictionaryEntry(guildId, entry, limits);
    if (result.ok) this.#write('addDictionaryEntry', [[SQL.putEntry, guildId, dictionaryKey(entry.from), entry.from, entry.to]]);
    return result;
  }

  removeDictionaryEntry(guildId: string, from: string): boolean {
    this.#open();
    const removed = this.#memory.removeDictionaryEntry(guildId, from);
    if (removed) this.#write('removeDictionaryEntry', [[SQL.deleteEntry, guildId, dictionaryKey(from)]]);
    return removed;
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
    this.#memory.savePendingConsent(consent);
    const c = this.#memory.getPendingConsent(consent.token)!;
    this.#write('savePendingConsent', [
      [SQL.pruneConsents, c.createdAt, c.guildId, c.userId],
      [SQL.putConsent, c.token, c.guildId, c.userId, c.sampleUrl, c.filename, c.contentType, c.size, c.createdAt, c.expiresAt],
    ]);
  }

  getPendingConsent(token: string): PendingConsent | null {
    this.#open();
    return this.#memory.getPendingConsent(token);
  }

  deletePendingConsent(token: string): boolean {
    this.#open();
    const had = this.#memory.deletePendingConsent(token);
    if (had) this.#write('deletePendingConsent', [[SQL.deleteConsent, token]]);
    return had;
  }

  saveOwnedVoice(voice: OwnedVoice): void {
    this.#open();
    this.#memory.saveOwnedVoice(voice);
    const v = this.#memory.getOwnedVoice(voice.voiceId)!;
    this.#write('saveOwnedVoice', [[SQL.putOwnedVoice, v.voiceId, v.kind, v.guildId, v.userId, v.description, v.createdAt, v.lastUsedAt]]);
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
    this.#memory.touchOwnedVoice(voiceId, at);
    if (this.#memory.getOwnedVoice(voiceId)) this.#write('touchOwnedVoice', [[SQL.touchOwnedVoice, at, voiceId]]);
  }

  deleteOwnedVoice(voiceId: string): boolean {
    this.#open();
    const had = this.#memory.deleteOwnedVoice(voiceId);
    if (had) {
      this.#write('deleteOwnedVoice', [[SQL.deleteOwnedVoice, voiceId]]);
      return true;
    }
    // Another process's guild (found with findOwnedVoice): its row goes, and members there stop choosing it (a
    // separate write, so a member row the server cannot parse as JSON never keeps the voice's row).
    this.#write('deleteOwnedVoice', [[SQL.deleteOwnedVoice, voiceId]]);
    this.#write('deleteOwnedVoice', [[SQL.unsetMemberVoice, voiceId]]);
    return false;
  }

  addVoiceDesign(guildId: string, at: Date): void {
    this.#open();
    this.#memory.addVoiceDesign(guildId, at);
    this.#write('addVoiceDesign', [[SQL.addVoiceDesign, guildId, utcMonthKey(at)]]);
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
    const had = this.#memory.getPoolVoices(guildId)[userId];
    const kept = this.#memory.assignPoolVoice(guildId, userId, voiceId);
    if (had === undefined) this.#write('assignPoolVoice', [[SQL.putPool, guildId, userId, kept]]);
    return kept;
  }

  /**
   * Written behind like everything else: a crash in the few milliseconds before the INSERT reaches the server
   * loses that item's notice, never speech. An item finished before its INSERT went out costs no write at all.
   */
  addPendingItem(item: PendingItem): void {
    this.#open();
    this.#memory.addPendingItem(item);
    const write = this.#write('addPendingItem', [[SQL.putPending, item.key, item.guildId, item.channelId, item.authorId, item.enqueuedAt]]);
    this.#unwrittenPending.set(item.key, write);
  }

  removePendingItem(key: string): void {
    this.#open();
    this.#memory.removePendingItem(key);
    const unwritten = this.#unwrittenPending.get(key);
    this.#unwrittenPending.delete(key);
    if (unwritten && this.#writer.withdraw(unwritten)) return;
    this.#write('removePendingItem', [[SQL.deletePending, key]]);
  }

  listPendingItems(guildId: string): PendingItem[] {
    this.#open();
    return this.#memory.listPendingItems(guildId);
  }

  deleteGuild(guildId: string): void {
    this.#open();
    this.#memory.deleteGuild(guildId);
    this.#guilds.delete(guildId);
    this.#write('deleteGuild', [
      [SQL.deletePool, guildId],
      [SQL.deleteGuild, guildId],
      [SQL.deleteMembers, guildId],
      [SQL.deleteEntries, guildId],
      [SQL.deleteSession, guildId],
      [SQL.deleteGuildConsents, guildId],
      [SQL.deleteGuildPending, guildId],
    ]);
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

  #putGuild(op: string, guildId: string, change: (stored: StoredGuildSettings) => StoredGuildSettings): GuildSettings {
    this.#open();
    assertId('guildId', guildId);
    const next = change(this.#guilds.get(guildId) ?? emptyStoredGuildSettings());
    this.#guilds.set(guildId, next);
    this.#write(op, [[SQL.putGuild, guildId, JSON.stringify(next)]]);
    return withDefaults(next);
  }

  #write(op: string, statements: [string, ...unknown[]][], usageChars = 0): PgWrite {
    const write: PgWrite = { op, usageChars, statements: statements.map(([text, ...values]): PgStatement => ({ text, values })) };
    this.#writer.enqueue(write);
    return write;
  }
}
