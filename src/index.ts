/**
 * Composition root: config -> logger -> store -> T2A synthesizers -> transcoders -> voice catalogue -> sessions
 * -> Discord client. `startBot` wires one running bot (tests start it in-process against the fakes); run as a
 * program (`npm start`), this file also owns the process: configuration errors, signals and the exit deadline.
 */
// First: on a Node too old for better-sqlite3, one line and exit 1 instead of a segmentation fault.
import './nodeVersion.js';
import { realpathSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Client } from 'discord.js';
import { AudioError, createTranscoderFactory, defaultWorkerCount } from './audio/index.js';
import type { TranscoderFactory } from './audio/types.js';
import { createClient } from './bot/client.js';
import { describeError } from './bot/interactions.js';
import { wireBot } from './bot/wire.js';
import { buttons, commands } from './commands/index.js';
import { ConfigError, loadBotConfig, loadDotEnv, secretsOf, type AudioConfig, type BotConfig } from './config.js';
import { createLogger, type Logger } from './log.js';
import { StartupError, discordStartupError, openDataStore, refreshVoices, type DataStore } from './startup.js';
import { Ops } from './ops/index.js';
import { PlayoutDelay, SessionManager, type SessionTimings } from './session/index.js';
import { AudioCache } from './session/AudioCache.js';
import { ResilientStore, StoreError } from './store/index.js';
import { PgStore, openPgStore } from './store/PgStore.js';
import type { ShardFilter } from './store/pgLoad.js';
import { AccountBudget } from './store/accountBudget.js';
import { answerSupervisor } from './shard/ipc.js';
import { runAsSupervisor } from './shard/run.js';
import { usageRetentionStart } from './store/budget.js';
import type { Store } from './store/types.js';
import { VoiceCatalogue, VoiceStudio, createSynthesizer, getVoiceUrl, resolveT2AUrl, studioBaseUrl } from './t2a/index.js';
import type { Synthesizer } from './t2a/types.js';

export { StartupError } from './startup.js';

/** Replacements for the real dependencies (tests); everything not given is built from the config. */
export interface BotDeps {
  logger?: Logger;
  store?: Store;
  synthesizerFactory?: () => Synthesizer;
  transcoders?: TranscoderFactory;
  catalogue?: VoiceCatalogue;
  /** Session timings over the defaults (the leave delay comes from the config unless given here). */
  timings?: Partial<SessionTimings>;
  now?: () => number;
  /** How long to wait for the gateway's READY. Default 30 s. */
  readyTimeoutMs?: number;
  /** How often usage the database refused is written again (see ResilientStore). Default 30 s. */
  storeRetryMs?: number;
  /** The shards this process runs: with PostgreSQL only their guilds are loaded. Absent: every guild. */
  shards?: ShardFilter;
}

export interface RunningBot {
  client: Client;
  sessions: SessionManager;
  store: Store;
  logger: Logger;
  /** Settles once the sessions recorded before the last stop were rejoined (or given up). */
  restored: Promise<void>;
  /** Stops reading, leaves every voice channel, closes the client and the store. Idempotent. */
  stop(): Promise<void>;
  /** The metrics and health server's base URL (HTTP_PORT), or null. */
  httpUrl: string | null;
  /** Metrics and readiness, also for a supervisor that asks (shard/ipc.ts). */
  ops: Ops;
}

/** What the bot logs (at warn) when a transcoding worker sheds load; the benchmark counts these lines. */
export const WORKER_BEHIND_LOG = 'audio worker fell behind, the host is near its CPU limit: coding at a lower Opus complexity until it keeps up';

