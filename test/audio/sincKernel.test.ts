import { describe, expect, it } from 'vitest';
import { polyphaseKaiserSinc, StreamResampler } from '../../src/audio/resample.js';
import { SincKernel } from '../../src/audio/sincKernel.js';

/** Noise-like but reproducible audio in [-0.9, 0.9]. */
function noise(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 1.8;
  }
  return out;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * The resampler's definition, in float64 and without the kernel: output k is branch (k * step) % phases of the
 * taps over the input (silent before and after it) from sample k * step / phases - (taps / 2 - 1) on.
 */
function reference(inRate: number, outRate: number, input: Float32Array): Float64Array {
  const g = gcd(inRate, outRate), phases = outRate / g, step = inRate / g;
  const scale = Math.min(1, outRate / inRate);
  const taps = 2 * Math.ceil(56 / 2 / scale);
  const c = polyphaseKaiserSinc(phases, taps, scale);
  const lead = taps / 2 - 1;
  const out = new Float64Array(Math.ceil((input.length * outRate) / inRate));
  for (let k = 0; k < out.length; k++) {
    const pos = k * step, i = Math.floor(pos / phases) - lead, p = pos % phases;
    let acc = 0;
    for (let j = 0; j < taps; j++) acc += c[p * taps + j]! * (input[i + j] ?? 0);
    out[k] = acc;
  }
  return out;
}

function resample(inRate: number, outRate: number, left: Float32Array, right: Float32Array, size: number): [Float32Array, Float32Array] {
  const r = new StreamResampler(inRate, outRate);
  const outL: number[] = [], outR: number[] = [];
  const emit = (l: Float32Array, rr: Float32Array, n: number): void => {
    for (let i = 0; i < n; i++) {
      outL.push(l[i]!);
      outR.push(rr[i]!);
    }
  };
  for (let off = 0; off < left.length; off += size) {
    const n = Math.min(size, left.length - off);
    r.process(left.subarray(off), right.subarray(off), n, emit);
  }
  r.flush(emit);
  return [Float32Array.from(outL), Float32Array.from(outR)];
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

// float32 products summed in float32: a few units of float32 rounding (2^-24) on a sum of magnitude ~1.
const ROUNDING = 2e-6;

describe('the resampler\'s SIMD kernel', () => {
  it.each([
    [32000, 48000], [44100, 48000], [22050, 48000], [24000, 48000], [16000, 48000], [48000, 32000], [44100, 16000],
  ])('computes %i -> %i Hz as the float64 definition does, to float32 rounding, on both channels', (inRate, outRate) => {
    const left = noise(inRate / 4, 1), right = noise(inRate / 4, 2);
    const [outL, outR] = resample(inRate, outRate, left, right, 1152);
    expect(maxDifference(outL, reference(inRate, outRate, left))).toBeLessThan(ROUNDING);
    expect(maxDifference(outR, reference(inRate, outRate, right))).toBeLessThan(ROUNDING);
  });

  it.each([[32000, 48000], [44100, 48000], [48000, 32000]])(
    'gives %i -> %i Hz stereo output byte for byte the same however the input is cut',
    (inRate, outRate) => {
      const left = noise(20000, 3), right = noise(20000, 4);
      const whole = resample(inRate, outRate, left, right, 20000);
      for (const size of [1, 7, 575, 1152, 4097]) expect(resample(inRate, outRate, left, right, size)).toEqual(whole);
    },
  );

  it('runs a chunk longer than its block of outputs, and grows its memory for it', () => {
    const input = noise(200_000, 5); // about 300,000 outputs at 48 kHz: many blocks, several 64 KiB pages
    const [out] = resample(32000, 48000, input, input, input.length);
    expect(maxDifference(out, reference(32000, 48000, input))).toBeLessThan(ROUNDING);
  });

  it('pads branches whose taps are not a multiple of eight with zeros that read nothing', () => {
    const kernel = new SincKernel();
    // Two branches of 3 taps (padded to 8): 0.5, 0.25, 0.125 and -1, 0, 1.
    const c = Float64Array.from([0.5, 0.25, 0.125, -1, 0, 1]);
    const table = kernel.taps(c, 2, 3);
    expect(table.taps).toBe(8);
    // A first call leaves NaN in the scratch memory past the next call's input: the padding must not read it.
    kernel.run(table, new Float32Array(64).fill(Number.NaN), 64, new Float32Array(8), 8, 1, 0);
    const src = Float32Array.from([1, 2, 4, 8, 16, 32]);
    const out = new Float32Array(7).fill(Number.NaN);
    kernel.run(table, src, src.length, out, 6, 1, 0); // step 1 of 2 branches: outputs at 0, 0.5, 1, 1.5 ... samples
    // pos 0: branch 0 over 1,2,4; pos 1: branch 1 over 1,2,4; pos 2: branch 0 over 2,4,8; ...
    expect(Array.from(out)).toEqual([1.5, 3, 3, 6, 6, 12, Number.NaN]);
  });

  it('keeps one copy of a table of taps however often it is asked for', () => {
    const kernel = new SincKernel();
    const c = polyphaseKaiserSinc(3, 56, 1);
    expect(kernel.taps(c, 3, 56)).toBe(kernel.taps(c, 3, 56));
  });
});
