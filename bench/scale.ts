/**
 * Speaking guilds per core, one process against two: Parrot run as a program (`src/index.ts`, the real supervisor
 * and shard path; SHARD_COUNT=1 runs the bot in that process, SHARD_COUNT=2 makes it a supervisor of two shard
 * processes) against the fakes' child process (Discord serving the shards, MiniMax) and, for PostgreSQL, a real
 * server started here. Guilds n = 0, 1, ... have ids with (id >> 22) = n, so they alternate between the shards.
 * Each configuration is started once and ramped: before each step the step's new guilds /join, then every
 * joined guild gets one /speak at the same moment, until the last voice frame. The ramp stops at the first step
 * with underrun frames, a silent guild, or a saturated machine. CPU is read from /proc for the bot's process tree
 * (every thread: the audio workers count), PostgreSQL's processes and the fakes' process.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { shardPids, startSupervisor, type Supervisor } from '../test/shard/helpers.js';
import { startPgServer, type PgServer } from '../test/store/pgServer.js';
import type { CommandSpec } from '../test/fakes/discord/index.js';
import { BENCH_MINIMAX_KEY, BENCH_TOKEN } from './botUnderTest.js';
import { FakeServers } from './fakeClient.js';
import { SPEAKING_GUILD } from './loadGuilds.js';
import { busyBetween, cpuBetween, cpuSecondsOf, machineTicks, processTree } from './procCpu.js';
import { pgProcesses, pgWritesOf, type PgWrites } from './scalePg.js';
import { guildIdAt, perShard, stopReason, underrunPoint, type ScaleStep, type UnderrunPoint } from './scalePoint.js';
import { runStoreHotPath, type StoreHotPathResult } from './storeHotPath.js';
import { CHUNK_BYTES } from './underruns.js';

export type ScaleStore = 'sqlite' | 'postgresql';
export interface ScaleConfig {
  name: string;
  shards: number;
  store: ScaleStore;
}

export const SCALE_CONFIGS: readonly ScaleConfig[] = [
  { name: '1 process, SQLite', shards: 1, store: 'sqlite' },
  { name: '1 process, PostgreSQL', shards: 1, store: 'postgresql' },
  { name: '2 processes (2 shards), PostgreSQL', shards: 2, store: 'postgresql' },
];

export interface ScaleBenchOptions {
  /** Guilds speaking at once, ascending (default 10, 25, 50, ... 150). */
  steps?: number[];
  /** Audio per guild per step (default 10 s). */
  audioMs?: number;
  configs?: readonly ScaleConfig[];
  /** Reads per run of the store hot-path measure (default 200,000). */
  storeReads?: number;
  log?: (line: string) => void;
}

export interface ScaleRun {
  config: ScaleConfig;
  steps: ScaleStep[];
  stoppedBy: string | null;
  point: UnderrunPoint;
  /** Supervisor start -> every shard connected. */
  startSeconds: number;
  /** Warnings and errors the bot processes printed (a few), and shard processes that died. */
  warnings: string[];
  pgWrites: PgWrites | null;
}

export interface ScaleBenchResult {
  settings: { steps: number[]; audioMs: number; msPerChar: number; realtimeFactor: number; firstChunkMs: number };
  cores: number;
  /** The machine's 1-minute load average before the first and after the last configuration. */
  loadAverage: { start: number; end: number };
  runs: ScaleRun[];
  store: StoreHotPathResult;
}

const MS_PER_CHAR = 100;
const REALTIME_FACTOR = 0.8;
const FIRST_CHUNK_MS = 250;
/** No voice frame in any guild of the step for this long: the step is over. */
const QUIET_MS = 800;
const JOIN_BATCH = 10;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function textOf(label: string, chars: number): string {
  const words = 'the quick brown fox jumps over the lazy dog and keeps on running through the field ';
  let text = `${label}: `;
  while (text.length < chars) text += words;
  return `${text.slice(0, chars - 1).trimEnd()}.`;
}

async function command(fakes: FakeServers, spec: CommandSpec, timeoutMs = 30_000): Promise<string> {
  const { id } = await fakes.call('interaction', [spec]);
  return fakes.call('reply', [id, timeoutMs], timeoutMs + 5_000);
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`scale bench: ${what} not reached within ${timeoutMs} ms`);
    await sleep(200);
  }
}

interface Running {
  fakes: FakeServers;
  bot: Supervisor;
  shards: number;
  /** Every bot process and, with PostgreSQL, the server's processes. */
  botPids: () => number[];
  shardPids: number[];
  pgPids: (() => number[]) | null;
  joined: number;
}

