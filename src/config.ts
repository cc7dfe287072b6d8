/**
 * Configuration: the only module that reads the environment. Everything is validated once, at start-up,
 * into a frozen object; a problem is reported as one line that names the variable and what it accepts.
 */
import { databasePassword } from './store/pgUrl.js';
import { MODELS, type Model } from './t2a/types.js';

export type Region = 'global' | 'us-west' | 'cn';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type DecoderKind = 'wasm' | 'ffmpeg';
export type AudioFormat = 'mp3' | 'opus';
export type LogFormat = 'text' | 'json';

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
  /** Opus bits per second: 'channel' follows the voice channel's own bitrate; a number fixes it. */
  opusBitrate: 'channel' | number;
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
  /** text: one readable line per event; json: one JSON object per line (log collectors). */
  logFormat: LogFormat;
  /** The metrics and health endpoints (/metrics, /healthz, /readyz); null: no HTTP server. */
  http: { host: string; port: number } | null;
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
  /** The owner's cap on billed characters across every server and process in the UTC month; null = none. */
  accountMonthlyChars: number | null;
  /** postgres://… : keep everything in PostgreSQL (shared by processes and hosts); undefined = SQLite in dataDir. */
  databaseUrl: string | undefined;
  shards: ShardConfig;
}

export interface ShardConfig {
  /** Gateway shards in all: 'auto' follows Discord's recommendation (GET /gateway/bot). */
  count: number | 'auto';
  /** The shards this host runs; null = all of them. */
  ids: readonly number[] | null;
  /** Set in a shard process started by the supervisor (discord.js's ShardingManager): the shards it runs. */
  managed: { ids: readonly number[]; count: number } | null;
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

/** AUDIO_OPUS_BITRATE: `channel` (default) or bits per second from 8000 to 510000 (libopus's range). */
function opusBitrate(env: Env): 'channel' | number {
  const v = str(env, 'AUDIO_OPUS_BITRATE');
  if (v === undefined || v.toLowerCase() === 'channel') return 'channel';
  const n = Number(v);
  if (!Number.isInteger(n) || n < 8000 || n > 510_000) {
    throw new ConfigError(`AUDIO_OPUS_BITRATE must be channel or bits per second from 8000 to 510000, e.g. 96000 (got "${v}")`);
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

/** HTTP_PORT (unset: no server; 0: any free port) and HTTP_HOST (default loopback: only this machine can scrape). */
function httpServer(env: Env, managed: ShardConfig['managed']): { host: string; port: number } | null {
  const port = optionalInt(env, 'HTTP_PORT', 0, 65_535);
  const host = str(env, 'HTTP_HOST') ?? '127.0.0.1';
  if (port === null) return null;
  // Shard processes share one environment: shard i serves on HTTP_PORT + 1 + i, so they do not fight for one port.
  const first = managed?.ids[0];
  if (port !== 0 && first !== undefined) {
    if (port + 1 + first > 65_535) throw new ConfigError(`HTTP_PORT ${port} leaves no port for shard ${first} (it serves on HTTP_PORT + 1 + its id): choose a lower HTTP_PORT`);
    return Object.freeze({ host, port: port + 1 + first });
  }
  return Object.freeze({ host, port });
}

/** DATABASE_URL: a postgres:// URL. The value is never echoed: it holds the database password. */
function databaseUrl(env: Env): string | undefined {
  const v = str(env, 'DATABASE_URL');
  if (v === undefined) return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(v);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !['postgres:', 'postgresql:'].includes(parsed.protocol) || !parsed.hostname) {
    throw new ConfigError('DATABASE_URL must be a URL like postgres://user:password@host:5432/parrot (the value is not shown: it may hold a password)');
  }
  return v;
}

const MAX_SHARDS = 4096;

/** SHARD_COUNT (auto or 1..4096) and SHARD_IDS ("0-3", "0,2,5", ranges and lists; empty: all). */
function shards(env: Env): ShardConfig {
  const raw = str(env, 'SHARD_COUNT');
  const count = raw === undefined || raw.toLowerCase() === 'auto' ? 'auto' : int(env, 'SHARD_COUNT', 1, 1, MAX_SHARDS);
  const managed = managedShards(env, count);
  const list = str(env, 'SHARD_IDS');
  if (list === undefined) return Object.freeze({ count, ids: null, managed });
  const bad = (why: string): ConfigError => new ConfigError(`SHARD_IDS must be shard numbers and ranges such as 0-3 or 0,2,5 ${why} (got "${list}")`);
  const ids = new Set<number>();
  for (const part of list.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw bad('');
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    if (last < first || last >= MAX_SHARDS) throw bad('(a range goes up, below 4096)');
    for (let i = first; i <= last; i++) ids.add(i);
  }
  if (count !== 'auto' && [...ids].some((i) => i >= count)) throw bad(`below SHARD_COUNT (${count})`);
  return Object.freeze({ count, ids: Object.freeze([...ids].sort((a, b) => a - b)), managed });
}

/**
 * In a shard process, discord.js's ShardingManager sets SHARDING_MANAGER, SHARDS (this process's shard id) and
 * SHARD_COUNT (the total); they are the supervisor's, not the operator's, so they are not documented settings.
 */
function managedShards(env: Env, count: number | 'auto'): ShardConfig['managed'] {
  if (env['SHARDING_MANAGER'] !== 'true') return null;
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(env['SHARDS'] ?? 'null');
  } catch {
    // Reported below with what to do.
  }
  const ids: unknown[] = Array.isArray(parsed) ? parsed : [parsed];
  if (count === 'auto' || !ids.every((i) => typeof i === 'number' && Number.isInteger(i) && i >= 0 && i < count)) {
    throw new ConfigError('a shard process needs SHARDS and SHARD_COUNT from its ShardingManager; start Parrot with npm start');
  }
  return Object.freeze({ ids: Object.freeze(ids as number[]), count });
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
    opusBitrate: opusBitrate(env),
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
  const shardConfig = shards(env);
  return Object.freeze({
    discordToken: discord.discordToken,
    discordApiUrl: discord.discordApiUrl,
    minimax: loadMiniMaxConfig(env),
    audio: loadAudioConfig(env),
    dataDir: str(env, 'DATA_DIR') ?? './data',
    logLevel: oneOf<LogLevel>(env, 'LOG_LEVEL', ['debug', 'info', 'warn', 'error'], 'info'),
    logFormat: oneOf<LogFormat>(env, 'LOG_FORMAT', ['text', 'json'], 'text'),
    http: httpServer(env, shardConfig.managed),
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
    accountMonthlyChars: optionalInt(env, 'BUDGET_ACCOUNT_MONTHLY_CHARS', 0, 1_000_000_000_000),
    databaseUrl: databaseUrl(env),
    shards: shardConfig,
    voiceStudio: Object.freeze({
      design: oneOf(env, 'VOICE_DESIGN', ['on', 'off'], 'off') === 'on',
      designsPerGuildMonthly: int(env, 'VOICE_DESIGNS_PER_GUILD_MONTHLY', 3, 0, 1000),
      cloning: oneOf(env, 'VOICE_CLONING', ['on', 'off'], 'off') === 'on',
    }),
  });
}

/** The secrets of a config, for the logger's redaction. */
export function secretsOf(config: { discordToken?: string; minimax?: MiniMaxConfig; databaseUrl?: string | undefined }): string[] {
  const password = config.databaseUrl === undefined ? undefined : databasePassword(config.databaseUrl);
  const database = password === undefined ? [] : [password, encodeURIComponent(password)];
  return [...new Set([config.discordToken, config.minimax?.apiKey, ...database])].filter((s): s is string => typeof s === 'string' && s.length > 0);
}

/** Loads `.env` from the working directory into the environment if it exists (variables already set win). */
export function loadDotEnv(path = '.env'): void {
  try {
    process.loadEnvFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigError(`could not read ${path}: ${(error as Error).message}`);
  }
}
