/**
 * What the fakes' child process (bench/fakeServers.ts) offers the benchmark over IPC: one method per request.
 * Times are on the benchmark clock of the child (bench/clock.ts).
 */
import type { CommandSpec, GuildSpec } from '../test/fakes/discord/index.js';
import type { FakeMiniMaxOptions } from '../test/fakes/minimax/types.js';

export interface FakeServersConfig {
  guilds: GuildSpec[];
  /** The bot token the fake Discord accepts. */
  token: string;
  /** The API key the fake MiniMax accepts. */
  apiKey: string;
  minimax: FakeMiniMaxOptions;
  /** DAVE end-to-end encryption, as Discord requires (default true); false: transport encryption only. */
  dave?: boolean;
  /** Serve several shards as Discord does (GET /gateway/bot, IDENTIFY shard, 4011 when required); default unsharded. */
  sharding?: { count: number; required: boolean };
}

export interface FakeServersInfo {
  restApi: string;
  minimaxUrl: string;
  guilds: { id: string; name: string; voiceChannelId: string | null; textChannelId: string | null }[];
}

/** One arrived voice-server frame, reduced to what the analysis needs. */
export interface FrameSummary {
  at: number;
  silence: boolean;
}

/** A frame with a digest of its decrypted Opus payload: equal packets have equal keys. */
export interface KeyedFrame extends FrameSummary {
  key: string;
}

/** What one guild's listener heard from `from` on. */
export interface GuildAudioSummary {
  guildId: string;
  frames: number;
  voiceFrames: number;
  voiceMs: number;
  firstVoiceAt: number | null;
  lastVoiceAt: number | null;
  bursts: number;
  /** Silence frames between two voice frames of one burst: the player had no packet (an underrun). */
  midSilenceFrames: number;
  /** Breaks inside bursts: silence frames, lost packets, or a frame later than the listener's jitter buffer. */
  gaps: number;
  /** For each break with silence frames: how far into the guild's audio it came (ms after its first voice frame). */
  underrunAtMs: number[];
  /**
   * For the same breaks: when the frame after the last voice frame was due (fake clock: that frame + 20 ms) and how
   * much of the guild's audio had been heard by then (voice frames x 20 ms), to tell whether the audio existed yet.
   */
  underruns: { dueAt: number; heardMs: number }[];
  /** Of those, breaks where a frame arrived later than the jitter buffer (200 ms) behind the 20 ms schedule. */
  lateGaps: number;
  lostPackets: number;
  /** Largest lateness of a frame against the burst's 20 ms schedule. */
  maxLateMs: number;
  decodeErrors: number;
}

export interface FakeServersApi {
  /** Starts FakeMiniMax and FakeDiscord (with `config.guilds`); the bot connects to the returned URLs. */
  start(config: FakeServersConfig): FakeServersInfo;
  /** The child's clock, for estimating the offset between the processes. */
  now(): number;
  configureMiniMax(patch: Omit<FakeMiniMaxOptions, 'host' | 'port'>): void;
  /** Adds guilds the bot is in (GUILD_CREATE to the live session); returns their ids. */
  addGuilds(spec: GuildSpec, count: number): string[];
  /** Dispatches a slash command; returns its id and when it was dispatched. */
  interaction(spec: CommandSpec): { id: string; dispatchedAt: number };
  /** The content of the interaction's first reply. */
  reply(id: string, timeoutMs: number): string;
  /** When the first voice frame at or after `from` arrived in the guild. */
  waitForVoice(guildId: string, from: number, timeoutMs: number): number;
  /** Waits until no voice frame arrived for `quietMs` (from `from` on); returns the last voice frame's time. */
  waitForSilence(guildId: string, from: number, quietMs: number, timeoutMs: number): number | null;
  /** Every frame of the guild from `from` on. */
  frames(guildId: string, from: number): FrameSummary[];
  /** The same, with each packet's payload digest (to tell messages apart by their audio). */
  keyedFrames(guildId: string, from: number): KeyedFrame[];
  /**
   * For the guilds asked about, from `from` on: how many received a voice frame, and when the last voice frame
   * of any of them arrived (null: none yet). Cheap enough to poll while a load step speaks.
   */
  voiceProgress(guildIds: string[], from: number): { guildsHeard: number; lastVoiceAt: number | null };
  /** The live gateway connections' shards ("0/2"), and IDENTIFYs refused for coming too fast. */
  gateway(): { shards: string[]; identifyRateLimited: number };
  /** Per-guild audio analysis from `from` on (every guild that received audio). */
  summaries(from: number): GuildAudioSummary[];
  /** The bot's latest voice join in the guild from `from` on: its op 4 and when the voice session was ready. */
  joinTiming(guildId: string, from: number): { requestAt: number; readyAt: number } | null;
  /** CPU used by the fakes' process so far, and its event-loop delay since the last call (is it keeping up?). */
  health(): { cpuSeconds: number; loopDelayP99Ms: number; loopDelayMaxMs: number; udp: Record<string, number> };
  /** Whether the bot is in a voice channel of the guild, and how many T2A connections are open. */
  state(guildId: string): { inVoice: boolean; openT2A: number };
  /** Closes both fakes (the child then exits). */
  close(): void;
}

export type FakeOp = keyof FakeServersApi;

export interface FakeRequest {
  id: number;
  op: FakeOp;
  args: unknown[];
}

export type FakeResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
