/**
 * Starts the real bot (startBot) in-process against FakeDiscord and FakeMiniMax on loopback, with a temp
 * DATA_DIR and every log line captured. `restart()` stops the bot and starts a new one on the same data.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBotConfig, type BotConfig } from '../../src/config.js';
import { startBot, type RunningBot } from '../../src/index.js';
import { createLogger } from '../../src/log.js';
import type { SessionTimings } from '../../src/session/index.js';
import { FakeDiscord, type CommandSpec, type FakeInteraction, type GuildSpec, type InteractionReply } from '../fakes/discord/index.js';
import { FakeMiniMax, type FakeMiniMaxOptions } from '../fakes/minimax/FakeMiniMax.js';

export const DISCORD_TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.fake-discord.token-secret-9f8e7d6c5b4a';
export const MINIMAX_KEY = 'sk-fake-minimax-secret-key-0123456789abcdef';

/** The default guild of these tests: alice (owner, so Manage Server) and bob sit in Voice; carol is not in voice. */
export const GUILD: GuildSpec = {
  name: 'Test Guild',
  owner: 'alice',
  channels: [{ name: 'general' }, { name: 'reading' }, { name: 'Voice', type: 'voice' }, { name: 'Other', type: 'voice' }],
  members: [{ username: 'alice' }, { username: 'bob' }, { username: 'carol' }, { username: 'robot', bot: true }],
  voiceStates: [
    { user: 'alice', channel: 'Voice' },
    { user: 'bob', channel: 'Voice' },
  ],
};

export interface HarnessOptions {
  guilds?: readonly GuildSpec[];
  env?: Record<string, string>;
  minimax?: FakeMiniMaxOptions;
  timings?: Partial<SessionTimings>;
  /** The bot's clock (rate limits, "X said", usage days). Default Date.now. */
  now?: () => number;
  /** Secrets the logger redacts. Default both; [] shows what the code itself would write (security tests). */
  logSecrets?: readonly string[];
}

export interface Harness {
  discord: FakeDiscord;
  minimax: FakeMiniMax;
  bot: RunningBot;
  config: BotConfig;
  dataDir: string;
  logs: string[];
  /** Runs a slash command and waits for its first reply. */
  run(spec: CommandSpec): Promise<InteractionReply & { interaction: FakeInteraction }>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const discord = await FakeDiscord.start({ guilds: options.guilds ?? [GUILD], token: DISCORD_TOKEN });
  const minimax = new FakeMiniMax({ apiKey: MINIMAX_KEY, msPerChar: 20, minAudioMs: 200, ...options.minimax });
  const { url } = await minimax.start();
  const dataDir = await mkdtemp(join(tmpdir(), 'parrot-bot-'));
  const config = loadBotConfig({
    DISCORD_TOKEN,
    MINIMAX_API_KEY: MINIMAX_KEY,
    DISCORD_API_URL: discord.restApi,
    MINIMAX_WS_URL: url,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'debug',
    ...options.env,
  });
  const logs: string[] = [];
  const boot = (): Promise<RunningBot> =>
    startBot(config, {
      logger: createLogger({ level: 'debug', secrets: options.logSecrets ?? [DISCORD_TOKEN, MINIMAX_KEY], write: (line) => logs.push(line) }),
      timings: { leaveEmptyAfterMs: 300, joinTimeoutMs: 5_000, ...options.timings },
      ...(options.now ? { now: options.now } : {}),
    });
  const h: Harness = {
    discord,
    minimax,
    bot: await boot(),
    config,
    dataDir,
    logs,
    async run(spec) {
      const interaction = discord.interaction(spec);
      const reply = await interaction.reply({ timeoutMs: 8_000 });
      return { ...reply, interaction };
    },
    async restart() {
      await h.bot.stop();
      h.bot = await boot();
    },
    async close() {
      await h.bot.stop();
      await discord.close();
      await minimax.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return h;
}

/** Voice frames heard in the guild from `from` on. */
export function heard(h: Harness, from = 0): ReturnType<FakeDiscord['audio']['report']> {
  return h.discord.audio.report({ from });
}

/** The buttons (custom id, label) under a reply. */
export function buttonsOf(reply: InteractionReply): { custom_id: string; label: string }[] {
  const body = reply.body as { data?: { components?: unknown }; components?: unknown };
  const rows = (body.data?.components ?? body.components ?? []) as { components: { custom_id: string; label: string }[] }[];
  return rows.flatMap((r) => r.components);
}