/** Starts Parrot with `config`; resolves once the client is connected and ready. */
export async function startBot(config: BotConfig, deps: BotDeps = {}): Promise<RunningBot> {
  const logger = deps.logger ?? createLogger({ level: config.logLevel, format: config.logFormat, secrets: secretsOf(config) });
  const now = deps.now ?? Date.now;
  const transcoders = deps.transcoders ?? (await startTranscoders(config.audio, logger));
  let store: Store;
  let data: DataStore | undefined;
  try {
    if (deps.store) store = resilient(deps.store, logger, deps.storeRetryMs);
    else if (config.databaseUrl !== undefined) store = await openPg(config.databaseUrl, logger, deps);
    else {
      // A shard process shares the DATA_DIR its supervisor claimed (see runAsSupervisor).
      data = openDataStore(config, logger, { claim: !config.shards.managed });
      store = resilient(data.store, logger, deps.storeRetryMs);
    }
  } catch (error) {
    if (!deps.transcoders) await transcoders.close?.();
    throw error;
  }
  // One row per guild per day would otherwise grow forever: prune now and once a day.
  const pruneUsage = (): void => {
    try {
      const days = store.pruneUsage(usageRetentionStart(new Date(now())));
      if (days > 0) logger.info('old usage pruned', { days });
    } catch (error) {
      logger.warn('pruning old usage failed', { error: describeError(error) });
    }
  };
  pruneUsage();
  const pruneTimer = setInterval(pruneUsage, 24 * 60 * 60 * 1000).unref();
  const ops = new Ops({ http: config.http });
  const wsUrl = resolveT2AUrl({ region: config.minimax.region, url: config.minimax.wsUrl });
  const synthesizerFactory =
    deps.synthesizerFactory ??
    (() => createSynthesizer({ url: wsUrl, apiKey: config.minimax.apiKey, maxTasks: config.minimax.tasksPerGuild, observer: ops.t2aObserver }));
  const voiceUrl = getVoiceUrl({ region: config.minimax.region, url: config.minimax.wsUrl });
  const catalogue = deps.catalogue ?? new VoiceCatalogue({ url: voiceUrl, apiKey: config.minimax.apiKey });
  // In the background: the built-in list serves until (and unless) MiniMax answers.
  if (!deps.catalogue) void refreshVoices(catalogue, voiceUrl, config, logger);
  const client = createClient(config);
  const account = await accountBudget(config, store, logger);
  const sessions = new SessionManager({
    synthesizerFactory,
    transcoders,
    store,
    defaults: { voiceId: config.defaultVoice, model: config.defaultModel },
    limits: config.queue,
    budget: config.budget,
    ...(account ? { account } : {}),
    audioCache: new AudioCache({ maxBytes: config.audioCacheMb * 1024 * 1024 }),
    timings: { leaveEmptyAfterMs: config.leaveEmptyAfterMs, ...deps.timings },
    ...(config.playoutDelayMs === null ? {} : { playout: PlayoutDelay.fixed(config.playoutDelayMs) }),
    now,
    ...(config.audio.opusBitrate === 'channel' && { opusBitrate: (channelId: string) => channelBitrate(client, channelId) }),
  });
  sessions.on('voiceError', (guildId, source, error) => logger.warn(`voice ${source} error`, { guild: guildId, error: describeError(error) }));
  sessions.on('fault', (guildId, error, where) => logger.error('a voice callback failed; the session goes on', { guild: guildId, where, error: describeError(error), at: firstFrame(error) }));
  const studio = new VoiceStudio({ baseUrl: studioBaseUrl(wsUrl), apiKey: config.minimax.apiKey });
  const wiring = wireBot({ client, sessions, store, catalogue, studio, buttons, config, logger, commands, now, readyTimeoutMs: deps.readyTimeoutMs ?? 30_000 });
  ops.attach({ client, sessions, store });

  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      logger.info('stopping');
      clearInterval(pruneTimer);
      // Leaves every channel and waits for what the sessions owe (usage, MiniMax sockets) before the store closes.
      await wiring.stop();
      // The texts' reservations are settled by now: the settlements reach the database, then this process lets go.
      await account?.close();
      // Sessions are gone: no transcoder is live any more. Given ones belong to the caller.
      if (!deps.transcoders) await transcoders.close?.();
      // PostgreSQL: the writes still on their way get a few seconds to reach the server.
      if (store instanceof PgStore) await store.end();
      else store.close();
      data?.release();
      await ops.close();
      logger.info('stopped');
    })();
    return stopped;
  };

  try {
    await ops.listen().catch((error: unknown) => {
      throw new StartupError(error instanceof Error ? error.message : String(error));
    });
    if (ops.url) logger.info('serving metrics and health', { url: ops.url });
    await wiring.start(config.discordToken);
  } catch (error) {
    await stop();
    throw discordStartupError(error, config);
  }
  return { client, sessions, store, logger, restored: wiring.restored, stop, httpUrl: ops.url, ops };
}

