import { describe, expect, it } from 'vitest';
import { busyBetween, cpuBetween, parseMachineTicks, parseStat } from '../../bench/procCpu.js';
import { cpuPerStreamPercent, guildIdAt, machineShare, perShard, shardOf, stopReason, underrunPoint, type ScaleStep } from '../../bench/scalePoint.js';
import type { ScaleBenchResult, ScaleRun } from '../../bench/scale.js';
import { scaleMarkdown, sizingFrom } from '../../bench/scaleReport.js';
import { DEFAULT_ASSUMPTIONS, sizing } from '../../bench/sizing.js';

const step = (guilds: number, over: Partial<ScaleStep> = {}): ScaleStep => ({
  guilds, perShard: [guilds], wallSeconds: 10, audioSeconds: guilds * 10, botCpuSeconds: guilds * 0.15, shardCpuSeconds: [guilds * 0.15],
  pgCpuSeconds: null, fakesCpuSeconds: 2, underrunFrames: 0, guildsWithUnderruns: 0, lostPackets: 0, lateGaps: 0, silentGuilds: 0,
  loadAverage: 1, machineBusy: 0.5, ...over,
});

describe('scale bench: where underruns start', () => {
  it('is the first load, from the bottom, with underrun frames; clean is the largest load below it', () => {
    expect(underrunPoint([step(25), step(50), step(75, { underrunFrames: 3 })])).toStrictEqual({ underrunsAt: 75, cleanUpTo: 50 });
    // Read in ascending order whatever the order given; a clean load above the point does not move it.
    expect(underrunPoint([step(100), step(75, { underrunFrames: 1 }), step(25)])).toStrictEqual({ underrunsAt: 75, cleanUpTo: 25 });
    expect(underrunPoint([step(25, { underrunFrames: 9 }), step(50)])).toStrictEqual({ underrunsAt: 25, cleanUpTo: null });
    expect(underrunPoint([step(25), step(50)])).toStrictEqual({ underrunsAt: null, cleanUpTo: 50 });
    expect(underrunPoint([])).toStrictEqual({ underrunsAt: null, cleanUpTo: null });
  });

  it('stops the ramp at underruns, a silent guild, or the machine over 90 % busy, and not before', () => {
    expect(stopReason(step(50), 2)).toBeNull();
    expect(stopReason(step(50, { underrunFrames: 1 }), 2)).toBe('underruns');
    expect(stopReason(step(50, { silentGuilds: 1 }), 2)).toBe('silent guilds');
    // 10 s on 2 cores: 18 CPU seconds of bot + database + fakes is 90 %.
    expect(stopReason(step(50, { botCpuSeconds: 12, pgCpuSeconds: 2, fakesCpuSeconds: 4 }), 2)).toBe('cpu saturated');
    expect(stopReason(step(50, { botCpuSeconds: 12, pgCpuSeconds: 2, fakesCpuSeconds: 3.9 }), 2)).toBeNull();
    expect(machineShare(step(50, { botCpuSeconds: 12, pgCpuSeconds: 2, fakesCpuSeconds: 4 }), 2)).toBeCloseTo(0.9);
  });

  it('counts CPU per stream as the bot CPU over the audio heard', () => {
    expect(cpuPerStreamPercent({ botCpuSeconds: 15, audioSeconds: 1000 })).toBeCloseTo(1.5);
    expect(cpuPerStreamPercent({ botCpuSeconds: 1, audioSeconds: 0 })).toBeNaN();
  });

  it('spreads guild n onto shard n % count, as Discord shards by (id >> 22)', () => {
    const ids = Array.from({ length: 25 }, (_, n) => guildIdAt(n));
    expect(ids.map((id) => shardOf(id, 2)).slice(0, 4)).toStrictEqual([0, 1, 0, 1]);
    expect(perShard(ids, 2)).toStrictEqual([13, 12]);
    expect(perShard(ids, 1)).toStrictEqual([25]);
    // A real snowflake: (id >> 22) counts ms since Discord's epoch.
    expect(shardOf('81384788765712384', 2)).toBe(Number((81384788765712384n >> 22n) % 2n));
  });
});

