/** The targets of issue 6, judged on the benchmark's results: each met, not met, or not measured in this run. */
import type { E2eBenchResult } from './e2e.js';
import type { LoadBenchResult } from './load.js';
import { idleKbPerGuild, leastCpuPercent, rssPerSpeakingGuildMb } from './loadReport.js';
import { fmt, percentile } from './stats.js';

export interface TargetVerdict {
  target: string;
  measured: string;
  /** undefined: not measured in this run (--only). */
  met: boolean | undefined;
}

const p = (values: number[], q: number): number => percentile(values, q);

function e2eTargets(r: E2eBenchResult): TargetVerdict[] {
  const runs = [...r.cold, ...r.warm];
  const botAdded = runs.map((x) => x.botAddedMs);
  const fastBotAdded = r.fast.map((x) => x.botAddedMs);
  const warm = r.warm.map((x) => x.e2eMs);
  const warmOver = r.warm.map((x) => x.e2eMs - x.firstChunkMs);
  const fastOver = r.fast.map((x) => x.e2eMs - x.firstChunkMs);
  const fastPace = `MiniMax at ${fmt(1 / r.settings.pairRealtimeFactor, 1)}x real time`;
  const cold = r.cold.map((x) => x.e2eMs);
  const join = r.cold.flatMap((x) => (x.joinMs === undefined ? [] : [x.joinMs]));
  const connect = r.cold.flatMap((x) => (x.t2aConnectMs === undefined ? [] : [x.t2aConnectMs]));
  const coldExtra = p(cold, 50) - p(warm, 50);
  const handshakes = p(join, 50) + p(connect, 50);
  // Judged where one message ends and the next begins, at both pacings; a pair whose seam was not found fails.
  const seams = (runs: E2eBenchResult['pairs']): { silence: number; gap: number; found: number; runs: number; met: boolean } => {
    const found = runs.filter((x) => x.junctionGapMs !== undefined && x.junctionSilenceFrames !== undefined);
    const silence = Math.max(...found.map((x) => x.junctionSilenceFrames!));
    const gap = p(found.map((x) => x.junctionGapMs!), 99);
    return { silence, gap, found: found.length, runs: runs.length, met: found.length === runs.length && (runs.length === 0 || (silence <= 1 && gap <= 20)) };
  };
  const fast = seams(r.pairs);
  const realtime = seams(r.realtimePairs);
  const first = r.settings.firstChunkMs;
  const skipStop = r.skips.map((x) => x.lastSkippedMs);
  const skipStream = r.skips.map((x) => x.streamStopMs);
  const skipNext = r.skips.flatMap((x) => (x.nextMs === undefined ? [] : [x.nextMs]));
  return [
    // Judged at both pacings: at real time the learned playout delay (up to 100 ms) is what keeps messages whole.
    { target: `bot-added latency p50 <= 25 ms, ${fastPace}`, measured: `${fmt(p(fastBotAdded, 50))} ms`, met: fastBotAdded.length > 0 && p(fastBotAdded, 50) <= 25 },
    { target: `bot-added latency p99 <= 60 ms, ${fastPace}`, measured: `${fmt(p(fastBotAdded, 99))} ms`, met: fastBotAdded.length > 0 && p(fastBotAdded, 99) <= 60 },
    { target: 'bot-added latency p50 <= 25 ms, MiniMax at real time', measured: `${fmt(p(botAdded, 50))} ms`, met: p(botAdded, 50) <= 25 },
    { target: 'bot-added latency p99 <= 60 ms, MiniMax at real time', measured: `${fmt(p(botAdded, 99))} ms`, met: p(botAdded, 99) <= 60 },
    {
      target: `warm end to end <= the first-chunk delay + 40 ms (p50), ${fastPace}`,
      measured: `first chunk + ${fmt(p(fastOver, 50))} ms (p99 + ${fmt(p(fastOver, 99))} ms; first chunk ${first} +- ${r.settings.firstChunkJitterMs} ms)`,
      met: fastOver.length > 0 && p(fastOver, 50) <= 40,
    },
    {
      target: 'warm end to end <= the first-chunk delay + 40 ms (p50), MiniMax at real time',
      measured: `first chunk + ${fmt(p(warmOver, 50))} ms (p99 + ${fmt(p(warmOver, 99))} ms)`,
      met: p(warmOver, 50) <= 40,
    },
    {
      target: 'cold end to end adds at most the handshakes (voice join + T2A connect), p50',
      measured: `cold - warm = ${fmt(coldExtra)} ms; handshakes ${fmt(handshakes)} ms`,
      met: Number.isFinite(coldExtra) && Number.isFinite(handshakes) ? coldExtra <= handshakes : false,
    },
    {
      target: 'back-to-back: at most one 20 ms frame of silence between two messages',
      measured: `where one ends and the next begins, ${fastPace}: max ${fast.silence} silence frames, `
        + `pause beyond 20 ms p99 ${fmt(fast.gap)} ms (${fast.found} of ${fast.runs} found); at real time: max ${realtime.silence}, p99 ${fmt(realtime.gap)} ms `
        + `(${realtime.found} of ${realtime.runs})`,
      met: r.pairs.length > 0 && fast.met && realtime.met,
    },
    {
      target: 'skip stops the audio within 100 ms (p99)',
      measured: `/skip -> last packet of the skipped message: p99 ${fmt(p(skipStop, 99))} ms (p50 ${fmt(p(skipStop, 50))} ms); `
        + `its uninterrupted stream ends at p99 ${fmt(p(skipStream, 99))} ms; `
        + `next message's first packet p50 ${fmt(p(skipNext, 50))} ms (${skipNext.length} of ${r.skips.length} recognised)`,
      met: r.skips.length > 0 ? p(skipStop, 99) <= 100 : undefined,
    },
  ];
}

