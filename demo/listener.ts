/**
 * What the voice channel hears: every Opus frame the fake voice server received from the bot (after transport
 * decryption), decoded with opusscript and turned into 24 kHz mono 16-bit PCM for the page.
 */
import OpusScript from 'opusscript';
import type { FakeDiscord, ReceivedFrame } from './fakes.js';

/** Sample rate of the PCM the page gets (half of Discord's 48 kHz: half the bytes, ample for speech). */
export const PAGE_SAMPLE_RATE = 24_000;

export interface HeardAudio {
  guildId: string;
  /** 16-bit little-endian mono PCM at PAGE_SAMPLE_RATE. */
  pcm: Buffer;
  ms: number;
  /** The 3-byte Opus silence frame: a pause inside speech (libopus codes digital silence so), or the bot stopping. */
  silence: boolean;
}

/** Decodes the bot's voice frames as they arrive and hands each to `onAudio`. `close()` frees the decoders. */
export class VoiceListener {
  readonly #decoders = new Map<number, OpusScript>();
  readonly #onFrame = (frame: ReceivedFrame): void => this.#frame(frame);
  /** Milliseconds decoded so far: everything, and the frames that are not the silence frame. */
  heardMs = 0;
  voiceMs = 0;

  constructor(
    private readonly discord: FakeDiscord,
    private readonly onAudio: (audio: HeardAudio) => void,
  ) {
    discord.audio.on('frame', this.#onFrame);
  }

  close(): void {
    this.discord.audio.off('frame', this.#onFrame);
    for (const decoder of this.#decoders.values()) decoder.delete();
    this.#decoders.clear();
  }

  #frame(frame: ReceivedFrame): void {
    // Silence frames are played too: libopus codes the pauses between words (digital zeros) as silence frames.
    if (frame.decodeError) return;
    let stereo: Buffer;
    try {
      stereo = this.#decoder(frame.ssrc).decode(frame.opus);
    } catch {
      return; // the fake counted it as a decode error already
    }
    const pcm = toPagePcm(stereo);
    const ms = (pcm.length / 2 / PAGE_SAMPLE_RATE) * 1000;
    this.heardMs += ms;
    if (!frame.silence) this.voiceMs += ms;
    this.onAudio({ guildId: frame.guildId, pcm, ms, silence: frame.silence });
  }

  #decoder(ssrc: number): OpusScript {
    let decoder = this.#decoders.get(ssrc);
    if (!decoder) {
      decoder = new OpusScript(48_000, 2);
      this.#decoders.set(ssrc, decoder);
    }
    return decoder;
  }
}

/** 48 kHz interleaved stereo to 24 kHz mono: each output sample averages two frames of both channels. */
export function toPagePcm(stereo: Buffer): Buffer {
  const frames = Math.floor(stereo.length / 4);
  const out = Buffer.alloc(Math.floor(frames / 2) * 2);
  for (let i = 0; i < out.length / 2; i++) {
    const a = 8 * i;
    const sum = stereo.readInt16LE(a) + stereo.readInt16LE(a + 2) + stereo.readInt16LE(a + 4) + stereo.readInt16LE(a + 6);
    out.writeInt16LE(Math.round(sum / 4), 2 * i);
  }
  return out;
}
