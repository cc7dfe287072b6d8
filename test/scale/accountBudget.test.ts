/**
 * The owner's account-wide monthly cap (BUDGET_ACCOUNT_MONTHLY_CHARS), end to end through the fakes: with SQLite in
 * one process over two servers, and with two bots (two processes' worth: own Discord, own MiniMax, own store)
 * sharing one real PostgreSQL. Each text reserves its characters in the database before it is sent, so what the fake
 * MiniMax servers received never passes the cap; speech stops on every server that meets it, each is told once
 * (also when the pause runs out and the next text is refused again), and /usage shows the account's figures.
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
const CAP = 60;
const SECOND_GUILD = { ...GUILD, name: 'Second Guild' };
/** The refused texts' pauses run out fast, so a later text asks the database again. */
const timings = { accountPauseMs: 300, accountAwayPauseMs: 300 };

function budgetNotices(discord: FakeDiscord): unknown[] {
  return discord.rest.calls
    .filter((c) => c.method === 'POST' && /\/channels\/\d+\/messages$/.test(c.path) && JSON.stringify(c.body).includes('over all servers'))
    .map((c) => c.body);
}

const total = (texts: readonly string[]): number => texts.reduce((sum, t) => sum + t.length, 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the account-wide budget', () => {
  it('with SQLite: a text that would pass the cap is never sent, each server is told once, and /usage shows the month', async () => {
    const h = await startHarness({ guilds: [GUILD, SECOND_GUILD], env: { BUDGET_ACCOUNT_MONTHLY_CHARS: String(CAP) }, timings });
    harnesses.push(h);
    // The notices as the bot sends them (in order with its reports; the fake Discord hears them a moment later).
    const notices: string[] = [];
    h.bot.sessions.on('notice', (guildId, _channel, message) => void (message.includes('over all servers') && notices.push(guildId)));
    expect(FIRST.length).toBe(40);
    await h.run({ command: 'speak', options: { text: FIRST } });
    await h.minimax.waitFor(() => h.minimax.texts.length === 1);
    await h.discord.audio.waitForSilence({ quietMs: 300, timeoutMs: 10_000 });
    await expect.poll(async () => (await h.bot.sessions.accountUsage())?.used).toBe(40);

    // 40 + 27 > 60: refused before it reaches MiniMax.
    await h.run({ command: 'speak', guild: 'Second Guild', options: { text: 'Not to be read, it is long.' } });
    await expect.poll(() => budgetNotices(h.discord).length, { timeout: 8_000 }).toBe(1);
    const refused = await h.run({ command: 'speak', guild: 'Second Guild', options: { text: 'Again?' } });
    expect(refused.content).toMatch(/^Speech is paused on this server: .*over all servers.*\. See \/status\.$/);
    // The pause ran out and the next text is refused again: no second notice for the same stop.
    await sleep(400);
    const reported = new Promise<string>((resolve) => h.bot.sessions.once('report', (_guild, report) => resolve(`${report.kind}: ${report.reason}`)));
    await h.run({ command: 'speak', guild: 'Second Guild', options: { text: 'And once more, too long.' } });
    expect(await reported).toMatch(/^paused: the bot's character budget for this month, over all servers, has too little left for this text \(40\/60\)/);
    expect(notices).toHaveLength(1);
    // The first server stops as well, and is told once.
    await h.run({ command: 'speak', options: { text: 'Nor this one, also too long.' } });
    await expect.poll(() => budgetNotices(h.discord).length, { timeout: 8_000 }).toBe(2);
    // A short text still fits: 40 + 12 <= 60.
    await sleep(400);
    await h.run({ command: 'speak', options: { text: 'Short words.' } });
    await h.minimax.waitFor(() => h.minimax.texts.length === 2);
    await h.discord.audio.waitForSilence({ quietMs: 300, timeoutMs: 10_000 });
    const usage = await h.run({ command: 'usage', guild: 'Second Guild' });
    expect(usage.content).toContain("Whole bot this month (all servers, the owner's cap): 52 of 60 (8 left)");
    expect(h.minimax.texts).toStrictEqual([FIRST, 'Short words.']);
    expect(budgetNotices(h.discord)).toHaveLength(2);
    expect(new Set(notices).size).toBe(2);
    expect(notices).toHaveLength(2);
  });

  it('with PostgreSQL: two bots sharing the database, speaking at once, never send more than the cap together', async () => {
    server ??= await startPgServer();
    const url = await server.createDatabase();
    const env = { DATABASE_URL: url, BUDGET_ACCOUNT_MONTHLY_CHARS: '100' };
    const one = await startHarness({ env, timings });
    harnesses.push(one);
    const two = await startHarness({ guilds: [SECOND_GUILD], env, timings });
    harnesses.push(two);

    // Six texts of 27 characters, three per bot, all at once: three fit in 100 (81), not four (108).
    const texts = [1, 2, 3].map((i) => `One, text ${i}, read it aloud.`);
    expect(texts.every((t) => t.length === 27)).toBe(true);
    await Promise.all([
      ...texts.map((text) => one.run({ command: 'speak', options: { text } })),
      ...texts.map((text) => two.run({ command: 'speak', options: { text: text.replace('One', 'Two') } })),
    ]);
    await sleep(1_000);
    await Promise.all([one, two].map((h) => h.discord.audio.waitForSilence({ quietMs: 500, timeoutMs: 20_000 })));
    const sent = [...one.minimax.texts, ...two.minimax.texts];
    expect(total(sent)).toBeLessThanOrEqual(100);
    expect(sent.length).toBe(3);
    // Every server that met the cap (a text of its own refused) was told once.
    for (const h of [one, two]) expect(budgetNotices(h.discord)).toHaveLength(h.minimax.texts.length < 3 ? 1 : 0);

    // The month counts exactly what the fake MiniMax servers received, in the ledger and in the guilds' usage.
    const usage = await two.run({ command: 'usage' });
    expect(usage.content).toContain(`Whole bot this month (all servers, the owner's cap): 81 of 100 (19 left)`);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await expect.poll(async () => Number((await client.query<{ n: string }>('SELECT SUM(chars) AS n FROM usage_days')).rows[0]!.n)).toBe(81);
      const { rows } = await client.query<{ used: string; reserved: string }>('SELECT used, reserved FROM account_months');
      expect(rows.map((r) => [Number(r.used), Number(r.reserved)])).toStrictEqual([[81, 0]]);
    } finally {
      await client.end();
    }
  });

  it('with PostgreSQL away: texts are refused (never sent unbudgeted), each server told once, and speech resumes when it is back', async () => {
    server ??= await startPgServer();
    const url = await server.createDatabase();
    const h = await startHarness({ env: { DATABASE_URL: url, BUDGET_ACCOUNT_MONTHLY_CHARS: '1000' }, timings });
    harnesses.push(h);
    const notices: string[] = [];
    h.bot.sessions.on('notice', (_guild, _channel, message) => void notices.push(message));
    await h.run({ command: 'speak', options: { text: 'Before the outage.' } });
    await h.minimax.waitFor(() => h.minimax.texts.length === 1);
    await h.discord.audio.waitForSilence({ quietMs: 300, timeoutMs: 10_000 });

    await server.stop();
    try {
      for (const text of ['During the outage.', 'Still during it.']) {
        const reported = new Promise<string>((resolve) => h.bot.sessions.once('report', (_guild, report) => resolve(report.kind)));
        await h.run({ command: 'speak', options: { text } });
        expect(await reported).toBe('paused');
        await sleep(400);
      }
      expect(notices).toStrictEqual([
        "Speech is paused: the bot's character budget over all servers cannot be checked because its database cannot be reached; speech resumes when it can.",
      ]);
      expect(h.minimax.texts).toStrictEqual(['Before the outage.']);
    } finally {
      await server.start();
    }
    await expect
      .poll(async () => {
        await h.run({ command: 'speak', options: { text: 'After the outage.' } });
        return h.minimax.texts.includes('After the outage.');
      }, { timeout: 20_000, interval: 500 })
      .toBe(true);
  });
});
