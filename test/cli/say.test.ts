import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpusScript from 'opusscript';
import { describe, expect, it } from 'vitest';
import type { FakeMiniMax } from '../fakes/minimax/FakeMiniMax.js';
import { mp3DurationMs, testFfmpegPath } from '../fakes/mp3.js';
import { KEY, cli, listDir, readOggPages, startFake, tempDir, type OggPage } from './helpers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TEXT = 'Parrot reads this sentence aloud, as the first audio streams in.';

/** The MP3 the fake sends for `text` (default settings: 32 kHz, 128 kbps). */
async function expectedMp3(fake: FakeMiniMax, text: string): Promise<Buffer> {
  const c = fake.config;
  const target = Math.min(c.maxAudioMs, Math.max(c.minAudioMs, text.length * c.msPerChar));
  return (await fake.audio('mp3', 32000, 128000, target)).bytes;
}

function env(url: string, extra: Record<string, string> = {}): Record<string, string> {
  return { MINIMAX_API_KEY: KEY, MINIMAX_WS_URL: url, ...extra };
}

/** The value after `label: ` on its own line of the report. */
function field(stdout: string, label: string): string {
  const line = stdout.split('\n').find((l) => l.startsWith(`${label}: `));
  if (line === undefined) throw new Error(`no "${label}" line in:\n${stdout}`);
  return line.slice(label.length + 2);
}

/** Decodes the file's packets with a fresh opusscript decoder: 48 kHz samples per channel, per page. */
function decodePages(pages: OggPage[]): number[] {
  const decoder = new OpusScript(48000, 2);
  try {
    return pages.map((p) => p.packets.reduce((n, packet) => n + decoder.decode(packet).length / 4, 0));
  } finally {
    decoder.delete();
  }
}

/** PCM bytes the bundled ffmpeg decodes from a file (an independent Ogg demuxer and Opus decoder). */
function ffmpegDecodedBytes(file: string): Promise<{ bytes: number; log: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(testFfmpegPath(), ['-v', 'error', '-i', file, '-f', 's16le', '-ac', '2', '-ar', '48000', 'pipe:1']);
    let bytes = 0;
    let log = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stdout.on('data', (c: Buffer) => (bytes += c.length));
    child.stderr.on('data', (c: Buffer) => (log += c.toString()));
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ bytes, log, code }); });
  });
}

