/**
 * Child-process entry: runs FakeMiniMax and FakeDiscord for the benchmark, so that decrypting and decoding the
 * bot's voice streams (and serving MiniMax's audio) costs CPU in this process, not in the one being measured.
 * Driven over IPC by bench/fakeClient.ts (see bench/fakeProtocol.ts); exits when the parent disconnects.
 */
import { createHash } from 'node:crypto';
import type { Socket } from 'node:dgram';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { benchNow } from './clock.js';
import type { FakeOp, FakeRequest, FakeResponse, FakeServersApi, FakeServersConfig, GuildAudioSummary } from './fakeProtocol.js';
import { FakeDiscord, type FakeInteraction, type ReceivedFrame } from '../test/fakes/discord/index.js';
import { FakeMiniMax } from '../test/fakes/minimax/FakeMiniMax.js';

type Impl = { [K in FakeOp]: (...args: Parameters<FakeServersApi[K]>) => ReturnType<FakeServersApi[K]> | Promise<ReturnType<FakeServersApi[K]>> };

const UDP_RECEIVE_BUFFER = 4 * 1024 * 1024;

let discord: FakeDiscord | undefined;
let minimax: FakeMiniMax | undefined;
const interactions = new Map<string, FakeInteraction>();
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();

function fakes(): { discord: FakeDiscord; minimax: FakeMiniMax } {
  if (!discord || !minimax) throw new Error('fakes not started');
  return { discord, minimax };
}

async function start(config: FakeServersConfig): Promise<ReturnType<FakeServersApi['start']>> {
  if (discord) throw new Error('fakes already started');
  minimax = new FakeMiniMax({ ...config.minimax, apiKey: config.apiKey });
  const { url } = await minimax.start();
  const dave = config.dave ?? true;
  discord = await FakeDiscord.start({
    guilds: config.guilds, token: config.token, clock: benchNow, dave, requireDave: dave, ...(config.sharding ? { sharding: config.sharding } : {}),
  });
  enlargeUdpBuffer(discord);
  return {
    restApi: discord.restApi,
    minimaxUrl: url,
    guilds: discord.guilds.map((g) => {
      const channels = [...g.channels.values()];
      return {
        id: g.id,
        name: g.name,
        voiceChannelId: channels.find((c) => c.type === 2)?.id ?? null,
        textChannelId: channels.find((c) => c.type === 0)?.id ?? null,
      };
    }),
  };
}

/**
 * A bot that stalls then catches up sends bursts of voice packets; the kernel's default 208 KB receive buffer
 * drops them before the fake reads them, which would blame the fake's socket for losses. The fake has no option
 * for it, so its socket (a private field) is reached here; without it the losses still show as lost packets.
 */
function enlargeUdpBuffer(d: FakeDiscord): void {
  const socket = (d.udp as unknown as { socket?: Socket }).socket;
  try {
    socket?.setRecvBufferSize(UDP_RECEIVE_BUFFER);
  } catch (error) {
    process.stderr.write(`fakeServers: could not enlarge the UDP receive buffer (${String(error)})\n`);
  }
}

function summaries(from: number): GuildAudioSummary[] {
  const { discord: d } = fakes();
  const guildIds = [...new Set(d.audio.frames.filter((f) => f.at >= from).map((f) => f.guildId))];
  return guildIds.map((guildId) => {
    const r = d.audio.report({ guildId, from });
    const voiceAt = d.audio.select({ guildId, from }).filter((f) => !f.silence).map((f) => f.at);
    const underrunGaps = r.gaps.filter((g) => g.silenceFrames > 0);
    return {
      guildId,
      frames: r.frames,
      voiceFrames: r.voiceFrames,
      voiceMs: r.voiceMs,
      firstVoiceAt: r.firstVoiceAt ?? null,
      lastVoiceAt: r.lastVoiceAt ?? null,
      bursts: r.bursts.length,
      midSilenceFrames: r.bursts.reduce((n, b) => n + b.silenceFrames, 0),
      gaps: r.gaps.length,
      underrunAtMs: r.firstVoiceAt == null ? [] : underrunGaps.map((g) => g.at - r.firstVoiceAt!),
      underruns: underrunGaps.map((g) => ({ dueAt: g.at + 20, heardMs: 20 * voiceAt.filter((at) => at <= g.at).length })),
      lateGaps: r.gaps.filter((g) => g.silenceFrames === 0 && g.lostPackets === 0).length,
      lostPackets: r.gaps.reduce((n, g) => n + g.lostPackets, 0),
      maxLateMs: Math.max(0, ...r.bursts.map((b) => b.maxLateMs)),
      decodeErrors: r.decodeErrors,
    };
  });
}

