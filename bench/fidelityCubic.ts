import { OpusEncoder } from '../src/audio/opusEncoder.js';

type Emit = (left: Float32Array, right: Float32Array, count: number) => void;

/**
 * THE OLD RESAMPLER, kept for the fidelity benchmark's "before" rows only (src/audio/resample.ts replaced it; issue 20).
 * Streaming stereo resampler (4-point Catmull-Rom cubic interpolation): chunks of any size in, the same
 * signal at `outRate` out, with no seams between chunks. Much cleaner than linear interpolation for speech
 * going up to 48 kHz, and cheap: the ratio of two MP3 rates has few phases (32 -> 48 kHz: 3), so the four
 * weights of every phase are computed once and each output sample is four multiply-adds.
 */
export class CubicResampler {
  readonly inRate: number;
  readonly outRate: number;
  readonly #phases: number; // output positions per input sample, in lowest terms
  readonly #step: number; // input advance per output sample, in 1/#phases of an input sample
  readonly #weights: Float32Array; // 4 per phase
  // Unconsumed input; index 0 is the sample before the current position (its left neighbour).
  #left = new Float32Array(4096);
  #right = new Float32Array(4096);
  #length = 0;
  #index = 1; // buffer index of the sample at or before the next output position
  #phase = 0; // how far past #index that position is, in 1/#phases
  #inputTotal = 0;
  #outputTotal = 0;
  #outLeft = new Float32Array(0);
  #outRight = new Float32Array(0);

  constructor(inRate: number, outRate: number) {
    if (!(inRate > 0 && outRate > 0 && Number.isInteger(inRate) && Number.isInteger(outRate))) {
      throw new RangeError(`sample rates must be positive integers (got ${inRate} -> ${outRate})`);
    }
    this.inRate = inRate;
    this.outRate = outRate;
    const g = gcd(inRate, outRate);
    this.#phases = outRate / g;
    this.#step = inRate / g;
    this.#weights = new Float32Array(this.#phases * 4);
    for (let p = 0; p < this.#phases; p++) {
      const f = p / this.#phases;
      // Catmull-Rom: y = x0 + f*c1 + f^2*c2 + f^3*c3, expanded into one weight per neighbour.
      this.#weights[4 * p] = (-f + 2 * f * f - f * f * f) / 2;
      this.#weights[4 * p + 1] = (2 - 5 * f * f + 3 * f * f * f) / 2;
      this.#weights[4 * p + 2] = (f + 4 * f * f - 3 * f * f * f) / 2;
      this.#weights[4 * p + 3] = (-f * f + f * f * f) / 2;
    }
  }

  /**
   * Add `count` input samples; `emit` receives the output made so far (views valid only during the call).
   * Passing the same array (or identical content) for both channels computes it once.
   */
  process(left: Float32Array, right: Float32Array, count: number, emit: Emit): void {
    if (count <= 0) return;
    if (this.#inputTotal === 0) {
      // Edge: the sample "before" the first one repeats it.
      this.#append(left, right, 1);
      this.#index = 1;
      this.#phase = 0;
    }
    this.#append(left, right, count);
    this.#inputTotal += count;
    this.#run(Infinity, left === right || sameSamples(left, right, count), emit);
  }

