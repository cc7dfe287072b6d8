/**
 * On a Node older than 22.12 better-sqlite3 crashes the process with a segmentation fault at the first open, without
 * a word. Every entry point checks the version first (src/nodeVersion.ts). These machines ship Node 20 as
 * /usr/bin/node: the entry is run under it, as someone would who skipped npm.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeTooOld } from '../src/nodeVersion.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OLD_NODE = '/usr/bin/node';

async function run(args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  const child = spawn(OLD_NODE, args, { cwd, env: { PATH: '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const [code, signal] = (await once(child, 'exit', { signal: AbortSignal.timeout(30_000) })) as [number | null, string | null];
  return { code, signal, stdout, stderr };
}

describe('nodeTooOld', () => {
  const facts = { platform: 'linux', arch: 'x64', projectNode: false };
  it('accepts 22.12 and newer', () => {
    for (const version of ['22.12.0', '22.23.3', '23.0.0', '24.1.0']) expect(nodeTooOld({ ...facts, version })).toBeNull();
  });

  it('says what to run on an older one: npm ci where the project can install Node 22, else where to get it', () => {
    expect(nodeTooOld({ ...facts, version: '22.11.0' })).toBe(
      'parrot: Node 22.11.0 is too old (Parrot needs 22.12 or newer): run `npm ci` (it installs Node 22 into node_modules), then `npm start`',
    );
    expect(nodeTooOld({ ...facts, version: '20.20.2', projectNode: true })).toContain('run it through npm (`npm start`, `npx parrot`)');
    expect(nodeTooOld({ ...facts, version: '20.20.2', platform: 'darwin', arch: 'arm64' })).toBe(
      'parrot: Node 20.20.2 is too old (Parrot needs 22.12 or newer): install Node 22 (https://nodejs.org/en/download), then run `npm ci` and `npm start`',
    );
  });
});

describe("under the machine's Node 20", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  it('is what this machine ships at /usr/bin/node (the premise of the tests below)', () => {
    const version = execFileSync(OLD_NODE, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
    expect(nodeTooOld({ version, platform: 'linux', arch: 'x64', projectNode: false })).not.toBeNull();
  });

  it('the bot prints one line saying what to run and exits 1 before it opens the database (no segmentation fault)', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'parrot-node20-'));
    cleanups.push(() => rm(cwd, { recursive: true, force: true }));
    const dataDir = join(cwd, 'data');
    const result = await run(['--import', import.meta.resolve('tsx'), join(ROOT, 'src/index.ts')], cwd, {
      DISCORD_TOKEN: 'token.never.used',
      MINIMAX_API_KEY: 'key-never-used',
      DISCORD_API_URL: 'http://127.0.0.1:9/api',
      MINIMAX_WS_URL: 'ws://127.0.0.1:9',
      DATA_DIR: dataDir,
    });
    expect(result).toMatchObject({ code: 1, signal: null, stdout: '' });
    expect(result.stderr).toMatch(/^parrot: Node 20\.\d+\.\d+ is too old \(Parrot needs 22\.12 or newer\): run it through npm \(`npm start`, `npx parrot`\), which uses the project's Node 22 \(node_modules\/\.bin\/node\)\n$/);
    expect(existsSync(dataDir) ? await readdir(dataDir) : []).toEqual([]);
  });

  it('deploy-commands prints the same line', async () => {
    const result = await run(['--import', import.meta.resolve('tsx'), join(ROOT, 'src/bot/deployCommands.ts')], ROOT, {});
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toMatch(/^parrot: Node 20\.\d+\.\d+ is too old .*\n$/);
  });

  it('bin/parrot.mjs runs the CLI on the project\'s Node 22', async () => {
    const result = await run([join(ROOT, 'bin/parrot.mjs'), '--help'], ROOT, {});
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('Usage: parrot say');
  });
});
