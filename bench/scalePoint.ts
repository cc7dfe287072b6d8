/**
 * The scale benchmark's pure logic: what one load step measured, when the ramp stops, where underruns start, and
 * the figures derived from a step (CPU per stream, share of the machine).
 */

/** One load step of one configuration: N guilds, spread over the shards, each speaking one text at once. */
export interface ScaleStep {
  guilds: number;
  /** Guilds of the step on each shard ((id >> 22) % shards). */
  perShard: number[];
  /** From the first /speak dispatched to the last voice frame heard. */
  wallSeconds: number;
  /** Audio the fake voice server heard (voice frames x 20 ms, all guilds). */
  audioSeconds: number;
  /** CPU (user + system, every thread) of every bot process over the step: the supervisor and its shard processes. */
  botCpuSeconds: number;
  /** The same per shard process (shard 0, 1, ...); one process: just it. */
  shardCpuSeconds: number[];
  /** The PostgreSQL server's processes (postmaster and backends); null without PostgreSQL. */
  pgCpuSeconds: number | null;
  /** The fakes' process (Discord with its voice server, MiniMax). */
  fakesCpuSeconds: number;
  /** Silence frames inside an utterance (all guilds): the player had no packet. */
  underrunFrames: number;
  guildsWithUnderruns: number;
  lostPackets: number;
  lateGaps: number;
  /** Guilds of the step that heard nothing. */
  silentGuilds: number;
  /** The machine's 1-minute load average at the start of the step (other work on the machine shows here). */
  loadAverage: number;
  /** Share (0..1) of the whole machine's CPU busy over the step, whoever used it (/proc/stat). */
  machineBusy: number;
}

/** CPU of the bot processes per stream: % of one core per guild speaking. */
export function cpuPerStreamPercent(step: Pick<ScaleStep, 'botCpuSeconds' | 'audioSeconds'>): number {
  return step.audioSeconds > 0 ? (100 * step.botCpuSeconds) / step.audioSeconds : Number.NaN;
}

/** Cores the bot processes kept busy on average over the step. */
export function botCores(step: Pick<ScaleStep, 'botCpuSeconds' | 'wallSeconds'>): number {
  return step.wallSeconds > 0 ? step.botCpuSeconds / step.wallSeconds : Number.NaN;
}

/** Share (0..1) of the machine's cores that the bot, its database and the fakes used together over the step. */
export function machineShare(step: Pick<ScaleStep, 'botCpuSeconds' | 'pgCpuSeconds' | 'fakesCpuSeconds' | 'wallSeconds'>, cores: number): number {
  if (step.wallSeconds <= 0 || cores <= 0) return Number.NaN;
  return (step.botCpuSeconds + (step.pgCpuSeconds ?? 0) + step.fakesCpuSeconds) / step.wallSeconds / cores;
}

/** Above this share of the machine the CPU counts as saturated: more guilds would only queue for it. */
export const SATURATED_SHARE = 0.9;

/** Why the ramp stops after this step (null: go on to the next load). */
export function stopReason(step: ScaleStep, cores: number): 'underruns' | 'cpu saturated' | 'silent guilds' | null {
  if (step.underrunFrames > 0) return 'underruns';
  if (step.silentGuilds > 0) return 'silent guilds';
  if (machineShare(step, cores) >= SATURATED_SHARE) return 'cpu saturated';
  return null;
}

export interface UnderrunPoint {
  /** The first load (guilds) with underrun frames; null: none up to the largest load run. */
  underrunsAt: number | null;
  /** The largest load without underruns below that point (null: even the smallest had underruns). */
  cleanUpTo: number | null;
}

/**
 * Where underruns start in a ramp: the first load, in ascending order, with any underrun frame, and the largest
 * clean load below it. A clean load above an underrun one does not count (the ramp is read from the bottom).
 */
export function underrunPoint(steps: readonly Pick<ScaleStep, 'guilds' | 'underrunFrames'>[]): UnderrunPoint {
  const sorted = [...steps].sort((a, b) => a.guilds - b.guilds);
  let cleanUpTo: number | null = null;
  for (const step of sorted) {
    if (step.underrunFrames > 0) return { underrunsAt: step.guilds, cleanUpTo };
    cleanUpTo = step.guilds;
  }
  return { underrunsAt: null, cleanUpTo };
}

/** Guild n's id such that (id >> 22) == n, so guild n is on shard n % count of any count. */
export const guildIdAt = (n: number): string => ((BigInt(n) << 22n) + 7n).toString();

/** Discord's rule: the shard of a guild. */
export function shardOf(guildId: string, count: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(count));
}

/** How many of `guildIds` each shard of `count` holds. */
export function perShard(guildIds: readonly string[], count: number): number[] {
  const counts = Array.from({ length: count }, () => 0);
  for (const id of guildIds) counts[shardOf(id, count)]! += 1;
  return counts;
}
