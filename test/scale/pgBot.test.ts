/**
 * The whole bot with DATABASE_URL on a real PostgreSQL server (started by the test), through the fake Discord and
 * MiniMax: what it counts lands in the server, the server stopped under it does not stop speech, /status says so,
 * the kept writes are made when it is back, and the database password never reaches a log line.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadBotConfig } from '../../src/config.js';
import { startBot, type RunningBot } from '../../src/index.js';
import { createLogger } from '../../src/log.js';
import { DISCORD_TOKEN, GUILD, MINIMAX_KEY } from '../bot/harness.js';
import { FakeDiscord } from '../fakes/discord/index.js';
import { FakeMiniMax } from '../fakes/minimax/FakeMiniMax.js';
import { until } from '../faults/helpers.js';
import { PG_PASSWORD, startPgServer, type PgServer } from '../store/pgServer.js';

let server: PgServer;
beforeAll(async () => {
  server = await startPgServer();
});
afterAll(async () => {
  await server.destroy();
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function usageOnServer(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('SELECT COALESCE(SUM(chars), 0) AS n FROM usage_days');
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}

describe('the bot on PostgreSQL', () => {
  it('counts usage in the server, keeps speaking while it is stopped, says so in /status, and writes what it kept', async () => {
    const databaseUrl = await server.createDatabase();
    const discord = await FakeDiscord.start({ guilds: [GUILD], token: DISCORD_TOKEN });
    cleanups.push(() => discord.close());
    const minimax = new FakeMiniMax({ apiKey: MINIMAX_KEY, msPerChar: 20, minAudioMs: 200 });
    const { url } = await minimax.start();
    cleanups.push(() => minimax.close());
    const config = loadBotConfig({
      DISCORD_TOKEN, MINIMAX_API_KEY: MINIMAX_KEY, DISCORD_API_URL: discord.restApi, MINIMAX_WS_URL: url, DATABASE_URL: databaseUrl,
    });
    const logs: string[] = [];
    // The logger is given only the Discord and MiniMax secrets: the password must stay out of every line by itself.
    const bot: RunningBot = await startBot(config, {
      logger: createLogger({ level: 'debug', secrets: [DISCORD_TOKEN, MINIMAX_KEY], write: (line) => logs.push(line) }),
      timings: { leaveEmptyAfterMs: 300, joinTimeoutMs: 5_000 },
      storeRetryMs: 200,
    });
    cleanups.push(() => bot.stop());
    const run = async (spec: Parameters<FakeDiscord['interaction']>[0]): Promise<string> =>
      (await discord.interaction(spec).reply({ timeoutMs: 8_000 })).content ?? '';

    expect(await run({ command: 'join' })).toContain('Joined');
    await run({ command: 'speak', options: { text: 'Counted in PostgreSQL.' } });
    await minimax.waitFor(() => minimax.texts.length === 1, 10_000, 'the first text');
    const first = minimax.texts[0]!.length;
    await expect.poll(() => usageOnServer(databaseUrl), { timeout: 10_000 }).toBe(first);

    await server.stop();
    try {
      await run({ command: 'speak', options: { text: 'The database is gone, and I still speak.' } });
      await minimax.waitFor(() => minimax.texts.length === 2, 10_000, 'the second text');
      await discord.audio.waitForAudio({ minMs: 1_000, timeoutMs: 20_000 });
      const second = minimax.texts[1]!.length;
      await until(() => bot.store.health?.().ok === false && bot.store.health().unsavedChars === second, 15_000, 'the outage seen');
      const status = await run({ command: 'status' });
      expect(status).toContain('**Database:** cannot be written');
      expect(status).toContain('the PostgreSQL server cannot be reached');
      expect(status).toContain('setting changes are kept and will be saved then');
      expect(status).toContain(`${second} characters of usage are kept`);
      expect(status).toContain(`**Characters today:** ${first + second}`);
    } finally {
      await server.start();
    }
    const billed = minimax.texts.reduce((n, t) => n + t.length, 0);
    await until(() => logs.some((l) => l.includes('the database works again')), 15_000, 'the recovery line');
    expect(await usageOnServer(databaseUrl)).toBe(billed);
    expect(await run({ command: 'status' })).not.toContain('**Database:**');
    await bot.stop();
    expect(await usageOnServer(databaseUrl)).toBe(billed);
    expect(logs.filter((l) => l.includes('the database cannot be reached'))).toHaveLength(1);
    const all = logs.join('\n');
    expect(all).not.toContain(PG_PASSWORD);
    expect(all).not.toContain(encodeURIComponent(PG_PASSWORD));
  });
});
