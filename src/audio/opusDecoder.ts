/**
 * A libopus decoder on opusscript's WebAssembly build, for the same reason as opusEncoder.ts: fresh heap views
 * on every call. The handler's protocol (opusscript's C++): `_decode` writes each output byte of s16le PCM into
 * its own 16-bit slot, and returns the samples per channel.
 */
import { MAX_PACKET_BYTES, OPUS_APPLICATION_AUDIO, freeHandler, opusError, opusModule, type OpusModule } from './opusEncoder.js';
import { OPUS_SAMPLE_RATE } from './opusFrames.js';

/** 120 ms at 48 kHz, the longest an Opus packet decodes to (opusscript's own buffer holds 6 x 960). */
const MAX_FRAME_SAMPLES = 960 * 6;

/** Decodes Opus packets to interleaved s16le PCM at 48 kHz. Call `delete()` when done. */
export class OpusDecoder {
  readonly #module: OpusModule;
  #handler: InstanceType<OpusModule['OpusScriptHandler']> | undefined;
  readonly #channels: 1 | 2;
  readonly #input: number;
  readonly #output: number;

  constructor(channels: 1 | 2) {
    this.#module = opusModule();
    this.#channels = channels;
    this.#handler = new this.#module.OpusScriptHandler(OPUS_SAMPLE_RATE, channels, OPUS_APPLICATION_AUDIO);
    this.#input = this.#module._malloc(MAX_PACKET_BYTES);
    // One 16-bit slot per output byte (see above).
    this.#output = this.#module._malloc(MAX_FRAME_SAMPLES * channels * 2 * 2);
  }

  /** s16le interleaved PCM of one packet (a new Buffer). */
  decode(packet: Uint8Array): Buffer {
    const handler = this.#handler;
    if (!handler) throw new Error('the Opus decoder was deleted');
    if (packet.length > MAX_PACKET_BYTES) throw new RangeError(`Opus packet of ${packet.length} bytes exceeds ${MAX_PACKET_BYTES}`);
    this.#module.HEAPU8.set(packet, this.#input);
    const samples = handler._decode(this.#input, packet.length, this.#output);
    if (samples < 0) throw opusError('Opus decode', samples);
    const bytes = samples * this.#channels * 2;
    const slots = this.#module.HEAPU16.subarray(this.#output >> 1, (this.#output >> 1) + bytes);
    return Buffer.from(Uint8Array.from(slots));
  }

  /** Frees the decoder and its buffers. Safe to call more than once. */
  delete(): void {
    const handler = this.#handler;
    if (!handler) return;
    this.#handler = undefined;
    freeHandler(this.#module, handler, [this.#input, this.#output]);
  }
}
