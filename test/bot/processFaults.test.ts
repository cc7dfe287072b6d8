/**
 * The real entry point in a child process against the fakes, with bugs injected from outside the bot's own code
 * (fixtures/faultOnSignal.ts): an uncaught exception leaves the voice channel and exits non-zero, and the next
 * start rejoins; an unhandled rejection is logged and the bot goes on. Each cause is one redacted log line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../fakes/discord/index.js';
import { until } from '../faults/helpers.js';
import { FakeMiniMax } from '../fakes/minimax/FakeMiniMax.js';
import { DISCORD_TOKEN, GUILD, MINIMAX_KEY } from './harness.js';

const ENTRY = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
const FAULTS = fileURLToPath(new URL('./fixtures/faultOnSignal.ts', import.meta.url));

interface Parrot {
  child: ChildProcess;
  stderr: string[];
}

function startParrot(env: Record<string, string>): Parrot {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), '--import', FAULTS, ENTRY], {
    cwd: env['DATA_DIR'],
    env: { PATH: process.env['PATH'] ?? '', NODE_EXTRA_CA_CERTS: resolve(process.env['NODE_EXTRA_CA_CERTS'] ?? 'test/fakes/discord/cert/cert.pem'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr?.on('data', (b: Buffer) => stderr.push(b.toString()));
  return { child, stderr };
}

async function exited(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit', { signal: AbortSignal.timeout(timeoutMs) })) as [number | null];
  return code;
}

describe('the parrot process after a bug', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  async function setUp(): Promise<{ discord: FakeDiscord; env: Record<string, string>; start: () => Parrot }> {
    const discord = await FakeDiscord.start({ guilds: [GUILD], token: DISCORD_TOKEN });
    cleanups.push(() => discord.close());
    const minimax = new FakeMiniMax({ apiKey: MINIMAX_KEY });
    const { url } = await minimax.start();
    cleanups.push(() => minimax.close());
    const dataDir = await mkdtemp(join(tmpdir(), 'parrot-crash-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const env = { DISCORD_TOKEN, MINIMAX_API_KEY: MINIMAX_KEY, DISCORD_API_URL: discord.restApi, MINIMAX_WS_URL: url, DATA_DIR: dataDir, LOG_LEVEL: 'info' };
    const start = (): Parrot => {
      const p = startParrot(env);
      cleanups.push(() => void p.child.kill('SIGKILL'));
      return p;
    };
    return { discord, env, start };
  }

  it('an uncaught exception is one redacted line, leaves the voice channel, exits 1, and the next start rejoins', async () => {
    const { discord, start } = await setUp();
    const first = start();
    await discord.waitForIdentify(20_000);
    const joined = await discord.interaction({ command: 'join' }).reply({ timeoutMs: 10_000 });
    expect(joined.content).toContain('Joined');
    const voice = discord.guild().channel('Voice').id;
    const requestsBefore = discord.voiceRequests.length;

    first.child.kill('SIGUSR2');
    expect(await exited(first.child, 12_000)).toBe(1);
    const log = first.stderr.join('');
    const lines = log.split('\n').filter((l) => l.includes('uncaught exception'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('injected bug near token [redacted]');
    expect(log).not.toContain(DISCORD_TOKEN);
    // It left the channel before exiting.
    expect(discord.voiceRequests.slice(requestsBefore).at(-1)).toMatchObject({ channelId: null });

    // A supervisor starts it again: it rejoins the channel it was in.
    const second = start();
    await discord.waitForVoiceRequest((r) => r.channelId === voice && r.at > (discord.voiceRequests[requestsBefore]?.at ?? 0), 20_000);
    await until(() => second.stderr.join('').includes('rejoined a voice channel after restart'), 10_000, 'the rejoin line');
  });

  it('an unhandled rejection is one redacted line and the bot goes on', async () => {
    const { discord, start } = await setUp();
    const parrot = start();
    await discord.waitForIdentify(20_000);
    await discord.rest.waitForCall((c) => c.path.endsWith('/commands'), 10_000);
    parrot.child.kill('SIGHUP');
    await until(() => parrot.stderr.join('').includes('unhandled promise rejection'), 10_000, 'the rejection line');
    const joined = await discord.interaction({ command: 'join' }).reply({ timeoutMs: 10_000 });
    expect(joined.content).toContain('Joined');
    const log = parrot.stderr.join('');
    expect(log.split('\n').filter((l) => l.includes('unhandled promise rejection'))).toHaveLength(1);
    expect(log).toContain('injected rejection near key [redacted]');
    expect(log).not.toContain(MINIMAX_KEY);
    parrot.child.kill('SIGTERM');
    expect(await exited(parrot.child, 12_000)).toBe(0);
  });
});
