/**
 * Start-up problems an operator has to fix, met by the real process (`npm start` without npm) against the fakes:
 * each ends in one line on stderr that says what to change, or, where the bot can run on, one warning.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { AUTOREAD_OFF } from '../../src/commands/autoread.js';
import { FakeDiscord, opt } from '../fakes/discord/index.js';
import { FakeMiniMax } from '../fakes/minimax/FakeMiniMax.js';
import { until } from '../faults/helpers.js';
import { DISCORD_TOKEN, GUILD, MINIMAX_KEY } from './harness.js';
import { makeReadOnlyDir } from './readOnlyDir.js';

const ENTRY = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
const DEPLOY = fileURLToPath(new URL('../../src/bot/deployCommands.ts', import.meta.url));

interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: (timeoutMs?: number) => Promise<number | null>;
}

function spawnTsx(entry: string, cwd: string, env: Record<string, string>, args: string[] = []): Proc {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), entry, ...args], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', NODE_EXTRA_CA_CERTS: resolve(process.env['NODE_EXTRA_CA_CERTS'] ?? 'test/fakes/discord/cert/cert.pem'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  const err: string[] = [];
  child.stdout?.on('data', (b: Buffer) => out.push(b.toString()));
  child.stderr?.on('data', (b: Buffer) => err.push(b.toString()));
  return {
    child,
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    async exited(timeoutMs = 20_000) {
      if (child.exitCode !== null) return child.exitCode;
      const [code] = (await once(child, 'exit', { signal: AbortSignal.timeout(timeoutMs) })) as [number | null];
      return code;
    },
  };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('starting the parrot process', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'parrot-startup-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  async function fakes(options: { messageContentIntent?: boolean; serverMembersIntent?: boolean } = {}): Promise<{ discord: FakeDiscord; minimax: FakeMiniMax; env: Record<string, string> }> {
    const discord = await FakeDiscord.start({ guilds: [GUILD], token: DISCORD_TOKEN, ...options });
    cleanups.push(() => discord.close());
    const minimax = new FakeMiniMax({ apiKey: MINIMAX_KEY });
    const { url } = await minimax.start();
    cleanups.push(() => minimax.close());
    return { discord, minimax, env: { DISCORD_TOKEN, MINIMAX_API_KEY: MINIMAX_KEY, DISCORD_API_URL: discord.restApi, MINIMAX_WS_URL: url } };
  }

  /**
   * Connected, and past the point where main() installs its signal handlers (the command sync logs after a REST
   * round trip, so after them), so a SIGTERM now is a clean stop.
   */
  const connected = (proc: Proc): Promise<void> => until(() => proc.stderr().includes('INFO  slash commands'), 20_000, 'the bot to connect and sync its commands');

  function start(cwd: string, env: Record<string, string>): Proc {
    const proc = spawnTsx(ENTRY, cwd, env);
    cleanups.push(() => void proc.child.kill('SIGKILL'));
    return proc;
  }

  it('refuses a second bot on the same DATA_DIR with one line naming the first; a killed bot leaves no lock behind', async () => {
    const { discord, env } = await fakes();
    const dataDir = await tempDir();
    const first = start(dataDir, { ...env, DATA_DIR: dataDir });
    await discord.waitForIdentify(20_000);

    const second = start(dataDir, { ...env, DATA_DIR: dataDir });
    expect(await second.exited()).toBe(1);
    expect(second.stderr()).toBe(
      `parrot: Another Parrot (pid ${first.child.pid}) is already running on this data directory: stop it first, or give this one its own DATA_DIR (DATA_DIR=${dataDir})\n`,
    );
    expect(discord.gateway.sessions).toHaveLength(1);
    // The first one read the voice list, and the default voice is in it: no warning about it.
    await until(() => first.stderr().includes('voice catalogue refreshed'), 10_000, 'the catalogue refresh');
    expect(first.stderr()).not.toContain('DEFAULT_VOICE');

    // Killed without a chance to clean up: the system dropped its lock, so the next one starts.
    first.child.kill('SIGKILL');
    await first.exited();
    const third = start(dataDir, { ...env, DATA_DIR: dataDir });
    await connected(third);
    expect(discord.gateway.sessions).toHaveLength(2);
    third.child.kill('SIGTERM');
    expect(await third.exited()).toBe(0);
    expect(existsSync(join(dataDir, 'parrot.pid'))).toBe(false);
  });

  it('names the cause when DATA_DIR is a file', async () => {
    const { env } = await fakes();
    const cwd = await tempDir();
    const file = join(cwd, 'data');
    writeFileSync(file, 'not a directory');
    const proc = start(cwd, { ...env, DATA_DIR: file });
    expect(await proc.exited()).toBe(1);
    expect(proc.stderr()).toBe(
      `parrot: The data directory cannot be used: it is not a directory (a file is in the way): point DATA_DIR at a directory (DATA_DIR=${file})\n`,
    );
  });

  it('names the cause when DATA_DIR is read-only', async () => {
    const { env } = await fakes();
    const cwd = await tempDir();
    const dir = await makeReadOnlyDir(join(cwd, 'data'));
    cleanups.push(() => dir.undo());
    const proc = start(cwd, { ...env, DATA_DIR: dir.path });
    expect(await proc.exited()).toBe(1);
    const cause = dir.kind === 'mount' ? 'it is on a read-only file system: point DATA_DIR at a writable directory' : 'this user may not write there (permission denied): make it writable or point DATA_DIR elsewhere';
    expect(proc.stderr()).toBe(`parrot: The data directory cannot be used: ${cause} (DATA_DIR=${dir.path})\n`);
  });

  it('says DISCORD_TOKEN when Discord rejects the token, without the token', async () => {
    const { discord, env } = await fakes();
    const cwd = await tempDir();
    const wrong = 'MTIzNDU2.wrong-token.not-the-one-discord-knows';
    const proc = start(cwd, { ...env, DISCORD_TOKEN: wrong, DATA_DIR: join(cwd, 'data') });
    expect(await proc.exited()).toBe(1);
    expect(proc.stderr()).toContain(
      'parrot: Discord rejected the bot token: copy it again from the Discord developer portal (your application > Bot > Reset Token) into DISCORD_TOKEN\n',
    );
    expect(proc.stderr()).not.toContain(wrong);
    expect(discord.rest.calls.some((c) => c.status === 401)).toBe(true);
  });

  it('names the host and DISCORD_API_URL when Discord cannot be reached', async () => {
    const { env } = await fakes();
    const cwd = await tempDir();
    const port = await closedPort();
    const proc = start(cwd, { ...env, DISCORD_API_URL: `http://127.0.0.1:${port}/api`, DATA_DIR: join(cwd, 'data') });
    expect(await proc.exited()).toBe(1);
    expect(proc.stderr()).toContain(`parrot: Cannot reach Discord at 127.0.0.1:${port} (ECONNREFUSED): check the network, or DISCORD_API_URL\n`);
  });

  it('warns naming the host and MINIMAX_WS_URL when MiniMax cannot be reached, and serves on', async () => {
    const { discord, env } = await fakes();
    const cwd = await tempDir();
    const port = await closedPort();
    const proc = start(cwd, { ...env, MINIMAX_WS_URL: `ws://127.0.0.1:${port}`, DATA_DIR: join(cwd, 'data') });
    await discord.waitForIdentify(20_000);
    await until(() => proc.stderr().includes('cannot reach MiniMax'), 10_000, 'the MiniMax warning');
    await connected(proc);
    expect(proc.stderr()).toContain(`WARN  cannot reach MiniMax at 127.0.0.1:${port}: check the network, or MINIMAX_WS_URL; using the built-in voice list code=ECONNREFUSED\n`);
    proc.child.kill('SIGTERM');
    expect(await proc.exited()).toBe(0);
  });

  it('warns when DEFAULT_VOICE is not among the voices MiniMax lists', async () => {
    const { discord, env } = await fakes();
    const cwd = await tempDir();
    const proc = start(cwd, { ...env, DEFAULT_VOICE: 'Nobody_has_this_voice', DATA_DIR: join(cwd, 'data') });
    await discord.waitForIdentify(20_000);
    await until(() => proc.stderr().includes('DEFAULT_VOICE'), 10_000, 'the DEFAULT_VOICE warning');
    await connected(proc);
    expect(proc.stderr()).toContain("WARN  DEFAULT_VOICE is not one of MiniMax's voices for this key: set it to a voice id from /voice list voice=Nobody_has_this_voice\n");
    proc.child.kill('SIGTERM');
    expect(await proc.exited()).toBe(0);
  });

  it('without the Message Content intent in the portal (4014): one line saying where to enable it', async () => {
    const { discord, env } = await fakes({ messageContentIntent: false });
    const cwd = await tempDir();
    const proc = start(cwd, { ...env, DATA_DIR: join(cwd, 'data') });
    expect(await proc.exited()).toBe(1);
    expect(proc.stderr()).toContain(
      'parrot: Discord refused the Message Content intent this bot asks for to read channels aloud: enable Message Content Intent in the Discord developer portal (https://discord.com/developers/applications > your application > Bot > Privileged Gateway Intents), or set AUTOREAD=off to run without auto-read\n',
    );
    expect(discord.gateway.sessions).toHaveLength(0);
  });

  it('with VOICE_CLONING=on and no Server Members intent in the portal (4014): one line naming both intents and the switches', async () => {
    const { discord, env } = await fakes({ serverMembersIntent: false });
    const cwd = await tempDir();
    const proc = start(cwd, { ...env, VOICE_CLONING: 'on', DATA_DIR: join(cwd, 'data') });
    expect(await proc.exited()).toBe(1);
    expect(proc.stderr()).toContain(
      'parrot: Discord refused a privileged intent this bot asks for: enable Message Content Intent (to read channels aloud; or set AUTOREAD=off) and Server Members Intent (to offer members who leave to delete their cloned voice; or set VOICE_CLONING=off) in the Discord developer portal (https://discord.com/developers/applications > your application > Bot > Privileged Gateway Intents)\n',
    );
    expect(discord.gateway.sessions).toHaveLength(0);
  });

  it('with AUTOREAD=off connects without the intent, serves /speak, and /autoread set says privately why it cannot read', async () => {
    const { discord, minimax, env } = await fakes({ messageContentIntent: false });
    const cwd = await tempDir();
    const proc = start(cwd, { ...env, AUTOREAD: 'off', DATA_DIR: join(cwd, 'data') });
    const session = await discord.waitForIdentify(20_000);
    expect(session.intents & (1 << 15)).toBe(0);
    await discord.rest.waitForCall((c) => c.path.endsWith('/commands'), 10_000);
    const spoken = await discord.interaction({ command: 'speak', options: { text: 'Still speaking.' } }).reply({ timeoutMs: 10_000 });
    expect(spoken.content).not.toContain('off');
    await minimax.waitFor(() => minimax.texts.includes('Still speaking.'), 10_000);
    const autoread = await discord.interaction({ command: 'autoread', subcommand: 'set', options: { channel: opt.channel('reading') } }).reply({ timeoutMs: 10_000 });
    expect(autoread).toMatchObject({ ephemeral: true, content: AUTOREAD_OFF });
    proc.child.kill('SIGTERM');
    expect(await proc.exited()).toBe(0);
  });
});

