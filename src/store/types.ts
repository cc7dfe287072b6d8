/**
 * Public shapes of Parrot's persistence. Commands and the session layer depend on these, not on SQLite.
 *
 * Why the Store is synchronous: the only implementation is embedded (better-sqlite3, itself synchronous, with
 * queries taking microseconds), and the hot reads (guild settings on every auto-read message) happen inline in
 * filters. Synchronous methods keep read-modify-write updates atomic without locks and keep callers free of
 * await interleavings. A server database would be added as a separate `AsyncStore` with the same method names
 * returning promises; callers that `await` a synchronous value keep working, so the move is mechanical.
 */
import type { Emotion, LanguageBoost, Model } from '../t2a/types.js';
import type { AccountLedger } from './accountLedger.js';

/** Partial voice preferences (server default or one member's); an unset field falls through to the next layer. */
export interface VoiceProfile {
  voiceId?: string;
  model?: Model;
  /** 0.5..2 (range checked by the caller) */
  speed?: number;
  /** (0, 10] (range checked by the caller) */
  volume?: number;
  /** integer -12..12 (range checked by the caller) */
  pitch?: number;
  emotion?: Emotion;
  languageBoost?: LanguageBoost;
}

/** A change to a VoiceProfile: a value sets the field, `null` clears it, an absent key leaves it as is. */
export type VoiceProfilePatch = { [K in keyof VoiceProfile]?: NonNullable<VoiceProfile[K]> | null };

/** The voice an utterance is spoken with, after `resolveVoice` merged every layer over the defaults. */
export interface ResolvedVoice {
  voiceId: string;
  model: Model;
  speed: number;
  volume: number;
  pitch: number;
  emotion?: Emotion;
  languageBoost?: LanguageBoost;
}

/** How the bot reads a text channel on its own. */
export interface AutoreadSettings {
  /** The channel read aloud; null: none. */
  channelId: string | null;
  /** Say "<name> said" before a message. Default true. */
  xsaid: boolean;
  /** Only read authors who are in the bot's voice channel. Default true. */
  requireVoice: boolean;
  /** Also read bots and webhooks. Default false. */
  readBots: boolean;
  /** Join the author's voice channel when a message arrives in the read channel. Default false. */
  autojoin: boolean;
  /** Longest message read, in characters. Default 300; the caller allows 10..2000 (AUTOREAD_MAX_LENGTH). */
  maxLength: number;
  /** Drop emoji instead of naming them. Default false. */
  skipEmoji: boolean;
  /** Also read the text chat of the bot's voice channel. Default true. */
  textInVoice: boolean;
  /** Messages starting with this (after leading spaces) are not read, e.g. ";" for side talk; null: none (default). */
  ignorePrefix: string | null;
}

/** Admin-set character caps (null: no cap). The owner's environment caps bound them; the caller enforces that. */
export interface BudgetSettings {
  dailyChars: number | null;
  monthlyChars: number | null;
}

/**
 * How each message picks its voice beyond the server and member settings (issue 19): its language, a distinct
 * voice per member, expressiveness.
 */
export interface VoicingSettings {
  /**
   * Detect each message's language: sent as language_boost (unless a voice sets one), and a member who chose no
   * voice is read by a voice of that language. Default true.
   */
  detectLanguage: boolean;
  /** The server's voice per language, over the built-in ones (see session/languageVoices). Default none. */
  languageVoices: Partial<Record<LanguageBoost, string>>;
  /** Members who chose no voice get a distinct, lasting voice from a pool. Default false. */
  pool: boolean;
  /** Emoji and punctuation set the emotion; laughter becomes (laughs) where markup is allowed. Default false. */
  expressive: boolean;
}

/** One guild's settings with every default filled in. */
export interface GuildSettings {
  /** The server's default voice (`/voice set`). */
  voice: VoiceProfile;
  autoread: AutoreadSettings;
  budget: BudgetSettings;
  /** Let users send MiniMax markup (pauses, interjections) through. Default false. */
  allowSpecialMarkup: boolean;
  voicing: VoicingSettings;
  /** Members may clone their own voice (`/voice cloning allow`; the owner must also allow it). Default false. */
  allowVoiceCloning: boolean;
}

/** A partial update of GuildSettings, merged one level deep (e.g. `{ autoread: { xsaid: false } }`). */
export interface GuildSettingsPatch {
  voice?: VoiceProfilePatch;
  autoread?: Partial<AutoreadSettings>;
  budget?: Partial<BudgetSettings>;
  allowSpecialMarkup?: boolean;
  /** `languageVoices` is replaced as a whole. */
  voicing?: Partial<VoicingSettings>;
  allowVoiceCloning?: boolean;
}

