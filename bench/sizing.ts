/**
 * The sizing note's arithmetic: from what the benchmark measured and stated assumptions, the shards, processes,
 * hosts and PostgreSQL size for a bot in N servers, each figure with the sum that made it (docs/scaling.md).
 */

export interface SizingMeasured {
  /** Largest load (guilds speaking at once) without underruns on one host, and that host's cores. */
  cleanGuildsPerHost: number;
  hostCores: number;
  /** Shard processes on the host in the configuration that carried that load (the better of one and two). */
  processesPerHost: number;
  /** CPU of the bot processes per speaking guild at that load (% of one core). */
  cpuPerStreamPercent: number;
  /** PostgreSQL bytes (table + index + TOAST) per row. */
  bytesPerGuildSettings: number;
  bytesPerMemberVoice: number;
  bytesPerUsageDay: number;
  /** Rows written (inserted + updated) in PostgreSQL per text spoken. */
  writesPerText: number;
}

export interface SizingAssumptions {
  servers: number;
  /** Servers per shard (Discord recommends about 1,000; 2,500 is its hard limit). */
  serversPerShard: number;
  /** Share of the servers speaking at the same moment at the daily peak. */
  peakSpeakingShare: number;
  /** Texts per minute in a speaking server. */
  textsPerMinute: number;
  /** Run hosts at this share of the measured clean load (room for bursts and a shard restarting). */
  headroom: number;
  /** Share of servers that changed a setting (have a guild_settings row). */
  configuredShare: number;
  /** Members with a voice of their own per server. */
  memberVoicesPerServer: number;
  /** Share of servers that speak on a given day (one usage row per server and day). */
  dailyActiveShare: number;
  /** Days of usage kept (this month and the previous one). */
  usageDaysKept: number;
}

export const DEFAULT_ASSUMPTIONS: SizingAssumptions = {
  servers: 10_000,
  serversPerShard: 1_000,
  peakSpeakingShare: 0.03,
  textsPerMinute: 6,
  headroom: 0.7,
  configuredShare: 1,
  memberVoicesPerServer: 5,
  dailyActiveShare: 0.3,
  usageDaysKept: 62,
};

export interface Sizing {
  /** What Discord needs by server count alone. */
  discordShards: number;
  /** What the bot runs: every host runs processesPerHost shards, and no fewer than Discord needs. */
  shards: number;
  speakingAtPeak: number;
  guildsPerHost: number;
  hosts: number;
  /** One shard per process (discord.js's ShardingManager): a shard's speaking servers all live in its process. */
  processesPerHost: number;
  cores: number;
  pgRows: { guildSettings: number; memberVoices: number; usageDays: number };
  pgBytes: number;
  writesPerSecond: number;
  /** Each figure with its arithmetic, in order. */
  lines: string[];
}

const n = (x: number): string => Math.round(x).toLocaleString('en-US');
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

export function sizing(m: SizingMeasured, a: SizingAssumptions = DEFAULT_ASSUMPTIONS): Sizing {
  if (!(m.cleanGuildsPerHost > 0)) throw new Error('sizing needs a clean load above 0 guilds per host');
  const discordShards = Math.ceil(a.servers / a.serversPerShard);
  const speakingAtPeak = Math.ceil(a.servers * a.peakSpeakingShare);
  const guildsPerHost = Math.max(1, Math.floor(m.cleanGuildsPerHost * a.headroom));
  const hosts = Math.ceil(speakingAtPeak / guildsPerHost);
  // A shard cannot be split over hosts (its guilds' voice lives in its process): every host runs at least the
  // processes the measured host ran, and together at least the shards Discord needs. Discord spreads servers over
  // shards evenly by id, so the speaking ones spread with them.
  const spread = Math.ceil(discordShards / hosts);
  const processesPerHost = Math.max(m.processesPerHost, spread);
  const shards = hosts * processesPerHost;
  const guildSettings = Math.round(a.servers * a.configuredShare);
  const memberVoices = Math.round(a.servers * a.memberVoicesPerServer);
  const usageDays = Math.round(a.servers * a.dailyActiveShare * a.usageDaysKept);
  const settingsBytes = guildSettings * m.bytesPerGuildSettings;
  const voicesBytes = memberVoices * m.bytesPerMemberVoice;
  const usageBytes = usageDays * m.bytesPerUsageDay;
  const pgBytes = settingsBytes + voicesBytes + usageBytes;
  const writesPerSecond = (speakingAtPeak * a.textsPerMinute * m.writesPerText) / 60;
  const lines = [
    `shards Discord needs = ceil(${n(a.servers)} servers / ${n(a.serversPerShard)} per shard) = ${discordShards}`,
    `speaking at the peak = ${n(a.servers)} x ${a.peakSpeakingShare * 100} % = ${n(speakingAtPeak)} servers`,
    `per ${m.hostCores}-core host = floor(${n(m.cleanGuildsPerHost)} clean x ${a.headroom} headroom) = ${guildsPerHost} speaking servers`
      + ` (${((guildsPerHost * m.cpuPerStreamPercent) / 100).toFixed(2)} cores at ${m.cpuPerStreamPercent.toFixed(2)} % per stream)`,
    `hosts = ceil(${n(speakingAtPeak)} / ${guildsPerHost}) = ${hosts} (${hosts * m.hostCores} cores)`,
    `processes per host = max(${m.processesPerHost} as measured, ceil(${discordShards} / ${hosts}) = ${spread}) = ${processesPerHost}, one shard each;`
      + ` SHARD_COUNT = ${hosts} x ${processesPerHost} = ${shards}, SHARD_IDS ${processesPerHost === 1 ? '0, 1, ...' : `0-${processesPerHost - 1}, ${processesPerHost}-${2 * processesPerHost - 1}, ...`} per host`,
    `guild_settings = ${n(guildSettings)} rows x ${n(m.bytesPerGuildSettings)} B = ${mb(settingsBytes)}`,
    `member_voices = ${n(a.servers)} x ${a.memberVoicesPerServer} = ${n(memberVoices)} rows x ${n(m.bytesPerMemberVoice)} B = ${mb(voicesBytes)}`,
    `usage_days = ${n(a.servers)} x ${a.dailyActiveShare * 100} % x ${a.usageDaysKept} days = ${n(usageDays)} rows x ${n(m.bytesPerUsageDay)} B = ${mb(usageBytes)}`,
    `PostgreSQL total = ${mb(pgBytes)}`,
    `writes = ${n(speakingAtPeak)} x ${a.textsPerMinute} texts/min x ${m.writesPerText.toFixed(2)} rows/text / 60 = ${writesPerSecond.toFixed(1)} rows/s`,
  ];
  return {
    discordShards, shards, speakingAtPeak, guildsPerHost, hosts, processesPerHost, cores: hosts * m.hostCores,
    pgRows: { guildSettings, memberVoices, usageDays }, pgBytes, writesPerSecond, lines,
  };
}
