import { OPUS_SAMPLE_RATE, OpusFrameEncoder } from './opusFrames.js';
import { StreamResampler } from './resample.js';

/** MiniMax's MP3 sample rate (session/voiceSettings.ts): the rate the resampler is warmed at. */
const SOURCE_RATE = 32_000;
/** Samples handed over at a time, about what one 576-byte MP3 frame decodes to. */
const BLOCK = 1152;

/**
 * Codes `seconds` of synthetic voiced audio (a gliding pitch with harmonics and a syllable-rate envelope) through
 * the resampler and an Opus encoder at `complexity`, and throws the packets away; returns how many it made.
 * Why: V8 first runs WebAssembly through its baseline compiler and optimizes a function only once it has run
 * enough, so a fresh process codes its first seconds of audio at about twice the cost. When many guilds start
 * speaking at once just after a start-up, that is when the worker has the least time to spare (measured: the
 * first frames of 50 new encoders took 36, 21, 13 ms a round cold; 16, 10, 8, then 6 ms after 4 s of this).
 * 5 s of audio takes about 150 ms here, paid before the worker reports ready, off every /speak's path.
 */
export function warmUpCodec(complexity: number, seconds = 5): number {
  let packets = 0;
  const encoder = new OpusFrameEncoder(() => packets++, { complexity });
  const resampler = new StreamResampler(SOURCE_RATE, OPUS_SAMPLE_RATE);
  const block = new Float32Array(BLOCK);
  const emit = (left: Float32Array, right: Float32Array, count: number): void => encoder.writeFloat(left, right, count);
  try {
    let phase = 0;
    const total = Math.round(seconds * SOURCE_RATE);
    for (let start = 0; start < total; start += BLOCK) {
      const count = Math.min(BLOCK, total - start);
      for (let i = 0; i < count; i++) {
        const t = (start + i) / SOURCE_RATE;
        phase += (2 * Math.PI * (150 + 60 * Math.sin(2 * Math.PI * 0.7 * t))) / SOURCE_RATE;
        const envelope = 0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * t);
        block[i] = 0.25 * envelope * (Math.sin(phase) + 0.5 * Math.sin(2 * phase) + 0.25 * Math.sin(3 * phase));
      }
      resampler.process(block, block, count, emit);
    }
    resampler.flush(emit);
    encoder.flush();
  } finally {
    encoder.delete();
  }
  return packets;
}
