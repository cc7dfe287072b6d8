/**
 * The offer to delete a cloned voice over shard PROCESSES on one real PostgreSQL: bob's clone belongs to a server
 * on shard 1; he leaves, shard 1 sends him the direct message, and his press arrives at shard 0 (Discord sends what
 * belongs to no server to shard 0 only), whose memory holds none of shard 1's rows. The press must still refuse
 * anyone else, and bob's must delete that clone at MiniMax and in the database. Shard 1, which still holds it in
 * memory, forgets it with one notice the next time MiniMax says it is gone.
 */
import { describe, expect, it } from 'vitest';
import { FakeCdn } from '../bot/cdn.js';
import { buttonsOf } from '../bot/harness.js';
import { opt, type FakeDiscord, type GuildSpec } from '../fakes/discord/index.js';
import { sql } from '../store/pgServer.js';
import { makeWav } from '../t2a/wav.js';
import { allShardsReady, fixedGuild, guildIdAt, shardScope } from './helpers.js';

const scope = shardScope();

const ONE: GuildSpec = {
  id: guildIdAt(25), name: 'One', owner: 'alice',
  channels: [{ name: 'general' }, { name: 'Voice', type: 'voice' }],
  members: [{ username: 'alice' }, { username: 'bob' }],
  voiceStates: [{ user: 'alice', channel: 'Voice' }, { user: 'bob', channel: 'Voice' }],
};

describe('the offer to delete a cloned voice over shard processes', () => {
  it("a press in the DM (at shard 0) deletes the clone of shard 1's server; nobody else's press does", { timeout: 150_000 }, async () => {
    const databaseUrl = await scope.database();
    const g1 = guildIdAt(25); // shard 1 of 2
    const discord = await scope.discord({ guilds: [fixedGuild(22, 'Zero'), ONE] });
    const { minimax, url } = await scope.minimax();
    const cdn = await new FakeCdn().start();
    scope.defer(() => cdn.close());
    const parrot = scope.supervisor(discord, url, { DATABASE_URL: databaseUrl, VOICE_CLONING: 'on' });
    await allShardsReady(parrot, { timeout: 60_000 });

    const run = async (user: string, command: string, subcommand?: string, options?: Record<string, unknown>) =>
      discord.interaction({ guild: g1, user, command, ...(subcommand ? { subcommand } : {}), ...(options ? { options } : {}) } as Parameters<FakeDiscord['interaction']>[0])
        .reply({ timeoutMs: 15_000, match: (r) => r.content !== '' });
    const press = (user: string, customId: string) =>
      discord.button({ guild: g1, customId, user, message: { id: discord.ids.next(), content: 'offer', flags: 64 } })
        .reply({ timeoutMs: 15_000, match: (r) => r.content !== '' });
    const pressInDm = (user: string, customId: string) =>
      discord.dmButton({ customId, user, message: { id: discord.ids.next(), content: 'offer' } }).reply({ timeoutMs: 15_000, match: (r) => r.content !== '' });

    expect((await run('alice', 'voice', 'cloning', { setting: 'allow' })).content).toContain('may now clone');
    const question = await run('bob', 'myvoice', 'clone', { sample: opt.attachment(cdn.attach('me.wav', makeWav(12), 'audio/wav')) });
    expect((await press('bob', buttonsOf(question)[0]!.custom_id)).content).toContain('Your own voice is ready');
    const cloneId = [...minimax.studio.voices.keys()][0]!;
    await expect.poll(() => sql(databaseUrl, 'SELECT voice_id FROM owned_voices'), { timeout: 10_000 }).toStrictEqual([{ voice_id: cloneId }]);

    const bobId = discord.guild(g1).member('bob').user.id;
    discord.memberLeave('bob', { guild: g1 });
    await expect.poll(() => discord.dms.sent.length, { timeout: 15_000 }).toBe(1);
    const [drop, keep] = discord.dms.sent[0]!.buttons;
    expect([drop?.label, keep?.label]).toStrictEqual(['Also delete my cloned voice at MiniMax', 'Keep it']);
    expect((await pressInDm('bob', keep!.customId)).content).toContain('Kept: your cloned voice stays. MiniMax deletes it if unused for 7 days');

    const stranger = await pressInDm('alice', drop!.customId);
    expect(stranger.content).toContain('Only the member whose voice this is');
    const done = await pressInDm('bob', drop!.customId);
    expect(done.content).toBe('Your cloned voice is deleted at MiniMax and forgotten here.');
    const deletes = minimax.studio.requests.filter((r) => r.path === '/v1/delete_voice').map((r) => r.body);
    expect(deletes).toStrictEqual([{ voice_type: 'voice_cloning', voice_id: cloneId }]);
    expect(minimax.studio.voices.has(cloneId)).toBe(false);
    // Both presses reached shard 0 only: the line is in shard 0's log, never shard 1's (they share the output).
    expect(parrot.output.join('').match(/a member asked to delete their cloned voice/g)).toHaveLength(1);
    await expect.poll(() => sql(databaseUrl, 'SELECT voice_id FROM owned_voices'), { timeout: 10_000 }).toStrictEqual([]);
    await expect.poll(async () => (await sql<{ data: string }>(databaseUrl, 'SELECT data FROM member_voices')).map((r) => r.data).join(), { timeout: 10_000 })
      .not.toContain(cloneId);
    expect((await pressInDm('bob', drop!.customId)).content).toContain('already deleted');

    // bob comes back: shard 1 still held the clone as his voice; MiniMax says it is gone, and it falls back with one notice.
    discord.guild(g1).addMember({ id: bobId, username: 'bob' }, discord.ids);
    expect((await run('alice', 'join')).content).toContain('Joined');
    discord.voiceState({ guild: g1, user: 'bob', channel: 'Voice' });
    await run('bob', 'speak', undefined, { text: 'Back again.' });
    await expect.poll(() => discord.botMessages.filter((m) => m.content.includes('cloned voice') && m.content.includes('no longer exists')).length, { timeout: 15_000 }).toBe(1);
  });
});
