/**
 * The session layer's public surface: what commands and the bot edge may call. A GuildSession owns one guild's
 * voice connection, audio player, queue of texts, warm T2A task(s), transcoders and timers.
 */
import type { DiscordGatewayAdapterCreator } from '@discordjs/voice';
import type { VoiceProfile } from '../store/types.js';

/** Where to join: built by the Discord edge from a guild and a voice channel. */
export interface VoiceTarget {
  guildId: string;
  channelId: string;
  adapterCreator: DiscordGatewayAdapterCreator;
}

/**
 * Voice preferences carried by one item (the /speak `voice` option, /voice preview's settings). Set fields win
 * over the member's voice, which wins over the server's, which wins over the defaults.
 */
export type VoiceOverride = VoiceProfile;

/** What put an item in the queue; used to report a failure where the user will see it. */
export type ItemSource =
  | { kind: 'command'; channelId: string }
  | { kind: 'message'; channelId: string; messageId: string };

/** One text waiting to be spoken. Audio is made only when it reaches the head of the queue. */
export interface QueueItemInput {
  authorId: string;
  /** Display name, for reports ("couldn't read Ana's message"). */
  authorName: string;
  /** Already cleaned, speakable text (src/text). May be longer than one T2A request: the session splits it. */
  text: string;
  /**
   * The author's own words as written, for detecting the language and the emotion (without "X said" or emoji
   * names, which are English words); default `text`.
   */
  authorText?: string;
  override?: VoiceOverride;
  source: ItemSource;
  /** When the command or message reached the bot (the session's clock); time to first audio counts from it. Default: enqueued. */
  receivedAt?: number;
  /**
   * Audio that is ready (MP3 bytes, e.g. the preview MiniMax sent with a designed voice): the item plays it through
   * the same transcoder, in its turn, instead of synthesizing `text` (which then only names it). It costs no T2A
   * characters, and a pause or a spent budget does not hold it (nothing is asked of MiniMax).
   */
  audio?: Buffer;
}

export interface QueueItem extends QueueItemInput {
  id: number;
  enqueuedAt: number;
}

export type EnqueueResult =
  | { ok: true; position: number; item: QueueItem }
  | { ok: false; reason: 'guild_queue_full' | 'user_queue_full' | 'paused' | 'destroyed'; detail?: string };

export type JoinResult =
  | { ok: true; channelId: string; alreadyThere: boolean }
  | { ok: false; reason: 'timeout' | 'destroyed' };

/** Why an item did not play (whole or in part). */
export type FailureKind =
  | 'cut' // audio started, then the upstream failed: the rest is lost
  | 'failed' // nothing was heard
  | 'skipped_content' // MiniMax refused the text (sensitive, invisible characters, empty)
  | 'skipped_voice' // the voice is unknown or not allowed
  | 'paused'; // speech is paused for this server (key, balance, usage limit, budget)

export interface ItemReport {
  item: QueueItem;
  kind: FailureKind;
  /** Short, user-facing reason in plain words; never contains a secret nor internal error text. */
  reason: string;
  /** For the log only: the internal error (MiniMax's status_msg, ffmpeg's stderr...) and MiniMax's trace id. */
  detail?: string;
  traceId?: string;
}

/** Why speech is paused for a guild (or all guilds), shown by /status. */
export interface PauseState {
  reason: 'auth' | 'billing' | 'usage_limit' | 'budget';
  message: string;
  since: number;
}

export interface SessionStatus {
  guildId: string;
  channelId: string | null;
  connection: string;
  playing: QueueItem | null;
  queued: number;
  paused: PauseState | null;
}