describe('scale bench: CPU from /proc', () => {
  it("reads ppid and utime + stime after the command name, whatever the name holds", () => {
    const line = '4242 (node (tsx) x) S 4200 4242 4200 0 -1 4194560 1000 0 0 0 250 75 0 0 20 0 11 0 100 1000000 5000';
    expect(parseStat(line)).toStrictEqual({ ppid: 4200, cpuSeconds: 3.25 });
    expect(parseStat('garbage')).toBeNull();
  });

  it("reads the whole machine's busy share from /proc/stat, idle and iowait not busy", () => {
    const a = parseMachineTicks('cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 50 0 25 400 25 0 0 0 0 0\n');
    const b = parseMachineTicks('cpu  250 10 90 900 50 0 0 0 0 0\n');
    expect(a).toStrictEqual({ busy: 150, total: 1000 });
    expect(busyBetween(a, b)).toBeCloseTo(200 / 300);
    expect(parseMachineTicks('intr 1 2 3')).toBeNull();
    expect(busyBetween(b, a)).toBeNaN();
  });

  it('counts a process that appeared meanwhile from zero', () => {
    expect(cpuBetween(new Map([[1, 2], [2, 5]]), new Map([[1, 3.5], [2, 5.25], [3, 0.75]]))).toBeCloseTo(2.5);
  });
});

describe('sizing note arithmetic', () => {
  const measured = {
    cleanGuildsPerHost: 100, hostCores: 2, processesPerHost: 2, cpuPerStreamPercent: 1.5,
    bytesPerGuildSettings: 200, bytesPerMemberVoice: 150, bytesPerUsageDay: 100, writesPerText: 1,
  };

  it('gives shards, hosts, processes per host and the database from the measurements and the assumptions', () => {
    const s = sizing(measured);
    expect(s.discordShards).toBe(10);
    expect(s.speakingAtPeak).toBe(300); // 3 % of 10,000
    expect(s.guildsPerHost).toBe(70); // 100 x 0.7
    expect(s.hosts).toBe(5); // ceil(300 / 70)
    expect(s.processesPerHost).toBe(2); // ceil(10 / 5), and 2 as measured
    expect(s.shards).toBe(10);
    expect(s.cores).toBe(10);
    expect(s.pgRows).toStrictEqual({ guildSettings: 10_000, memberVoices: 50_000, usageDays: 186_000 });
    expect(s.pgBytes).toBe(10_000 * 200 + 50_000 * 150 + 186_000 * 100);
    expect(s.writesPerSecond).toBeCloseTo((300 * 6) / 60);
    expect(s.lines.join('\n')).toContain('hosts = ceil(300 / 70) = 5 (10 cores)');
    expect(s.lines.join('\n')).toContain('PostgreSQL total = 28.1 MB');
  });

  it('never splits a shard over hosts: more hosts than Discord needs shards means more shards', () => {
    // 300 speaking at 7 per host: 43 hosts, each running the one process measured, so 43 shards (not 10).
    const s = sizing({ ...measured, cleanGuildsPerHost: 10, processesPerHost: 1 });
    expect(s.hosts).toBe(43);
    expect(s.processesPerHost).toBe(1);
    expect(s.shards).toBe(43);
    // Few hosts: the shards Discord needs are spread over them.
    const few = sizing({ ...measured, cleanGuildsPerHost: 500, processesPerHost: 1 });
    expect(few.hosts).toBe(1);
    expect(few.processesPerHost).toBe(10);
    expect(few.shards).toBe(10);
  });

  it('follows the assumptions, and refuses a host that carries nothing', () => {
    const s = sizing(measured, { ...DEFAULT_ASSUMPTIONS, servers: 2_500, peakSpeakingShare: 0.1, headroom: 1 });
    expect(s.discordShards).toBe(3);
    expect(s.hosts).toBe(3); // 250 / 100
    expect(s.processesPerHost).toBe(2);
    expect(s.shards).toBe(6);
    expect(() => sizing({ ...measured, cleanGuildsPerHost: 0 })).toThrow(/clean load/);
  });
});