/** The bitrate of a voice channel as discord.js knows it now (kept current by CHANNEL_UPDATE); undefined if unknown. */
function channelBitrate(client: Client, channelId: string): number | undefined {
  const channel = client.channels.cache.get(channelId);
  return channel?.isVoiceBased() ? channel.bitrate : undefined;
}

/**
 * The transcoders the configuration asks for, started: worker threads are up (their start-up, a few hundred
 * milliseconds, is not paid by the first /speak). Workers that cannot start are logged and replaced by
 * transcoding on the main thread, which works the same, only with less headroom. The caller owns the factory
 * (close() on shutdown).
 */
export async function startTranscoders(
  audio: AudioConfig,
  logger: Logger,
  create: typeof createTranscoderFactory = createTranscoderFactory,
): Promise<TranscoderFactory> {
  const build = (workers: number): TranscoderFactory => {
    try {
      return create({
        input: audio.format === 'opus' ? 'ogg-opus' : 'mp3',
        kind: audio.decoder, ffmpegPath: audio.ffmpegPath, pathEnv: audio.pathEnv,
        encoder: { complexity: audio.opusComplexity, ...(audio.opusBitrate !== 'channel' && { bitrate: audio.opusBitrate }) }, workers,
        shedding: { complexity: audio.opusComplexityUnderLoad },
        onComplexity: ({ worker, complexity, roundMs }) => {
          if (roundMs === undefined) logger.info('audio worker keeps up again: Opus complexity back to normal', { worker, complexity });
          // waitedMs: how long a speaking server waited (or, with audio queued, would wait) for its next 32 ms of audio.
          else logger.warn(WORKER_BEHIND_LOG, { worker, complexity, waitedMs: Math.round(roundMs) });
        },
      });
    } catch (error) {
      if (error instanceof AudioError) throw new StartupError(error.message);
      throw error;
    }
  };
  const factory = build(audio.workers ?? defaultWorkerCount());
  if (!factory.ready) return factory;
  try {
    await factory.ready();
    return factory;
  } catch (error) {
    logger.warn('audio worker threads did not start; transcoding on the main thread', { error: describeError(error) });
    await factory.close?.();
    return build(0);
  }
}

/**
 * BUDGET_ACCOUNT_MONTHLY_CHARS: each text reserves its characters in the database's ledger before it is sent (see
 * store/accountBudget). A ledger that fails is logged once until it works again; the texts it refuses are told.
 */
async function accountBudget(config: BotConfig, store: Store, logger: Logger): Promise<AccountBudget | null> {
  const cap = config.accountMonthlyChars;
  if (cap === null) return null;
  const budget = new AccountBudget({
    cap,
    ledger: store.accountLedger(),
    onError: (error, op) => logger.warn('the account-wide budget cannot reach its database; new texts are refused until it can', { op, error: describeError(error) }),
    onRecovered: () => logger.info('the account-wide budget reaches its database again'),
  });
  await budget.start();
  return budget;
}

/** PostgreSQL (DATABASE_URL): resilient on its own, since its writes go out in the background and are retried. */
async function openPg(url: string, logger: Logger, deps: BotDeps): Promise<Store> {
  try {
    return await openPgStore({
      url,
      ...(deps.shards ? { shards: deps.shards } : {}),
      ...(deps.storeRetryMs === undefined ? {} : { maxRetryMs: deps.storeRetryMs }),
      onInvalidData: (e) => logger.warn('invalid stored data replaced by defaults', { table: e.table, key: e.key, fields: e.fields.join(',') }),
      onFault: ({ op, cause, error }) =>
        logger.error('the database cannot be reached; speech goes on and writes are kept until it can', { op, cause, error: describeError(error) }),
      onRecovered: ({ cause, savedChars }) => logger.info('the database works again; kept writes made', { cause, savedChars }),
      onDropped: ({ op, error }) => logger.error('the database refused a write; it was dropped', { op, error: describeError(error) }),
      onUnsaved: (usage) => logger.error('usage could not be written before the database closed', { usage: usage.map((u) => u.chars).join(',') }),
    });
  } catch (error) {
    if (error instanceof StoreError) throw new StartupError(error.message);
    throw error;
  }
}

