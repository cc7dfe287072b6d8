/** Runs `src/index.ts` as a program (the supervisor of shard processes) and finds its shard processes. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { GuildSpec } from '../fakes/discord/index.js';

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
