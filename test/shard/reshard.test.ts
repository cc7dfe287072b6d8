/**
 * Resharding: Parrot run on two shards (two processes) on a real PostgreSQL, stopped, then started again when
 * Discord asks for three. Nothing is lost: each guild's dictionary, usage and active session are found by the
 * process of the shard that now owns it, which rejoins the guild's voice channel by itself and speaks.
 */
import { describe, expect, it } from 'vitest';
import { guildShard } from '../fakes/discord/snowflakes.js';
import { allShardsReady, fixedGuild, guildIdAt, shardScope } from './helpers.js';

const scope = shardScope();

describe('resharding from 2 to 3 shards', () => {
  it('loses no dictionary entry, usage or active session, and every guild speaks again', async () => {
    const databaseUrl = await scope.database();
    const guilds = [fixedGuild(22, 'A'), fixedGuild(23, 'B')];
    const [a, b] = [guildIdAt(22), guildIdAt(23)];
    // On two shards A and B are on different ones; on three they move to shards 1 and 2.
    expect([guildShard(a, 2), guildShard(b, 2), guildShard(a, 3), guildShard(b, 3)]).toStrictEqual([0, 1, 1, 2]);
    const { minimax, url } = await scope.minimax();
    const bot = { id: '900000000000000001', username: 'Parrot' };

    const phase = async (count: number) => {
      const discord = await scope.discord({ bot, sharding: { count, required: true }, guilds });
      const parrot = scope.supervisor(discord, url, { DATABASE_URL: databaseUrl });
      await allShardsReady(parrot, { timeout: 60_000, interval: 200 });
      expect(discord.gateway.live.map((s) => s.shard?.join('/')).sort()).toStrictEqual(Array.from({ length: count }, (_, i) => `${i}/${count}`));
      const ask = async (guild: string, spec: { command: string; subcommand?: string; options?: Record<string, string> }) =>
        (await discord.interaction({ guild, ...spec }).reply({ timeoutMs: 15_000 })).content ?? '';
      return { discord, parrot, ask };
    };

    const two = await phase(2);
    for (const [g, word] of [[a, 'brb'], [b, 'afk']] as const) {
      expect(await two.ask(g, { command: 'dictionary', subcommand: 'add', options: { from: word, to: `${word} said` } })).not.toMatch(/could not|error/i);
      expect(await two.ask(g, { command: 'join' })).toContain('Joined');
      await two.ask(g, { command: 'speak', options: { text: `Guild ${g === a ? 'A' : 'B'} speaks before the resharding.` } });
    }
    await minimax.waitFor(() => minimax.texts.length === 2, 15_000, 'both texts');
    await two.discord.audio.waitForAudio({ guildId: a, minMs: 500, timeoutMs: 30_000 });
    await two.discord.audio.waitForAudio({ guildId: b, minMs: 500, timeoutMs: 30_000 });
    await two.discord.audio.waitForSilence({ quietMs: 500, timeoutMs: 30_000 });
    const billed = new Map([a, b].map((g) => [g, minimax.texts.find((t) => t.includes(g === a ? 'Guild A' : 'Guild B'))!.length]));
    // Stopped as an operator does (SIGTERM): the sessions stay recorded for the next start.
    await two.parrot.stop();

    const three = await phase(3);
    for (const g of [a, b]) {
      // The owning shard's process rejoined the guild's voice channel by itself.
      const owner = three.discord.gateway.live.find((s) => s.shard?.[0] === guildShard(g, 3))!;
      await expect.poll(() => three.discord.gateway.received.some((r) =>
        r.op === 4 && r.sessionId === owner.id && (r.d as { guild_id?: string }).guild_id === g && (r.d as { channel_id?: string | null }).channel_id === `${g}3`),
      { timeout: 30_000, interval: 200 }).toBe(true);
      expect(await three.ask(g, { command: 'dictionary', subcommand: 'list' })).toContain(g === a ? 'brb' : 'afk');
      expect(await three.ask(g, { command: 'usage' })).toContain(`This month: ${billed.get(g)} (no cap)`);
      await three.ask(g, { command: 'speak', options: { text: 'Speaking again on three shards.' } });
      await three.discord.audio.waitForAudio({ guildId: g, minMs: 300, timeoutMs: 30_000 });
    }
    // Five shard processes start one after another, each 5.5 s after the previous one's READY (Discord's IDENTIFY rule).
  }, 150_000);
});
