/**
 * What a restart cut is told, end to end over the fakes on one SQLite DATA_DIR (issue 17): the texts still queued
 * or being read when the bot stopped (SIGTERM) or died (kill -9) are named in ONE notice per text channel at the
 * next start, whose author each was and how many, with no ping; they are not read again, and told only once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeDiscord, opt } from '../fakes/discord/index.js';
import { FakeMiniMax } from '../fakes/minimax/FakeMiniMax.js';
import { DISCORD_TOKEN, GUILD, MINIMAX_KEY, startHarness, type Harness } from './harness.js';

const LONG = 'This message is long enough that it is still being read when the bot goes down, several seconds of speech.';
const notices = (discord: FakeDiscord) => discord.botMessages.filter((m) => m.content.includes('did not read'));

describe('texts a restart cut', () => {
  let h: Harness | undefined;
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    await h?.close();
    h = undefined;
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  it('a stop (SIGTERM) drops the queue: the next start names, in one notice per channel, whose texts were not read, and only those', async () => {
    const x = (h = await startHarness());
    const g = x.discord.guild();
    const [alice, bob] = [g.member('alice').user.id, g.member('bob').user.id];
    await x.run({ command: 'autoread', subcommand: 'set', options: { channel: opt.channel('reading') } });
    await x.run({ command: 'join' });
    // Read in full before the stop: not told.
    const played = new Promise((r) => x.bot.sessions.once('played', r));
    x.discord.message({ channel: 'reading', author: 'bob', content: 'short one' });
    await played;

    x.discord.message({ channel: 'reading', author: 'alice', content: LONG });
    await x.discord.audio.waitForAudio({ minMs: 300, timeoutMs: 15_000 });
    x.discord.message({ channel: 'reading', author: 'bob', content: 'queued behind it' });
    x.discord.message({ channel: 'reading', author: 'alice', content: 'and me too' });
    const speak = await x.run({ command: 'speak', user: 'bob', channel: 'general', options: { text: 'a slash command text' } });
    expect(speak.content).toMatch(/queued|position/i);
    await expect.poll(() => x.bot.sessions.get(g.id)?.status().queued, { timeout: 10_000 }).toBe(3);
    const textsBefore = x.minimax.texts.length;
    expect(notices(x.discord)).toHaveLength(0);

    await x.restart();
    await x.bot.restored;
    const told = notices(x.discord);
    expect(told.map((m) => [m.channelId, m.content]).sort()).toStrictEqual(
      [
        [g.channel('reading').id, `Parrot restarted and did not read 3 queued messages: from <@${alice}> (2), <@${bob}> (1).`],
        [g.channel('general').id, `Parrot restarted and did not read 1 queued message: from <@${bob}> (1).`],
      ].sort(),
    );
    for (const m of told) expect(m.body).toMatchObject({ allowed_mentions: { parse: [] } });
    // Not read again after the restart.
    expect(x.minimax.texts.length).toBe(textsBefore);

    // Told once: a second restart finds nothing left.
    await x.restart();
    await x.bot.restored;
    expect(notices(x.discord)).toHaveLength(2);
  }, 60_000);

  it('a process killed with SIGKILL mid-speech: the next start tells the authors of what it was reading and had queued', async () => {
    const discord = await FakeDiscord.start({ guilds: [GUILD], token: DISCORD_TOKEN });
    cleanups.push(() => discord.close());
    const minimax = new FakeMiniMax({ apiKey: MINIMAX_KEY, msPerChar: 20, minAudioMs: 200 });
    const { url } = await minimax.start();
    cleanups.push(() => minimax.close());
    const dataDir = await mkdtemp(join(tmpdir(), 'parrot-cut-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const env = { DISCORD_TOKEN, MINIMAX_API_KEY: MINIMAX_KEY, DISCORD_API_URL: discord.restApi, MINIMAX_WS_URL: url, DATA_DIR: dataDir, LOG_LEVEL: 'info' };
    const g = discord.guild();
    const [alice, bob] = [g.member('alice').user.id, g.member('bob').user.id];

    const first = startParrot(env);
    cleanups.push(() => void first.kill('SIGKILL'));
    await discord.waitForIdentify(20_000);
    const ask = (spec: Parameters<FakeDiscord['interaction']>[0]) => discord.interaction(spec).reply({ timeoutMs: 15_000 });
    await ask({ command: 'autoread', subcommand: 'set', options: { channel: opt.channel('reading') } });
    expect((await ask({ command: 'join' })).content).toContain('Joined');
    discord.message({ channel: 'reading', author: 'alice', content: LONG });
    await discord.audio.waitForAudio({ minMs: 300, timeoutMs: 15_000 });
    discord.message({ channel: 'reading', author: 'bob', content: 'one from bob' });
    discord.message({ channel: 'reading', author: 'alice', content: 'another from alice' });
    discord.message({ channel: 'reading', author: 'bob', content: 'and a second from bob' });
    // All three are in line behind the one being read (the bot says so) when the process dies.
    await expect.poll(async () => (await ask({ command: 'status' })).content, { timeout: 10_000, interval: 200 }).toContain('**Queued:** 3');
    first.kill('SIGKILL');
    await once(first, 'exit');
    expect(notices(discord)).toHaveLength(0);

    const second = startParrot(env);
    cleanups.push(() => void second.kill('SIGKILL'));
    await expect.poll(() => notices(discord).length, { timeout: 30_000, interval: 100 }).toBe(1);
    const [notice] = notices(discord);
    expect(notice?.channelId).toBe(g.channel('reading').id);
    expect(notice?.content).toBe(`Parrot restarted and did not read 4 queued messages: from <@${alice}> (2), <@${bob}> (2).`);
    expect(notice?.body).toMatchObject({ allowed_mentions: { parse: [] } });
  }, 60_000);
});

const ENTRY = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

function startParrot(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', import.meta.resolve('tsx'), ENTRY], {
    env: { PATH: process.env['PATH'] ?? '', NODE_EXTRA_CA_CERTS: resolve(process.env['NODE_EXTRA_CA_CERTS'] ?? 'test/fakes/discord/cert/cert.pem'), ...env },
    stdio: 'ignore',
  });
}
