/**
 * Runs `src/index.ts` as a program (the supervisor of shard processes) and finds its shard processes; `shardScope()`
 * starts it against the fake Discord and the fake MiniMax on a file's one PostgreSQL, and closes them all after each
 * test.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { DISCORD_TOKEN, MINIMAX_KEY } from '../bot/harness.js';
import { FakeDiscord, type FakeDiscordOptions, type GuildSpec } from '../fakes/discord/index.js';
import { FakeMiniMax } from '../fakes/minimax/FakeMiniMax.js';
import type { FakeMiniMaxOptions } from '../fakes/minimax/types.js';
import { testScope, type TestScope } from '../store/testScope.js';

const ENTRY = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
const run = promisify(execFile);

/** A guild id on shard `n % count` of any count: (id >> 22) == n. */
export const guildIdAt = (n: number): string => ((BigInt(n) << 22n) + 7n).toString();

/** A guild whose every id is fixed, so that a second fake Discord serves the same guild. */
export function fixedGuild(n: number, name: string): GuildSpec {
  const id = guildIdAt(n);
  return {
    id, name, owner: `${id}1`,
    channels: [{ id: `${id}2`, name: 'general' }, { id: `${id}3`, name: 'Voice', type: 'voice' }],
    members: [{ id: `${id}1`, username: 'alice' }],
    voiceStates: [{ user: 'alice', channel: 'Voice' }],
  };
}

export interface Supervisor {
  parent: ChildProcess;
  output: string[];
  /** SIGTERM, as an operator stops the bot; waits for the exit (then kills whatever is left). */
  stop(): Promise<void>;
}

/** `netns`: run it in that network namespace (`ip netns exec` execs node, so `parent.pid` is node's). */
export function startSupervisor(env: Record<string, string>, options: { netns?: string } = {}): Supervisor {
  const output: string[] = [];
  const argv = [process.execPath, '--import', import.meta.resolve('tsx'), ENTRY];
  const [file, ...args] = options.netns ? ['ip', 'netns', 'exec', options.netns, ...argv] : argv;
  const parent = spawn(file!, args, {
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_EXTRA_CA_CERTS: resolve(process.env['NODE_EXTRA_CA_CERTS'] ?? 'test/fakes/discord/cert/cert.pem'),
      LOG_LEVEL: 'info', LEAVE_EMPTY_AFTER_SECONDS: '600',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  parent.stdout?.on('data', (b: Buffer) => output.push(b.toString()));
  parent.stderr?.on('data', (b: Buffer) => output.push(b.toString()));
  return {
    parent,
    output,
    async stop() {
      if (parent.exitCode !== null || parent.signalCode !== null) return;
      const children = await shardPids(parent.pid!);
      const exited = new Promise((r) => parent.once('exit', r));
      parent.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      for (const pid of children.values()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone, as it should be.
        }
      }
      if (parent.exitCode === null) parent.kill('SIGKILL');
    },
  };
}

/** The shard processes under `parent`, by the shard id discord.js gave each (SHARDS in its environment). */
export async function shardPids(parent: number): Promise<Map<number, number>> {
  const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(parent)]).catch(() => ({ stdout: '' }));
  const pids = new Map<number, number>();
  for (const pid of stdout.split('\n').map((s) => Number(s.trim())).filter((n) => n > 0)) {
    const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    const shard = /(?:^|\0)SHARDS=(\d+)(?:\0|$)/.exec(environ)?.[1];
    if (shard !== undefined) pids.set(Number(shard), pid);
  }
  return pids;
}

/** Polls the supervisor's output until it logged 'all shards ready', within `wait` (expect.poll's timeout and interval). */
export async function allShardsReady(parrot: Supervisor, wait: { timeout: number; interval?: number }): Promise<void> {
  await expect.poll(() => parrot.output.join('').includes('all shards ready'), wait).toBe(true);
}

export interface ShardScope extends TestScope {
  /** A fresh directory under the OS temp dir, named `prefix…`; removed after the test. */
  tempDir(prefix: string): Promise<string>;
  /** The fake Discord, requiring two shards unless `options.sharding` says otherwise; closed after the test. */
  discord(options: FakeDiscordOptions): Promise<FakeDiscord>;
  /** The fake MiniMax, 20 ms a character and 200 ms at least unless `options` say otherwise, and its URL; closed after the test. */
  minimax(options?: FakeMiniMaxOptions): Promise<{ minimax: FakeMiniMax; url: string }>;
  /** startSupervisor with the fakes' token, key and URLs, and `env`; stopped after the test. */
  supervisor(discord: FakeDiscord, minimaxUrl: string, env?: Record<string, string>): Supervisor;
}

/** A testScope (call it once at a file's top level) that also starts the fakes and the program, each closed after the test. */
export function shardScope(): ShardScope {
  const scope = testScope();
  return {
    ...scope,
    async tempDir(prefix) {
      const dir = await mkdtemp(join(tmpdir(), prefix));
      scope.defer(() => rm(dir, { recursive: true, force: true }));
      return dir;
    },
    async discord(options) {
      const discord = await FakeDiscord.start({ token: DISCORD_TOKEN, sharding: { count: 2, required: true }, ...options });
      scope.defer(() => discord.close());
      return discord;
    },
    async minimax(options = {}) {
      const minimax = new FakeMiniMax({ apiKey: MINIMAX_KEY, msPerChar: 20, minAudioMs: 200, ...options });
      const { url } = await minimax.start();
      scope.defer(() => minimax.close());
      return { minimax, url };
    },
    supervisor(discord, minimaxUrl, env = {}) {
      const parrot = startSupervisor({ DISCORD_TOKEN, MINIMAX_API_KEY: MINIMAX_KEY, DISCORD_API_URL: discord.restApi, MINIMAX_WS_URL: minimaxUrl, ...env });
      scope.defer(() => parrot.stop());
      return parrot;
    },
  };
}

/** Where the shard processes keep their state: one PostgreSQL, or one SQLite file on this host (in `prefix…`). */
export function sharedStores(scope: ShardScope, prefix: string): { name: string; env: () => Promise<Record<string, string>> }[] {
  return [
    { name: 'PostgreSQL', env: async () => ({ DATABASE_URL: await scope.database() }) },
    { name: 'SQLite', env: async () => ({ DATA_DIR: await scope.tempDir(prefix) }) },
  ];
}
