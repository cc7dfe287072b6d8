/**
 * The audio pipeline: MiniMax's MP3 (or Ogg Opus) chunks in, 20 ms 48 kHz Opus packets out (see types.ts for
 * the contract).
 */
import { availableParallelism } from 'node:os';
import { createFfmpegTranscoderFactory, type FfmpegOutput } from './FfmpegTranscoder.js';
import { findFfmpeg } from './ffmpegPath.js';
import type { OpusEncoderOptions } from './opusFrames.js';
import type { SheddingOptions } from './transcodeWorker.js';
import { createOggOpusTranscoderFactory } from './OggOpusTranscoder.js';
import type { AudioInput, TranscoderFactory } from './types.js';
import { createWasmTranscoderFactory } from './WasmTranscoder.js';
import { createWorkerTranscoderFactory, type ComplexityReport } from './workerPool.js';

export type { AudioInput, Transcoder, TranscoderFactory, TranscoderOptions } from './types.js';
export { AudioError, type AudioErrorCode } from './errors.js';
export { findFfmpeg, findOnPath, resolveBundledFfmpeg, FFMPEG_HOW_TO_FIX, type FindFfmpegOptions } from './ffmpegPath.js';
export {
  FfmpegTranscoder, createFfmpegTranscoderFactory, FAST_MP3_INPUT_ARGS,
  type FfmpegOutput, type FfmpegTranscoderOptions,
} from './FfmpegTranscoder.js';
export { OggOpusTranscoder, createOggOpusTranscoderFactory, type OggOpusTranscoderOptions } from './OggOpusTranscoder.js';
export { WasmTranscoder, createWasmTranscoderFactory, type WasmTranscoderOptions } from './WasmTranscoder.js';
export {
  createWorkerTranscoderFactory, type ComplexityReport, type WorkerTranscoderFactory, type WorkerTranscoderFactoryOptions,
} from './workerPool.js';
export type { SheddingOptions } from './transcodeWorker.js';
export {
  OpusFrameEncoder, OPUS_SAMPLE_RATE, OPUS_CHANNELS, OPUS_FRAME_SAMPLES, DEFAULT_OPUS_BITRATE, DEFAULT_OPUS_COMPLEXITY,
  type OpusEncoderOptions,
} from './opusFrames.js';

export type TranscoderKind = 'wasm' | 'ffmpeg';

/** The kind used when the config does not choose: fastest first packet and cheapest per stream (bench/results/pipeline.md). */
export const DEFAULT_TRANSCODER_KIND: TranscoderKind = 'wasm';

export interface TranscoderFactoryOptions {
  /** What MiniMax is asked for; default 'mp3'. 'ogg-opus' passes MiniMax's Opus through (kind and workers do not apply). */
  input?: AudioInput;
  /** Default DEFAULT_TRANSCODER_KIND. */
  kind?: TranscoderKind;
  /** FFMPEG_PATH (kind 'ffmpeg' only). */
  ffmpegPath?: string | undefined;
  /** The PATH to search for ffmpeg (kind 'ffmpeg' only). */
  pathEnv?: string | undefined;
  /** What ffmpeg outputs (kind 'ffmpeg' only); default 'pcm'. */
  ffmpegOutput?: FfmpegOutput;
  encoder?: OpusEncoderOptions;
  /** Worker threads that decode and encode (kind 'wasm' only); 0 = in the calling thread. Default 0. */
  workers?: number;
  /** Load shedding in the worker threads (workers > 0 only; see complexityGovernor.ts). */
  shedding?: SheddingOptions;
  /** Told each time a worker thread sheds or comes back. */
  onComplexity?: (report: ComplexityReport) => void;
}

/**
 * Worker threads for a bot on a machine with `cores` cores: one fewer than the cores (the main thread paces the
 * audio of every guild and must never wait behind a decode), at most 4; none on a single core.
 */
export function defaultWorkerCount(cores: number = availableParallelism()): number {
  return cores >= 2 ? Math.min(4, cores - 1) : 0;
}

/**
 * The transcoder factory the session uses. For kind 'ffmpeg', ffmpeg is looked up now, so a missing binary
 * fails at start-up (AudioError FFMPEG_NOT_FOUND / FFMPEG_PATH_INVALID) rather than at the first /speak.
 */
export function createTranscoderFactory(options: TranscoderFactoryOptions = {}): TranscoderFactory {
  const kind = options.kind ?? DEFAULT_TRANSCODER_KIND;
  const encoder = options.encoder ?? {};
  if (options.input === 'ogg-opus') return createOggOpusTranscoderFactory({ encoder });
  if (kind === 'wasm') {
    const workers = options.workers ?? 0;
    if (workers === 0) return createWasmTranscoderFactory({ encoder });
    const { shedding, onComplexity } = options;
    return createWorkerTranscoderFactory({ workers, encoder, ...(shedding && { shedding }), ...(onComplexity && { onComplexity }) });
  }
  const ffmpegPath = findFfmpeg({ ffmpegPath: options.ffmpegPath, pathEnv: options.pathEnv });
  return createFfmpegTranscoderFactory({ ffmpegPath, output: options.ffmpegOutput ?? 'pcm', encoder });
}
