/**
 * Configuration: the only module that reads the environment. Everything is validated once, at start-up,
 * into a frozen object; a problem is reported as one line that names the variable and what it accepts.
 */
import { MODELS, type Model } from './t2a/types.js';

export type Region = 'global' | 'us-west' | 'cn';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type DecoderKind = 'wasm' | 'ffmpeg';
export type AudioFormat = 'mp3' | 'opus';

export interface MiniMaxConfig {
  apiKey: string;
  region: Region;
  /** Full WebSocket URL; wins over region (proxies, the fake server). */
  wsUrl: string | undefined;
  /** T2A tasks (connections) a guild may have open at once, so the next message is synthesized beside the current. */
  tasksPerGuild: number;
}

export interface AudioConfig {
  /** What MiniMax is asked for: MP3 (decoded and encoded to Opus) or Opus (passed through; experimental). */
  format: AudioFormat;
  decoder: DecoderKind;
  /** libopus complexity 0..10. */
  opusComplexity: number;
  /** The complexity a transcoding worker codes at while it falls behind; equal to opusComplexity: never lowered. */
  opusComplexityUnderLoad: number;
  /** Transcoding worker threads (0: the main thread); undefined = one fewer than the CPU cores, at most 4. */
  workers: number | undefined;
  ffmpegPath: string | undefined;
  pathEnv: string;
}

export interface BotConfig {
  discordToken: string;
  /** REST base such as https://discord.com/api; undefined = discord.js default. */
  discordApiUrl: string | undefined;
  minimax: MiniMaxConfig;
  audio: AudioConfig;
  dataDir: string;
  logLevel: LogLevel;
  defaultVoice: string;
  defaultModel: Model;
  /**
   * Auto-read (AUTOREAD=on, the default): asks Discord for message text, the privileged Message Content intent.
   * Off: the bot connects without it (for an application without the intent) and serves /speak only.
   */
  autoRead: boolean;
  /** Guild to register commands in at start-up instead of globally (development). */
  commandGuildId: string | undefined;
  leaveEmptyAfterMs: number;
  queue: { maxPerGuild: number; maxPerUser: number };
  rateLimit: { perUserPerMinute: number; perGuildPerMinute: number };
  /** Memory for the shared cache of short phrases' audio, in MiB (0 disables it). */
  audioCacheMb: number;
  /** How long an utterance's first packet is held; null = learned from MiniMax's pacing (auto). */
  playoutDelayMs: number | null;
  /** The owner's per-server character caps; admins may set lower ones. null = no cap. */
  budget: { dailyChars: number | null; monthlyChars: number | null };
  /**
   * Voices of one's own (each costs money at MiniMax, about $3): designing voices from a description (VOICE_DESIGN)
   * with a per-server monthly limit, and cloning a member's own voice (VOICE_CLONING; servers must also allow it).
   */
  voiceStudio: { design: boolean; designsPerGuildMonthly: number; cloning: boolean };
}

/** A configuration problem, reported at start-up as one line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

function str(env: Env, key: string): string | undefined {
  const v = env[key]?.trim();
  return v ? v : undefined;
}

function required(env: Env, key: string, hint: string): string {
  const v = str(env, key);
  if (!v) throw new ConfigError(`${key} is not set: ${hint}`);
  return v;
}

function oneOf<T extends string>(env: Env, key: string, allowed: readonly T[], fallback: T): T {
  const v = str(env, key);
  if (v === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(v)) {
    throw new ConfigError(`${key} must be one of ${allowed.join(', ')} (got "${v}")`);
  }
  return v as T;
}

function int(env: Env, key: string, fallback: number, min: number, max: number): number {
  const v = str(env, key);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${key} must be a whole number from ${min} to ${max} (got "${v}")`);
  }
  return n;
}

function optionalInt(env: Env, key: string, min: number, max: number): number | null {
  return str(env, key) === undefined ? null : int(env, key, 0, min, max);
}

function url(env: Env, key: string, protocols: readonly string[]): string | undefined {
  const v = str(env, key);
  if (v === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(v);
  } catch {
    throw new ConfigError(`${key} must be a URL starting with ${protocols.join(' or ')} (got "${v}")`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${key} must start with ${protocols.join(' or ')} (got "${parsed.protocol}")`);
  }
  return v.replace(/\/+$/, '');
}

function playoutDelay(env: Env): number | null {
  const v = str(env, 'PLAYOUT_DELAY_MS');
  if (v === undefined || v.toLowerCase() === 'auto') return null;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 200) {
    throw new ConfigError(`PLAYOUT_DELAY_MS must be auto or a whole number of milliseconds from 0 to 200 (got "${v}")`);
  }
  return n;
}

/** AUDIO_OPUS_COMPLEXITY_UNDER_LOAD: default 4, or the normal complexity if that is lower; never above it. */
function complexityUnderLoad(env: Env, normal: number): number {
  const n = optionalInt(env, 'AUDIO_OPUS_COMPLEXITY_UNDER_LOAD', 0, 10);
  if (n === null) return Math.min(4, normal);
  if (n > normal) {
    throw new ConfigError(
      `AUDIO_OPUS_COMPLEXITY_UNDER_LOAD must not be above AUDIO_OPUS_COMPLEXITY (${normal}); set it to ${normal} to never lower it (got "${n}")`,
    );
  }
  return n;
}

