import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import prism from 'prism-media';
import { AudioError } from './errors.js';
import { DEFAULT_OPUS_BITRATE, DEFAULT_OPUS_COMPLEXITY, OPUS_CHANNELS, OPUS_SAMPLE_RATE, OpusFrameEncoder, withBitrate, type OpusEncoderOptions } from './opusFrames.js';
import { TranscoderBase } from './TranscoderBase.js';
import type { Transcoder, TranscoderFactory, TranscoderOptions } from './types.js';

/**
 * Input arguments that make ffmpeg decode from the first MP3 frame: without them it buffers about 28 KB
 * (~1.8 s of 128 kbps audio) to probe the stream before any output.
 */
export const FAST_MP3_INPUT_ARGS: readonly string[] = ['-probesize', '32', '-analyzeduration', '0', '-f', 'mp3'];

/** What ffmpeg outputs: s16le PCM encoded here with opusscript, or Ogg Opus from its own libopus. */
export type FfmpegOutput = 'pcm' | 'ogg';

export interface FfmpegTranscoderOptions {
  /** The binary (see findFfmpeg). */
  ffmpegPath: string;
  /** Default 'pcm'. */
  output?: FfmpegOutput;
  /** Arguments before `-i pipe:0`; default FAST_MP3_INPUT_ARGS (the benchmark passes others for its baseline). */
  inputArgs?: readonly string[];
  /** How long ffmpeg may take to exit after end() before it is killed and an error reported; default 5000 ms. */
  exitDeadlineMs?: number;
  encoder?: OpusEncoderOptions;
}

const STDERR_TAIL = 2048;

/**
 * One ffmpeg process per utterance, started at construction so its start-up overlaps the T2A request.
 * Spawns ffmpeg directly instead of through prism.FFmpeg: prism only looks for ffmpeg-static or `ffmpeg`/`avconv`
 * on PATH (so it can't use FFMPEG_PATH or the bundled binary), probes it with a blocking spawnSync on first use,
 * and hides the exit code and stderr we need for error reports.
 */
export class FfmpegTranscoder extends TranscoderBase {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #encoder: OpusFrameEncoder | undefined;
  readonly #demuxer: prism.opus.OggDemuxer | undefined;
  readonly #exitDeadlineMs: number;
  #deadline: NodeJS.Timeout | undefined;
  #stderr = '';
  #exited = false;

