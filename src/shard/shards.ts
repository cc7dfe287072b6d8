/**
 * Gateway sharding through discord.js's own ShardingManager: past one shard, `npm start` becomes a supervisor that
 * runs each shard of this host as its own process (the same entry file; discord.js hands it SHARDS/SHARD_COUNT)
 * and respawns one that dies. One shard: nothing changes, the bot runs in this process.
 */
import { ShardClientUtil, ShardingManager, type Client, type Shard } from 'discord.js';
import type { BotConfig, ShardConfig } from '../config.js';
import type { Logger } from '../log.js';

/** Discord's rule: one IDENTIFY per 5 s per max_concurrency bucket; discord.js's default spacing, counted from READY here. */
const SPAWN_DELAY_MS = 5_500;
/** How long a shard process gets to become ready, and to leave its voice channels on shutdown. */
const READY_TIMEOUT_MS = 60_000;
const EXIT_DEADLINE_MS = 12_000;

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

export interface Supervisor {
  manager: ShardingManager;
  /** Stops every shard process (each leaves its voice channels) and waits for them, within a deadline. */
  stop(): Promise<void>;
}

/** Spawns this host's shards of `count` as processes running `file`, respawned when one dies. */
export async function superviseShards(file: string, config: BotConfig, count: number, logger: Logger): Promise<Supervisor> {
  const ids = config.shards.ids ? [...config.shards.ids] : 'auto';
  const manager = new ShardingManager(file, {
    totalShards: count,
    shardList: ids,
    token: config.discordToken,
    mode: 'process',
    respawn: true,
    // The shard processes run the same way as this one (e.g. tsx's loader).
    execArgv: process.execArgv,
  });
  manager.on('shardCreate', (shard: Shard) => {
    logger.info('shard process started', { shard: shard.id, of: count });
    shard.on('death', (child) => {
      const code = 'exitCode' in child ? child.exitCode : null;
      logger.error('shard process died; starting it again', { shard: shard.id, code });
    });
  });
  // One at a time, the next SPAWN_DELAY_MS after the previous one is READY (so after its IDENTIFY). discord.js's
  // own spawn() sleeps the delay beside the spawn, from process start to process start: a shard that took longer to
  // start than the next one sent its IDENTIFY less than 5 s before it, and Discord turns that one away.
  const list = ids === 'auto' ? [...Array(count).keys()] : ids;
  for (const [i, id] of list.entries()) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, SPAWN_DELAY_MS));
    await manager.createShard(id).spawn(READY_TIMEOUT_MS);
  }
  logger.info('all shards ready', { shards: manager.shards.size, of: count });
  return {
    manager,
    async stop() {
      const exits = [...manager.shards.values()].map(async (shard) => {
        const child = shard.process;
        if (!child || child.exitCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        shard.kill();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, EXIT_DEADLINE_MS)))]);
        clearTimeout(timer);
      });
      await Promise.all(exits);
    },
  };
}
