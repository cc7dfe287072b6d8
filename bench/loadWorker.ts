/**
 * Child-process entry of the load benchmark: this process IS the bot being measured (startBot, with the fakes
 * in a grandchild so their work is not counted). Usage: `node --expose-gc --import tsx bench/loadWorker.ts JSON`
 * with a LoadWorkerInput; prints one JSON LoadWorkerResult line on stdout.
 *
 * 'speak': N guilds join, then each is fed one text at the same moment through the session API (one discord.js
 * client, SessionManager.join + GuildSession.enqueue, as /speak would), until every guild has finished.
 * 'idle': guilds the bot is in but not speaking arrive (GUILD_CREATE); the heap growth per guild is measured.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Guild } from 'discord.js';
import type { GuildSession } from '../src/session/index.js';
import { benchNow } from './clock.js';
import { startBotUnderTest, BENCH_MINIMAX_KEY, BENCH_TOKEN, type BotUnderTest } from './botUnderTest.js';
import { FakeServers } from './fakeClient.js';
import type { IdleStepResult, LoadWorkerInput, LoadWorkerResult, SpeakStepResult } from './loadTypes.js';
import { IDLE_GUILD, SPEAKING_GUILD } from './loadGuilds.js';
import { CHUNK_BYTES, heldAtUnderruns } from './underruns.js';

const MS_PER_CHAR = 100;
const IDLE_WINDOW_MS = 2_000;

function gc(): void {
  if (typeof globalThis.gc !== 'function') throw new Error('run the load worker with --expose-gc');
  globalThis.gc();
  globalThis.gc();
}

function heapBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`load worker: ${what} not reached within ${timeoutMs} ms`);
    await sleep(50);
  }
}

function textOf(label: string, chars: number): string {
  const words = 'the quick brown fox jumps over the lazy dog and keeps on running through the field ';
  let text = `${label}: `;
  while (text.length < chars) text += words;
  return `${text.slice(0, chars - 1).trimEnd()}.`;
}

function guildOf(subject: BotUnderTest, id: string): Guild {
  const guild = subject.bot.client.guilds.cache.get(id);
  if (!guild) throw new Error(`load worker: guild ${id} is not in the client's cache`);
  return guild;
}

async function join(subject: BotUnderTest, guild: Guild, channelId: string): Promise<GuildSession> {
  const result = await subject.bot.sessions.join({ guildId: guild.id, channelId, adapterCreator: guild.voiceAdapterCreator });
  const session = subject.bot.sessions.get(guild.id);
  if (!result.ok || !session) throw new Error(`load worker: join failed in ${guild.name} (${result.ok ? 'no session' : result.reason})`);
  return session;
}

function speakIn(session: GuildSession, channelId: string, text: string, n: number): void {
  const r = session.enqueue({ authorId: 'alice', authorName: 'alice', text, source: { kind: 'message', channelId, messageId: String(n) } });
  if (!r.ok) throw new Error(`load worker: enqueue refused (${r.reason})`);
}

const idle = (s: GuildSession): boolean => s.status().playing === null && s.status().queued === 0;

/** Warm-up in the first guild (8 s of audio): modules, WASM tier-up and the JIT, as in a bot that has been running. */
async function warmUp(subject: BotUnderTest, fakes: FakeServers): Promise<void> {
  const g = fakes.info.guilds[0]!;
  const session = await join(subject, guildOf(subject, g.id), g.voiceChannelId!);
  speakIn(session, g.textChannelId!, textOf('Warm-up', 80), 0);
  await until(() => idle(session), 20_000, 'warm-up spoken');
  subject.bot.sessions.leave(g.id, 'warm-up over');
  await sleep(200);
}

