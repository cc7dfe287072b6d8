import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeDiscord, opt } from '../fakes/discord/index.js';
import { until } from '../faults/helpers.js';
import { FakeMiniMax } from '../fakes/minimax/FakeMiniMax.js';
import { DISCORD_TOKEN, GUILD, MINIMAX_KEY } from './harness.js';

const ENTRY = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

/** `npm start` without npm: the real entry point in a child process, in `cwd` (so no developer .env is read). */
function startParrot(cwd: string, env: Record<string, string>): { child: ChildProcess; stdout: string[]; stderr: string[] } {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), ENTRY], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', NODE_EXTRA_CA_CERTS: resolve(process.env['NODE_EXTRA_CA_CERTS'] ?? 'test/fakes/discord/cert/cert.pem'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout?.on('data', (b: Buffer) => stdout.push(b.toString()));
  child.stderr?.on('data', (b: Buffer) => stderr.push(b.toString()));
  return { child, stdout, stderr };
}

async function exited(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit', { signal: AbortSignal.timeout(timeoutMs) })) as [number | null];
  return code;
}

describe('the parrot process', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  it('reports a missing variable as one line on stderr and exits 1', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'parrot-process-'));
    cleanups.push(() => rm(cwd, { recursive: true, force: true }));
    const { child, stderr, stdout } = startParrot(cwd, { MINIMAX_API_KEY: MINIMAX_KEY });
    cleanups.push(() => Promise.resolve(void child.kill('SIGKILL')));
    expect(await exited(child, 20_000)).toBe(1);
    expect(stderr.join('')).toBe('parrot: DISCORD_TOKEN is not set: copy the bot token from the Discord developer portal into .env\n');
    expect(stdout.join('')).toBe('');
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('on %s stops reading, leaves the voice channel, closes the database and exits 0 within 10 s', async (signal) => {
    const discord = await FakeDiscord.start({ guilds: [GUILD], token: DISCORD_TOKEN });
    cleanups.push(() => discord.close());
    const minimax = new FakeMiniMax({ apiKey: MINIMAX_KEY });
    const { url } = await minimax.start();
    cleanups.push(() => minimax.close());
    const dataDir = await mkdtemp(join(tmpdir(), 'parrot-process-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const { child, stderr } = startParrot(dataDir, {
      DISCORD_TOKEN,
      MINIMAX_API_KEY: MINIMAX_KEY,
      DISCORD_API_URL: discord.restApi,
      MINIMAX_WS_URL: url,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'debug',
    });
    cleanups.push(() => Promise.resolve(void child.kill('SIGKILL')));
    await discord.waitForIdentify(20_000);
    await discord.rest.waitForCall((c) => c.path.endsWith('/commands'), 10_000);
    const joined = await discord.interaction({ command: 'join' }).reply({ timeoutMs: 10_000 });
    expect(joined.content).toContain('Joined');
    await discord.interaction({ command: 'autoread', subcommand: 'set', options: { channel: opt.channel('reading') } }).reply({ timeoutMs: 10_000 });
    discord.message({ channel: 'reading', author: 'alice', content: 'Read before the signal.' });
    await minimax.waitFor(() => minimax.texts.length === 1, 10_000);

    child.kill(signal);
    // Once it says it is stopping, it no longer reads: a message now is not spoken.
    await until(() => stderr.join('').includes('INFO  stopping'), 10_000, 'the stopping line');
    discord.message({ channel: 'reading', author: 'alice', content: 'Sent after the signal.' });
    // 0: it finished its shutdown ('stopped' below); the shutdown deadline's forced exit is 1.
    expect(await exited(child, 12_000)).toBe(0);
    expect(minimax.texts).toEqual(['alice said, Read before the signal.']);
    expect(discord.voiceRequests.at(-1)).toMatchObject({ channelId: null });
    // A clean close checkpoints and removes SQLite's write-ahead log.
    expect(existsSync(join(dataDir, 'parrot.sqlite'))).toBe(true);
    expect(existsSync(join(dataDir, 'parrot.sqlite-wal'))).toBe(false);
    const log = stderr.join('');
    expect(log).toContain(`signal received signal=${signal}`);
    expect(log).toContain('stopped');
    expect(log).not.toContain(DISCORD_TOKEN);
    expect(log).not.toContain(MINIMAX_KEY);
  });
});