function loadTargets(r: LoadBenchResult): TargetVerdict[] {
  const upTo50 = r.steps.filter((s) => s.guilds <= 50);
  const breaks = (s: LoadBenchResult['steps'][number]): number => s.underrunFrames + s.lateGaps + s.lostPackets;
  const underruns = upTo50.map((s) => `${s.guilds}${s.run !== undefined && r.settings.repeats > 1 ? ` (run ${s.run})` : ''}: ${breaks(s)}`).join(', ');
  // CPU: the least of a step's runs (interference from other work on the machine only adds); the rest: every run.
  const stepGuilds = [...new Set(r.steps.map((s) => s.guilds))];
  const cpu = stepGuilds.map((g) => leastCpuPercent(r.steps, g));
  const big = r.steps.filter((s) => s.guilds >= 10);
  const memSteps = big.length > 0 ? big : r.steps;
  const mem = memSteps.map((s) => rssPerSpeakingGuildMb(s));
  const idle = idleKbPerGuild(r);
  return [
    {
      target: 'zero underruns up to 50 guilds speaking (silence frames, lost packets, breaks > 200 ms inside an utterance)',
      measured: `by guilds: ${underruns}`,
      met: upTo50.length > 0 ? upTo50.every((s) => breaks(s) === 0 && s.failures === 0) : undefined,
    },
    {
      target: 'CPU <= 1.5% of a core per real-time stream (every step)',
      measured: stepGuilds.map((g, i) => `${g}: ${fmt(cpu[i]!, 2)}%`).join(', '),
      met: cpu.every((c) => c <= 1.5),
    },
    {
      target: `memory per speaking guild <= 10 MB (peak RSS growth / guilds${big.length > 0 ? ', steps of 10+ guilds' : ''})`,
      measured: memSteps.map((s, i) => `${s.guilds}: ${fmt(mem[i]!, 2)} MB`).join(', '),
      met: mem.every((m) => m <= 10),
    },
    { target: 'memory per idle guild <= 50 KB', measured: `${fmt(idle, 1)} KB`, met: idle <= 50 },
  ];
}

const E2E_NAMES = [
  'bot-added latency p50 <= 25 ms, MiniMax faster than real time', 'bot-added latency p99 <= 60 ms, MiniMax faster than real time',
  'bot-added latency p50 <= 25 ms, MiniMax at real time', 'bot-added latency p99 <= 60 ms, MiniMax at real time',
  'warm end to end <= first chunk + 40 ms (p50), MiniMax faster than real time', 'warm end to end <= first chunk + 40 ms (p50), MiniMax at real time',
  'cold end to end adds at most the handshakes', 'back-to-back: at most one 20 ms frame of silence between two messages',
  'skip stops the audio within 100 ms (p99)',
];
const LOAD_NAMES = [
  'zero underruns up to 50 guilds speaking', 'CPU <= 1.5% of a core per real-time stream',
  'memory per speaking guild <= 10 MB', 'memory per idle guild <= 50 KB',
];

/** Every target, judged on whatever was measured (a part left out by --only gives "not measured" rows). */
export function judgeTargets(e2e: E2eBenchResult | undefined, load: LoadBenchResult | undefined): TargetVerdict[] {
  const missing = (names: string[]): TargetVerdict[] => names.map((target) => ({ target, measured: 'not measured in this run', met: undefined }));
  return [...(e2e ? e2eTargets(e2e) : missing(E2E_NAMES)), ...(load ? loadTargets(load) : missing(LOAD_NAMES))];
}

export function targetsMarkdown(verdicts: TargetVerdict[]): string {
  const mark = (m: boolean | undefined): string => (m === undefined ? 'not measured' : m ? 'met' : '**not met**');
  return [
    '## Targets (issue 6; skip: issue 4)',
    '',
    '| target | measured | verdict |',
    '|---|---|---|',
    ...verdicts.map((v) => `| ${v.target} | ${v.measured} | ${mark(v.met)} |`),
    '',
  ].join('\n');
}
