import { AudioError } from './errors.js';
import { OPUS_APPLICATION_AUDIO, OpusEncoder } from './opusEncoder.js';

/** Discord's Opus format: 48 kHz, stereo, 20 ms frames. */
export const OPUS_SAMPLE_RATE = 48_000;
export const OPUS_CHANNELS = 2;
export const OPUS_FRAME_SAMPLES = 960;
const FRAME_BYTES = OPUS_FRAME_SAMPLES * OPUS_CHANNELS * 2;
/** Peak (s16) at or under which a frame before the first audible one is dropped: 32 = -60 dBFS. */
const LEADING_SILENCE_PEAK = 32;

// libopus encoder CTL request numbers (opus_defines.h).
const OPUS_SET_BITRATE = 4002;
const OPUS_SET_COMPLEXITY = 4010;
const OPUS_SET_VBR_CONSTRAINT = 4020;
const OPUS_SET_FORCE_CHANNELS = 4022;
const OPUS_AUTO = -1000;

/** Encoder settings shared by every transcoder. */
export interface OpusEncoderOptions {
  /**
   * Bits per second; default 64 000, the bitrate of a default Discord voice channel. The session passes each
   * stream its channel's bitrate (AUDIO_OPUS_BITRATE=channel): more bits are heard (docs/performance-fidelity.md).
   */
  bitrate?: number;
  /** libopus complexity 0..10; default DEFAULT_OPUS_COMPLEXITY. Lower trades quality for CPU. */
  complexity?: number;
}

export const DEFAULT_OPUS_BITRATE = 64_000;

/** `options` with the stream's own bitrate, when it has one. */
export function withBitrate(options: OpusEncoderOptions, bitrate: number | undefined): OpusEncoderOptions {
  return bitrate === undefined ? options : { ...options, bitrate };
}
/**
 * 5 keeps CELT's pitch pre-filter (the part of the encoder that matters for voiced speech, off below 5) and
 * drops the tonality analysis of 7 and up: both make CELT-only full-band packets here. It costs a fifth less CPU
 * per stream than 10 (bench/results/latest.md, "Opus encoder alone"); the encoder is the largest single cost of a
 * speaking guild. Measured against MiniMax's audio at 64-128 kbps (docs/performance-fidelity.md), 8 and 10 (the
 * same packets) are a little closer on synthetic voices and a little further on real speech: not worth the CPU.
 */
export const DEFAULT_OPUS_COMPLEXITY = 5;

/**
 * Interleaved stereo PCM in any chunk sizes -> one Opus packet per 20 ms frame (libopus, see opusEncoder.ts).
 * `flush()` pads the last partial frame with silence so the whole input comes out (prism's opus.Encoder drops it). Whole
 * frames of digital silence before the first audible sample (MP3 priming) are dropped.
 * A source whose two channels are identical (MiniMax sends mono) is coded by a 1-channel encoder: its packets
 * are mono Opus packets, which every decoder outputs on both channels (RFC 6716), so the stream stays a valid
 * stereo Opus stream, and a mono encoder costs less CPU than a stereo one forced to mono. Once a frame with
 * two different channels appears, the stream is coded in stereo from there on (forced to mono on frames whose
 * channels are equal, for the bits).
 * Packets are handed to `onPacket` synchronously; after `delete()` every call is a no-op, so a consumer may
 * destroy the pipeline from inside `onPacket`.
 */