/**
 * The store the bot uses: `inner` behind a ResilientStore, so a database that cannot be written (disk full, locked,
 * read-only) never stops speech; each cause is logged once, and usage is kept until it can be written.
 */
function resilient(inner: Store, logger: Logger, retryMs?: number): ResilientStore {
  return new ResilientStore(inner, {
    ...(retryMs === undefined ? {} : { retryMs }),
    onFault: ({ op, cause, error }) =>
      logger.error('the database cannot be written; speech goes on and usage is kept until it works again', { op, cause, error: describeError(error) }),
    onRecovered: ({ cause, savedChars }) => logger.info('the database works again; kept usage written', { cause, savedChars }),
    onLateWrite: (op, detail) => logger.error('a write came after the database was closed and was not made', { op, ...detail }),
    onUnsaved: (usage) =>
      logger.error('usage could not be written before the database closed', { usage: usage.map((u) => `${u.guildId}/${u.day}=${u.chars}`).join(',') }),
  });
}

/** Where an error was thrown, as one short location for the log line. */
function firstFrame(error: unknown): string | undefined {
  if (!(error instanceof Error) || !error.stack) return undefined;
  return error.stack.split('\n').find((line) => line.trim().startsWith('at '))?.trim().replace(/^at /, '');
}

/** Shutdown deadline: whatever hangs, the process exits this long after a signal. */
const EXIT_DEADLINE_MS = 10_000;

async function main(): Promise<void> {
  let config: BotConfig;
  try {
    loadDotEnv();
    config = loadBotConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`parrot: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel, format: config.logFormat, secrets: secretsOf(config) });
  let bot: RunningBot | undefined;
  let exiting = false;
  /** Stops the bot (leaving every voice channel) and exits with `code`, or with 1 at the deadline. */
  const exitVia = (code: number): void => {
    if (exiting) return;
    exiting = true;
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, EXIT_DEADLINE_MS).unref();
    (bot?.stop() ?? Promise.resolve()).then(
      () => process.exit(code),
      (error: unknown) => {
        logger.error('shutdown failed', { error: describeError(error) });
        process.exit(1);
      },
    );
  };
  // A rejection nobody awaited is a bug worth a line, not a reason to drop every voice channel.
  process.on('unhandledRejection', (reason) => logger.error('unhandled promise rejection', { error: describeError(reason), at: firstFrame(reason) }));
  // After an uncaught exception the state is unknown: leave cleanly and exit non-zero; a supervisor restarts the
  // bot, which rejoins the channels it was in (a shutdown keeps them recorded).
  process.on('uncaughtException', (error) => {
    logger.error('uncaught exception; leaving voice channels and exiting', { error: describeError(error), at: firstFrame(error) });
    exitVia(1);
  });
  if (await runAsSupervisor(config, logger, fileURLToPath(import.meta.url))) return;
  const managed = config.shards.managed;
  try {
    bot = await startBot(config, { logger, ...(managed ? { shards: { ids: managed.ids, count: managed.count } } : {}) });
  } catch (error) {
    if (error instanceof StartupError) {
      // One line saying what to change: plain on stderr, or a JSON record where the operator asked for JSON.
      if (config.logFormat === 'json') logger.error('start-up failed', { error: error.message });
      else process.stderr.write(`parrot: ${error.message}\n`);
      process.exit(1);
    }
    logger.error('start-up failed', { error: describeError(error), at: firstFrame(error) });
    process.exit(1);
  }
  const shutdown = (signal: string): void => {
    logger.info('signal received', { signal });
    exitVia(0);
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  // SIGHUP asks the supervisor of several shard processes for a rolling restart (shard/run.ts). Here it is only
  // logged: one process alone has no other shard to keep speaking, and a shard process is restarted by its supervisor.
  process.on('SIGHUP', () => logger.warn(managed ? 'SIGHUP ignored: send it to the supervisor, which restarts the shard processes one at a time' : 'SIGHUP ignored: a rolling restart needs several shard processes; restart the bot to restart this one'));
  if (managed && bot) answerSupervisor({ restored: bot.restored, snapshot: () => bot.ops.snapshot() });
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) void main();
