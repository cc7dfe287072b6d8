/** The load benchmark's tables and the per-step figures the targets are judged on. */
import type { LoadBenchResult } from './load.js';
import type { SpeakStepResult } from './loadTypes.js';
import { WORKER_BEHIND_LOG } from '../src/index.js';
import { IDLE_GUILD_DESCRIPTION } from './loadGuilds.js';
import { fmt, percentile } from './stats.js';

const MB = 1e6;
const KB = 1024;

/** CPU seconds per audio second, as % of one core per real-time stream. */
export const cpuPercentPerStream = (s: SpeakStepResult): number => (100 * s.cpuSeconds) / s.audioSeconds;
/** The least CPU per stream over the runs of a step (the machine is shared: the least is the bot's own cost). */
export const leastCpuPercent = (steps: readonly SpeakStepResult[], guilds: number): number =>
  Math.min(...steps.filter((s) => s.guilds === guilds).map((s) => cpuPercentPerStream(s)));
/** The same, less what the process spends with the guilds joined and silent: the cost speaking adds. */
export const marginalCpuPercentPerStream = (s: SpeakStepResult): number =>
  (100 * (s.cpuSeconds - (s.idleCpuPercent / 100) * s.wallSeconds)) / s.audioSeconds;
/** Peak RSS growth over the baseline (after warm-up and GC, before any join), per speaking guild. */
export const rssPerSpeakingGuildMb = (s: SpeakStepResult): number => (s.peakRssBytes - s.baselineRssBytes) / s.guilds / MB;
/** Heap + external growth from joining (voice connection, player, session, no audio yet), per guild. */
export const joinedKbPerGuild = (s: SpeakStepResult): number => (s.joinedHeapBytes - s.baselineHeapBytes) / s.guilds / KB;
export const idleKbPerGuild = (r: LoadBenchResult): number => (r.idle.afterHeapBytes - r.idle.beforeHeapBytes) / r.idle.guilds / KB;
export const idleRssKbPerGuild = (r: LoadBenchResult): number => (r.idle.afterRssBytes - r.idle.beforeRssBytes) / r.idle.guilds / KB;

/** "a–b", or "a" when both are the same. */
const span = (xs: readonly number[]): string => (xs.length === 0 ? '' : xs[0] === xs.at(-1) ? `${xs[0]}` : `${xs[0]}–${xs.at(-1)}`);

/**
 * "33 (26), 213–290; 180–460": frames, guilds, when the first and last underrun came (ms after a guild's first
 * voice), and how long the bot had held the MiniMax audio of each missing frame when it was due.
 */
function underrunCell(x: SpeakStepResult): string {
  const at = x.underrunAtMs ?? []; // absent in results written before it was recorded
  const held = x.underrunHeldMs ?? []; // likewise
  return `${x.underrunFrames} (${x.guildsWithUnderruns})${at.length ? `, ${span(at)}` : ''}${held.length ? `; ${span(held)}` : ''}`;
}

/** How many times a transcoding worker fell behind and coded at the lower complexity (the bot's warnings). */
const sheds = (x: SpeakStepResult): number => x.logs.filter((line) => line.includes(WORKER_BEHIND_LOG)).length;

const STEP_HEADER = [
  '| guilds | audio heard (s) | bot CPU (s) | CPU per stream (% of a core) | of which speaking adds (%) | idle bot (% of a core) | peak RSS (MB) | RSS per speaking guild (MB) | joined, silent (KB per guild) | underrun frames (guilds), ms into the audio; MiniMax audio held (ms) | late breaks > 200 ms | lost packets | playout delay (ms) | Opus complexity lowered (times) | bot-added p50 / p99 (ms) | bot event-loop delay p99 / max (ms) | fakes: CPU (s), loop p99 (ms) | failures |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
];

function stepRows(steps: readonly SpeakStepResult[], repeats: number): string[] {
  return steps.map((x) => [
    repeats > 1 && x.run !== undefined ? `${x.guilds} (run ${x.run})` : x.guilds,
    fmt(x.audioSeconds, 1),
    fmt(x.cpuSeconds, 2),
    fmt(cpuPercentPerStream(x), 2),
    fmt(marginalCpuPercentPerStream(x), 2),
    fmt(x.idleCpuPercent, 2),
    fmt(x.peakRssBytes / MB, 0),
    fmt(rssPerSpeakingGuildMb(x), 2),
    fmt(joinedKbPerGuild(x), 0),
    underrunCell(x),
    x.lateGaps,
    x.lostPackets,
    x.playoutDelayMs ?? 'n/a', // absent in results written before it was recorded
    sheds(x),
    `${fmt(percentile(x.botAddedMs, 50), 0)} / ${fmt(percentile(x.botAddedMs, 99), 0)}`,
    `${fmt(x.loopDelayP99Ms, 0)} / ${fmt(x.loopDelayMaxMs, 0)}`,
    `${fmt(x.fakesCpuSeconds, 1)}, ${fmt(x.fakesLoopDelayP99Ms, 0)}`,
    x.failures === 0 ? '0' : `${x.failures}: ${x.failureReasons.join('; ')}`,
  ].join(' | ')).map((row) => `| ${row} |`);
}

