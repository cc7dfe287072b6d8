import { MPEGDecoder } from 'mpg123-decoder';
import { AudioError } from './errors.js';
import { OPUS_SAMPLE_RATE, OpusFrameEncoder, withBitrate, type OpusEncoderOptions } from './opusFrames.js';
import { StreamResampler } from './resample.js';
import { TranscoderBase } from './TranscoderBase.js';
import type { Transcoder, TranscoderFactory, TranscoderOptions } from './types.js';

export interface WasmTranscoderOptions {
  encoder?: OpusEncoderOptions;
  /** Asked at every chunk written: the Opus bitrate from then on (TranscoderOptions.bitrate); undefined: unchanged. */
  bitrate?: (() => number | undefined) | undefined;
}

/**
 * In-process transcoder, no child process: mpg123 (WebAssembly) decodes MP3 as chunks arrive (a chunk may
 * split a frame; mpg123 keeps the remainder), a band-limited polyphase resampler brings it to 48 kHz, opusscript encodes.
 * The decoder needs a few milliseconds to instantiate; chunks written before that are queued.
 */
export class WasmTranscoder extends TranscoderBase {
  readonly #decoder = new MPEGDecoder();
  readonly #encoder: OpusFrameEncoder;
  readonly #bitrate: (() => number | undefined) | undefined;
  #ready = false;
  #freed = false;
  #pending: Buffer[] = [];
  #resampler: StreamResampler | undefined;
  #rate = 0;
  readonly #toEncoder = (left: Float32Array, right: Float32Array, count: number): void =>
    this.#encoder.writeFloat(left, right, count);

  constructor(options: WasmTranscoderOptions = {}) {
    super();
    this.#bitrate = options.bitrate;
    try {
      this.#encoder = new OpusFrameEncoder((packet) => this.emitPacket(packet), options.encoder);
    } catch (error) {
      this.#decoder.ready.then(() => this.#decoder.free(), () => undefined);
      throw error;
    }
    this.#decoder.ready.then(
      () => this.#onReady(),
      (error: unknown) => this.fail(new AudioError('DECODE_FAILED', `MP3 decoder failed to start: ${String(error)}`, { cause: error })),
    );
  }

  /** Opus complexity for the frames coded from now on (see OpusFrameEncoder.setComplexity). */
  setComplexity(complexity: number): void {
    this.#encoder.setComplexity(complexity);
  }

  protected input(chunk: Buffer): void {
    const bitrate = this.#bitrate?.();
    if (bitrate !== undefined) this.#encoder.setBitrate(bitrate);
    if (this.#ready) this.#decode(chunk);
    else this.#pending.push(chunk);
  }

  protected inputEnd(): void {
    if (this.#ready) this.#flush();
  }

  protected release(): void {
    this.#pending = [];
    this.#encoder.delete();
    // Before ready the WASM instance does not exist yet; #onReady frees it.
    if (this.#ready) this.#free();
  }

  #onReady(): void {
    this.#ready = true;
    if (this.done) {
      this.#free();
      return;
    }
    const pending = this.#pending;
    this.#pending = [];
    this.guard(() => {
      for (const chunk of pending) {
        if (this.done) return;
        this.#decode(chunk);
      }
      if (this.ended && !this.done) this.#flush();
    });
  }

  #decode(chunk: Buffer): void {
    // mpg123 skips bytes that are not MP3 frames (garbage yields no samples; TranscoderBase reports "no audio").
    const { channelData, samplesDecoded, sampleRate } = this.#decoder.decode(chunk);
    const left = channelData[0];
    if (samplesDecoded === 0 || !left) return;
    const right = channelData[1] ?? left; // mpg123 outputs stereo even for mono MP3; keep a fallback anyway
    if (sampleRate !== this.#rate) {
      this.#resampler?.flush(this.#toEncoder); // a rate change mid-stream: finish the old rate's tail first
      this.#rate = sampleRate;
      this.#resampler = sampleRate === OPUS_SAMPLE_RATE ? undefined : new StreamResampler(sampleRate, OPUS_SAMPLE_RATE);
    }
    if (this.#resampler) this.#resampler.process(left, right, samplesDecoded, this.#toEncoder);
    else this.#encoder.writeFloat(left, right, samplesDecoded);
  }

  #flush(): void {
    this.#resampler?.flush(this.#toEncoder);
    this.#encoder.flush();
    this.finish();
  }

  #free(): void {
    if (this.#freed) return;
    this.#freed = true;
    this.#decoder.free();
  }
}

/** Factory for WasmTranscoder. */
export function createWasmTranscoderFactory(options: WasmTranscoderOptions = {}): TranscoderFactory {
  return {
    name: 'wasm-mpg123+opusscript',
    create: (stream?: TranscoderOptions): Transcoder =>
      new WasmTranscoder({ encoder: withBitrate(options.encoder ?? {}, stream?.bitrate?.()), bitrate: stream?.bitrate }),
  };
}
