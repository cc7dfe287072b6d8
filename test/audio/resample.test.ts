import { describe, expect, it } from 'vitest';
import { StreamResampler } from '../../src/audio/resample.js';

function sine(rate: number, hz: number, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 0.5 * Math.sin((2 * Math.PI * hz * i) / rate);
  return out;
}

/** Run `input` through a resampler in chunks of the given sizes; the concatenated left channel. */
function run(inRate: number, outRate: number, input: Float32Array, sizes: readonly number[]): Float32Array {
  const r = new StreamResampler(inRate, outRate);
  const out: number[] = [];
  const emit = (l: Float32Array, right: Float32Array, n: number): void => {
    for (let i = 0; i < n; i++) {
      out.push(l[i]!);
      expect(right[i]).toBe(l[i]);
    }
  };
  for (let off = 0, k = 0; off < input.length; k++) {
    const part = input.subarray(off, off + sizes[k % sizes.length]!);
    r.process(part, part, part.length, emit);
    off += part.length;
  }
  r.flush(emit);
  return Float32Array.from(out);
}

describe('StreamResampler', () => {
  it.each([
    [32000, 48000], [24000, 48000], [16000, 48000], [22050, 48000], [44100, 48000], [8000, 48000],
  ])('turns %i Hz into exactly as long a signal at %i Hz', (inRate, outRate) => {
    const n = inRate; // one second
    const out = run(inRate, outRate, sine(inRate, 440, n), [1152, 577, 1, 4000]);
    expect(out.length).toBe(Math.ceil((n * outRate) / inRate));
  });

  it('gives the same output whatever the chunking (no seams)', () => {
    const input = sine(32000, 300, 20000);
    const whole = run(32000, 48000, input, [20000]);
    const pieces = run(32000, 48000, input, [1, 2, 3, 575, 1152, 7]);
    expect(pieces).toEqual(whole);
  });

  it('keeps a tone a tone: samples match the ideal 48 kHz sine closely', () => {
    const hz = 1000;
    const out = run(24000, 48000, sine(24000, hz, 24000), [1152]);
    const ideal = sine(48000, hz, out.length);
    let worst = 0;
    // Away from the two edges, where the missing neighbours are stand-ins.
    for (let i = 4; i < out.length - 4; i++) worst = Math.max(worst, Math.abs(out[i]! - ideal[i]!));
    expect(worst).toBeLessThan(0.0005); // 0.5 amplitude: error under -60 dB at 1 kHz (linear interpolation: about -41 dB)
  });

  it('starts afresh after flush', () => {
    const r = new StreamResampler(16000, 48000);
    let count = 0;
    const emit = (_l: Float32Array, _r: Float32Array, n: number): void => void (count += n);
    const a = sine(16000, 200, 1600);
    r.process(a, a, a.length, emit);
    r.flush(emit);
    r.process(a, a, a.length, emit);
    r.flush(emit);
    expect(count).toBe(2 * 4800);
  });

  it('rejects impossible rates', () => {
    expect(() => new StreamResampler(0, 48000)).toThrow(RangeError);
    expect(() => new StreamResampler(22050.5, 48000)).toThrow(RangeError);
  });
});
