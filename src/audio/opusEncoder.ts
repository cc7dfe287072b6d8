/**
 * A libopus encoder on opusscript's WebAssembly build, without opusscript's JavaScript wrapper. That wrapper
 * (0.0.8, and 0.1.1 the same) keeps views of the WASM heap taken at construction and indexes its 16-bit view with
 * a byte address (so it writes at twice the address it allocated), and once about 20 stereo encoders exist at the
 * same time every encode throws "offset is out of bounds" (bench: 30 of 50 guilds speaking at once were cut).
 * Here each call takes a fresh view of the heap and writes where it allocated.
 *
 * The handler's protocol (opusscript's C++): the PCM bytes are written one per 16-bit slot, and `_encode`
 * packs them back into s16 samples in place before calling opus_encode.
 */
import { createRequire } from 'node:module';

interface Handler {
  _encode(input: number, bytes: number, output: number, frameSize: number): number;
  _encoder_ctl(request: number, value: number): number;
  _decode(input: number, bytes: number, output: number): number;
}

export interface OpusModule {
  OpusScriptHandler: { new (sampleRate: number, channels: number, application: number): Handler; destroy_handler(handler: Handler): void };
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  /** Replaced by the module whenever the heap grows. */
  HEAPU8: Uint8Array;
  HEAPU16: Uint16Array;
}

/** libopus's largest packet (opusscript's output buffer size). */
export const MAX_PACKET_BYTES = 1276 * 3;
/** libopus's application for general audio (opus_defines.h). */
export const OPUS_APPLICATION_AUDIO = 2049;

let shared: OpusModule | undefined;

/** One WASM instance for every encoder and decoder of the process (instantiated synchronously, on first use). */
export function opusModule(): OpusModule {
  shared ??= (createRequire(import.meta.url)('opusscript/build/opusscript_native_wasm.js') as () => OpusModule)();
  return shared;
}

/** Frees a handler and the buffers malloc'd for it (WASM memory is not garbage-collected). */
export function freeHandler(module: OpusModule, handler: Handler, pointers: readonly number[]): void {
  module.OpusScriptHandler.destroy_handler(handler);
  for (const pointer of pointers) module._free(pointer);
}

/** Opus error codes (opus_defines.h) as words. */
const OPUS_ERRORS: Record<number, string> = {
  [-1]: 'bad argument', [-2]: 'buffer too small', [-3]: 'internal error', [-4]: 'invalid packet',
  [-5]: 'unimplemented', [-6]: 'invalid state', [-7]: 'memory allocation failed',
};

export function opusError(what: string, code: number): Error {
  return new Error(`${what}: ${OPUS_ERRORS[code] ?? `error ${code}`}`);
}

/** A libopus encoder: s16le interleaved PCM frames in, Opus packets out. Call `delete()` when done. */
export class OpusEncoder {
  #module: OpusModule;
  #handler: Handler | undefined;
  readonly #input: number;
  readonly #inputBytes: number;
  readonly #output: number;

  /** `application`: 2048 VOIP, 2049 AUDIO, 2051 RESTRICTED_LOWDELAY. */
  constructor(sampleRate: number, channels: 1 | 2, application: number, maxFrameSamples = 2880) {
    const m = opusModule();
    this.#module = m;
    this.#handler = new m.OpusScriptHandler(sampleRate, channels, application);
    this.#inputBytes = maxFrameSamples * channels * 2;
    // One 16-bit slot per input byte (see above); malloc's alignment makes the address even.
    this.#input = m._malloc(this.#inputBytes * 2);
    this.#output = m._malloc(MAX_PACKET_BYTES);
  }

  /** An encoder CTL request (OPUS_SET_BITRATE and the like); throws on an error code. */
  ctl(request: number, value: number): void {
    const handler = this.#live();
    const code = handler._encoder_ctl(request, value);
    if (code < 0) throw opusError(`Opus encoder CTL ${request}`, code);
  }

  /** Encodes one frame of `frameSamples` samples per channel; returns a new Buffer holding the packet. */
  encode(pcm: Uint8Array, frameSamples: number): Buffer {
    const handler = this.#live();
    if (pcm.byteLength > this.#inputBytes) throw new RangeError(`frame of ${pcm.byteLength} bytes exceeds ${this.#inputBytes}`);
    // Read the heap views now: the module replaces them when the heap grows, and older ones are detached.
    this.#module.HEAPU16.set(pcm, this.#input >> 1);
    const length = handler._encode(this.#input, pcm.byteLength, this.#output, frameSamples);
    if (length < 0) throw opusError('Opus encode', length);
    return Buffer.from(this.#module.HEAPU8.subarray(this.#output, this.#output + length));
  }

  /** Frees the encoder and its buffers (WASM memory is not garbage-collected). Safe to call more than once. */
  delete(): void {
    const handler = this.#handler;
    if (!handler) return;
    this.#handler = undefined;
    freeHandler(this.#module, handler, [this.#input, this.#output]);
  }

  #live(): Handler {
    if (!this.#handler) throw new Error('the Opus encoder was deleted');
    return this.#handler;
  }
}
