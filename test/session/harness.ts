/**
 * A SessionManager wired to the real pieces (T2A client, WASM transcoder, @discordjs/voice) and driven
 * against the fake MiniMax and the fake Discord over loopback, with a real discord.js client.
 */
import { once } from 'node:events';
import { Client, Events, GatewayIntentBits } from 'discord.js';
import { createTranscoderFactory, type TranscoderFactory } from '../../src/audio/index.js';
import type { AudioCache } from '../../src/session/AudioCache.js';
import { SessionManager, type PlayoutDelay, type SessionTimings } from '../../src/session/index.js';
import type { ItemReport, QueueItem, QueueItemInput, VoiceTarget } from '../../src/session/types.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { createSynthesizer, type SynthesizerOptions } from '../../src/t2a/index.js';
import { FakeDiscord, type GuildSpec } from '../fakes/discord/index.js';
import { FakeMiniMax } from '../fakes/minimax/FakeMiniMax.js';
import type { FakeMiniMaxOptions } from '../fakes/minimax/types.js';

export interface Harness {
  discord: FakeDiscord;
  minimax: FakeMiniMax;
  client: Client;
  manager: SessionManager;
  store: MemoryStore;
  guildId: string;
  voiceChannelId: string;
  textChannelId: string;
  reports: ItemReport[];
  notices: string[];
  /** Every scheduled retry (the manager's 'retry' event). */
  retries: { guildId: string; item: QueueItem; attempt: number; delayMs: number; error: unknown }[];
  /** Items synthesized in full (the manager's 'played' event). */
  played: { guildId: string; item: QueueItem }[];
  /** The voice channel 'Voice' of a guild (name or id; default the first guild). */
  target(guild?: string): VoiceTarget;
  /** An item from the text channel 'general' of a guild (default the first guild). */
  item(text: string, authorId?: string, guild?: string): QueueItemInput;
  close(): Promise<void>;
}

export const FAST_TIMINGS: Partial<SessionTimings> = {
  joinTimeoutMs: 5_000,
  movedGraceMs: 1_000,
  rejoinDelaysMs: [50, 100, 200],
  leaveEmptyAfterMs: 200,
  retryBaseMs: 50,
  retryMaxMs: 200,
  retryAttempts: 3,
};

export interface HarnessOptions {
  minimax?: FakeMiniMaxOptions;
  timings?: Partial<SessionTimings>;
  budget?: { dailyChars: number | null; monthlyChars: number | null };
  limits?: { maxPerGuild: number; maxPerUser: number };
  audioCache?: AudioCache;
  /** Default: learned (the SessionManager's own). */
  playout?: PlayoutDelay;
  /** Over the harness's synthesizer options (url and apiKey stay the fake's). */
  synthesizer?: Partial<Omit<SynthesizerOptions, 'url' | 'apiKey'>>;
  /** Default: the WASM transcoder. */
  transcoders?: TranscoderFactory;
  /** What an earlier run left behind (a restart); default: a new, empty store. */
  store?: MemoryStore;
  /** Default: FakeDiscord's one default guild. Each needs a text channel 'general' and a voice channel 'Voice'. */
  guilds?: readonly GuildSpec[];
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const minimax = new FakeMiniMax({ msPerChar: 40, minAudioMs: 300, ...options.minimax });
  const { url } = await minimax.start();
  const discord = await FakeDiscord.start(options.guilds ? { guilds: options.guilds } : {});
  const client = new Client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates], ...discord.clientOptions() });
  const ready = once(client, Events.ClientReady, { signal: AbortSignal.timeout(5_000) });
  await client.login(discord.token);
  await ready;
  const guild = discord.guild();
  const timeouts = { connect: 2_000, taskStarted: 2_000, firstChunk: 3_000, betweenChunks: 3_000 };
  const store = options.store ?? new MemoryStore();
  const manager = new SessionManager({
    synthesizerFactory: () => createSynthesizer({ timeouts, ...options.synthesizer, url, apiKey: 'test-key-not-secret' }),
    transcoders: options.transcoders ?? createTranscoderFactory(),
    store,
    defaults: { voiceId: 'English_expressive_narrator', model: 'speech-2.8-turbo' },
    limits: options.limits ?? { maxPerGuild: 20, maxPerUser: 10 },
    budget: options.budget ?? { dailyChars: null, monthlyChars: null },
    timings: { ...FAST_TIMINGS, ...options.timings },
    ...(options.audioCache ? { audioCache: options.audioCache } : {}),
    ...(options.playout ? { playout: options.playout } : {}),
  });
  const reports: ItemReport[] = [];
  const notices: string[] = [];
  const retries: Harness['retries'] = [];
  const played: Harness['played'] = [];
  manager.on('report', (_g, r) => reports.push(r));
  manager.on('notice', (_g, _c, m) => notices.push(m));
  manager.on('retry', (guildId, item, attempt, delayMs, error) => retries.push({ guildId, item, attempt, delayMs, error }));
  manager.on('played', (guildId, item) => played.push({ guildId, item }));
  const voiceChannelId = guild.channel('Voice').id;
  const textChannelId = guild.channel('general').id;
  let n = 0;
  return {
    discord, minimax, client, manager, store, reports, notices, retries, played, voiceChannelId, textChannelId,
    guildId: guild.id,
    target: (ref) => {
      const g = discord.guild(ref);
      return { guildId: g.id, channelId: g.channel('Voice').id, adapterCreator: client.guilds.cache.get(g.id)!.voiceAdapterCreator };
    },
    item: (text, authorId = 'u1', ref) => {
      const channelId = ref === undefined ? textChannelId : discord.guild(ref).channel('general').id;
      return { authorId, authorName: `user ${authorId}`, text, source: { kind: 'message', channelId, messageId: String(++n) } };
    },
    async close() {
      await manager.destroyAll('test over');
      await client.destroy();
      await discord.close();
      await minimax.close();
    },
  };
}

/** Two messages the playback and fault tests speak, A then B: 43 chars (~1.7 s at 40 ms/char) and 28 (~1.1 s). */
export const TEXT_A = 'The first message is read out loud in full.';
export const TEXT_B = 'Then the second one follows.';

/** Expected decoded duration of a text at the fake's pacing (msPerChar, at least minAudioMs). */
export function expectedMs(text: string, msPerChar = 40, minMs = 300): number {
  return Math.max(minMs, text.length * msPerChar);
}
