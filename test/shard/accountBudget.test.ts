/**
 * The account-wide budget across shard PROCESSES: `src/index.ts` run as a program (supervisor + two shard
 * processes) on one real PostgreSQL, BUDGET_ACCOUNT_MONTHLY_CHARS=100, a guild on each shard sent three texts of 27
 * characters at once. Each text reserves its characters in the database before it is sent, so the fake MiniMax
 * receives exactly three (81: a fourth would make 108), every server that had a text refused is told once, and
 * /usage on either shard shows the account's month.
 */
import { describe, expect, it } from 'vitest';
import { sql } from '../store/pgServer.js';
import { allShardsReady, fixedGuild, guildIdAt, shardScope } from './helpers.js';

const scope = shardScope();

describe('the account-wide budget over shard processes', () => {
  it('lets through exactly what fits in the cap, over both processes, and tells each stopped server once', { timeout: 150_000 }, async () => {
    const databaseUrl = await scope.database();
    const [g0, g1] = [guildIdAt(22), guildIdAt(25)];
    const discord = await scope.discord({ guilds: [fixedGuild(22, 'Zero'), fixedGuild(25, 'One')] });
    const { minimax, url } = await scope.minimax();
    const parrot = scope.supervisor(discord, url, { DATABASE_URL: databaseUrl, BUDGET_ACCOUNT_MONTHLY_CHARS: '100' });
    await allShardsReady(parrot, { timeout: 60_000 });

    const run = async (guild: string, command: string, options?: Record<string, string>) =>
      (await discord.interaction({ guild, command, ...(options ? { options } : {}) }).reply({ timeoutMs: 15_000 })).content ?? '';
    for (const g of [g0, g1]) expect(await run(g, 'join')).toContain('Joined');
    const texts = (g: string) => [1, 2, 3].map((i) => `${g === g0 ? 'Zero' : 'One!'}, text ${i}, read it now!!`);
    expect([...texts(g0), ...texts(g1)].every((t) => t.length === 27)).toBe(true);
    await Promise.all([g0, g1].flatMap((g) => texts(g).map((text) => run(g, 'speak', { text }))));

    await expect.poll(() => minimax.texts.length, { timeout: 30_000 }).toBe(3);
    for (const g of [g0, g1]) await discord.audio.waitForSilence({ guildId: g, quietMs: 800, timeoutMs: 30_000 });
    expect(minimax.texts).toHaveLength(3);
    const notices = (g: string) =>
      discord.rest.calls.filter((c) => c.method === 'POST' && c.path.includes(`/channels/${g}`) && JSON.stringify(c.body).includes('over all servers')).length;
    for (const g of [g0, g1]) {
      const sent = minimax.texts.filter((t) => texts(g).includes(t)).length;
      expect(notices(g)).toBe(sent < 3 ? 1 : 0);
    }
    for (const g of [g0, g1]) expect(await run(g, 'usage')).toContain("Whole bot this month (all servers, the owner's cap): 81 of 100 (19 left)");
    const rows = await sql<{ used: string; reserved: string }>(databaseUrl, 'SELECT used, reserved FROM account_months');
    expect(rows.map((r) => [Number(r.used), Number(r.reserved)])).toStrictEqual([[81, 0]]);
  });
});