/** A word replacement; `from` is unique per guild, compared case-insensitively. */
export interface DictionaryEntry {
  from: string;
  to: string;
}

/** Outcome of `addDictionaryEntry`: an existing entry with the same `from` (any case) is replaced. */
export type AddDictionaryResult =
  | { ok: true; replaced: boolean }
  /** full: the guild already has `maxEntries` entries; empty_from: `from` is empty or only whitespace. */
  | { ok: false; reason: 'full' | 'empty_from' };

/** Characters used in the UTC calendar day and month containing the instant asked about. */
export interface UsageTotals {
  day: number;
  month: number;
}

/** A voice made at MiniMax for this bot: designed from a description, or cloned from a member's recording. */
export interface OwnedVoice {
  voiceId: string;
  kind: 'designed' | 'cloned';
  guildId: string;
  /** The member who made it (a clone is usable by this member only). */
  userId: string;
  /** The description (designed) or the sample's file name (cloned). */
  description: string;
  /** ms since the epoch */
  createdAt: number;
  /** Last time Parrot spoke with it (ms since the epoch); null: never. */
  lastUsedAt: number | null;
}

/**
 * A member's sample waiting for their consent to clone it (`/myvoice clone`): where to download it again when they
 * press the button, never the audio itself. Kept in the database so a restart in between loses nothing.
 */
export interface PendingConsent {
  /** The button's token (unique). */
  token: string;
  guildId: string;
  userId: string;
  /** The attachment's URL on Discord's CDN. */
  sampleUrl: string;
  filename: string;
  contentType: string;
  /** Bytes, as Discord described the attachment. */
  size: number;
  /** ms since the epoch */
  createdAt: number;
  /** After this (ms since the epoch) the press is refused. */
  expiresAt: number;
}

/** Where the bot was connected, so it can rejoin after a restart. */
export interface ActiveSessionInfo {
  voiceChannelId: string;
  textChannelId?: string;
}

export interface ActiveSession extends ActiveSessionInfo {
  guildId: string;
}

/**
 * A text accepted into a guild's queue and not finished yet, kept so that after a crash its author can be told it
 * was not read (issue 17). It holds who and where, never what: no text, no message id, no name.
 */
export interface PendingItem {
  /** Unique over every process and every life of one (the session layer makes it). */
  key: string;
  guildId: string;
  /** The text channel where it was asked for or read: the notice goes there. */
  channelId: string;
  authorId: string;
  /** ms since the epoch */
  enqueuedAt: number;
}

/** Whether the database can be written (see ResilientStore); what /status shows when it cannot. */
export type StoreHealth =
  | { ok: true; unsavedChars: number }
  | {
      ok: false;
      /** Stable key of the failure, e.g. SQLITE_FULL. */
      cause: string;
      /** The cause in plain words (no paths). */
      reason: string;
      /** When the database started failing (ms since the epoch). */
      since: number;
      /** Usage kept in memory until the database takes it. */
      unsavedChars: number;
      /** Setting changes are kept too and written when it works again (PostgreSQL); absent: they are refused. */
      changesKept?: boolean;
    };

/**
 * Parrot's persistence. Every method is synchronous (see the file comment). Ids are non-empty strings; a value of
 * the wrong type throws StoreError('invalid_value'); a call after close() throws StoreError('closed'). Ranges
 * (speed, volume, pitch, maxLength) are the caller's to check. Returned objects are fresh copies.
 */
export interface Store {
  /** The guild's settings with defaults filled; a guild never written to gets the defaults. */
  getGuildSettings(guildId: string): GuildSettings;
  /** Merges `patch` into the stored settings and returns the result. */
  updateGuildSettings(guildId: string, patch: GuildSettingsPatch): GuildSettings;
  /** Clears the server voice (every field falls through to the defaults); returns the new settings. */
  resetGuildVoice(guildId: string): GuildSettings;

  /** The member's voice preferences; `{}` when none are set. */
  getMemberVoice(guildId: string, userId: string): VoiceProfile;
  /** Merges `patch` into the member's preferences and returns them. */
  setMemberVoice(guildId: string, userId: string, patch: VoiceProfilePatch): VoiceProfile;
  /** Removes the member's preferences; returns whether there were any. */
  resetMemberVoice(guildId: string, userId: string): boolean;

  /** Adds `entry`, or replaces the entry with the same `from` (any case), unless the guild is full. */
  addDictionaryEntry(guildId: string, entry: DictionaryEntry, limits: { maxEntries: number }): AddDictionaryResult;
  /** Removes the entry whose `from` matches case-insensitively; returns whether it existed. */
  removeDictionaryEntry(guildId: string, from: string): boolean;
  /** The guild's entries in the order they were first added. */
  listDictionary(guildId: string): DictionaryEntry[];