const api: Impl = {
  start,
  now: () => benchNow(),
  configureMiniMax: (patch) => fakes().minimax.configure(patch),
  addGuilds: (spec, count) => Array.from({ length: count }, (_, i) => fakes().discord.addGuild({ ...spec, name: `${spec.name ?? 'Idle'} ${i}` }).id),
  interaction: (spec) => {
    const ix = fakes().discord.interaction(spec);
    interactions.set(ix.id, ix);
    return { id: ix.id, dispatchedAt: ix.dispatchedAt };
  },
  reply: async (id, timeoutMs) => {
    const ix = interactions.get(id);
    if (!ix) throw new Error(`unknown interaction ${id}`);
    interactions.delete(id);
    return (await ix.reply({ timeoutMs })).content ?? '';
  },
  // Voice = not the 3-byte silence frame, by its bytes: the fake's opusscript decoders fail beyond ~20 SSRCs (the
  // heap bug src/audio/opusEncoder.ts works around), so its decoded durations cannot be relied on here.
  waitForVoice: (guildId, from, timeoutMs) => {
    const audio = fakes().discord.audio;
    const isVoice = (f: ReceivedFrame): boolean => f.guildId === guildId && f.at >= from && !f.silence;
    const seen = audio.frames.find(isVoice);
    if (seen) return seen.at;
    return new Promise<number>((resolve, reject) => {
      const onFrame = (f: ReceivedFrame): void => {
        if (!isVoice(f)) return;
        clearTimeout(timer);
        audio.off('frame', onFrame);
        resolve(f.at);
      };
      const timer = setTimeout(() => {
        audio.off('frame', onFrame);
        reject(new Error(`no voice frame in guild ${guildId} within ${timeoutMs} ms`));
      }, timeoutMs);
      audio.on('frame', onFrame);
    });
  },
  waitForSilence: async (guildId, from, quietMs, timeoutMs) =>
    (await fakes().discord.audio.waitForSilence({ guildId, from, quietMs, timeoutMs })).lastVoiceAt ?? null,
  frames: (guildId, from) => fakes().discord.audio.select({ guildId, from }).map((f) => ({ at: f.at, silence: f.silence })),
  keyedFrames: (guildId, from) => fakes().discord.audio.select({ guildId, from }).map((f) => ({
    at: f.at, silence: f.silence, key: createHash('sha1').update(f.opus).digest('base64').slice(0, 16),
  })),
  summaries,
  voiceProgress: (guildIds, from) => {
    const wanted = new Set(guildIds);
    const heard = new Set<string>();
    let lastVoiceAt: number | null = null;
    const frames = fakes().discord.audio.frames;
    // Newest first, down to `from`: the frames are kept in arrival order.
    for (let i = frames.length - 1; i >= 0 && frames[i]!.at >= from; i--) {
      const f = frames[i]!;
      if (f.silence || !wanted.has(f.guildId)) continue;
      heard.add(f.guildId);
      lastVoiceAt ??= f.at;
    }
    return { guildsHeard: heard.size, lastVoiceAt };
  },
  gateway: () => {
    const g = fakes().discord.gateway;
    return { shards: g.live.map((s) => s.shard?.join('/') ?? 'unsharded').sort(), identifyRateLimited: g.identifyRateLimited };
  },
  joinTiming: (guildId, from) => {
    const d = fakes().discord;
    const request = d.voiceRequests.find((r) => r.guildId === guildId && r.at >= from && r.outcome === 'joined');
    const ready = d.voice.connections.find((c) => c.guildId === guildId && c.createdAt >= from && c.readyAt !== undefined);
    return request && ready?.readyAt !== undefined ? { requestAt: request.at, readyAt: ready.readyAt } : null;
  },
  health: () => {
    const cpu = process.cpuUsage();
    const result = {
      cpuSeconds: (cpu.user + cpu.system) / 1e6, loopDelayP99Ms: loop.percentile(99) / 1e6, loopDelayMaxMs: loop.max / 1e6,
      udp: { ...fakes().discord.udp.stats },
    };
    loop.reset();
    return result;
  },
  state: (guildId) => {
    const { discord: d, minimax: m } = fakes();
    return { inVoice: d.botVoiceChannel(guildId) !== null, openT2A: m.connections.filter((c) => c.accepted && !c.closed).length };
  },
  close: async () => {
    const d = discord, m = minimax;
    discord = undefined;
    minimax = undefined;
    await Promise.all([d?.close(), m?.close()]);
  },
};

async function handle(request: FakeRequest): Promise<FakeResponse> {
  try {
    const fn = api[request.op] as (...args: unknown[]) => unknown;
    return { id: request.id, ok: true, result: await fn(...request.args) };
  } catch (error) {
    return { id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

if (!process.send) {
  console.error('bench/fakeServers.ts runs as a child of the benchmark (IPC), not on its own');
  process.exit(2);
}
process.on('message', (request: FakeRequest) => {
  void handle(request).then((response) => process.send?.(response));
});
process.on('disconnect', () => {
  // The parent is gone (or done): close the servers so the process exits by itself; a lingering handle
  // (a socket the bot never closed) must not keep it alive.
  setTimeout(() => process.exit(0), 3_000).unref();
  loop.disable();
  void api.close();
});
