/**
 * A shard process killed mid-speech, end to end over real sockets (issue 17): `src/index.ts` as a program runs two
 * shard processes against the fake Discord and one real PostgreSQL. Two members queue texts in a guild of shard 1;
 * its process is killed with SIGKILL while reading; the supervisor respawns it, and the fake Discord receives
 * exactly one notice, in the channel the texts were read from, naming both members and their counts, with no
 * mention parsed; the guild's voice channel is rejoined, and shard 0's guild speaks all along. Again on one SQLite
 * file the shard processes share: the respawned process tells only its own guilds' cut texts.
 */
import { describe, expect, it } from 'vitest';
import { opt, type CommandSpec, type GuildSpec } from '../fakes/discord/index.js';
import { allShardsReady, fixedGuild, guildIdAt, shardPids, shardScope, sharedStores } from './helpers.js';

const scope = shardScope();

/** fixedGuild with a second member, bob, in the voice channel too. */
function guildOfTwo(n: number, name: string): GuildSpec {
  const spec = fixedGuild(n, name);
  return {
    ...spec,
    members: [...(spec.members ?? []), { id: `${spec.id}4`, username: 'bob' }],
    voiceStates: [...(spec.voiceStates ?? []), { user: 'bob', channel: 'Voice' }],
  };
}

const LONG = 'This long sentence is still being read when the process of shard one is killed in the middle of it, far from its end.';
const isNotice = (content: string) => content.includes('did not read');

/** Where the shard processes keep their state: one PostgreSQL, or one SQLite file on this host. */
const STORES = sharedStores(scope, 'parrot-cut-shards-');

describe.each(STORES)('a shard process killed mid-speech, on $name', ({ env: storeEnv }) => {
  it('is respawned, and its guild gets one notice naming whose queued texts were cut, in the channel they came from', async () => {
    const store = await storeEnv();
    const [g0, g1] = [guildIdAt(22), guildIdAt(25)];
    const discord = await scope.discord({ guilds: [fixedGuild(22, 'Zero'), guildOfTwo(25, 'One')] });
    const { url } = await scope.minimax();
    const parrot = scope.supervisor(discord, url, store);
    await allShardsReady(parrot, { timeout: 60_000, interval: 200 });

    const ask = async (g: string, command: string, options: Partial<CommandSpec> = {}) =>
      (await discord.interaction({ guild: g, command, ...options }).reply({ timeoutMs: 15_000 })).content;
    for (const g of [g0, g1]) expect(await ask(g, 'join')).toContain('Joined');
    await ask(g1, 'autoread', { subcommand: 'set', options: { channel: opt.channel(`${g1}2`) } });
    const [alice, bob] = [`${g1}1`, `${g1}4`];

    // Shard 0's guild speaks a long text throughout.
    await ask(g0, 'speak', { options: { text: 'Shard zero keeps speaking this long sentence while the process of shard one goes down, comes back again and tells what it cut.' } });
    discord.message({ guild: g1, channel: `${g1}2`, author: 'alice', content: LONG });
    await discord.audio.waitForAudio({ guildId: g1, minMs: 500, timeoutMs: 30_000 });
    discord.message({ guild: g1, channel: `${g1}2`, author: 'bob', content: 'one from bob' });
    discord.message({ guild: g1, channel: `${g1}2`, author: 'alice', content: 'another from alice' });
    discord.message({ guild: g1, channel: `${g1}2`, author: 'bob', content: 'and a second from bob' });
    await expect.poll(() => ask(g1, 'status'), { timeout: 15_000, interval: 200 }).toContain('**Queued:** 3');
    await discord.audio.waitForAudio({ guildId: g0, minMs: 300, timeoutMs: 30_000 });

    const pids = await shardPids(parrot.parent.pid!);
    const before = discord.gateway.sessions.filter((s) => s.shard?.[0] === 1).length;
    const killedAt = discord.now();
    process.kill(pids.get(1)!, 'SIGKILL');
    const notices = () => discord.botMessages.filter((m) => isNotice(m.content));
    await expect.poll(() => notices().length, { timeout: 60_000, interval: 200 }).toBe(1);
    const toldAt = discord.now();
    expect(discord.gateway.sessions.filter((s) => s.shard?.[0] === 1).length).toBeGreaterThan(before);
    const [notice] = notices();
    expect(notice).toMatchObject({ guildId: g1, channelId: `${g1}2` });
    expect(notice?.content).toBe(`Parrot restarted and did not read 4 queued messages: from <@${alice}> (2), <@${bob}> (2).`);
    expect(notice?.body).toMatchObject({ allowed_mentions: { parse: [] } });
    // Shard 0's guild was heard while shard 1 was down and coming back.
    expect(discord.audio.report({ guildId: g0, from: killedAt, to: toldAt }).voiceMs).toBeGreaterThan(0);

    // The respawned process rejoins the guild's channel; the notice stays the only one.
    const respawned = new Set(discord.gateway.sessions.filter((s) => s.shard?.[0] === 1).slice(before).map((s) => s.id));
    const rejoined = () => discord.gateway.received.some((r) =>
      r.op === 4 && r.sessionId !== undefined && respawned.has(r.sessionId) && (r.d as { guild_id?: string; channel_id?: string | null }).guild_id === g1);
    await expect.poll(rejoined, { timeout: 30_000, interval: 200 }).toBe(true);
    await expect.poll(() => ask(g1, 'status'), { timeout: 15_000, interval: 500 }).toContain('**Queued:** 0');
    expect(notices()).toHaveLength(1);
    expect(notices().filter((m) => m.guildId === g0)).toHaveLength(0);
  }, 150_000);
});