describe('parrot say --out FILE.mp3', () => {
  it.each([
    { text: 'Short one.' },
    { text: TEXT },
  ])('writes exactly the MP3 the server streamed, as long as the text calls for ($text.length characters)', async ({ text }) => {
    const { fake, url } = await startFake({ chunkBytes: 1500 });
    const dir = await tempDir();
    const run = await cli(['say', text, '--out', 'speech.mp3'], env(url), dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const written = await readFile(join(dir, 'speech.mp3'));
    expect(written.equals(await expectedMp3(fake, text))).toBe(true);
    // 60 ms per character in the fake, cut at whole MP3 frames (36 ms each at 32 kHz).
    expect(mp3DurationMs(written)).toBeGreaterThanOrEqual(text.length * 60);
    expect(mp3DurationMs(written)).toBeLessThan(text.length * 60 + 37);
    expect(await listDir(dir)).toEqual(['speech.mp3']);

    expect(run.stdout).toContain(`Wrote speech.mp3 (MP3, ${written.length} bytes)`);
    expect(field(run.stdout, 'time to first chunk')).toMatch(/^\d+ ms$/);
    expect(field(run.stdout, 'audio length')).toBe(`${(Math.round(mp3DurationMs(written)) / 1000).toFixed(2)} s`);
    expect(field(run.stdout, 'billed characters')).toBe(String(text.length));
    expect(run.stdout).not.toContain(KEY);
  });

  it('measures the audio length from the MP3 and says so when MiniMax reports no extra_info', async () => {
    const { fake, url } = await startFake({ extraInfoOn: 'none' });
    const dir = await tempDir();
    const run = await cli(['say', TEXT, '--out', 'speech.mp3'], env(url), dir);
    expect(run.code).toBe(0);
    const ms = mp3DurationMs(await expectedMp3(fake, TEXT));
    expect(field(run.stdout, 'audio length')).toBe(`${(ms / 1000).toFixed(2)} s (measured from the MP3; MiniMax did not report it)`);
    expect(field(run.stdout, 'billed characters')).toBe('not reported by MiniMax');
  });

  it('sends every voice option in task_start, and the defaults when none is given', async () => {
    const { fake, url } = await startFake();
    const dir = await tempDir();
    const options = ['--voice', 'English_Graceful_Lady', '--model', 'speech-2.6-hd', '--speed', '1.5', '--volume', '2.5',
      '--pitch', '-3', '--emotion', 'whisper', '--language', 'english'];
    expect((await cli(['say', 'With options.', '--out', 'a.mp3', ...options], env(url), dir)).code).toBe(0);
    expect((await cli(['say', 'Defaults.', '-o', 'b.mp3'], env(url), dir)).code).toBe(0);

    const [chosen, defaults] = fake.taskStarts;
    expect(chosen).toMatchObject({
      event: 'task_start',
      model: 'speech-2.6-hd',
      voice_setting: { voice_id: 'English_Graceful_Lady', speed: 1.5, vol: 2.5, pitch: -3, emotion: 'whisper' },
      language_boost: 'English',
      audio_setting: { format: 'mp3' },
    });
    expect(defaults).toMatchObject({ model: 'speech-2.8-turbo', voice_setting: { voice_id: 'English_expressive_narrator', speed: 1, vol: 1, pitch: 0 } });
    expect(defaults?.['language_boost']).toBeUndefined();
    expect((defaults?.['voice_setting'] as Record<string, unknown>)['emotion']).toBeUndefined();
    expect(fake.texts).toEqual(['With options.', 'Defaults.']);
    // Each run sent Bearer auth with the configured key, and closed its task.
    expect(fake.connections.map((c) => c.authorization)).toEqual([`Bearer ${KEY}`, `Bearer ${KEY}`]);
    expect(fake.events('task_finish')).toHaveLength(2);
  });
});

describe('parrot say --out FILE.ogg', () => {
  it.each([
    { decoder: 'wasm', extra: {} },
    { decoder: 'ffmpeg', extra: { AUDIO_DECODER: 'ffmpeg', FFMPEG_PATH: testFfmpegPath() } },
  ])('writes valid Ogg Opus (pages, CRCs, granules) that decodes to the MP3 duration ($decoder decoder)', async ({ extra }) => {
    const { fake, url } = await startFake({ chunkBytes: 2000 });
    const dir = await tempDir();
    const run = await cli(['say', TEXT, '--out', 'speech.ogg'], env(url, extra), dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const file = await readFile(join(dir, 'speech.ogg'));
    expect(run.stdout).toContain(`Wrote speech.ogg (Ogg Opus, ${file.length} bytes)`);
    expect(await listDir(dir)).toEqual(['speech.ogg']);

    const pages = readOggPages(file);
    expect(pages.length).toBeGreaterThanOrEqual(4);
    for (const page of pages) expect(page.crc, `CRC of page ${page.sequence}`).toBe(page.crcComputed);
    expect(pages.map((p) => p.sequence)).toEqual(pages.map((_, i) => i));
    expect(new Set(pages.map((p) => p.serial)).size).toBe(1);
    expect(pages.map((p) => p.flags)).toEqual([0x02, ...pages.slice(1, -1).map(() => 0), 0x04]);

    const [head, tags, ...audio] = pages;
    expect(head!.packets).toHaveLength(1);
    const opusHead = head!.packets[0]!;
    expect(opusHead.toString('ascii', 0, 8)).toBe('OpusHead');
    expect(opusHead.length).toBe(19);
    expect(opusHead[8]).toBe(1); // version
    expect(opusHead[9]).toBe(2); // channels
    const preSkip = opusHead.readUInt16LE(10);
    expect([0, 312]).toContain(preSkip);
    expect(opusHead[18]).toBe(0); // mapping family
    expect(tags!.packets).toHaveLength(1);
    expect(tags!.packets[0]!.toString('ascii', 0, 8)).toBe('OpusTags');
    expect([head!.granule, tags!.granule]).toEqual([0n, 0n]);

    // Each audio page's granule position is the count of 48 kHz samples decoded up to its end.
    const perPage = decodePages(audio);
    let total = 0;
    for (const [i, page] of audio.entries()) {
      expect(page.packets.length).toBeGreaterThan(0);
      total += perPage[i]!;
      expect(page.granule).toBe(BigInt(total));
    }
    const mp3Ms = mp3DurationMs(await expectedMp3(fake, TEXT));
    expect(Math.abs(total / 48 - mp3Ms)).toBeLessThanOrEqual(40);
    expect(Math.abs((total - preSkip) / 48 - mp3Ms)).toBeLessThanOrEqual(40);

    // A real demuxer agrees: ffmpeg reads the file without complaint and decodes the same length.
    const decoded = await ffmpegDecodedBytes(join(dir, 'speech.ogg'));
    expect(decoded.code).toBe(0);
    expect(decoded.log).toBe('');
    expect(Math.abs(decoded.bytes / 4 / 48 - mp3Ms)).toBeLessThanOrEqual(40);
  });
});

describe('the parrot binary', () => {
  it('runs from bin/parrot.mjs with no build step, reads .env from the working directory and exits by itself', async () => {
    const { fake, url } = await startFake();
    const dir = await tempDir();
    await writeFile(join(dir, '.env'), `MINIMAX_API_KEY=${KEY}\nMINIMAX_WS_URL=${url}\n`);
    const childEnv: Record<string, string | undefined> = { ...process.env };
    for (const name of Object.keys(childEnv)) if (name.startsWith('MINIMAX_')) delete childEnv[name];
    delete childEnv['NODE_EXTRA_CA_CERTS']; // relative to the repo, not to the child's working directory
    // The Node that runs these tests (22) first on PATH, as a user's shell would have it.
    childEnv['PATH'] = `${dirname(process.execPath)}${delimiter}${process.env['PATH'] ?? ''}`;

    const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [join(ROOT, 'bin', 'parrot.mjs'), 'say', TEXT, '--out', 'out.mp3'], { cwd: dir, env: childEnv });
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', (e) => { clearTimeout(timer); reject(e); });
      child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
    });
    expect(result.signal).toBeNull(); // not killed by the deadline: it exited on its own
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect((await readFile(join(dir, 'out.mp3'))).equals(await expectedMp3(fake, TEXT))).toBe(true);
    expect(field(result.stdout, 'billed characters')).toBe(String(TEXT.length));
  });
});
