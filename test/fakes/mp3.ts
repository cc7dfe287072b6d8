import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The ffmpeg shipped in @ffmpeg-installer (tests do not depend on one being on PATH). */
export function testFfmpegPath(): string {
  return (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
}

export interface Mp3Options {
  seconds: number;
  sampleRate?: number;
  bitrate?: number;
}

const cache = new Map<string, Promise<Buffer>>();

/**
 * Real MP3 (CBR, mono, no ID3/Xing header) of a speech-like signal: a 180 Hz tone whose loudness moves
 * at syllable rate, so every Opus frame made from it carries audio (never digital silence).
 */
export function makeMp3(options: Mp3Options): Promise<Buffer> {
  const { seconds, sampleRate = 32000, bitrate = 128000 } = options;
  return madeOnce(cache, `${seconds}:${sampleRate}:${bitrate}`, () => encode(seconds, sampleRate, bitrate));
}

/** A fixture made once per key and process (ffmpeg takes tens of milliseconds per clip). */
export function madeOnce<T>(cache: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let made = cache.get(key);
  if (!made) {
    made = make();
    cache.set(key, made);
  }
  return made;
}

function encode(seconds: number, sampleRate: number, bitrate: number): Promise<Buffer> {
  return ffmpegBytes([
    '-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', speechLike(sampleRate, seconds),
    '-ac', '1', '-c:a', 'libmp3lame', '-b:a', String(bitrate), '-write_xing', '0', '-id3v2_version', '0',
    '-f', 'mp3', 'pipe:1',
  ]);
}

/** The fixtures' source: a 180 Hz tone whose loudness moves at syllable rate (an ffmpeg lavfi input). */
export function speechLike(sampleRate: number, seconds: number): string {
  return `aevalsrc=0.4*(0.6+0.4*sin(2*PI*4*t))*sin(2*PI*180*t):s=${sampleRate}:d=${seconds}`;
}

/** Runs the test ffmpeg with `args` (output on stdout) and resolves with what it wrote; 15 s at most. */
export function ffmpegBytes(args: readonly string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(testFfmpegPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`ffmpeg exited with ${code}: ${err.trim()}`));
    });
  });
}

const BITRATES_V1_L3 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const BITRATES_V2_L3 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

/** One MPEG audio layer III frame: where it starts, how long it is, and how much audio it holds. */
export interface Mp3Frame {
  offset: number;
  length: number;
  durationMs: number;
}

/** Walks MP3 frame headers (MPEG-1/2/2.5 layer III). Stops at the first byte that is not a frame. */
export function mp3Frames(buf: Buffer): Mp3Frame[] {
  const frames: Mp3Frame[] = [];
  let off = 0;
  while (off + 4 <= buf.length) {
    const b1 = buf[off + 1]!, b2 = buf[off + 2]!;
    if (buf[off] !== 0xff || (b1 & 0xe0) !== 0xe0) break;
    const version = (b1 >> 3) & 3; // 3 = MPEG1, 2 = MPEG2, 0 = MPEG2.5
    const layer = (b1 >> 1) & 3; // 1 = layer III
    const rates = RATES[version];
    if (layer !== 1 || !rates) break;
    const kbps = (version === 3 ? BITRATES_V1_L3 : BITRATES_V2_L3)[(b2 >> 4) & 15];
    const rate = rates[(b2 >> 2) & 3];
    if (!kbps || !rate) break;
    const samples = version === 3 ? 1152 : 576;
    const length = Math.floor(((samples / 8) * kbps * 1000) / rate) + ((b2 >> 1) & 1);
    frames.push({ offset: off, length, durationMs: (samples / rate) * 1000 });
    off += length;
  }
  return frames;
}

/** Total audio duration of an MP3 buffer, from its frame headers. */
export function mp3DurationMs(buf: Buffer): number {
  return mp3Frames(buf).reduce((sum, f) => sum + f.durationMs, 0);
}
