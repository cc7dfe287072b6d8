/**
 * Parrot as a sharded bot, end to end: `src/index.ts` run as a program against a fake Discord that requires two
 * shards, one real PostgreSQL and the fake MiniMax. The supervisor follows /gateway/bot, runs each shard as its own
 * process (discord.js's ShardingManager), registers the slash commands once; a guild on each shard speaks and is
 * heard in its own channel; a shard process killed mid-speech is respawned and rejoins its guild's channel from
 * the session recorded in the database, and speaks again. Once on PostgreSQL, once on a SQLite file the processes
 * share on one host.
 */
import { describe, expect, it } from 'vitest';
import { allShardsReady, fixedGuild, guildIdAt, shardPids, shardScope, sharedStores } from './helpers.js';

const scope = shardScope();

/** Where the shard processes keep their state: one PostgreSQL, or one SQLite file on this host. */
const STORES = sharedStores(scope, 'parrot-shards-');

describe.each(STORES)('sharded Parrot on $name', ({ env: storeEnv }) => {
  it('runs two shard processes on one database, each guild heard in its own channel, and a killed shard comes back', async () => {
    const store = await storeEnv();
    const [g0, g1] = [guildIdAt(22), guildIdAt(25)];
    const discord = await scope.discord({ guilds: [fixedGuild(22, 'Zero'), fixedGuild(25, 'One')] });
    const { url } = await scope.minimax();

    const parrot = scope.supervisor(discord, url, store);
    const { parent, output } = parrot;

    const shardsOf = () => discord.gateway.live.map((s) => s.shard?.join('/')).sort();
    await expect.poll(shardsOf, { timeout: 40_000, interval: 200 }).toStrictEqual(['0/2', '1/2']);
    await allShardsReady(parrot, { timeout: 40_000 });
    // The supervisor spaced the IDENTIFYs as Discord's max_concurrency asks: none was refused.
    expect(discord.gateway.identifyRateLimited).toBe(0);
    const registrations = () => discord.rest.calls.filter((c) => c.method === 'PUT' && /\/applications\/\d+\/commands$/.test(c.path)).length;
    await expect.poll(registrations, { timeout: 10_000 }).toBe(1);

    const say = async (g: string, text: string) => discord.interaction({ guild: g, command: 'speak', options: { text } }).reply({ timeoutMs: 15_000 });
    for (const g of [g0, g1]) expect((await discord.interaction({ guild: g, command: 'join' }).reply({ timeoutMs: 15_000 })).content).toContain('Joined');
    await say(g0, 'Shard zero speaks this sentence in its own channel, whole.');
    await say(g1, 'Shard one speaks this other sentence in its own channel.');
    await discord.audio.waitForAudio({ guildId: g0, minMs: 1_000, timeoutMs: 30_000 });
    await discord.audio.waitForAudio({ guildId: g1, minMs: 1_000, timeoutMs: 30_000 });
    // Each guild's audio went to its own channel only.
    for (const g of [g0, g1]) {
      const channels = new Set(discord.audio.select({ guildId: g }).map((f) => f.channelId));
      expect(channels.size).toBe(1);
    }

    // Shard 1's process dies mid-speech: the supervisor respawns it, and it rejoins from the database.
    const before = discord.gateway.sessions.filter((s) => s.shard?.[0] === 1).length;
    await say(g1, 'This long sentence is cut when the process of shard one is killed in the middle of it.');
    await discord.audio.waitForAudio({ guildId: g1, minMs: 1_500, timeoutMs: 30_000 });
    // Meanwhile shard 0's guild speaks a long text: one shard process going down must not touch it.
    await say(g0, 'Shard zero keeps speaking this long sentence while the process of shard one goes down and comes back again.');
    await discord.audio.waitForAudio({ guildId: g0, from: discord.now(), minMs: 300, timeoutMs: 30_000 });
    const pids = await shardPids(parent.pid!);
    expect([...pids.keys()].sort()).toStrictEqual([0, 1]);
    const killedAt = discord.now();
    process.kill(pids.get(1)!, 'SIGKILL');
    await expect.poll(() => discord.gateway.sessions.filter((s) => s.shard?.[0] === 1 && !s.ended).length > 0 &&
      discord.gateway.sessions.filter((s) => s.shard?.[0] === 1).length > before, { timeout: 40_000, interval: 200 }).toBe(true);
    await expect.poll(() => output.join('').includes('shard process died'), { timeout: 10_000 }).toBe(true);
    const backAt = discord.now();
    // Shard 0's guild was heard while shard 1 was down.
    expect(discord.audio.report({ guildId: g0, from: killedAt, to: backAt }).voiceMs).toBeGreaterThan(0);
    // The respawned shard rejoins, by itself, the voice channel recorded in PostgreSQL (a voice state update from
    // its new gateway session, before anyone asks), and speaks again.
    const respawned = new Set(discord.gateway.sessions.filter((s) => s.shard?.[0] === 1).slice(before).map((s) => s.id));
    const rejoined = () => discord.gateway.received.some((r) =>
      r.op === 4 && r.sessionId !== undefined && respawned.has(r.sessionId) &&
      (r.d as { guild_id?: string; channel_id?: string | null }).guild_id === g1 && (r.d as { channel_id?: string | null }).channel_id);
    await expect.poll(rejoined, { timeout: 30_000, interval: 200 }).toBe(true);
    const connections = () => new Set(discord.audio.select({ guildId: g1 }).map((f) => f.connectionId)).size;
    const heardBefore = connections();
    await say(g1, 'Back after the respawn, in the same channel.');
    await expect.poll(connections, { timeout: 30_000 }).toBeGreaterThan(heardBefore);
    // Registered once, by shard 0's process, though both shards (and the respawned one) became ready.
    expect(registrations()).toBe(1);
    expect(output.join('').match(/slash commands (registered|already up to date)/g)).toHaveLength(1);
    // Shard 0 was not disturbed: one voice connection all along.
    expect(new Set(discord.audio.select({ guildId: g0 }).map((f) => f.connectionId)).size).toBe(1);
  }, 90_000);
});