/** One step: join the new guilds, then every joined guild speaks one text at once, until the last voice frame. */
async function runStep(run: Running, guilds: number, audioMs: number): Promise<ScaleStep> {
  const { fakes } = run;
  const ids = Array.from({ length: guilds }, (_, n) => guildIdAt(n));
  for (let n = run.joined; n < guilds; n += JOIN_BATCH) {
    const batch = ids.slice(n, Math.min(guilds, n + JOIN_BATCH));
    const replies = await Promise.all(batch.map((g) => command(fakes, { guild: g, command: 'join' })));
    const refused = replies.find((r) => !r.includes('Joined'));
    if (refused !== undefined) throw new Error(`scale bench: /join answered "${refused.slice(0, 200)}"`);
  }
  run.joined = Math.max(run.joined, guilds);
  await sleep(500);
  const loadAverage = loadavg()[0]!;
  const pgBefore = run.pgPids ? cpuSecondsOf(run.pgPids()) : null;
  const fakesBefore = (await fakes.call('health', [])).cpuSeconds;
  const shardsBefore = cpuSecondsOf(run.shardPids);
  const botBefore = cpuSecondsOf(run.botPids());
  const machineBefore = machineTicks();
  const t0 = await fakes.call('now', []);
  const chars = Math.round(audioMs / MS_PER_CHAR);
  const dispatched = await Promise.all(ids.map((g, i) => fakes.call('interaction', [{ guild: g, command: 'speak', options: { text: textOf(`Guild ${i + 1}`, chars) } }])));
  // One at a time: most have answered by now, and each wait is a listener on the fake's interaction log.
  for (const { id } of dispatched) await fakes.call('reply', [id, 30_000], 35_000);
  const deadline = Date.now() + audioMs + 60_000;
  for (;;) {
    await sleep(250);
    const [progress, now] = [await fakes.call('voiceProgress', [ids, t0]), await fakes.call('now', [])];
    const quiet = progress.lastVoiceAt !== null && now - progress.lastVoiceAt >= QUIET_MS;
    if ((progress.guildsHeard === guilds && quiet) || Date.now() > deadline) break;
  }
  const machineAfter = machineTicks();
  const botAfter = cpuSecondsOf(run.botPids());
  const shardsAfter = cpuSecondsOf(run.shardPids);
  const fakesAfter = (await fakes.call('health', [])).cpuSeconds;
  const pgAfter = run.pgPids ? cpuSecondsOf(run.pgPids()) : null;
  const t1 = await fakes.call('now', []);
  const summaries = (await fakes.call('summaries', [t0], 60_000)).filter((s) => ids.includes(s.guildId));
  return {
    guilds,
    perShard: perShard(ids, run.shards),
    wallSeconds: (t1 - t0) / 1000,
    audioSeconds: summaries.reduce((n, s) => n + s.voiceFrames, 0) * 0.02,
    botCpuSeconds: cpuBetween(botBefore, botAfter),
    shardCpuSeconds: run.shardPids.map((pid) => (shardsAfter.get(pid) ?? 0) - (shardsBefore.get(pid) ?? 0)),
    pgCpuSeconds: pgBefore && pgAfter ? cpuBetween(pgBefore, pgAfter) : null,
    fakesCpuSeconds: fakesAfter - fakesBefore,
    underrunFrames: summaries.reduce((n, s) => n + s.midSilenceFrames, 0),
    guildsWithUnderruns: summaries.filter((s) => s.midSilenceFrames > 0).length,
    lostPackets: summaries.reduce((n, s) => n + s.lostPackets, 0),
    lateGaps: summaries.reduce((n, s) => n + s.lateGaps, 0),
    silentGuilds: guilds - summaries.filter((s) => s.voiceFrames > 0).length,
    loadAverage,
    machineBusy: busyBetween(machineBefore, machineAfter),
  };
}

/** Starts the supervisor (`src/index.ts`) against the fakes; resolves when every shard is connected. */
async function startParrot(config: ScaleConfig, fakes: FakeServers, env: Record<string, string>): Promise<{ bot: Supervisor; startSeconds: number }> {
  const started = Date.now();
  const bot = startSupervisor({
    DISCORD_TOKEN: BENCH_TOKEN, MINIMAX_API_KEY: BENCH_MINIMAX_KEY, DISCORD_API_URL: fakes.info.restApi, MINIMAX_WS_URL: fakes.info.minimaxUrl,
    SHARD_COUNT: String(config.shards), AUDIO_CACHE_MB: '0', RATE_LIMIT_USER_PER_MINUTE: '10000', RATE_LIMIT_GUILD_PER_MINUTE: '100000', ...env,
  });
  const count = (s: string): number => bot.output.join('').split(s).length - 1;
  const ready = (): boolean => count('connected to Discord') >= config.shards && (config.shards === 1 || count('all shards ready') > 0);
  try {
    await waitFor(() => ready() || bot.parent.exitCode !== null, 90_000 + 10_000 * config.shards, 'every shard connected');
    if (bot.parent.exitCode !== null) throw new Error(`scale bench: the bot exited with ${bot.parent.exitCode}: ${bot.output.join('').slice(-800)}`);
  } catch (error) {
    await bot.stop();
    throw error;
  }
  return { bot, startSeconds: (Date.now() - started) / 1000 };
}

