/** The end-to-end benchmark's table: one row per measure, p50 / p99 / max over the runs. */
import type { E2eBenchResult, PairRun, SpeakRun } from './e2e.js';
import { fmt, summarize, type Summary } from './stats.js';

export interface E2eRow {
  label: string;
  unit: 'ms' | 'frames';
  summary: Summary;
}

const all = (r: E2eBenchResult): SpeakRun[] => [...r.cold, ...r.warm];
const pick = <T>(runs: readonly T[], f: (run: T) => number | undefined): number[] =>
  runs.map(f).filter((v): v is number => v !== undefined && Number.isFinite(v));

/** Every row of the end-to-end table (always the same rows, in this order). */
export function e2eRows(r: E2eBenchResult): E2eRow[] {
  const ms = (label: string, values: number[]): E2eRow => ({ label, unit: 'ms', summary: summarize(values) });
  const frames = (label: string, values: number[]): E2eRow => ({ label, unit: 'frames', summary: summarize(values) });
  const pairs = (label: string, runs: PairRun[]): E2eRow[] => [
    ms(`${label}: time beyond a continuous 20 ms stream`, runs.map((p) => p.extraMs)),
    frames(`${label}: silence frames`, runs.map((p) => p.silenceFrames)),
    ms(`${label}: where one ends and the next begins, time beyond 20 ms`, pick(runs, (p) => p.junctionGapMs)),
    frames(`${label}: where one ends and the next begins, silence frames`, pick(runs, (p) => p.junctionSilenceFrames)),
  ];
  return [
    ms('bot-added: first MP3 message at the bot -> first voice packet at the voice server (all runs at real time)', pick(all(r), (x) => x.botAddedMs)),
    ms('bot-added, warm runs', pick(r.warm, (x) => x.botAddedMs)),
    ms('bot-added, cold runs', pick(r.cold, (x) => x.botAddedMs)),
    ms(`bot-added, warm runs with MiniMax at ${1 / r.settings.pairRealtimeFactor}x real time`, pick(r.fast, (x) => x.botAddedMs)),
    ms(`end to end, warm, minus the first-chunk delay, MiniMax at ${1 / r.settings.pairRealtimeFactor}x real time`, pick(r.fast, (x) => x.e2eMs - x.firstChunkMs)),
    ms(`end to end, warm, two voices taking turns, minus the first-chunk delay, MiniMax at ${1 / r.settings.pairRealtimeFactor}x real time`, pick(r.turns, (x) => x.e2eMs - x.firstChunkMs)),
    ms('end to end, warm: /speak dispatched -> first voice packet', pick(r.warm, (x) => x.e2eMs)),
    ms("end to end, warm, minus the run's first-chunk delay", pick(r.warm, (x) => x.e2eMs - x.firstChunkMs)),
    ms('end to end, cold (no voice connection, no T2A socket)', pick(r.cold, (x) => x.e2eMs)),
    ms('/speak dispatched -> first MP3 message at the bot, warm', pick(r.warm, (x) => x.toFirstMp3Ms)),
    ms('/speak dispatched -> first MP3 message at the bot, cold', pick(r.cold, (x) => x.toFirstMp3Ms)),
    ms('cold handshake: voice join (op 4 -> voice session ready)', pick(r.cold, (x) => x.joinMs)),
    ms('cold handshake: T2A connect (socket opened -> task_started)', pick(r.cold, (x) => x.t2aConnectMs)),
    ...pairs(`back-to-back, MiniMax at ${1 / r.settings.pairRealtimeFactor}x real time`, r.pairs),
    ...pairs('back-to-back, MiniMax at real time', r.realtimePairs),
    ms('skip: /skip dispatched -> last voice packet of the skipped message (stale ones included)', pick(r.skips, (x) => x.lastSkippedMs)),
    ms("skip: /skip dispatched -> end of the skipped message's uninterrupted stream", pick(r.skips, (x) => x.streamStopMs)),
    frames('skip: voice packets of the skipped message after /skip was dispatched', pick(r.skips, (x) => x.skippedPacketsAfter)),
    frames('skip: of those, stale packets (sent after a pause, just before the next message)', pick(r.skips, (x) => x.stalePackets)),
    ms('skip: /skip dispatched -> first voice packet of the next message', pick(r.skips, (x) => x.nextMs)),
    ms("skip: the same, minus the fake's first-chunk delay", pick(r.skips, (x) => (x.nextMs === undefined ? undefined : x.nextMs - r.settings.firstChunkMs))),
    frames(`one message, MiniMax at ${r.settings.realtimeFactor === 1 ? '' : `${1 / r.settings.realtimeFactor}x `}real time: silence frames inside (underruns)`, pick(all(r), (x) => x.midSilenceFrames)),
    frames(`one message, MiniMax at ${1 / r.settings.pairRealtimeFactor}x real time: silence frames inside (underruns)`, pick(r.fast, (x) => x.midSilenceFrames)),
  ];
}

export function e2eMarkdown(r: E2eBenchResult): string {
  const s = r.settings;
  const rows = e2eRows(r);
  return [
    `## End to end (the real bot, /speak through the fake Discord; fake MiniMax: first chunk ${s.firstChunkMs} +- ${s.firstChunkJitterMs} ms, pacing ${s.realtimeFactor} x real time)`,
    '',
    `${r.cold.length} cold runs (each followed by ${s.warmPerCold} warm ones), ${r.fast.length} warm runs at ${1 / s.pairRealtimeFactor}x real time, `
      + `${r.pairs.length} + ${r.realtimePairs.length} back-to-back pairs, `
      + `${r.turns.length} warm runs in two voices taking turns (for which the bot opened ${r.turnConnections} T2A connection(s)), `
      + `${r.skips.length} skips (/skip ${s.skipAfterMs} ms into a 12 s message streamed at real time, a short one queued behind it).`,
    '',
    '| measure | runs | p50 | p99 | max | unit |',
    '|---|---|---|---|---|---|',
    ...rows.map((row) => {
      const d = row.unit === 'frames' ? 0 : 1;
      return `| ${row.label} | ${row.summary.n} | ${fmt(row.summary.p50, d)} | ${fmt(row.summary.p99, d)} | ${fmt(row.summary.max, d)} | ${row.unit} |`;
    }),
    '',
  ].join('\n');
}