async function speakStep(input: Extract<LoadWorkerInput, { mode: 'speak' }>): Promise<SpeakStepResult> {
  const specs = Array.from({ length: input.guilds + 1 }, (_, i) => ({ ...SPEAKING_GUILD, name: i === 0 ? 'Warm-up' : `Load ${i}` }));
  const fakes = await FakeServers.start({
    guilds: specs,
    token: BENCH_TOKEN,
    apiKey: BENCH_MINIMAX_KEY,
    dave: input.dave ?? true,
    minimax: {
      firstChunkMs: input.firstChunkMs, realtimeFactor: input.realtimeFactor, msPerChar: MS_PER_CHAR, chunkBytes: CHUNK_BYTES,
      minAudioMs: 300, maxAudioMs: input.audioMs + 1_000,
    },
  });
  let subject: BotUnderTest | undefined;
  try {
    // No audio cache: its bytes are one bounded pool for the whole bot (AUDIO_CACHE_MB), not a per-guild cost.
    const audioFormat = input.audioFormat ?? 'mp3';
    subject = await startBotUnderTest(fakes, { env: { AUDIO_CACHE_MB: '0', AUDIO_FORMAT: audioFormat, ...input.env } });
    const failures: string[] = [];
    subject.bot.sessions.on('report', (_g, r) => failures.push(r.reason));
    await warmUp(subject, fakes);

    gc();
    const baselineRssBytes = process.memoryUsage.rss();
    const baselineHeapBytes = heapBytes();
    const load = fakes.info.guilds.slice(1);
    const firstProbe = subject.probes.length;
    // Sessions are created synchronously by join(), in this order: probes[firstProbe + i] is load guild i's.
    // Learned during the warm-up when its message ran dry: the step starts with it, as a bot that has been running.
    const playoutDelayMs = subject.bot.sessions.playoutDelayMs;
    const sessions = await Promise.all(load.map((g) => join(subject!, guildOf(subject!, g.id), g.voiceChannelId!)));
    await sleep(500);
    gc();
    const joinedHeapBytes = heapBytes();
    const joinedRssBytes = process.memoryUsage.rss();

    // The process's own cost with every guild joined and silent: what a speaking stream's cost adds to.
    const idle0 = process.cpuUsage();
    await sleep(IDLE_WINDOW_MS);
    const idleCpu = process.cpuUsage(idle0);

    let peakRssBytes = joinedRssBytes;
    const sampler = setInterval(() => (peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss())), 100);
    const loop = monitorEventLoopDelay({ resolution: 5 });
    const chars = Math.round(input.audioMs / MS_PER_CHAR);
    const fakes0 = await fakes.call('health', []);
    const t0 = benchNow();
    const cpu0 = process.cpuUsage();
    loop.enable();
    sessions.forEach((s, i) => speakIn(s, load[i]!.textChannelId!, textOf(`Guild ${i + 1}`, chars), i + 1));
    try {
      await until(() => sessions.every(idle), input.audioMs + input.firstChunkMs + 60_000, 'every guild finished speaking');
    } finally {
      loop.disable();
      clearInterval(sampler);
    }
    const cpu = process.cpuUsage(cpu0);
    const wallSeconds = (benchNow() - t0) / 1000;
    await sleep(300); // the last frames in flight reach the fake
    const fakesHealth = await fakes.call('health', []);
    const summaries = (await fakes.call('summaries', [t0 + fakes.clockOffset], 60_000)).filter((s) => load.some((g) => g.id === s.guildId));
    const botAddedMs: number[] = [];
    const underrunHeldMs: number[] = [];
    load.forEach((g, i) => {
      const heard = summaries.find((s) => s.guildId === g.id);
      const arrivals = subject!.probes[firstProbe + i]?.arrivals.filter((t) => t >= t0) ?? [];
      const mp3At = arrivals[0];
      if (heard?.firstVoiceAt != null && mp3At !== undefined) botAddedMs.push(heard.firstVoiceAt - (mp3At + fakes.clockOffset));
      underrunHeldMs.push(...heldAtUnderruns(arrivals, heard?.underruns ?? [], fakes.clockOffset));
    });
    return {
      mode: 'speak',
      guilds: input.guilds,
      audioFormat,
      dave: input.dave ?? true,
      wallSeconds,
      // Counted in frames: the fake's opusscript decoders fail beyond ~20 streams (the encoder bug of opusEncoder.ts).
      audioSeconds: summaries.reduce((n, s) => n + s.voiceFrames, 0) * 0.02,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      baselineRssBytes,
      baselineHeapBytes,
      joinedHeapBytes,
      joinedRssBytes,
      peakRssBytes,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      idleCpuPercent: (100 * (idleCpu.user + idleCpu.system)) / 1e3 / IDLE_WINDOW_MS,
      underrunFrames: summaries.reduce((n, s) => n + s.midSilenceFrames, 0),
      gaps: summaries.reduce((n, s) => n + s.gaps, 0),
      lateGaps: summaries.reduce((n, s) => n + s.lateGaps, 0),
      lostPackets: summaries.reduce((n, s) => n + s.lostPackets, 0),
      guildsWithUnderruns: summaries.filter((s) => s.midSilenceFrames > 0).length,
      playoutDelayMs,
      underrunAtMs: summaries.flatMap((s) => s.underrunAtMs.map(Math.round)).sort((a, b) => a - b),
      underrunHeldMs: underrunHeldMs.sort((a, b) => a - b),
      maxLateMs: Math.max(0, ...summaries.map((s) => s.maxLateMs)),
      silentGuilds: load.length - summaries.filter((s) => s.voiceFrames > 0).length,
      failures: failures.length,
      failureReasons: [...new Set([...failures, ...subject.utteranceErrors])].slice(0, 8),
      botAddedMs,
      loopDelayP99Ms: loop.percentile(99) / 1e6,
      loopDelayMaxMs: loop.max / 1e6,
      fakesCpuSeconds: fakesHealth.cpuSeconds - fakes0.cpuSeconds,
      fakesLoopDelayP99Ms: fakesHealth.loopDelayP99Ms,
      fakesLoopDelayMaxMs: fakesHealth.loopDelayMaxMs,
      logs: subject.logs,
    };
  } finally {
    await subject?.close();
    await fakes.close();
  }
}