/** The warm-up (one guild per shard, not measured), then the steps up to the first that stops the ramp. */
async function ramp(run: Running, config: ScaleConfig, steps: number[], audioMs: number, log: (line: string) => void): Promise<{ done: ScaleStep[]; stoppedBy: string | null }> {
  // Modules, WASM tier-up, the JIT, the DAVE groups.
  await runStep(run, config.shards, 3_000);
  const done: ScaleStep[] = [];
  for (const guilds of steps) {
    const step = await runStep(run, guilds, audioMs);
    done.push(step);
    log(`scale: ${config.name}: ${guilds} guilds (${step.perShard.join('+')}): ${step.underrunFrames} underrun frames, CPU ${((100 * step.botCpuSeconds) / step.audioSeconds).toFixed(2)} % per stream, `
      + `bot ${(step.botCpuSeconds / step.wallSeconds).toFixed(2)} cores, machine ${(100 * step.machineBusy).toFixed(0)} % busy, load average ${step.loadAverage.toFixed(2)}`);
    const stoppedBy = stopReason(step, cpus().length);
    if (stoppedBy) return { done, stoppedBy };
  }
  return { done, stoppedBy: null };
}

/** Starts the fakes and the bot of one configuration, ramps it, stops it. */
async function runConfig(config: ScaleConfig, steps: number[], audioMs: number, server: () => Promise<PgServer>, log: (line: string) => void): Promise<ScaleRun> {
  const fakes = await FakeServers.start({
    guilds: Array.from({ length: Math.max(...steps) }, (_, n) => ({ ...SPEAKING_GUILD, id: guildIdAt(n), name: `Load ${n}` })),
    token: BENCH_TOKEN,
    apiKey: BENCH_MINIMAX_KEY,
    dave: true,
    ...(config.shards > 1 ? { sharding: { count: config.shards, required: true } } : {}),
    minimax: {
      firstChunkMs: FIRST_CHUNK_MS, realtimeFactor: REALTIME_FACTOR, msPerChar: MS_PER_CHAR, chunkBytes: CHUNK_BYTES, minAudioMs: 300, maxAudioMs: audioMs + 1_000,
    },
  });
  const dataDir = await mkdtemp(join(tmpdir(), 'parrot-bench-scale-'));
  let bot: Supervisor | undefined;
  let statsClient: pg.Client | undefined;
  try {
    const databaseUrl = config.store === 'postgresql' ? await (await server()).createDatabase() : undefined;
    if (databaseUrl) {
      statsClient = new pg.Client({ connectionString: databaseUrl });
      await statsClient.connect();
    }
    const parrot = await startParrot(config, fakes, { DATA_DIR: dataDir, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });
    bot = parrot.bot;
    const parentPid = bot.parent.pid!;
    const shards = config.shards === 1 ? [parentPid] : [...(await shardPids(parentPid)).entries()].sort((a, b) => a[0] - b[0]).map(([, pid]) => pid);
    const run: Running = {
      fakes, bot, shards: config.shards, botPids: () => processTree(parentPid), shardPids: shards,
      pgPids: statsClient ? await pgProcesses(statsClient) : null, joined: 0,
    };
    log(`scale: ${config.name}: ready in ${parrot.startSeconds.toFixed(1)} s (gateway ${(await fakes.call('gateway', [])).shards.join(', ')})`);
    const { done, stoppedBy } = await ramp(run, config, steps, audioMs, log);
    // Read before the stop: stopping the supervisor ends its shard processes, which it logs as deaths too.
    const output = bot.output.join('');
    const died = output.split('shard process died').length - 1;
    const warnings = [...(died > 0 ? [`${died} shard process(es) died during the run`] : []), ...output.split('\n').filter((l) => /\b(warn|error)\b/i.test(l)).slice(0, 8)];
    await bot.stop();
    const texts = config.shards + done.reduce((n, s) => n + s.guilds, 0);
    // Read after the stop: the bot's backends flushed their statistics when they ended.
    const pgWrites = databaseUrl ? await pgWritesOf(databaseUrl, texts, run.joined) : null;
    return { config, steps: done, stoppedBy, point: underrunPoint(done), startSeconds: parrot.startSeconds, warnings, pgWrites };
  } finally {
    await bot?.stop();
    await statsClient?.end().catch(() => undefined);
    await fakes.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export async function runScaleBench(options: ScaleBenchOptions = {}): Promise<ScaleBenchResult> {
  const steps = [...(options.steps ?? [10, 25, 50, 75, 100, 125, 150])].sort((a, b) => a - b);
  const audioMs = options.audioMs ?? 10_000;
  const log = options.log ?? (() => undefined);
  const start = loadavg()[0]!;
  let server: PgServer | undefined;
  const runs: ScaleRun[] = [];
  let store: StoreHotPathResult;
  try {
    const getServer = async (): Promise<PgServer> => (server ??= await startPgServer());
    for (const config of options.configs ?? SCALE_CONFIGS) runs.push(await runConfig(config, steps, audioMs, getServer, log));
    log('scale: store hot path (SQLite against PostgreSQL)...');
    store = await runStoreHotPath({ reads: options.storeReads ?? 200_000, server: await getServer() });
  } finally {
    await server?.destroy();
  }
  return {
    settings: { steps, audioMs, msPerChar: MS_PER_CHAR, realtimeFactor: REALTIME_FACTOR, firstChunkMs: FIRST_CHUNK_MS },
    cores: cpus().length,
    loadAverage: { start, end: loadavg()[0]! },
    runs,
    store,
  };
}