/** MiniMax settings: shared by the bot and the CLI. */
export function loadMiniMaxConfig(env: Env = process.env): MiniMaxConfig {
  return Object.freeze({
    apiKey: required(env, 'MINIMAX_API_KEY', 'create a key at MiniMax (API Keys page) and put it in .env'),
    region: oneOf<Region>(env, 'MINIMAX_REGION', ['global', 'us-west', 'cn'], 'global'),
    wsUrl: url(env, 'MINIMAX_WS_URL', ['ws:', 'wss:']),
    tasksPerGuild: int(env, 'MINIMAX_TASKS_PER_GUILD', 2, 1, 4),
  });
}

/** Audio decoding settings: shared by the bot and the CLI. */
export function loadAudioConfig(env: Env = process.env): AudioConfig {
  const opusComplexity = int(env, 'AUDIO_OPUS_COMPLEXITY', 5, 0, 10);
  return Object.freeze({
    format: oneOf<AudioFormat>(env, 'AUDIO_FORMAT', ['mp3', 'opus'], 'mp3'),
    decoder: oneOf<DecoderKind>(env, 'AUDIO_DECODER', ['wasm', 'ffmpeg'], 'wasm'),
    opusComplexity,
    opusComplexityUnderLoad: complexityUnderLoad(env, opusComplexity),
    workers: optionalInt(env, 'AUDIO_WORKERS', 0, 16) ?? undefined,
    ffmpegPath: str(env, 'FFMPEG_PATH'),
    pathEnv: env['PATH'] ?? '',
  });
}

/** What talking to Discord needs (the bot, and deploy-commands, which needs nothing else). */
export type DiscordConfig = Pick<BotConfig, 'discordToken' | 'discordApiUrl' | 'commandGuildId'>;

/** Discord settings: shared by the bot and deploy-commands. */
export function loadDiscordConfig(env: Env = process.env): DiscordConfig {
  return Object.freeze({
    discordToken: required(env, 'DISCORD_TOKEN', 'copy the bot token from the Discord developer portal into .env'),
    discordApiUrl: url(env, 'DISCORD_API_URL', ['http:', 'https:']),
    commandGuildId: str(env, 'COMMAND_GUILD_ID'),
  });
}

/** Everything the bot needs; throws ConfigError naming the first bad variable. */
export function loadBotConfig(env: Env = process.env): BotConfig {
  const daily = optionalInt(env, 'BUDGET_DAILY_CHARS', 0, 1_000_000_000);
  const monthly = optionalInt(env, 'BUDGET_MONTHLY_CHARS', 0, 1_000_000_000);
  const discord = loadDiscordConfig(env);
  return Object.freeze({
    discordToken: discord.discordToken,
    discordApiUrl: discord.discordApiUrl,
    minimax: loadMiniMaxConfig(env),
    audio: loadAudioConfig(env),
    dataDir: str(env, 'DATA_DIR') ?? './data',
    logLevel: oneOf<LogLevel>(env, 'LOG_LEVEL', ['debug', 'info', 'warn', 'error'], 'info'),
    defaultVoice: str(env, 'DEFAULT_VOICE') ?? 'English_expressive_narrator',
    defaultModel: oneOf<Model>(env, 'DEFAULT_MODEL', MODELS, 'speech-2.8-turbo'),
    autoRead: oneOf(env, 'AUTOREAD', ['on', 'off'], 'on') === 'on',
    commandGuildId: discord.commandGuildId,
    leaveEmptyAfterMs: int(env, 'LEAVE_EMPTY_AFTER_SECONDS', 30, 0, 86_400) * 1000,
    queue: Object.freeze({
      maxPerGuild: int(env, 'QUEUE_MAX_PER_GUILD', 50, 1, 1000),
      maxPerUser: int(env, 'QUEUE_MAX_PER_USER', 10, 1, 1000),
    }),
    rateLimit: Object.freeze({
      perUserPerMinute: int(env, 'RATE_LIMIT_USER_PER_MINUTE', 20, 1, 10_000),
      perGuildPerMinute: int(env, 'RATE_LIMIT_GUILD_PER_MINUTE', 120, 1, 100_000),
    }),
    budget: Object.freeze({ dailyChars: daily, monthlyChars: monthly }),
    audioCacheMb: int(env, 'AUDIO_CACHE_MB', 32, 0, 4096),
    playoutDelayMs: playoutDelay(env),
    voiceStudio: Object.freeze({
      design: oneOf(env, 'VOICE_DESIGN', ['on', 'off'], 'off') === 'on',
      designsPerGuildMonthly: int(env, 'VOICE_DESIGNS_PER_GUILD_MONTHLY', 3, 0, 1000),
      cloning: oneOf(env, 'VOICE_CLONING', ['on', 'off'], 'off') === 'on',
    }),
  });
}

/** The secrets of a config, for the logger's redaction. */
export function secretsOf(config: { discordToken?: string; minimax?: MiniMaxConfig }): string[] {
  return [config.discordToken, config.minimax?.apiKey].filter((s): s is string => typeof s === 'string' && s.length > 0);
}

/** Loads `.env` from the working directory into the environment if it exists (variables already set win). */
export function loadDotEnv(path = '.env'): void {
  try {
    process.loadEnvFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigError(`could not read ${path}: ${(error as Error).message}`);
  }
}
