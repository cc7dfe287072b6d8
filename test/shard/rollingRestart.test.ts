/**
 * A rolling restart, end to end: `src/index.ts` run as a program supervising two shard processes against a fake
 * Discord that requires two shards, one real PostgreSQL and the fake MiniMax. SIGHUP to the supervisor restarts the
 * shard processes one at a time: while shard 0's process stops, comes back and restores its guild's session, shard
 * 1's guild goes on speaking without a break; then shard 1's turn, 5.5 s or more after shard 0's READY (Discord's
 * IDENTIFY spacing, no IDENTIFY refused), and afterwards every guild speaks again in its own channel.
 */
import { describe, expect, it } from 'vitest';
import { fixedGuild, guildIdAt, shardScope } from './helpers.js';

const scope = shardScope();

/** About 45 s of speech from the fake MiniMax (100 ms a character): it outlasts shard 0's restart. */
const LONG = 'Shard one keeps reading this long text aloud while the process of shard zero stops, starts again and rejoins its channel. '.repeat(4);

describe('rolling restart of the shard processes (SIGHUP)', () => {
  it('restarts one shard process at a time; the other guild is heard throughout, and every guild speaks afterwards', async () => {
    const databaseUrl = await scope.database();
    const [g0, g1] = [guildIdAt(22), guildIdAt(25)];
    const discord = await scope.discord({ guilds: [fixedGuild(22, 'Zero'), fixedGuild(25, 'One')] });
    const { url } = await scope.minimax({ msPerChar: 100, maxAudioMs: 60_000 });
    const parrot = scope.supervisor(discord, url, { DATABASE_URL: databaseUrl });
    const log = () => parrot.output.join('');
    /** The fake's clock when the supervisor first logged `line` (polled). */
    const when = async (line: RegExp, timeout = 60_000) => {
      await expect.poll(() => line.test(log()), { timeout, interval: 20 }).toBe(true);
      return discord.now();
    };
    await when(/all shards ready/);

    const say = async (g: string, text: string) => discord.interaction({ guild: g, command: 'speak', options: { text } }).reply({ timeoutMs: 15_000 });
    for (const g of [g0, g1]) expect((await discord.interaction({ guild: g, command: 'join' }).reply({ timeoutMs: 15_000 })).content).toContain('Joined');
    await say(g0, 'Shard zero speaks before the rolling restart.');
    await discord.audio.waitForAudio({ guildId: g0, minMs: 500, timeoutMs: 30_000 });
    const sessionsBefore = discord.gateway.sessions.length;

    await say(g1, LONG);
    await discord.audio.waitForAudio({ guildId: g1, minMs: 1_000, timeoutMs: 30_000 });
    const hupAt = discord.now();
    parrot.parent.kill('SIGHUP');
    const zeroVoice = () => discord.voice.connections.filter((c) => c.guildId === g0);
    const voiceBefore = zeroVoice().length;
    await when(/rolling restart: stopping shard process.*shard[=":]+0/);
    // Shard 1 is touched only once shard 0's new process is READY and has restored its guild's session: it rejoined
    // the channel recorded in the database by itself, and that voice connection is up.
    const oneStopsAt = await when(/rolling restart: stopping shard process.*shard[=":]+1/);
    expect(discord.gateway.sessions.slice(sessionsBefore).map((s) => s.shard?.[0])).toStrictEqual([0]);
    expect(zeroVoice().slice(voiceBefore).filter((c) => c.state === 'ready' && !c.ended && c.channelId === `${g0}3`)).toHaveLength(1);

    // While shard 0 was restarting, shard 1's guild was heard without a break: one burst, no silence, nothing lost.
    const heard = discord.audio.report({ guildId: g1, from: hupAt, to: oneStopsAt });
    expect(heard.bursts).toHaveLength(1);
    expect(heard.gaps.filter((g) => g.silenceFrames > 0 || g.lostPackets > 0)).toEqual([]);
    expect(heard.lastVoiceAt).toBeGreaterThan(oneStopsAt - 500);
    expect(heard.voiceMs).toBeGreaterThan(oneStopsAt - hupAt - 1_000);

    await when(/rolling restart done/, 90_000);
    // Each shard came back on a new gateway session; Discord turned no IDENTIFY away.
    expect(discord.gateway.live.map((s) => s.shard?.join('/')).sort()).toStrictEqual(['0/2', '1/2']);
    expect(discord.gateway.sessions.slice(sessionsBefore).map((s) => s.shard?.[0])).toStrictEqual([0, 1]);
    expect(discord.gateway.identifyRateLimited).toBe(0);
    expect(log()).not.toMatch(/shard process died/);

    // Every guild speaks again, each in its own channel.
    const from = discord.now();
    await say(g0, 'Shard zero speaks after the rolling restart.');
    await say(g1, 'Shard one speaks after the rolling restart.');
    for (const g of [g0, g1]) {
      await discord.audio.waitForAudio({ guildId: g, from, minMs: 500, timeoutMs: 30_000 });
      expect(new Set(discord.audio.select({ guildId: g }).map((f) => f.channelId))).toStrictEqual(new Set([`${g}3`]));
    }
  }, 240_000);
});