export class OpusFrameEncoder {
  #encoder: OpusEncoder | undefined; // the 1-channel one while the source is mono
  #stereoEncoder: OpusEncoder | undefined; // made when a stereo frame first appears
  #options: OpusEncoderOptions;
  readonly #frame = Buffer.alloc(FRAME_BYTES);
  // Same memory as #frame; Buffer.alloc is never pooled, so the offset is 0 and aligned.
  readonly #samples = new Int16Array(this.#frame.buffer, this.#frame.byteOffset, FRAME_BYTES / 2);
  readonly #monoFrame = Buffer.alloc(FRAME_BYTES / 2);
  readonly #monoSamples = new Int16Array(this.#monoFrame.buffer, this.#monoFrame.byteOffset, FRAME_BYTES / 4);
  #filled = 0; // bytes of #frame holding audio
  #stereo = false; // the source has shown two different channels: code in stereo from now on
  #forcedMono = false; // what the stereo encoder is currently forced to
  #leading = true; // no audible frame yet: whole frames of digital silence are dropped
  #dropped = 0;
  readonly #onPacket: (packet: Buffer) => void;

  constructor(onPacket: (packet: Buffer) => void, options: OpusEncoderOptions = {}) {
    this.#onPacket = onPacket;
    this.#options = options;
    this.#encoder = createEncoder(1, options);
  }

  /** Whether `delete()` has been called. */
  get deleted(): boolean {
    return this.#encoder === undefined;
  }

