/**
 * The whole bot over a real SQLite database that stops taking writes (another program holds its lock), end to end
 * through the fakes: speech goes on, the cause is logged once, /status says so, and the usage it could not write
 * is written exactly once when the lock goes. Also: voice errors reach the log with guild and cause.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createTranscoderFactory, type TranscoderFactory } from '../../src/audio/index.js';
import { loadBotConfig } from '../../src/config.js';
import { startBot, type BotDeps, type RunningBot } from '../../src/index.js';
import { createLogger } from '../../src/log.js';
import { SQLITE_FILENAME, openSqliteStore } from '../../src/store/SqliteStore.js';
import { DISCORD_TOKEN, GUILD, MINIMAX_KEY } from '../bot/harness.js';
import { FakeDiscord, opt } from '../fakes/discord/index.js';
import { FakeMiniMax } from '../fakes/minimax/FakeMiniMax.js';
import { until } from './helpers.js';

interface Bot {
  discord: FakeDiscord;
  minimax: FakeMiniMax;
  bot: RunningBot;
  dataDir: string;
  logs: string[];
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function start(deps: (dataDir: string) => BotDeps): Promise<Bot> {
  const discord = await FakeDiscord.start({ guilds: [GUILD], token: DISCORD_TOKEN });
  cleanups.push(() => discord.close());
  const minimax = new FakeMiniMax({ apiKey: MINIMAX_KEY, msPerChar: 20, minAudioMs: 200 });
  const { url } = await minimax.start();
  cleanups.push(() => minimax.close());
  const dataDir = await mkdtemp(join(tmpdir(), 'parrot-db-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const config = loadBotConfig({ DISCORD_TOKEN, MINIMAX_API_KEY: MINIMAX_KEY, DISCORD_API_URL: discord.restApi, MINIMAX_WS_URL: url, DATA_DIR: dataDir });
  const logs: string[] = [];
  const bot = await startBot(config, {
    logger: createLogger({ level: 'debug', secrets: [DISCORD_TOKEN, MINIMAX_KEY], write: (line) => logs.push(line) }),
    timings: { leaveEmptyAfterMs: 300, joinTimeoutMs: 5_000 },
    ...deps(dataDir),
  });
  cleanups.push(() => bot.stop());
  return { discord, minimax, bot, dataDir, logs };
}

async function run(b: Bot, spec: Parameters<FakeDiscord['interaction']>[0]): Promise<string> {
  return (await b.discord.interaction(spec).reply({ timeoutMs: 8_000 })).content ?? '';
}

describe('a database that cannot be written', () => {
  it('speech goes on, one log line per cause, /status says so, and the kept usage is written once when it works again', async () => {
    const b = await start((dataDir) => ({ store: openSqliteStore({ dataDir, busyTimeoutMs: 10 }), storeRetryMs: 100 }));
    const other = new Database(join(b.dataDir, SQLITE_FILENAME));
    cleanups.push(() => void other.close());
    const onDisk = (): number => (other.prepare('SELECT COALESCE(SUM(chars), 0) AS n FROM usage_days').get() as { n: number }).n;
    expect(await run(b, { command: 'join' })).toContain('Joined');

    other.exec('BEGIN EXCLUSIVE');
    const texts = ['The disk said no, but I still speak.', 'And this one is heard as well.', 'A third, for good measure.'];
    for (const text of texts) await run(b, { command: 'speak', options: { text } });
    await b.discord.audio.waitForAudio({ minMs: 1_500, timeoutMs: 20_000 });
    await b.minimax.waitFor(() => b.minimax.texts.length === 3, 10_000, 'all three texts');
    const billed = b.minimax.texts.reduce((n, t) => n + t.length, 0);
    await until(() => b.bot.store.health?.().unsavedChars === billed, 15_000, 'the usage of all three kept');
    expect(onDisk()).toBe(0);
    const faultLines = b.logs.filter((l) => l.includes('the database cannot be written'));
    expect(faultLines).toHaveLength(1);
    expect(faultLines[0]).toContain('cause=SQLITE_BUSY');
    const status = await run(b, { command: 'status' });
    expect(status).toContain('**Database:** cannot be written');
    expect(status).toContain('the database is locked by another program');
    expect(status).toContain(`${billed} characters of usage are kept`);
    // Budgets count the kept usage meanwhile.
    expect(status).toContain(`**Characters today:** ${billed}`);

    other.exec('COMMIT');
    await until(() => b.logs.some((l) => l.includes('the database works again')), 10_000, 'the recovery line');
    expect(onDisk()).toBe(billed);
    expect(await run(b, { command: 'status' })).not.toContain('**Database:**');
    await b.bot.stop();
    // Nothing counted twice, nothing left over at close.
    expect(onDisk()).toBe(billed);
    expect(b.logs.filter((l) => l.includes('the database cannot be written'))).toHaveLength(1);
    expect(b.logs.some((l) => l.includes('usage could not be written'))).toBe(false);
  });

  it('a change a member asks for tells them it was not saved and why', async () => {
    const b = await start((dataDir) => ({ store: openSqliteStore({ dataDir, busyTimeoutMs: 10 }) }));
    const other = new Database(join(b.dataDir, SQLITE_FILENAME));
    cleanups.push(() => void other.close());
    other.exec('BEGIN EXCLUSIVE');
    const reply = await run(b, { command: 'autoread', subcommand: 'set', options: { channel: opt.channel('reading'), max_length: 100 } });
    other.exec('COMMIT');
    expect(reply).toBe('The change could not be saved: the database is locked by another program. Nothing was changed; try again later.');
  });
});

/** The real transcoder, whose Opus stream breaks `afterMs` after its first packet. */
function breakingTranscoders(afterMs: number): TranscoderFactory {
  const inner = createTranscoderFactory();
  return {
    name: 'breaking',
    create() {
      const t = inner.create();
      let timer: NodeJS.Timeout | undefined;
      const opus = new Readable({
        objectMode: true,
        read: () => undefined,
        destroy: (error, cb) => {
          clearTimeout(timer);
          t.destroy();
          cb(error);
        },
      });
      t.opus.on('data', (p: Buffer) => {
        timer ??= setTimeout(() => opus.destroy(new Error('the Opus stream broke')), afterMs);
        if (!opus.destroyed) opus.push(p);
      });
      return { opus, write: (c) => t.write(c), end: () => t.end(), destroy: () => opus.destroy() };
    },
  };
}

