/**
 * LOG_FORMAT reaches the running process: `npm start`'s entry in a child process, started against a Discord that
 * refuses connections, writes every line of its log (start-up, metrics server, the failure) in the chosen format.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DISCORD_TOKEN, MINIMAX_KEY } from '../bot/harness.js';
import { freePort } from './helpers.js';

const ENTRY = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

async function runParrot(env: Record<string, string>): Promise<{ code: number | null; lines: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'parrot-logfmt-'));
  dirs.push(dir);
  const closedPort = await freePort();
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), ENTRY], {
    cwd: dir,
    env: {
      PATH: process.env['PATH'] ?? '', DISCORD_TOKEN, MINIMAX_API_KEY: MINIMAX_KEY, DATA_DIR: dir, AUDIO_WORKERS: '0', HTTP_PORT: '0',
      DISCORD_API_URL: `http://127.0.0.1:${closedPort}/api`, MINIMAX_WS_URL: `ws://127.0.0.1:${closedPort}/ws`, ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b.toString()));
  child.stderr.on('data', (b: Buffer) => out.push(b.toString()));
  const [code] = (await once(child, 'exit', { signal: AbortSignal.timeout(30_000) })) as [number | null];
  return { code, lines: out.join('').split('\n').filter((l) => l !== '') };
}

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('LOG_FORMAT in the running process', () => {
  it('json: every line is one JSON object with time, level and msg; the failure is one of them', async () => {
    const { code, lines } = await runParrot({ LOG_FORMAT: 'json' });
    expect(code).toBe(1);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    const records = lines.map((l) => JSON.parse(l) as { time: string; level: string; msg: string; url?: string; error?: unknown });
    for (const r of records) expect(Object.keys(r).slice(0, 3)).toEqual(['time', 'level', 'msg']);
    expect(records.find((r) => r.msg === 'serving metrics and health')?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(records.at(-1)).toMatchObject({ level: 'error', msg: 'start-up failed', error: expect.stringMatching(/^Cannot reach Discord at 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/) as unknown });
    for (const l of lines) for (const secret of [DISCORD_TOKEN, MINIMAX_KEY]) expect(l).not.toContain(secret);
  });

  it('text (the default): readable lines, none of them JSON', async () => {
    const { code, lines } = await runParrot({});
    expect(code).toBe(1);
    expect(lines.some((l) => / INFO {2}serving metrics and health url=http:\/\/127\.0\.0\.1:\d+$/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/^parrot: Cannot reach Discord at 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    for (const l of lines) expect(l.startsWith('{')).toBe(false);
  });
});
