/**
 * Spoken words for the fake MiniMax: espeak-ng says the text (WAV), ffmpeg makes it the MP3 MiniMax would send
 * (CBR, mono, no ID3/Xing header, at the task's sample rate and bitrate). Used by the demo so that it sounds like
 * speech; resolves undefined when espeak-ng is not installed, so the caller falls back to its tone.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffmpegBytes } from '../mp3.js';

/** espeak-ng voices the fake's voice ids map to, so that different voices sound different. */
const ESPEAK_VOICES: Record<string, string> = {
  English_expressive_narrator: 'en-us',
  English_Graceful_Lady: 'en-gb+f3',
  Fake_Only_Voice: 'en-gb-scotland',
};

export interface SpeechOptions {
  sampleRate: number;
  bitrate: number;
  /** A MiniMax voice id; unknown ids speak with espeak-ng's US English voice. */
  voiceId?: string;
  /** MiniMax's speed (0.5..2); espeak-ng's default rate is 175 words a minute. */
  speed?: number;
  /** The espeak-ng program (default: `espeak-ng` on PATH). */
  espeak?: string;
}

/** MP3 of espeak-ng saying `text`, or undefined when espeak-ng cannot be run. */
export async function espeakMp3(text: string, options: SpeechOptions): Promise<Buffer | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'parrot-espeak-'));
  try {
    const textFile = join(dir, 'text.txt');
    const wavFile = join(dir, 'speech.wav');
    await writeFile(textFile, text, 'utf8');
    const voice = ESPEAK_VOICES[options.voiceId ?? ''] ?? 'en-us';
    const rate = String(Math.round(175 * Math.min(2, Math.max(0.5, options.speed ?? 1))));
    // The text from a file (-f): a text starting with '-' is never taken for an option.
    const ran = await run(options.espeak ?? 'espeak-ng', ['-v', voice, '-s', rate, '-w', wavFile, '-f', textFile]);
    if (!ran) return undefined;
    await readFile(wavFile); // espeak-ng exits 0 on some failures without writing: make that an error here
    return await ffmpegBytes([
      '-hide_banner', '-loglevel', 'error', '-i', wavFile,
      // espeak-ng starts with a pause; MiniMax's audio starts with the voice (and the bot drops leading silence).
      '-af', 'silenceremove=start_periods=1:start_threshold=0.002', '-ac', '1', '-ar', String(options.sampleRate),
      '-c:a', 'libmp3lame', '-b:a', String(options.bitrate), '-write_xing', '0', '-id3v2_version', '0', '-f', 'mp3', 'pipe:1',
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs a program to its end (10 s at most); false when it is not installed, an error when it fails. */
function run(program: string, args: readonly string[]): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === 'ENOENT') resolve(false);
      else reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(true);
      else reject(new Error(`${program} exited with ${code}: ${err.trim()}`));
    });
  });
}
