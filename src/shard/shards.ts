/**
 * Gateway sharding: how many shards, and which guilds are this process's. Past one shard, `npm start` becomes a
 * supervisor (run.ts, supervisor.ts) that runs each shard of this host as its own process (the same entry file;
 * discord.js's ShardingManager hands it SHARDS/SHARD_COUNT). One shard: nothing changes, the bot runs in this process.
 */
import { ShardClientUtil, type Client } from 'discord.js';
import type { BotConfig, ShardConfig } from '../config.js';

export class ShardError extends Error {
  override readonly name = 'ShardError';
}

/** SHARD_COUNT, or Discord's recommendation (GET /gateway/bot) for 'auto', within a deadline. */
export async function resolveShardCount(config: Pick<BotConfig, 'discordToken' | 'discordApiUrl' | 'shards'>, timeoutMs = 10_000): Promise<number> {
  if (config.shards.count !== 'auto') return config.shards.count;
  const api = config.discordApiUrl ?? 'https://discord.com/api';
  let response: Response;
  try {
    response = await fetch(`${api}/v10/gateway/bot`, {
      headers: { authorization: `Bot ${config.discordToken}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new ShardError(`could not ask Discord for the shard count (GET /gateway/bot): ${(error as Error).message}; set SHARD_COUNT to a number`);
  }
  if (!response.ok) throw new ShardError(`Discord answered GET /gateway/bot with HTTP ${response.status}; check DISCORD_TOKEN, or set SHARD_COUNT`);
  const body = (await response.json()) as { shards?: unknown };
  if (typeof body.shards !== 'number' || !Number.isInteger(body.shards) || body.shards < 1) {
    throw new ShardError('Discord answered GET /gateway/bot without a shard count; set SHARD_COUNT');
  }
  return body.shards;
}

/** Whether this process runs as one of several shard processes (started by the supervisor below). */
export function isShardProcess(shards: ShardConfig): boolean {
  return shards.managed !== null;
}

/** Slash commands are registered once per bot: by the process that runs shard 0 (or the only process). */
export function registersCommands(shards: ShardConfig): boolean {
  return shards.managed === null || shards.managed.ids.includes(0);
}

/**
 * Whether the guild belongs to a shard this client runs (Discord: (id >> 22) % count). Another shard process's
 * guild is none of this process's business, e.g. its session recorded in a database the processes share.
 */
export function ownsGuild(client: Client, guildId: string): boolean {
  const count = client.options.shardCount ?? 1;
  const shards = client.options.shards;
  if (count <= 1 || !Array.isArray(shards) || !/^\d{1,20}$/.test(guildId)) return true;
  return shards.includes(ShardClientUtil.shardIdForGuildId(guildId, count));
}
