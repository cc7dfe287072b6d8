/** The scale section of the benchmark report: one table per configuration, the underrun points, the store hot path, and the sizing it gives. */
import type { ScaleBenchResult, ScaleRun } from './scale.js';
import { botCores, cpuPerStreamPercent, machineShare } from './scalePoint.js';
import { sizing, DEFAULT_ASSUMPTIONS, type Sizing } from './sizing.js';
import { storeHotPathMarkdown } from './storeHotPath.js';
import { PER_TEXT_TABLES } from './scalePg.js';

const f = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : '–');

function runTable(run: ScaleRun, cores: number): string[] {
  const lines = [
    `### ${run.config.name}`,
    '',
    `Started (every shard connected) in ${f(run.startSeconds, 1)} s. ${run.stoppedBy ? `The ramp stopped at ${run.steps.at(-1)?.guilds} guilds: ${run.stoppedBy}.` : 'No step had underruns or saturated the machine.'}`,
    '',
    '| guilds speaking (per shard) | underrun frames (guilds) | lost / late | CPU per stream | bot CPU (cores) | per shard process (cores) | PostgreSQL (cores) | fakes (cores) | bench processes busy | whole machine busy | load average |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const s of run.steps) {
    const shards = run.config.shards > 1 ? s.shardCpuSeconds.map((c) => f(c / s.wallSeconds)).join(' + ') : '–';
    lines.push(`| ${s.guilds} (${s.perShard.join(' + ')}) | ${s.underrunFrames} (${s.guildsWithUnderruns})${s.silentGuilds > 0 ? `, ${s.silentGuilds} silent` : ''} | ${s.lostPackets} / ${s.lateGaps} `
      + `| ${f(cpuPerStreamPercent(s))} % | ${f(botCores(s))} | ${shards} | ${s.pgCpuSeconds === null ? '–' : f(s.pgCpuSeconds / s.wallSeconds)} `
      + `| ${f(s.fakesCpuSeconds / s.wallSeconds)} | ${f(100 * machineShare(s, cores), 0)} % | ${f(100 * s.machineBusy, 0)} % | ${f(s.loadAverage)} |`);
  }
  if (run.pgWrites) {
    const w = run.pgWrites;
    lines.push('', `PostgreSQL rows written over the run (${w.texts} texts, ${w.joins} joins, then the shutdown): `
      + `${Object.entries(w.rowsByTable).map(([t, n]) => `${t} ${n}`).join(', ') || 'none'}; usage_days ${f(w.usageWritesPerText)} rows per text; `
      + `${f(w.writesPerText)} rows per text in all (${PER_TEXT_TABLES.join(', ')}).`);
  }
  if (run.warnings.length > 0) lines.push('', `Warnings from the bot: ${run.warnings.map((w) => `\`${w.trim().slice(0, 160)}\``).join('; ')}`);
  lines.push('');
  return lines;
}

/**
 * The sizing from the better PostgreSQL run (a bot on several hosts shares PostgreSQL): the one that carried more
 * guilds without underruns, the fewer processes on a tie; or why there is none.
 */
export function sizingFrom(result: ScaleBenchResult): Sizing | string {
  const runs = result.runs.filter((r) => r.config.store === 'postgresql' && r.point.cleanUpTo !== null)
    .sort((a, b) => b.point.cleanUpTo! - a.point.cleanUpTo! || a.config.shards - b.config.shards);
  const run = runs[0];
  if (!run) return 'no PostgreSQL run in this report had a load without underruns';
  const clean = run.point.cleanUpTo!;
  const step = run.steps.find((s) => s.guilds === clean)!;
  return sizing({
    cleanGuildsPerHost: clean,
    hostCores: result.cores,
    processesPerHost: run.config.shards,
    cpuPerStreamPercent: cpuPerStreamPercent(step),
    bytesPerGuildSettings: result.store.pgBytesPerRow.guildSettings,
    bytesPerMemberVoice: result.store.pgBytesPerRow.memberVoices,
    bytesPerUsageDay: result.store.pgBytesPerRow.usageDays,
    writesPerText: run.pgWrites?.writesPerText ?? 1,
  });
}

export function scaleMarkdown(result: ScaleBenchResult): string {
  const s = result.settings;
  const lines = [
    '## Scale: speaking guilds per core, one process against two',
    '',
    `Parrot run as a program (\`src/index.ts\`: SHARD_COUNT=1 is the bot in one process; SHARD_COUNT=2 a supervisor and two`,
    `shard processes) against the fakes (Discord requiring the shard count, DAVE on; MiniMax at ${s.realtimeFactor}x real time,`,
    `first chunk ${s.firstChunkMs} ms) in one child process and a real PostgreSQL on loopback. Each configuration starts once and`,
    `ramps ${s.steps.join(', ')} guilds, every guild speaking one text of ${s.audioMs / 1000} s at once through /speak, and stops at the`,
    'first step with underrun frames, a silent guild, or the machine over 90 % busy (bot + PostgreSQL + fakes). CPU is',
    "read from /proc: the bot's whole process tree (audio worker threads included), the server's processes, the fakes'.",
    `The fakes and PostgreSQL share the machine's ${result.cores} cores with the bot: "bench processes busy" is their share`,
    'of the machine together; "whole machine busy" counts everything that ran (/proc/stat): well above the first, other',
    'work was competing for the cores and the underrun point is lower than the bot alone would reach.',
    `Machine load average (1 min): ${f(result.loadAverage.start)} before, ${f(result.loadAverage.end)} after; each step's is in its row.`,
    '',
    '| configuration | underruns start at | machine busy there: bench / whole | clean up to | CPU per stream there | guilds per core (clean / cores) |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const run of result.runs) {
    const clean = run.steps.find((x) => x.guilds === run.point.cleanUpTo);
    const at = run.steps.find((x) => x.guilds === run.point.underrunsAt);
    const busy = at ? `${f(100 * machineShare(at, result.cores), 0)} / ${f(100 * at.machineBusy, 0)} %` : '–';
    lines.push(`| ${run.config.name} | ${run.point.underrunsAt === null ? `none up to ${run.steps.at(-1)?.guilds ?? 0}` : `${run.point.underrunsAt} guilds`} | ${busy} `
      + `| ${run.point.cleanUpTo ?? '–'} | ${clean ? `${f(cpuPerStreamPercent(clean))} %` : '–'} | ${run.point.cleanUpTo === null ? '–' : f(run.point.cleanUpTo / result.cores, 1)} |`);
  }
  lines.push('');
  for (const run of result.runs) lines.push(...runTable(run, result.cores));
  lines.push(storeHotPathMarkdown(result.store, '###'));
  const plan = sizingFrom(result);
  lines.push('### Sizing for 10,000 servers from this run', '');
  if (typeof plan === 'string') lines.push(`No sizing: ${plan}.`);
  else {
    const a = DEFAULT_ASSUMPTIONS;
    lines.push(`Assumptions: ${a.peakSpeakingShare * 100} % of servers speaking at once at the peak, ${a.textsPerMinute} texts a minute each, hosts run at`
      + ` ${a.headroom * 100} % of the clean load, ${a.serversPerShard} servers per shard, every server configured, ${a.memberVoicesPerServer} member voices per server,`
      + ` ${a.dailyActiveShare * 100} % of servers speaking on a day, ${a.usageDaysKept} days of usage kept (docs/scaling.md explains them).`, '');
    lines.push(...plan.lines.map((l) => `- ${l}`));
    lines.push('', 'The better PostgreSQL configuration of this run sets the load per host and the processes on it.');
  }
  lines.push('');
  return lines.join('\n');
}