describe('npm run deploy-commands', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  it('needs only the Discord token (no MiniMax key), and names DISCORD_TOKEN when Discord rejects it', async () => {
    const discord = await FakeDiscord.start({ guilds: [GUILD], token: DISCORD_TOKEN });
    cleanups.push(() => discord.close());
    const cwd = await mkdtemp(join(tmpdir(), 'parrot-deploy-'));
    cleanups.push(() => rm(cwd, { recursive: true, force: true }));

    const ok = spawnTsx(DEPLOY, cwd, { DISCORD_TOKEN, DISCORD_API_URL: discord.restApi });
    cleanups.push(() => void ok.child.kill('SIGKILL'));
    expect(await ok.exited()).toBe(0);
    expect(ok.stdout()).toMatch(/^Registered \d+ commands \(global\)\.\n$/);
    expect(ok.stderr()).toBe('');

    const refused = spawnTsx(DEPLOY, cwd, { DISCORD_TOKEN: 'wrong.token.value', DISCORD_API_URL: discord.restApi });
    cleanups.push(() => void refused.child.kill('SIGKILL'));
    expect(await refused.exited()).toBe(1);
    expect(refused.stderr()).toBe(
      'deploy-commands: Discord rejected the bot token: copy it again from the Discord developer portal (your application > Bot > Reset Token) into DISCORD_TOKEN\n',
    );
  });
});
