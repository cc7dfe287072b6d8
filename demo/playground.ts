/**
 * The playground: Parrot's real bot (startBot: discord.js, sessions, the T2A client, the audio pipeline) against
 * the fake Discord, and against the fake MiniMax (speaking with espeak-ng when installed) or, given a MiniMax
 * config, the real one. Members write in #general (read aloud) or run commands; the feed says what happened.
 */
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBotConfig, secretsOf, type BotConfig, type MiniMaxConfig } from '../src/config.js';
import { startBot, type RunningBot } from '../src/index.js';
import { createLogger, type Logger } from '../src/log.js';
import { FakeDiscord, FakeMiniMax, opt, type CommandSpec, type GuildSpec, type InteractionResponse } from './fakes.js';
import { VoiceListener, type HeardAudio } from './listener.js';

export const MEMBERS = ['alice', 'bob', 'carol'] as const;
export const TEXT_CHANNEL = 'general';
export const VOICE_CHANNEL = 'Voice';
/** Commands the page may run, with the option its text goes into. */
export const COMMANDS: Record<string, string | null> = { speak: 'text', skip: null, clear: null, join: null, leave: null, status: null };

const GUILD: GuildSpec = {
  name: 'Parrot Playground',
  owner: 'alice',
  channels: [{ name: TEXT_CHANNEL }, { name: VOICE_CHANNEL, type: 'voice' }],
  members: MEMBERS.map((username) => ({ username })),
  voiceStates: MEMBERS.map((user) => ({ user, channel: VOICE_CHANNEL })),
};
const DEMO_TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.demo-playground.token-not-a-secret';
const DEMO_KEY = 'sk-demo-playground-fake-key';

/** One line of the page's chat. */
export type FeedEntry =
  | { kind: 'message'; author: string; content: string }
  | { kind: 'command'; author: string; command: string; text: string }
  | { kind: 'reply'; to: string; command: string; content: string; ephemeral: boolean }
  | { kind: 'bot'; content: string }
  | { kind: 'notice'; content: string };

export interface PlaygroundState {
  inVoice: boolean;
  playing: string | null;
  queued: number;
  heardMs: number;
  /** Who made the last speech: MiniMax, or the fake's espeak-ng or tone; null before any. */
  speech: 'MiniMax' | 'espeak-ng' | 'tone' | null;
}

export interface PlaygroundOptions {
  /** The real MiniMax (speaks with its voices); default the fake MiniMax. */
  minimax?: MiniMaxConfig;
  /** For the fake MiniMax: 'espeak' (default; the tone when espeak-ng is missing) or 'tone'. */
  speech?: 'espeak' | 'tone';
  logger?: Logger;
}

export interface Playground extends EventEmitter<{ feed: [FeedEntry]; audio: [HeardAudio]; state: [PlaygroundState] }> {
  readonly discord: FakeDiscord;
  /** Null when the real MiniMax speaks. */
  readonly minimax: FakeMiniMax | null;
  readonly bot: RunningBot;
  readonly history: readonly FeedEntry[];
  state(): PlaygroundState;
  /** A member writes `text` in #general, or runs it when it is one of COMMANDS (`/speak hello`). */
  say(member: string, text: string): void;
  close(): Promise<void>;
}

/** Starts the fakes, the bot, and has alice set up auto-read of #general; resolves once all is ready. */
export async function startPlayground(options: PlaygroundOptions = {}): Promise<Playground> {
  const discord = await FakeDiscord.start({ guilds: [GUILD], token: DEMO_TOKEN });
  const minimax = options.minimax ? null : new FakeMiniMax({ apiKey: DEMO_KEY, speech: options.speech ?? 'espeak', realtimeFactor: 1, firstChunkMs: 150, maxAudioMs: 30_000 });
  const dataDir = await mkdtemp(join(tmpdir(), 'parrot-demo-'));
  let listener: VoiceListener | undefined;
  let bot: RunningBot | undefined;
  const cleanup = async (): Promise<void> => {
    listener?.close();
    await bot?.stop();
    await Promise.all([discord.close(), minimax?.close()]);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const fakeUrl = minimax ? (await minimax.start()).url : undefined;
    const config = demoConfig(discord.restApi, dataDir, fakeUrl, options.minimax);
    const logger = options.logger ?? createLogger({ level: 'warn', secrets: secretsOf(config) });
    bot = await startBot(config, { logger });
    const pg = new PlaygroundImpl(discord, minimax, bot);
    listener = new VoiceListener(discord, (audio) => pg.emit('audio', audio));
    pg.listener = listener;
    pg.cleanup = cleanup;
    await pg.setUp();
    return pg;
  } catch (error) {
    await cleanup();
    throw error;
  }
}

