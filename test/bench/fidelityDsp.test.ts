/** The fidelity benchmark's measurements (bench/fidelityDsp.ts) on signals whose answers are known. */
import { describe, expect, it } from 'vitest';
import { aligned, compare, lagOf, seamClicks } from '../../bench/fidelityDsp.js';

/** 1 s of a speech-like test signal at 48 kHz: harmonics of 150 Hz up to 15 kHz, at a syllable-rate loudness. */
function voice(): Float32Array {
  const x = new Float32Array(48_000);
  for (let i = 0; i < x.length; i++) {
    const t = i / 48_000;
    let v = 0;
    for (let h = 1; h * 150 < 15_000; h++) v += Math.sin(2 * Math.PI * 150 * h * t + h) / h;
    x[i] = 0.2 * (0.6 + 0.4 * Math.sin(2 * Math.PI * 4 * t)) * v;
  }
  return x;
}

/** `x` through a one-pole low-pass (a treble loss). */
function dull(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  let y = 0;
  for (let i = 0; i < x.length; i++) out[i] = y = 0.6 * y + 0.4 * x[i]!;
  return out;
}

describe('fidelity measurements', () => {
  const ref = voice();

  it('finds the lag of a delayed copy and undoes it', () => {
    const delayed = new Float32Array(ref.length + 1234);
    delayed.set(ref, 1234);
    expect(lagOf(delayed, ref)).toBe(1234);
    expect(aligned(delayed, 1234, ref.length)).toEqual(ref);
  });

  it('scores a perfect copy as perfect: no spectral distance, level errors or clicks', () => {
    const f = compare(ref, ref);
    expect(f.lsdDb).toBe(0);
    expect(f.bandsDb).toEqual([0, 0, 0, 0]);
    expect(f.rmsDeltaDb).toBe(0);
    expect(f.segSnrDb).toBe(35); // the clamp
    expect(seamClicks(ref, ref, [10_000, 20_000])).toBe(0);
  });

  it('sees a treble loss in the upper bands, the spectral distance and the SNR', () => {
    const f = compare(dull(ref), ref);
    expect(f.bandsDb[0]).toBeGreaterThan(-1.5);
    expect(f.bandsDb[3]).toBeLessThan(-6);
    expect(f.lsdDb).toBeGreaterThan(3);
    expect(f.segSnrDb).toBeLessThan(20);
  });

  it('counts a click at a seam, and only there', () => {
    const x = ref.slice();
    x[20_010] = x[20_010]! + 0.3;
    expect(seamClicks(x, ref, [10_000, 20_000, 30_000])).toBe(1);
  });
});