  constructor(options: FfmpegTranscoderOptions) {
    super();
    const output = options.output ?? 'pcm';
    this.#exitDeadlineMs = options.exitDeadlineMs ?? 5000;
    const bitrate = options.encoder?.bitrate ?? DEFAULT_OPUS_BITRATE;
    const outputArgs = output === 'pcm'
      ? ['-f', 's16le']
      : ['-c:a', 'libopus', '-b:a', String(bitrate), '-compression_level', String(options.encoder?.complexity ?? DEFAULT_OPUS_COMPLEXITY),
        '-page_duration', '20000', '-f', 'opus'];
    const args = [
      '-hide_banner', '-loglevel', 'error', '-nostats',
      ...(options.inputArgs ?? FAST_MP3_INPUT_ARGS), '-i', 'pipe:0',
      '-ar', String(OPUS_SAMPLE_RATE), '-ac', String(OPUS_CHANNELS), ...outputArgs, '-flush_packets', '1', 'pipe:1',
    ];

    if (output === 'pcm') {
      this.#encoder = new OpusFrameEncoder((packet) => this.emitPacket(packet), options.encoder);
    } else {
      const demuxer = new prism.opus.OggDemuxer();
      demuxer.on('data', (packet: Buffer) => this.emitPacket(packet));
      demuxer.on('error', (error: Error) => this.fail(new AudioError('DECODE_FAILED', `bad Ogg from ffmpeg: ${error.message}`, { cause: error })));
      demuxer.on('end', () => this.finish());
      this.#demuxer = demuxer;
    }

    try {
      this.#child = spawn(options.ffmpegPath, args, { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    } catch (error) {
      // Synchronous spawn errors are bad arguments (a path with a NUL byte...): a setup error for create().
      this.#encoder?.delete();
      throw new AudioError('PROCESS_FAILED', `ffmpeg could not be started: ${String(error)}`, { cause: error, retryable: false });
    }
    const child = this.#child;
    child.on('error', (error) => {
      if (child.pid === undefined) this.#exited = true; // never started
      this.fail(new AudioError('PROCESS_FAILED', `ffmpeg could not be run (${options.ffmpegPath}): ${error.message}`, { cause: error, retryable: false }));
    });
    child.stdin.on('error', () => {
      // EPIPE/ECONNRESET once ffmpeg has died or been killed. After destroy() that is expected; otherwise the
      // 'close' handler reports the exit with ffmpeg's own message, and the deadline covers a process that hangs.
      if (!this.done) this.#armDeadline();
    });
    child.stdout.on('data', (data: Buffer) => {
      if (this.done) return;
      if (this.#encoder) this.guard(() => this.#encoder?.writePcm(data));
      else this.#demuxer?.write(data);
    });
    child.stderr.on('data', (data: Buffer) => {
      this.#stderr = (this.#stderr + data.toString()).slice(-STDERR_TAIL);
    });
    child.on('close', (code, signal) => this.#onClose(code, signal));
  }

  /** The ffmpeg process id (undefined if it could not start). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Whether the ffmpeg process has exited (it is never left running once the transcoder is done). */
  get exited(): boolean {
    return this.#exited || this.#child.exitCode !== null || this.#child.signalCode !== null;
  }

  protected input(chunk: Buffer): void {
    this.#child.stdin.write(chunk);
  }

  protected inputEnd(): void {
    this.#child.stdin.end();
    this.#armDeadline();
  }

  protected release(): void {
    clearTimeout(this.#deadline);
    this.#deadline = undefined;
    if (!this.exited) this.#child.kill('SIGKILL'); // nothing to save: stop at once; 'close' then reaps it
    this.#child.stdin.destroy();
    this.#encoder?.delete();
    this.#demuxer?.destroy();
  }

  #armDeadline(): void {
    if (this.#deadline || this.done) return;
    this.#deadline = setTimeout(() => {
      this.#deadline = undefined;
      this.fail(new AudioError('TIMEOUT', `ffmpeg did not finish within ${this.#exitDeadlineMs} ms after the end of input; killed`));
    }, this.#exitDeadlineMs);
  }

  #onClose(code: number | null, signal: NodeJS.Signals | null): void {
    this.#exited = true;
    clearTimeout(this.#deadline);
    this.#deadline = undefined;
    if (this.done) return;
    if (code !== 0 && this.ended && this.inputBytes === 0) {
      this.finish(); // ffmpeg fails on empty input; for us no audio in is simply no audio out
      return;
    }
    if (code !== 0) {
      const how = code === null ? `was killed by ${signal ?? 'a signal'}` : `exited with code ${code}`;
      const detail = this.#stderr.trim();
      // An exit code is ffmpeg rejecting this input (same input, same answer); a signal is a crash worth a retry.
      this.fail(new AudioError('PROCESS_FAILED', `ffmpeg ${how}${detail ? `: ${detail}` : ''}`, { retryable: code === null }));
      return;
    }
    if (this.#encoder) {
      this.guard(() => this.#encoder?.flush());
      this.finish();
    } else {
      this.#demuxer?.end(); // its 'end' calls finish() once the last packets are out
    }
  }
}

/** Factory for FfmpegTranscoder. */
export function createFfmpegTranscoderFactory(options: FfmpegTranscoderOptions): TranscoderFactory {
  const name = options.output === 'ogg' ? 'ffmpeg-libopus-ogg' : 'ffmpeg-s16le+opusscript';
  return {
    name,
    create: (stream?: TranscoderOptions): Transcoder => new FfmpegTranscoder({ ...options, encoder: withBitrate(options.encoder ?? {}, stream?.bitrate?.()) }),
  };
}
