/**
 * The fidelity benchmark's material: real speech (alsa-utils' recordings) and synthetic voices (espeak-ng), each
 * encoded as MiniMax sends it (32 kHz mono 128 kbps MP3, libmp3lame), and ffmpeg runs for the reference chain.
 * Needs Debian's ffmpeg (with soxr and libopus), espeak-ng and alsa-utils' sounds; says what to install if not.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ALSA_SOUNDS = '/usr/share/sounds/alsa';
const HOW_TO_FIX = 'the fidelity benchmark needs ffmpeg (with soxr and libopus), espeak-ng and alsa-utils: apt-get install ffmpeg espeak-ng alsa-utils';

export interface Source {
  name: string;
  kind: 'natural' | 'synthetic';
  /** As MiniMax sends it: 32 kHz mono 128 kbps MP3. */
  mp3: Buffer;
}

/** Sentences for the synthetic voices, and the espeak-ng voices that say them. */
const SYNTHETIC: readonly { voice: string; text: string }[] = [
  { voice: 'en-us', text: 'The quick brown fox jumps over the lazy dog, and then it sits down to rest.' },
  { voice: 'en-gb+f3', text: 'She sells sea shells by the sea shore; the shells she sells are surely seashells.' },
  { voice: 'en-us+m3', text: 'Please remember to check the schedule, six thirty sharp, before Friday.' },
];

/** Runs `command` with `input` on stdin; resolves with stdout, rejects with stderr's tail (60 s at most). */
export function run(command: string, args: readonly string[], input?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-2000)));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${command}: ${error.message}; ${HOW_TO_FIX}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`${command} exited with ${code}: ${err.trim()}`));
    });
    child.stdin.on('error', () => undefined); // a child that exits early: its exit code says why
    child.stdin.end(input ?? Buffer.alloc(0));
  });
}

const FFMPEG = ['-hide_banner', '-loglevel', 'error', '-nostdin'];

/** Any audio file's bytes -> 32 kHz mono 128 kbps MP3, through soxr (MiniMax's format, session/voiceSettings.ts). */
function toMiniMaxMp3(audio: Buffer): Promise<Buffer> {
  return run('ffmpeg', [
    ...FFMPEG, '-i', 'pipe:0', '-af', 'aresample=resampler=soxr:precision=28', '-ar', '32000', '-ac', '1',
    '-c:a', 'libmp3lame', '-b:a', '128k', '-f', 'mp3', 'pipe:1',
  ], audio);
}

/** Every source, encoded; `limit` keeps the first few of each kind (quick runs). */
export async function loadSources(limit = Infinity): Promise<Source[]> {
  if (!existsSync(ALSA_SOUNDS)) throw new Error(`${ALSA_SOUNDS} is missing; ${HOW_TO_FIX}`);
  const natural = readdirSync(ALSA_SOUNDS).filter((f) => f.endsWith('.wav') && f !== 'Noise.wav').sort().slice(0, limit);
  const sources: Source[] = [];
  for (const file of natural) {
    sources.push({ name: file.replace(/\.wav$/, ''), kind: 'natural', mp3: await toMiniMaxMp3(readFileSync(join(ALSA_SOUNDS, file))) });
  }
  for (const { voice, text } of SYNTHETIC.slice(0, limit)) {
    const wav = await run('espeak-ng', ['-v', voice, '-s', '165', '--stdout', text]);
    sources.push({ name: `espeak ${voice}`, kind: 'synthetic', mp3: await toMiniMaxMp3(wav) });
  }
  return sources;
}

const f32 = (bytes: Buffer): Float32Array => {
  const copy = new Uint8Array(bytes); // aligned
  return new Float32Array(copy.buffer, 0, Math.floor(copy.length / 4));
};

/** 32 kHz mono float PCM -> 48 kHz by ffmpeg's soxr at high precision: the reference of what should be heard. */
export async function soxrTo48k(pcm: Float32Array, inRate: number): Promise<Float32Array> {
  return f32(await run('ffmpeg', [
    ...FFMPEG, '-f', 'f32le', '-ar', String(inRate), '-ac', '1', '-i', 'pipe:0',
    '-af', 'aresample=resampler=soxr:precision=28', '-ar', '48000', '-f', 'f32le', 'pipe:1',
  ], Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength)));
}

/**
 * The reference chain: the same PCM through soxr and libopus (ffmpeg, 20 ms frames, complexity 10) at `bitrate`,
 * then decoded by libopus at 48 kHz.
 */
export async function referenceChain(pcm: Float32Array, inRate: number, bitrate: number): Promise<Float32Array> {
  const ogg = await run('ffmpeg', [
    ...FFMPEG, '-f', 'f32le', '-ar', String(inRate), '-ac', '1', '-i', 'pipe:0',
    '-af', 'aresample=resampler=soxr:precision=28', '-ar', '48000', '-c:a', 'libopus', '-b:a', String(bitrate),
    '-compression_level', '10', '-frame_duration', '20', '-application', 'audio', '-f', 'ogg', 'pipe:1',
  ], Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
  return f32(await run('ffmpeg', [...FFMPEG, '-c:a', 'libopus', '-i', 'pipe:0', '-ac', '1', '-ar', '48000', '-f', 'f32le', 'pipe:1'], ogg));
}
