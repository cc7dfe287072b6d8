import { randomBytes } from 'node:crypto';

const DISCORD_EPOCH = 1_420_070_400_000n;

/** Makes Discord-shaped ids (time-ordered snowflakes) that are unique within one fake. */
export class SnowflakeFactory {
  #increment = 0n;

  next(): string {
    this.#increment = (this.#increment + 1n) & 0x3fffffn;
    return (((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | this.#increment).toString();
  }
}

/** An opaque random token (interaction tokens, voice server tokens, session ids). */
export function randomToken(bytes = 16): string {
  return randomBytes(bytes).toString('hex');
}

/** The shard a guild belongs to, by Discord's rule: (guild_id >> 22) % shard_count. */
export function guildShard(guildId: string, count: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(count));
}