function demoConfig(restApi: string, dataDir: string, fakeUrl: string | undefined, real: MiniMaxConfig | undefined): BotConfig {
  const config = loadBotConfig({
    DISCORD_TOKEN: DEMO_TOKEN,
    DISCORD_API_URL: restApi,
    MINIMAX_API_KEY: DEMO_KEY,
    ...(fakeUrl ? { MINIMAX_WS_URL: fakeUrl } : {}),
    DATA_DIR: dataDir,
    LEAVE_EMPTY_AFTER_SECONDS: '3600',
  });
  return real ? Object.freeze({ ...config, minimax: real }) : config;
}

class PlaygroundImpl extends EventEmitter<{ feed: [FeedEntry]; audio: [HeardAudio]; state: [PlaygroundState] }> implements Playground {
  readonly history: FeedEntry[] = [];
  listener: VoiceListener | undefined;
  cleanup: (() => Promise<void>) | undefined;
  readonly #guildId: string;
  readonly #stateTimer: NodeJS.Timeout;
  #lastState = '';

  constructor(readonly discord: FakeDiscord, readonly minimax: FakeMiniMax | null, readonly bot: RunningBot) {
    super();
    this.#guildId = discord.guild().id;
    discord.interactions.on('response', (ix: { id: string; command: string; userId: string }, response: InteractionResponse) => this.#response(ix, response));
    discord.rest.on('call', () => this.#botMessages());
    // The queue changes inside the bot; the page sees it a few times a second.
    this.#stateTimer = setInterval(() => this.#publishState(), 250);
  }

  /** alice (the owner) has #general read aloud, by everyone, and the bot join the voice channel. */
  async setUp(): Promise<void> {
    for (const spec of [
      { command: 'autoread', subcommand: 'set', options: { channel: opt.channel(TEXT_CHANNEL) } },
      { command: 'autoread', subcommand: 'options', options: { require_voice: false, autojoin: true } },
      { command: 'join' },
    ] satisfies Omit<CommandSpec, 'user'>[]) {
      await this.discord.interaction({ ...spec, user: 'alice' }).reply({ timeoutMs: 20_000 });
    }
    this.#feed({ kind: 'notice', content: `Parrot reads #${TEXT_CHANNEL} aloud in 🔊 ${VOICE_CHANNEL}. Write something, or try /speak, /skip, /clear, /status.` });
  }

  state(): PlaygroundState {
    const status = this.bot.sessions.get(this.#guildId)?.status();
    return {
      inVoice: this.discord.botVoiceChannel() !== null,
      playing: status?.playing?.text ?? null,
      queued: status?.queued ?? 0,
      heardMs: Math.round(this.listener?.heardMs ?? 0),
      speech: this.#speech(),
    };
  }

  say(member: string, text: string): void {
    const command = /^\/(\w+)\s*(.*)$/s.exec(text.trim());
    if (!command) {
      this.#feed({ kind: 'message', author: member, content: text });
      this.discord.message({ channel: TEXT_CHANNEL, author: member, content: text });
      return;
    }
    const [, name = '', rest = ''] = command;
    const option = COMMANDS[name];
    if (option === undefined) {
      this.#feed({ kind: 'notice', content: `The playground runs ${Object.keys(COMMANDS).map((c) => `/${c}`).join(', ')}; /${name} is for a real server.` });
      return;
    }
    this.#feed({ kind: 'command', author: member, command: name, text: rest });
    const ix = this.discord.interaction({ command: name, user: member, ...(option && rest ? { options: { [option]: rest } } : {}) });
    this.#commands.set(ix.id, member);
  }

  async close(): Promise<void> {
    clearInterval(this.#stateTimer);
    this.discord.interactions.removeAllListeners('response');
    this.discord.rest.removeAllListeners('call');
    await this.cleanup?.();
  }

  readonly #commands = new Map<string, string>();
  #botMessagesSeen = 0;

  #response(ix: { id: string; command: string }, response: InteractionResponse): void {
    const member = this.#commands.get(ix.id);
    if (member === undefined || response.via === 'delete' || response.content === '') return;
    this.#feed({ kind: 'reply', to: member, command: ix.command, content: response.content, ephemeral: response.ephemeral || (response.flags & 64) !== 0 });
  }

  #botMessages(): void {
    for (const m of this.discord.botMessages.slice(this.#botMessagesSeen)) this.#feed({ kind: 'bot', content: m.content });
    this.#botMessagesSeen = this.discord.botMessages.length;
  }

  #speech(): PlaygroundState['speech'] {
    if (!this.minimax) return 'MiniMax';
    const last = this.minimax.spoken.at(-1);
    return last === undefined ? null : last.speech === 'espeak' ? 'espeak-ng' : 'tone';
  }

  #publishState(): void {
    const state = this.state();
    const key = JSON.stringify(state);
    if (key === this.#lastState) return;
    this.#lastState = key;
    this.emit('state', state);
  }

  #feed(entry: FeedEntry): void {
    this.history.push(entry);
    if (this.history.length > 200) this.history.shift();
    this.emit('feed', entry);
  }
}