async function idleStep(input: Extract<LoadWorkerInput, { mode: 'idle' }>): Promise<IdleStepResult> {
  const fakes = await FakeServers.start({
    guilds: [{ ...SPEAKING_GUILD, name: 'Warm-up' }],
    token: BENCH_TOKEN,
    apiKey: BENCH_MINIMAX_KEY,
    minimax: { msPerChar: 20, minAudioMs: 300 },
  });
  let subject: BotUnderTest | undefined;
  try {
    subject = await startBotUnderTest(fakes, { env: { AUDIO_CACHE_MB: '0' } });
    await warmUp(subject, fakes);
    const client = subject.bot.client;
    gc();
    const beforeHeapBytes = heapBytes();
    const beforeRssBytes = process.memoryUsage.rss();
    const expected = client.guilds.cache.size + input.guilds;
    await fakes.call('addGuilds', [IDLE_GUILD, input.guilds], 60_000);
    await until(() => client.guilds.cache.size >= expected, 60_000, `${input.guilds} guilds in the cache`);
    await sleep(500);
    gc();
    return {
      mode: 'idle',
      guilds: input.guilds,
      beforeHeapBytes,
      afterHeapBytes: heapBytes(),
      beforeRssBytes,
      afterRssBytes: process.memoryUsage.rss(),
    };
  } finally {
    await subject?.close();
    await fakes.close();
  }
}

const input = JSON.parse(process.argv[2] ?? 'null') as LoadWorkerInput | null;
if (!input) {
  console.error('usage: node --expose-gc --import tsx bench/loadWorker.ts \'{"mode":"speak",...}\'');
  process.exit(2);
}
const result: LoadWorkerResult = input.mode === 'speak' ? await speakStep(input) : await idleStep(input);
console.log(JSON.stringify(result));
