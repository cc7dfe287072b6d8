/**
 * `parrot say --play`: a fake player on PATH (a script named mpv or ffplay that records what reaches its stdin,
 * and when) must get MiniMax's whole MP3 while it is still streaming; without either, one clear line.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FakeMiniMax } from '../fakes/minimax/FakeMiniMax.js';
import { KEY, cli, listDir, startFake, tempDir } from './helpers.js';

const TEXT = 'Parrot plays this sentence on this machine as the audio streams in.';

interface PlayerRecord {
  args: string[];
  chunks: { at: number; bytes: number }[];
  mp3: string;
}

/** A player script `name` in a fresh directory: records its arguments and stdin, exits with `exitCode`. */
async function fakePlayer(name: string, exitCode = 0, playMs = 0): Promise<{ dir: string; record: () => Promise<PlayerRecord> }> {
  const dir = await tempDir();
  const out = join(dir, `${name}-record.json`);
  const script = `#!${process.execPath}
const chunks = [];
const data = [];
process.stdin.on('data', (c) => { chunks.push({ at: Date.now(), bytes: c.length }); data.push(c); });
process.stdin.on('end', () => {
  require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({ args: process.argv.slice(2), chunks, mp3: Buffer.concat(data).toString('base64') }));
  process.stderr.write('fake player done\\n');
  setTimeout(() => process.exit(${exitCode}), ${playMs}); // still playing what it was given
});
`;
  await writeFile(join(dir, name), script);
  await chmod(join(dir, name), 0o755);
  return { dir, record: async () => JSON.parse(await readFile(out, 'utf8')) as PlayerRecord };
}

async function expectedMp3(fake: FakeMiniMax, text: string): Promise<Buffer> {
  const c = fake.config;
  return (await fake.audio('mp3', 32000, 128000, Math.min(c.maxAudioMs, Math.max(c.minAudioMs, text.length * c.msPerChar)))).bytes;
}

/** The fake sends its audio in real time in small chunks: the stream lasts over a second. */
const STREAMING = { realtimeFactor: 1, chunkBytes: 2048, msPerChar: 20 };

describe('parrot say --play', () => {
  it('feeds mpv the whole MP3 on its stdin as the chunks arrive, before MiniMax has finished', async () => {
    const { fake, url } = await startFake(STREAMING);
    const player = await fakePlayer('mpv');
    const cwd = await tempDir();
    const run = await cli(['say', TEXT, '--play'], { MINIMAX_API_KEY: KEY, MINIMAX_WS_URL: url, PATH: player.dir }, cwd);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Played with mpv');
    expect(run.stdout).not.toContain('Wrote');
    const record = await player.record();
    expect(Buffer.from(record.mp3, 'base64').equals(await expectedMp3(fake, TEXT))).toBe(true);
    expect(record.args).toContain('-');
    // Streamed: the player had audio while MiniMax was still sending (its final frame came later).
    const finalSent = fake.connections[0]?.sent.find((f) => f.isFinal)?.at ?? 0;
    expect(record.chunks.length).toBeGreaterThan(1);
    expect(record.chunks[0]!.at).toBeLessThan(finalSent);
    expect(await listDir(cwd)).toEqual([]); // no file without --out
  });

  it('with --out too: keeps the file, and the player gets the same audio', async () => {
    const { fake, url } = await startFake();
    const player = await fakePlayer('mpv');
    const cwd = await tempDir();
    const run = await cli(['say', TEXT, '--play', '--out', 'kept.mp3'], { MINIMAX_API_KEY: KEY, MINIMAX_WS_URL: url, PATH: player.dir }, cwd);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Wrote kept.mp3');
    const mp3 = await expectedMp3(fake, TEXT);
    expect((await readFile(join(cwd, 'kept.mp3'))).equals(mp3)).toBe(true);
    expect(Buffer.from((await player.record()).mp3, 'base64').equals(mp3)).toBe(true);
  });

  it('uses ffplay when mpv is not on PATH', async () => {
    const { fake, url } = await startFake();
    const player = await fakePlayer('ffplay');
    const run = await cli(['say', TEXT, '--play'], { MINIMAX_API_KEY: KEY, MINIMAX_WS_URL: url, PATH: player.dir }, await tempDir());
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Played with ffplay');
    const record = await player.record();
    expect(record.args).toEqual(['-nodisp', '-autoexit', '-loglevel', 'error', '-i', 'pipe:0']);
    expect(Buffer.from(record.mp3, 'base64').equals(await expectedMp3(fake, TEXT))).toBe(true);
  });

  it('names both players when neither is on PATH, and sends MiniMax nothing', async () => {
    const { fake, url } = await startFake();
    const empty = await tempDir();
    const run = await cli(['say', TEXT, '--play'], { MINIMAX_API_KEY: KEY, MINIMAX_WS_URL: url, PATH: empty }, await tempDir());
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('parrot: --play needs mpv or ffplay on PATH, and neither was found: install one (apt-get install mpv, or ffmpeg for ffplay), or use --out FILE\n');
    expect(fake.connections).toHaveLength(0);
  });

  it('reports a player that fails, with its last words, and keeps the --out file', async () => {
    const { url } = await startFake();
    const player = await fakePlayer('mpv', 3);
    const cwd = await tempDir();
    const run = await cli(['say', TEXT, '--play', '--out', 'kept.mp3'], { MINIMAX_API_KEY: KEY, MINIMAX_WS_URL: url, PATH: player.dir }, cwd);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('parrot: mpv exited with 3: fake player done\n');
    expect(await listDir(cwd)).toEqual(['kept.mp3']);
  });

  it('Ctrl+C while the player plays stops it, keeps the --out file, and exits 130', async () => {
    const { url } = await startFake();
    const player = await fakePlayer('mpv', 0, 20_000);
    const cwd = await tempDir();
    const interrupt = new AbortController();
    const running = cli(['say', TEXT, '--play', '--out', 'kept.mp3'], { MINIMAX_API_KEY: KEY, MINIMAX_WS_URL: url, PATH: player.dir }, cwd, { signal: interrupt.signal });
    // The player has all the audio (its record is written) and is "playing" it.
    await expect.poll(() => player.record().then(() => true, () => false), { timeout: 10_000 }).toBe(true);
    interrupt.abort();
    const run = await running;
    expect(run.stderr).toBe('parrot: interrupted: mpv stopped\n');
    expect(run.code).toBe(130);
    expect(await listDir(cwd)).toEqual(['kept.mp3']);
  });

  it('needs --out or --play', async () => {
    const run = await cli(['say', TEXT], { MINIMAX_API_KEY: KEY }, await tempDir());
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('missing --out FILE (where to write the audio, .mp3 or .ogg) or --play (to hear it)');
  });
});