  /** Counts `chars` (a non-negative integer) against the UTC day of `at`. */
  addUsage(guildId: string, chars: number, at: Date): void;
  /** Characters counted in the UTC day and UTC month of `at`. */
  getUsage(guildId: string, at: Date): UsageTotals;
  /**
   * Characters counted in the UTC month of `at` over every guild. Synchronous stores have it; PgStore reads it from
   * the server asynchronously (accountMonthUsage). The account-wide budget uses the ledger below, which starts a
   * month from this sum.
   */
  getAccountUsage?(at: Date): number;
  /** Forgets usage counted on UTC days before the day of `before`, for every guild; returns how many days went. */
  pruneUsage(before: Date): number;
  /**
   * The account-wide ledger of characters billed and reserved per UTC month (BUDGET_ACCOUNT_MONTHLY_CHARS), shared
   * by every process on this database; asynchronous, and not made resilient: see store/accountLedger.ts.
   */
  accountLedger(): AccountLedger;

  /** Records (or replaces) a voice made at MiniMax. */
  saveOwnedVoice(voice: OwnedVoice): void;
  /** The voice with this exact id, or null when it is not one Parrot made. */
  getOwnedVoice(voiceId: string): OwnedVoice | null;
  /**
   * The voice with this id wherever this bot keeps it: PgStore, whose memory holds only its shards' guilds, also
   * reads the database (a button pressed in a direct message reaches shard 0, whatever server the voice is from).
   * The other stores answer what getOwnedVoice answers.
   */
  findOwnedVoice(voiceId: string): Promise<OwnedVoice | null>;
  /** The voices a member made in a guild (every member's without `userId`), oldest first. */
  listOwnedVoices(guildId: string, userId?: string): OwnedVoice[];
  /** Notes that Parrot spoke with the voice at `at` (ms); unknown ids are ignored. */
  touchOwnedVoice(voiceId: string, at: number): void;
  /**
   * Forgets the voice; returns whether it was known. PgStore also deletes the row of a voice only another process
   * holds (and unsets it as a member's voice there); that process's memory keeps it until MiniMax says it is gone.
   */
  deleteOwnedVoice(voiceId: string): boolean;
  /** Counts one voice design against the guild's UTC month of `at`. */
  addVoiceDesign(guildId: string, at: Date): void;
  /** Voice designs counted in the UTC month of `at`. */
  getVoiceDesigns(guildId: string, at: Date): number;

  /**
   * Records a sample waiting for its owner's consent; the member's other pending consents in that guild, and every
   * consent expired by `consent.createdAt`, are forgotten.
   */
  savePendingConsent(consent: PendingConsent): void;
  /** The pending consent with this token (possibly expired: the caller checks), or null. */
  getPendingConsent(token: string): PendingConsent | null;
  /** Forgets the pending consent; returns whether it was known. */
  deletePendingConsent(token: string): boolean;

  /** Records (or replaces) the guild's active voice session. */
  setActiveSession(guildId: string, session: ActiveSessionInfo): void;
  /** Forgets the guild's active session; returns whether there was one. */
  clearActiveSession(guildId: string): boolean;
  listActiveSessions(): ActiveSession[];

  /**
   * The playout delay (ms) the bot learned from MiniMax's pacing (see session/PlayoutDelay), so a restart starts
   * from it instead of relearning it with a message that runs dry; null when none was saved (or it was unreadable).
   */
  getPlayoutDelay(): number | null;
  /** Saves the learned playout delay: a non-negative integer (else StoreError('invalid_value')). */
  setPlayoutDelay(ms: number): void;

  /** The voices the guild's pool gave its members (user id -> voice id). */
  getPoolVoices(guildId: string): Record<string, string>;
  /**
   * Gives the member `voiceId` from the guild's voice pool unless they already have a pool voice, and returns the
   * member's pool voice (theirs for good: across days and restarts).
   */
  assignPoolVoice(guildId: string, userId: string, voiceId: string): string;

  /** Keeps a text just accepted into a queue (replaces one with the same key). */
  addPendingItem(item: PendingItem): void;
  /** Forgets the text (played, skipped, cleared, refused or reported); an unknown key is ignored. */
  removePendingItem(key: string): void;
  /** The guild's kept texts, oldest first. */
  listPendingItems(guildId: string): PendingItem[];

  /**
   * Removes what is stored for the guild (settings, member voices, dictionary, active session, pool voices, pending
   * consents, pending items) when the bot leaves it. Usage is kept so that removing and re-inviting the bot does not reset the guild's budget.
   */
  deleteGuild(guildId: string): void;

  /** Whether the database can be written; stores that cannot tell (memory, plain SQLite) leave it out. */
  health?(): StoreHealth;

  /** Releases the database; idempotent. */
  close(): void;
}