describe('voice errors at the app edge', () => {
  it('an AudioPlayer error is logged with the guild and the cause', async () => {
    const b = await start(() => ({ transcoders: breakingTranscoders(600) }));
    expect(await run(b, { command: 'join' })).toContain('Joined');
    await run(b, { command: 'speak', options: { text: 'This message is long enough to still be playing when its stream breaks.' } });
    await until(() => b.logs.some((l) => l.includes('voice player error')), 10_000, 'the player error line');
    const line = b.logs.find((l) => l.includes('voice player error'));
    expect(line).toContain(`guild=${b.discord.guild().id}`);
    expect(line).toContain('the Opus stream broke');
  });
});

describe('voice connection errors at the app edge', () => {
  it('a malformed frame from the voice gateway is logged as a connection error with the guild, and the bot goes on', async () => {
    const b = await start(() => ({}));
    expect(await run(b, { command: 'join' })).toContain('Joined');
    const socket = b.discord.voice.connections.at(-1)?.socket;
    expect(socket).toBeDefined();
    socket?.send('{this is not json');
    await until(() => b.logs.some((l) => l.includes('voice connection error')), 10_000, 'the connection error line');
    expect(b.logs.find((l) => l.includes('voice connection error'))).toContain(`guild=${b.discord.guild().id} error=SyntaxError`);
    const from = performance.now();
    await run(b, { command: 'speak', options: { text: 'Still here after a garbled frame.' } });
    await b.discord.audio.waitForAudio({ from, minMs: 300, timeoutMs: 10_000 });
  });
});

describe('shutdown', () => {
  it('leaves every MiniMax socket closed and the store closed last; a write that comes later is logged, not thrown', async () => {
    const b = await start(() => ({}));
    expect(await run(b, { command: 'join' })).toContain('Joined');
    await run(b, { command: 'speak', options: { text: 'A long message that is still being read out when the bot is told to stop, so shutdown owes it.' } });
    await b.discord.audio.waitForAudio({ minMs: 300, timeoutMs: 10_000 });
    await b.bot.stop();
    expect(b.minimax.connections.length).toBeGreaterThan(0);
    expect(b.minimax.connections.every((c) => c.closed)).toBe(true);
    const stopped = b.logs.findIndex((l) => l.includes('INFO  stopped'));
    expect(stopped).toBeGreaterThan(-1);
    expect(b.logs.some((l) => l.includes('a write came after the database was closed'))).toBe(false);
    // A write that still comes late is not thrown, and not lost silently: it is logged with what it was.
    expect(() => b.bot.store.addUsage(b.discord.guild().id, 12, new Date())).not.toThrow();
    expect(b.logs.at(-1)).toContain(`a write came after the database was closed and was not made op=addUsage guild=${b.discord.guild().id} chars=12`);
  });
});
