import OpusScript from 'opusscript';
import type { Readable } from 'node:stream';
import type { Transcoder } from '../../src/audio/types.js';

/** Chunk sizes from 1 to 4 KB that never line up with MP3 frames (a 128 kbps 32 kHz frame is 576 bytes). */
export const CHUNK_SIZES = [1000, 4096, 1537, 2222, 3001, 1024];

/** Cut a buffer into chunks of the sizes above, in turn. */
export function chunk(buf: Buffer, sizes: readonly number[] = CHUNK_SIZES): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0, i = 0; off < buf.length; i++) {
    const size = sizes[i % sizes.length]!;
    out.push(buf.subarray(off, off + size));
    off += size;
  }
  return out;
}

export interface Outcome {
  packets: Buffer[];
  /** The 'error' the stream ended with, if any. */
  error: Error | undefined;
  /** Whether 'end' was reached. */
  ended: boolean;
}

/** Collect everything `opus` yields until it ends, fails or the deadline passes (then it rejects). */
export function collect(opus: Readable, deadlineMs = 15_000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const packets: Buffer[] = [];
    const timer = setTimeout(() => reject(new Error(`opus stream neither ended nor failed within ${deadlineMs} ms`)), deadlineMs);
    opus.on('data', (p: Buffer) => packets.push(p));
    opus.once('end', () => { clearTimeout(timer); resolve({ packets, error: undefined, ended: true }); });
    opus.once('error', (error: Error) => { clearTimeout(timer); resolve({ packets, error, ended: false }); });
  });
}

/** Resolves at the next packet on `opus` (rejects after the deadline). Attach before writing. */
export function nextPacket(opus: Readable, deadlineMs = 10_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { opus.off('data', onData); reject(new Error(`no packet within ${deadlineMs} ms`)); }, deadlineMs);
    const onData = (p: Buffer): void => { clearTimeout(timer); resolve(p); };
    opus.once('data', onData);
  });
}

/** Decode every packet with a fresh opusscript decoder: interleaved s16 stereo at 48 kHz. */
export function decodeAll(packets: readonly Buffer[]): Int16Array {
  const decoder = new OpusScript(48000, 2);
  try {
    const pcm = Buffer.concat(packets.map((p) => decoder.decode(p)));
    return new Int16Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.length));
  } finally {
    decoder.delete();
  }
}

/** Total 48 kHz samples per channel in the packets (each decoded). */
export function decodedSamples(packets: readonly Buffer[]): number {
  return decodeAll(packets).length / 2;
}

/**
 * Share of one channel's energy between `lo` and `hi` Hz (a DFT over the bins in that band, Parseval for the
 * total). The fake MP3 is a 180 Hz tone with 4 Hz tremolo: nearly all its energy lies in 170-190 Hz, while
 * garbled samples (wrong byte order, wrong rate, a seam at every chunk) spread it elsewhere.
 */
export function bandShare(stereo: Int16Array, channel: 0 | 1, lo: number, hi: number, rate = 48000): number {
  const n = stereo.length / 2;
  let total = 0;
  for (let i = 0; i < n; i++) total += stereo[2 * i + channel]! ** 2;
  if (total === 0) return 0;
  let band = 0;
  for (let k = Math.ceil((lo * n) / rate); k <= Math.floor((hi * n) / rate); k++) {
    const w = (2 * Math.PI * k) / n;
    let re = 0, im = 0;
    for (let i = 0; i < n; i++) {
      const x = stereo[2 * i + channel]!;
      re += x * Math.cos(w * i);
      im -= x * Math.sin(w * i);
    }
    band += (2 * (re * re + im * im)) / n; // positive and negative frequency
  }
  return band / total;
}

/** Feed a whole MP3 in uneven chunks, end, and collect. */
export async function transcodeAll(t: Transcoder, mp3: Buffer): Promise<Outcome> {
  const done = collect(t.opus);
  for (const c of chunk(mp3)) t.write(c);
  t.end();
  return done;
}

/** Wait until `check()` is true, polling, or fail after the deadline. */
export async function waitFor(check: () => boolean, what: string, deadlineMs = 5000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Whether a process id is alive (signal 0 only checks). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}