  /** s16le interleaved stereo bytes (chunks may split a sample). */
  writePcm(pcm: Buffer): void {
    let offset = 0;
    while (offset < pcm.length && this.#encoder) {
      const n = Math.min(FRAME_BYTES - this.#filled, pcm.length - offset);
      pcm.copy(this.#frame, this.#filled, offset, offset + n);
      this.#filled += n;
      offset += n;
      if (this.#filled === FRAME_BYTES) this.#encodeFrame();
    }
  }

  /** Planar float samples in [-1, 1] (from index 0 up to `count`), converted to s16 with clipping. */
  writeFloat(left: Float32Array, right: Float32Array, count: number): void {
    const samples = this.#samples;
    let i = 0;
    while (i < count && this.#encoder) {
      let at = this.#filled >> 1;
      const stop = Math.min(count, i + ((FRAME_BYTES - this.#filled) >> 2));
      if (left === right) {
        // One source channel (the resampler hands a mono signal over as the same array twice): convert once.
        for (; i < stop; i++) {
          const v = toS16(left[i]!);
          samples[at++] = v;
          samples[at++] = v;
        }
      } else {
        for (; i < stop; i++) {
          samples[at++] = toS16(left[i]!);
          samples[at++] = toS16(right[i]!);
        }
      }
      this.#filled = at << 1;
      if (this.#filled === FRAME_BYTES) this.#encodeFrame();
    }
  }

  /** Encode what is left, padded with silence to a whole frame. */
  flush(): void {
    if (!this.#encoder) return;
    if (this.#filled > 0) {
      this.#frame.fill(0, this.#filled);
      this.#encodeFrame();
    }
    // Input that was silent throughout still yields one frame: it was audio, only quiet.
    if (this.#leading && this.#dropped > 0) {
      this.#leading = false;
      this.#encodeFrame();
    }
  }

  /**
   * Code the frames from now on at `complexity` (0..10; libopus allows a change between any two frames). A no-op
   * after `delete()`.
   */
  setComplexity(complexity: number): void {
    if (!this.#encoder) return;
    this.#options = { ...this.#options, complexity };
    this.#ctl(OPUS_SET_COMPLEXITY, complexity, 'complexity');
  }

  /** Bits per second for the frames coded from now on (the channel's bitrate changed); AudioError ENCODE_FAILED if invalid. */
  setBitrate(bitrate: number): void {
    if (!this.#encoder || bitrate === (this.#options.bitrate ?? DEFAULT_OPUS_BITRATE)) return;
    this.#options = { ...this.#options, bitrate };
    this.#ctl(OPUS_SET_BITRATE, bitrate, 'bitrate');
  }

  #ctl(request: number, value: number, what: string): void {
    for (const encoder of [this.#encoder, this.#stereoEncoder]) {
      try {
        encoder?.ctl(request, value);
      } catch (error) {
        throw new AudioError('ENCODE_FAILED', `invalid Opus ${what} ${value}: ${String(error)}`, { cause: error });
      }
    }
  }

  /** Free the encoder (WASM memory is not garbage-collected). Safe to call more than once. */
  delete(): void {
    this.#encoder?.delete();
    this.#encoder = undefined;
    this.#stereoEncoder?.delete();
    this.#stereoEncoder = undefined;
  }

  #encodeFrame(): void {
    this.#filled = 0;
    const encoder = this.#encoder;
    if (!encoder) return;
    // MP3 starts with encoder/decoder priming: whole frames of digital zeros. Dropping them at the start of
    // an utterance makes speech audible one frame sooner and leaves no silent frame between two utterances.
    if (this.#leading) {
      if (this.#isDigitalSilence()) {
        this.#dropped++;
        return;
      }
      this.#leading = false;
    }
    let packet: Buffer;
    try {
      const mono = this.#channelsIdentical();
      if (!this.#stereo && mono) {
        const out = this.#monoSamples, samples = this.#samples;
        for (let i = 0; i < out.length; i++) out[i] = samples[2 * i]!;
        packet = encoder.encode(this.#monoFrame, OPUS_FRAME_SAMPLES);
      } else {
        this.#stereo = true;
        const stereo = (this.#stereoEncoder ??= createEncoder(2, this.#options));
        if (mono !== this.#forcedMono) {
          stereo.ctl(OPUS_SET_FORCE_CHANNELS, mono ? 1 : OPUS_AUTO);
          this.#forcedMono = mono;
        }
        packet = stereo.encode(this.#frame, OPUS_FRAME_SAMPLES);
      }
    } catch (error) {
      if (error instanceof AudioError) throw error;
      throw new AudioError('ENCODE_FAILED', `Opus encoder failed: ${String(error)}`, { cause: error });
    }
    this.#onPacket(packet);
  }

  /**
   * Inaudible: no sample above -60 dBFS. MP3 priming is zeros followed by a few LSBs of decoder noise, which
   * libopus (with its lookahead) still encodes as a silence frame; a speech onset is far louder.
   */
  #isDigitalSilence(): boolean {
    const samples = this.#samples;
    for (let i = 0; i < samples.length; i++) {
      const v = samples[i]!;
      if (v > LEADING_SILENCE_PEAK || v < -LEADING_SILENCE_PEAK) return false;
    }
    return true;
  }

  #channelsIdentical(): boolean {
    const samples = this.#samples;
    for (let i = 0; i < samples.length; i += 2) if (samples[i] !== samples[i + 1]) return false;
    return true;
  }
}

/** A libopus encoder for Discord's rate and frame size with the given settings (AudioError on bad settings). */
function createEncoder(channels: 1 | 2, options: OpusEncoderOptions): OpusEncoder {
  const encoder = new OpusEncoder(OPUS_SAMPLE_RATE, channels, OPUS_APPLICATION_AUDIO, OPUS_FRAME_SAMPLES);
  try {
    encoder.ctl(OPUS_SET_BITRATE, options.bitrate ?? DEFAULT_OPUS_BITRATE);
    encoder.ctl(OPUS_SET_COMPLEXITY, options.complexity ?? DEFAULT_OPUS_COMPLEXITY);
    // Unconstrained VBR (libopus defaults to constrained; ffmpeg's libopus and opusenc do not): the bitrate still
    // averages the channel's, but a hard frame (a consonant's noise, a synthetic voice's sharp harmonics) may take
    // more bits than an easy one. Measured (docs/performance-fidelity.md): the largest single gain on synthetic voices.
    encoder.ctl(OPUS_SET_VBR_CONSTRAINT, 0);
  } catch (error) {
    encoder.delete();
    throw new AudioError('ENCODE_FAILED', `invalid Opus encoder settings: ${String(error)}`, { cause: error });
  }
  return encoder;
}

function toS16(x: number): number {
  const v = Math.round(x * 32768);
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}
