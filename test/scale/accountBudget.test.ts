/**
 * The owner's account-wide monthly cap (BUDGET_ACCOUNT_MONTHLY_CHARS), end to end through the fakes: with SQLite in
 * one process over two servers, and with two bots (two processes' worth: own Discord, own store) sharing one real
 * PostgreSQL. Speech stops on every server once the month's total over all of them reaches the cap (a text already
 * started is finished and counted), each server is told once, and /usage shows it.
 */
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { GUILD, startHarness, type Harness } from '../bot/harness.js';
import type { FakeDiscord } from '../fakes/discord/index.js';
import { startPgServer, type PgServer } from '../store/pgServer.js';

let server: PgServer | undefined;
afterAll(async () => {
  await server?.destroy();
});

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

const FIRST = 'This first text is forty characters, ok.';
const CAP = 30;
const SECOND_GUILD = { ...GUILD, name: 'Second Guild' };

function budgetNotices(discord: FakeDiscord): unknown[] {
  return discord.rest.calls
    .filter((c) => c.method === 'POST' && /\/channels\/\d+\/messages$/.test(c.path) && JSON.stringify(c.body).includes('over all servers'))
    .map((c) => c.body);
}

describe('the account-wide budget', () => {
  it('with SQLite: a second server stops once the first spent the month, is told once, and /usage shows the total', async () => {
    const h = await startHarness({ guilds: [GUILD, SECOND_GUILD], env: { BUDGET_ACCOUNT_MONTHLY_CHARS: String(CAP) } });
    harnesses.push(h);
    expect(FIRST.length).toBe(40);
    await h.run({ command: 'speak', options: { text: FIRST } });
    await h.minimax.waitFor(() => h.minimax.texts.length === 1);
    // The first text started under the cap: it is read whole and counted whole (the one text in flight).
    await h.discord.audio.waitForSilence({ quietMs: 300, timeoutMs: 10_000 });
    await expect.poll(() => h.bot.sessions.accountUsage()?.used).toBe(40);

    await h.run({ command: 'speak', guild: 'Second Guild', options: { text: 'Not to be read.' } });
    await expect.poll(() => budgetNotices(h.discord).length, { timeout: 8_000 }).toBe(1);
    const refused = await h.run({ command: 'speak', guild: 'Second Guild', options: { text: 'Again?' } });
    expect(refused.content).toMatch(/^Speech is paused on this server: .*over all servers.*\. See \/status\.$/);
    // The first server stops as well, and is told once.
    await h.run({ command: 'speak', options: { text: 'Nor this.' } });
    await expect.poll(() => budgetNotices(h.discord).length, { timeout: 8_000 }).toBe(2);
    const usage = await h.run({ command: 'usage', guild: 'Second Guild' });
    expect(usage.content).toContain("Whole bot this month (all servers, the owner's cap): 40 of 30 (0 left)");
    expect(h.minimax.texts).toStrictEqual([FIRST]);
  });

  it('with PostgreSQL: what one bot spends stops another bot sharing the database', async () => {
    server ??= await startPgServer();
    const url = await server.createDatabase();
    const env = { DATABASE_URL: url, BUDGET_ACCOUNT_MONTHLY_CHARS: String(CAP) };
    const one = await startHarness({ env });
    harnesses.push(one);
    const two = await startHarness({ guilds: [SECOND_GUILD], env });
    harnesses.push(two);

    await one.run({ command: 'speak', options: { text: FIRST } });
    await one.minimax.waitFor(() => one.minimax.texts.length === 1);
    await one.discord.audio.waitForSilence({ quietMs: 300, timeoutMs: 10_000 });
    // The other bot learns the total from the database.
    await expect.poll(() => two.bot.sessions.accountUsage()?.used, { timeout: 10_000 }).toBeGreaterThanOrEqual(40);
    await two.run({ command: 'speak', options: { text: 'Not to be read.' } });
    await expect.poll(() => budgetNotices(two.discord).length, { timeout: 8_000 }).toBe(1);
    expect(two.minimax.texts).toStrictEqual([]);
    const usage = await two.run({ command: 'usage' });
    expect(usage.content).toContain("Whole bot this month (all servers, the owner's cap): 40 of 30 (0 left)");

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ n: string }>('SELECT SUM(chars) AS n FROM usage_days');
    await client.end();
    expect(Number(rows[0]!.n)).toBe(40);
  });
});