/** The Opus steps beside the MP3 ones of as many guilds: least CPU per stream of each, and bot-added p50. */
function opusSummary(r: LoadBenchResult, opus: readonly SpeakStepResult[]): string[] {
  const guilds = [...new Set(opus.map((x) => x.guilds))];
  const p50 = (steps: readonly SpeakStepResult[], g: number): number =>
    percentile(steps.filter((x) => x.guilds === g).flatMap((x) => x.botAddedMs), 50);
  return guilds.map((g) => `| ${g} | ${fmt(leastCpuPercent(r.steps, g), 2)} | ${fmt(leastCpuPercent(opus, g), 2)} | ${fmt(p50(r.steps, g), 0)} | ${fmt(p50(opus, g), 0)} |`);
}

/** The DAVE-on MP3 steps beside the transport-only ones of as many guilds: least CPU per stream, bot-added p50 and p99. */
function transportSummary(r: LoadBenchResult, transport: readonly SpeakStepResult[]): string[] {
  const guilds = [...new Set(transport.map((x) => x.guilds))];
  const added = (steps: readonly SpeakStepResult[], g: number, p: number): number =>
    percentile(steps.filter((x) => x.guilds === g).flatMap((x) => x.botAddedMs), p);
  return guilds.map((g) => `| ${g} | ${fmt(leastCpuPercent(r.steps, g), 2)} | ${fmt(leastCpuPercent(transport, g), 2)} | `
    + `${fmt(added(r.steps, g, 50), 0)} / ${fmt(added(r.steps, g, 99), 0)} | ${fmt(added(transport, g, 50), 0)} / ${fmt(added(transport, g, 99), 0)} |`);
}

export function loadMarkdown(r: LoadBenchResult): string {
  const s = r.settings;
  const opus = r.opusSteps ?? [];
  const transport = r.transportSteps ?? [];
  return [
    `## Load (guilds speaking at once; ${s.audioMs / 1000} s of audio each; fake MiniMax: first chunk ${s.firstChunkMs} ms, pacing ${s.realtimeFactor} x real time)`,
    '',
    'Each step is a fresh bot process (startBot; sessions joined and fed one text each through SessionManager / GuildSession,',
    "as /speak does, with one discord.js client); the fakes run in that process's child, so their CPU is not counted.",
    `Each step ran ${r.settings.repeats} time(s); the targets take the least CPU of a step's runs (the machine is shared)`,
    'and the most underruns, lost packets and memory of any run.',
    '',
    ...(transport.length === 0 ? [] : [
      'The voice connections speak DAVE (end-to-end encryption, as Discord requires since March 2026): the fake is the',
      "MLS external sender, the guild's listener a davey member that decrypts every frame (in the fakes' process).",
      '',
    ]),
    ...STEP_HEADER,
    ...stepRows(r.steps, r.settings.repeats),
    '',
    ...(transport.length === 0 ? [] : [
      '### DAVE on beside transport encryption only (same run)',
      '',
      '| guilds | CPU per stream, DAVE (%) | CPU per stream, transport only (%) | bot-added p50 / p99, DAVE (ms) | bot-added p50 / p99, transport only (ms) |',
      '|---|---|---|---|---|',
      ...transportSummary(r, transport),
      '',
      ...STEP_HEADER,
      ...stepRows(transport, r.settings.repeats),
      '',
    ]),
    `Idle guilds (in the cache, no voice session; ${IDLE_GUILD_DESCRIPTION}): ${r.idle.guilds} added while running:`
      + ` ${fmt(idleKbPerGuild(r), 1)} KB of heap + external each after GC (RSS: ${fmt(idleRssKbPerGuild(r), 1)} KB each).`,
    '',
    ...(opus.length === 0 ? [] : [
      '### With AUDIO_FORMAT=opus (experimental; not judged by the targets)',
      '',
      "The bot asks MiniMax for Opus (24 kHz mono) and sends its 20 ms packets on as they are: no decoding, no encoding,",
      'no worker thread. The fake sends Ogg Opus from libopus in 20 ms frames, in chunks of the same audio time as the',
      "MP3 ones; MiniMax's own framing is not documented (the bot re-encodes frames that are not 20 ms).",
      '',
      '| guilds | CPU per stream, MP3 (%) | CPU per stream, Opus (%) | bot-added p50, MP3 (ms) | bot-added p50, Opus (ms) |',
      '|---|---|---|---|---|',
      ...opusSummary(r, opus),
      '',
      ...STEP_HEADER,
      ...stepRows(opus, r.settings.repeats),
      '',
    ]),
  ].join('\n');
}