  /** End of input: emit the tail so the output lasts exactly as long as the input, then start afresh. */
  flush(emit: Emit): void {
    if (this.#inputTotal === 0) return;
    const last = this.#length - 1;
    const tail = [this.#left.subarray(last, last + 1).slice(), this.#right.subarray(last, last + 1).slice()] as const;
    for (let k = 0; k < 2; k++) this.#append(tail[0], tail[1], 1);
    const expected = Math.ceil((this.#inputTotal * this.outRate) / this.inRate);
    this.#run(expected - this.#outputTotal, false, emit);
    this.#length = 0;
    this.#inputTotal = 0;
    this.#outputTotal = 0;
  }

  #run(limit: number, mono: boolean, emit: Emit): void {
    const phases = this.#phases, step = this.#step, w = this.#weights;
    // Output k needs input index #index + 2 (after advancing) to exist.
    const available = Math.floor(((this.#length - 3 - this.#index) * phases + (phases - 1) - this.#phase) / step) + 1;
    const n = Math.max(0, Math.min(limit, available));
    if (n === 0) return;
    if (this.#outLeft.length < n) {
      this.#outLeft = new Float32Array(n);
      this.#outRight = new Float32Array(n);
    }
    const srcL = this.#left, srcR = this.#right, outL = this.#outLeft, outR = this.#outRight;
    let i = this.#index, phase = this.#phase;
    for (let k = 0; k < n; k++) {
      const p = 4 * phase;
      const w0 = w[p]!, w1 = w[p + 1]!, w2 = w[p + 2]!, w3 = w[p + 3]!;
      outL[k] = w0 * srcL[i - 1]! + w1 * srcL[i]! + w2 * srcL[i + 1]! + w3 * srcL[i + 2]!;
      if (!mono) outR[k] = w0 * srcR[i - 1]! + w1 * srcR[i]! + w2 * srcR[i + 1]! + w3 * srcR[i + 2]!;
      phase += step;
      while (phase >= phases) {
        phase -= phases;
        i++;
      }
    }
    this.#outputTotal += n;
    // Drop consumed input, keeping one sample of history before the next position.
    const drop = i - 1;
    if (drop > 0) {
      srcL.copyWithin(0, drop, this.#length);
      srcR.copyWithin(0, drop, this.#length);
      this.#length -= drop;
      i -= drop;
    }
    this.#index = i;
    this.#phase = phase;
    emit(outL, mono ? outL : outR, n);
  }

  #append(left: Float32Array, right: Float32Array, count: number): void {
    const need = this.#length + count;
    if (need > this.#left.length) {
      const size = Math.max(need, this.#left.length * 2);
      const l = new Float32Array(size), r = new Float32Array(size);
      l.set(this.#left.subarray(0, this.#length));
      r.set(this.#right.subarray(0, this.#length));
      this.#left = l;
      this.#right = r;
    }
    this.#left.set(left.subarray(0, count), this.#length);
    this.#right.set(right.subarray(0, count), this.#length);
    this.#length = need;
  }
}

function sameSamples(a: Float32Array, b: Float32Array, count: number): boolean {
  for (let i = 0; i < count; i++) if (a[i] !== b[i]) return false;
  return true;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

const OPUS_SET_BITRATE = 4002;
const OPUS_SET_COMPLEXITY = 4010;
const OPUS_APPLICATION_AUDIO = 2049;

/**
 * THE OLD ENCODER SETTINGS, for the "before" rows: a 1-channel libopus encoder as OpusFrameEncoder made it before
 * issue 20, i.e. with libopus's default constrained VBR. Mono float in, one packet per 20 ms frame out.
 */
export class ConstrainedVbrEncoder {
  readonly #encoder = new OpusEncoder(48_000, 1, OPUS_APPLICATION_AUDIO, 960);
  readonly #frame = Buffer.alloc(960 * 2);
  #filled = 0;

  constructor(
    private readonly onPacket: (packet: Buffer) => void,
    options: { bitrate: number; complexity: number },
  ) {
    this.#encoder.ctl(OPUS_SET_BITRATE, options.bitrate);
    this.#encoder.ctl(OPUS_SET_COMPLEXITY, options.complexity);
  }

  writeFloat(left: Float32Array, _right: Float32Array, count: number): void {
    for (let i = 0; i < count; i++) {
      const v = Math.round(left[i]! * 32768);
      this.#frame.writeInt16LE(v > 32767 ? 32767 : v < -32768 ? -32768 : v, 2 * this.#filled++);
      if (this.#filled === 960) {
        this.onPacket(this.#encoder.encode(this.#frame, 960));
        this.#filled = 0;
      }
    }
  }

  flush(): void {
    if (this.#filled === 0) return;
    this.#frame.fill(0, 2 * this.#filled);
    this.#filled = 0;
    this.onPacket(this.#encoder.encode(this.#frame, 960));
  }

  delete(): void {
    this.#encoder.delete();
  }
}
