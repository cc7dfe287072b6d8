import { spawn } from 'node:child_process';
import { testFfmpegPath } from './mp3.js';

export interface OggOpusClipOptions {
  seconds: number;
  /** The rate the source is made at (OpusHead's input rate); default 24 000. */
  sampleRate?: number;
  /** libopus frame length in ms: 2.5, 5, 10, 20 (default), 40, 60. */
  frameMs?: number;
}

const cache = new Map<string, Promise<Buffer>>();

/**
 * Real Ogg Opus (libopus, mono, 64 kbps, one page per 20 ms) of the same speech-like signal as makeMp3, the way
 * MiniMax's `opus` format is assumed to look (UNCONFIRMED: shared/docs/minimax-t2a.md lists the format only).
 */
export function makeOggOpus(options: OggOpusClipOptions): Promise<Buffer> {
  const { seconds, sampleRate = 24000, frameMs = 20 } = options;
  const key = `${seconds}:${sampleRate}:${frameMs}`;
  let made = cache.get(key);
  if (!made) {
    made = encode(seconds, sampleRate, frameMs);
    cache.set(key, made);
  }
  return made;
}

function encode(seconds: number, sampleRate: number, frameMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const args = [
      '-hide_banner', '-loglevel', 'error', '-f', 'lavfi',
      '-i', `aevalsrc=0.4*(0.6+0.4*sin(2*PI*4*t))*sin(2*PI*180*t):s=${sampleRate}:d=${seconds}`,
      '-ac', '1', '-c:a', 'libopus', '-b:a', '64000', '-application', 'audio', '-frame_duration', String(frameMs),
      '-page_duration', '20000', '-f', 'ogg', 'pipe:1',
    ];
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

export interface OggPage {
  offset: number;
  length: number;
  granule: number;
  /** Its packets (pages made by ffmpeg never split one). */
  packets: Buffer[];
}

/** The pages of an Ogg stream (test helper: no CRC check, no packets across pages). */
export function oggPages(buf: Buffer): OggPage[] {
  const pages: OggPage[] = [];
  let at = 0;
  while (at + 27 <= buf.length && buf.toString('latin1', at, at + 4) === 'OggS') {
    const segments = buf[at + 26]!;
    const lacing = buf.subarray(at + 27, at + 27 + segments);
    let offset = at + 27 + segments;
    const packets: Buffer[] = [];
    let size = 0;
    for (const l of lacing) {
      size += l;
      if (l < 255) {
        packets.push(buf.subarray(offset, offset + size));
        offset += size;
        size = 0;
      }
    }
    const length = offset + size - at;
    pages.push({ offset: at, length, granule: Number(buf.readBigInt64LE(at + 6)), packets });
    at += length;
  }
  return pages;
}

/** OpusHead's pre-skip, in 48 kHz samples. */
export function preSkipOf(buf: Buffer): number {
  const head = oggPages(buf)[0]?.packets[0];
  if (!head || head.toString('latin1', 0, 8) !== 'OpusHead') throw new Error('not an Ogg Opus stream');
  return head.readUInt16LE(10);
}

/**
 * The start of an Ogg Opus clip holding at least `durationMs` of audio: its header pages and whole audio
 * pages. Returns the bytes and the audio they hold.
 */
export function cutOggOpus(buf: Buffer, durationMs: number): { ogg: Buffer; durationMs: number } {
  const pages = oggPages(buf);
  const preSkip = preSkipOf(buf);
  let end = 0;
  let ms = 0;
  for (const [i, page] of pages.entries()) {
    end = page.offset + page.length;
    if (i < 2) continue; // OpusHead, OpusTags
    ms = Math.max(0, page.granule - preSkip) / 48;
    if (ms >= durationMs) break;
  }
  return { ogg: buf.subarray(0, end), durationMs: ms };
}
