import { AudioError } from './errors.js';
import { OggPacketReader } from './oggPackets.js';
import { OpusDecoder } from './opusDecoder.js';
import { OPUS_FRAME_SAMPLES, OpusFrameEncoder, withBitrate, type OpusEncoderOptions } from './opusFrames.js';
import { opusFrameSamples, splitOpusPacket } from './opusPacket.js';
import { TranscoderBase } from './TranscoderBase.js';
import type { Transcoder, TranscoderFactory, TranscoderOptions } from './types.js';

export interface OggOpusTranscoderOptions {
  /** For re-encoding, when the stream's frames are not 20 ms. */
  encoder?: OpusEncoderOptions;
}

/**
 * Ogg Opus in (MiniMax's `opus` format), 20 ms Opus packets out. While the stream's frames are 20 ms (what an
 * encoder for speech uses), its packets go out as they are, cut into one packet per frame: no decoding, no
 * encoding. From the first packet whose frames are not 20 ms (2.5-10 ms CELT, 40-60 ms SILK), the rest of the
 * stream is decoded and encoded again in 20 ms frames, because @discordjs/voice stamps every packet as 20 ms.
 * The encoder's pre-skip (a few ms of priming) is played, not trimmed: it is near-silent.
 */
export class OggOpusTranscoder extends TranscoderBase {
  readonly #reader = new OggPacketReader();
  readonly #encoderOptions: OpusEncoderOptions;
  #state: 'head' | 'tags' | 'audio' = 'head';
  #decoder: OpusDecoder | undefined;
  #encoder: OpusFrameEncoder | undefined;
  readonly #onPacket = (packet: Buffer, first: boolean): void => this.#packet(packet, first);

  constructor(options: OggOpusTranscoderOptions = {}) {
    super('Ogg Opus');
    this.#encoderOptions = options.encoder ?? {};
  }

  /** Whether the stream is being decoded and encoded again (its frames were not 20 ms). */
  get reencoding(): boolean {
    return this.#decoder !== undefined;
  }

  protected input(chunk: Buffer): void {
    try {
      this.#reader.push(chunk, this.#onPacket);
    } catch (error) {
      // What MiniMax sends for `opus` is not documented: say which assumption broke, and the way back.
      if (!(error instanceof AudioError) || error.code !== 'DECODE_FAILED') throw error;
      throw new AudioError('DECODE_FAILED', `${error.message}: MiniMax's opus audio is not the Ogg Opus that AUDIO_FORMAT=opus expects; the bot owner should set AUDIO_FORMAT=mp3`, { cause: error });
    }
  }

  protected inputEnd(): void {
    this.#encoder?.flush();
    this.finish();
  }

  protected release(): void {
    this.#decoder?.delete();
    this.#encoder?.delete();
  }

  #packet(packet: Buffer, first: boolean): void {
    if (first) this.#state = 'head'; // a chained stream starts over with its own headers
    switch (this.#state) {
      case 'head':
        checkHead(packet);
        this.#state = 'tags';
        return;
      case 'tags':
        this.#state = 'audio'; // OpusTags: nothing in it matters here
        return;
      case 'audio':
        break;
    }
    if (packet.length === 0) return; // a lost frame: nothing to play
    if (!this.#decoder && opusFrameSamples(packet[0]!) === OPUS_FRAME_SAMPLES) {
      const frames = splitOpusPacket(packet);
      if (!frames) throw new AudioError('DECODE_FAILED', `a malformed Opus packet (${packet.length} bytes)`);
      for (const frame of frames) this.emitPacket(frame);
      return;
    }
    if (!this.#decoder) {
      this.#decoder = new OpusDecoder(2);
      this.#encoder = new OpusFrameEncoder((p) => this.emitPacket(p), this.#encoderOptions);
    }
    this.#encoder!.writePcm(this.#decoder.decode(packet));
  }
}

/** OpusHead (RFC 7845 section 5.1): magic, version 0.x, one or two channels in mapping family 0. */
function checkHead(packet: Buffer): void {
  if (packet.length < 19 || packet.toString('latin1', 0, 8) !== 'OpusHead') {
    throw new AudioError('DECODE_FAILED', 'the Ogg stream is not Opus (its first packet is not an OpusHead)');
  }
  const version = packet[8]!;
  const channels = packet[9]!;
  const family = packet[18]!;
  if (version >> 4 !== 0) throw new AudioError('DECODE_FAILED', `unsupported OpusHead version ${version}`);
  if (family !== 0 || channels < 1 || channels > 2) {
    throw new AudioError('DECODE_FAILED', `unsupported Opus channel layout (${channels} channels, mapping family ${family}); mono or stereo expected`);
  }
}

/** Factory for OggOpusTranscoder: runs in the calling thread (passing packets through costs next to nothing). */
export function createOggOpusTranscoderFactory(options: OggOpusTranscoderOptions = {}): TranscoderFactory {
  return {
    name: 'ogg-opus',
    input: 'ogg-opus',
    create: (stream?: TranscoderOptions): Transcoder => new OggOpusTranscoder({ encoder: withBitrate(options.encoder ?? {}, stream?.bitrate?.()) }),
  };
}