describe('scale report: which run sizes the bot', () => {
  const store = {
    guilds: 1000, reads: 1000, sqlite: { readNs: 24_000, usageNs: 90_000, pendingNs: 130_000, reservationUs: { p50: 27, p99: 60 } }, postgresql: { readNs: 1_200, usageNs: 4_000, pendingNs: 16_000, reservationUs: { p50: 1_060, p99: 12_100 } },
    pgBytesPerRow: { guildSettings: 270, memberVoices: 197, usageDays: 197 },
  };
  const run = (name: string, shards: number, storeName: 'sqlite' | 'postgresql', steps: ScaleStep[]): ScaleRun => ({
    config: { name, shards, store: storeName }, steps, stoppedBy: 'underruns', point: underrunPoint(steps), startSeconds: 5, warnings: [],
    pgWrites: storeName === 'postgresql' ? { texts: 10, joins: 10, rowsByTable: { usage_days: 10, pending_items: 20 }, usageWritesPerText: 1, writesPerText: 3 } : null,
  });
  const result = (runs: ScaleRun[]): ScaleBenchResult => ({
    settings: { steps: [25, 50, 75], audioMs: 10_000, msPerChar: 100, realtimeFactor: 0.8, firstChunkMs: 250 },
    cores: 2, loadAverage: { start: 1, end: 1 }, runs, store,
  });

  it('takes the PostgreSQL run that carried more guilds cleanly, with its processes per host', () => {
    const r = result([
      run('1 process, SQLite', 1, 'sqlite', [step(25), step(50), step(75), step(100, { underrunFrames: 5 })]),
      run('1 process, PostgreSQL', 1, 'postgresql', [step(25), step(50, { underrunFrames: 2 })]),
      run('2 processes, PostgreSQL', 2, 'postgresql', [step(25), step(50), step(75, { underrunFrames: 1 })]),
    ]);
    const plan = sizingFrom(r);
    if (typeof plan === 'string') throw new Error(plan);
    expect(plan.guildsPerHost).toBe(35); // 50 clean x 0.7, from the two-process run (the SQLite run's 75 does not count)
    expect(plan.processesPerHost).toBe(2);
    const md = scaleMarkdown(r);
    expect(md).toContain('| 2 processes, PostgreSQL | 75 guilds |');
    expect(md).toContain('per 2-core host = floor(50 clean x 0.7 headroom) = 35');
    // Every row a text writes counts toward the database's load, not only its usage.
    expect(md).toContain('writes = 300 x 6 texts/min x 3.00 rows/text / 60 = 90.0 rows/s');
    expect(md).toContain('usage_days 1.00 rows per text; 3.00 rows per text in all');
  });

  it('prefers fewer processes on a tie, and sizes nothing when no PostgreSQL load was clean', () => {
    const tie = sizingFrom(result([
      run('2 processes, PostgreSQL', 2, 'postgresql', [step(25), step(50, { underrunFrames: 1 })]),
      run('1 process, PostgreSQL', 1, 'postgresql', [step(25), step(50, { underrunFrames: 1 })]),
    ]));
    expect(typeof tie === 'string' ? tie : tie.lines[4]).toContain('max(1 as measured');
    const none = sizingFrom(result([run('2 processes, PostgreSQL', 2, 'postgresql', [step(10, { underrunFrames: 3 })])]));
    expect(none).toBe('no PostgreSQL run in this report had a load without underruns');
    expect(scaleMarkdown(result([run('2 processes, PostgreSQL', 2, 'postgresql', [step(10, { underrunFrames: 3 })])]))).toContain('No sizing: no PostgreSQL run');
  });
});
