/** What a GuildSession is given by its manager: its dependencies, limits, timings and the pause rules. */
import type { TranscoderFactory } from '../audio/types.js';
import type { Admit } from './PreparedItem.js';
import type { ResolvedVoice, Store } from '../store/types.js';
import type { Synthesizer } from '../t2a/types.js';
import { DEFAULT_PAUSE_COOLDOWNS } from './failures.js';
import type { QueueLimits } from './Queue.js';
import type { RetryTimings } from './Settler.js';
import { DEFAULT_PLAYBACK_TIMINGS, type PlaybackTimings } from './startPlayback.js';
import type { PlayoutDelay } from './PlayoutDelay.js';
import type { PauseState } from './types.js';
import type { VoiceLinkTimings } from './VoiceLink.js';

/** Every deadline and delay of a session: joining, rejoining, leaving, stalls, retries, pauses, playback start. */
export interface SessionTimings extends VoiceLinkTimings, RetryTimings, PlaybackTimings {
  /** Leave this long after the last human left the channel. */
  leaveEmptyAfterMs: number;
  /** Underrun tolerated mid-utterance before the player gives up on a stalled stream. */
  maxStallMs: number;
}

/** Production timings (joins get 20 s, as in @discordjs/voice's examples). */
export const DEFAULT_TIMINGS: SessionTimings = {
  joinTimeoutMs: 20_000,
  movedGraceMs: 5_000,
  rejoinDelaysMs: [1_000, 3_000, 5_000, 10_000, 20_000],
  e2eeWaitMs: 2_000,
  leaveEmptyAfterMs: 30_000,
  maxStallMs: 15_000,
  retryBaseMs: 1_000,
  retryMaxMs: 16_000,
  retryAttempts: 4,
  ...DEFAULT_PAUSE_COOLDOWNS,
  ...DEFAULT_PLAYBACK_TIMINGS,
};

/** What a session needs from its manager. */
export interface SessionContext {
  synthesizer: Synthesizer;
  transcoders: TranscoderFactory;
  store: Store;
  defaults: ResolvedVoice;
  limits: QueueLimits;
  timings: SessionTimings;
  /** How long the first packet of an utterance is held (shared by every session; learned unless fixed). */
  playout: PlayoutDelay;
  now: () => number;
  /** The pause in force for this guild (its own, or one for every guild), if any. */
  pausedFor: (guildId: string) => PauseState | null;
  /** Called before an item is synthesized: returns a pause when the guild's character budget is spent. */
  checkBudget: (guildId: string, channelId: string) => PauseState | null;
  /**
   * The Opus bitrate for audio played in this voice channel now (AUDIO_OPUS_BITRATE: the channel's own, or a fixed
   * number); undefined or absent: the transcoders' default.
   */
  opusBitrate?: ((channelId: string) => number | undefined) | undefined;
  /** The account-wide budget's reservation, made before each text is sent (BUDGET_ACCOUNT_MONTHLY_CHARS); absent: none. */
  admit?: Admit | undefined;
}
