import { sincKernel } from './sincKernel.js';

type Emit = (left: Float32Array, right: Float32Array, count: number) => void;

/**
 * Taps of each polyphase branch, at the lower of the two rates. With the Kaiser window below this gives a
 * transition band of 12.5 % of that rate, centred on its Nyquist frequency: for 32 -> 48 kHz, flat (±0.001 dB)
 * to 14 kHz, images and mirrors of that band under -100 dBc from 18 kHz (test/audio/resample.test.ts measures both).
 */
const TAPS = 56;
/** Kaiser window shape for about 100 dB of stopband rejection (Kaiser's formula: 0.1102 * (100 - 8.7)). */
const KAISER_BETA = 10.06;
/** Outputs per kernel call. */
const KERNEL_BLOCK = 4096;

/**
 * Streaming stereo resampler: a band-limited polyphase windowed-sinc (Kaiser) filter. Chunks of any size in, the
 * same signal at `outRate` out, with no seams between chunks: every output sample is the same sum of the same
 * inputs however the input was cut (chunk-size independence is byte-exact). The ratio of two audio rates has few
 * phases (32 -> 48 kHz: 3), so the taps of every phase are computed once (per thread and rate pair); each output
 * sample is TAPS multiply-adds per channel, done in float32 by a WebAssembly SIMD kernel (sincKernel.ts: 0.6 ms of CPU
 * per audio second at 32 -> 48 kHz, against 3.2-3.9 ms for the same sums in JavaScript). Why not cubic interpolation: it drooped the top octave (-3 dB at 12-16 kHz), mirrored 6 kHz content at
 * -53 dBc and left images above 16 kHz that Opus then spent bits on (issue 20).
 * The output is not delayed: output k is the input's value at time k / outRate (the input is taken as silent
 * before its first sample and after its last), and it lasts exactly as long as the input.
 */
export class StreamResampler {
  readonly inRate: number;
  readonly outRate: number;
  readonly #phases: number; // output positions per input sample, in lowest terms
  readonly #step: number; // input advance per output sample, in 1/#phases of an input sample
  readonly #taps: number; // per phase, even
  readonly #coefficients: Float64Array; // #taps per phase
  // Unconsumed input, led by #taps/2 - 1 samples of history: the first tap of the next output is at #index.
  #left = new Float32Array(4096);
  #right = new Float32Array(4096);
  #length = 0;
  #index = 0;
  #phase = 0; // the next output's position past input #index + #taps/2 - 1, in 1/#phases
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
    // Going down, the cutoff follows the output's Nyquist frequency, so the sinc is wider in input samples.
    const scale = Math.min(1, outRate / inRate);
    this.#taps = 2 * Math.ceil(TAPS / 2 / scale);
    this.#coefficients = polyphaseTaps(this.#phases, this.#taps, scale);
  }

  /**
   * Add `count` input samples; `emit` receives the output made so far (views valid only during the call).
   * Passing the same array (or identical content) for both channels computes it once.
   */
  process(left: Float32Array, right: Float32Array, count: number, emit: Emit): void {
    if (count <= 0) return;
    if (this.#inputTotal === 0) this.#start();
    this.#append(left, right, count);
    this.#inputTotal += count;
    // Mono only when the history the next outputs read is mono too (a chunk may follow a stereo one).
    this.#run(Infinity, sameSamples(this.#left, this.#right, this.#length), emit);
  }

  /** End of input: emit the tail so the output lasts exactly as long as the input, then start afresh. */
  flush(emit: Emit): void {
    if (this.#inputTotal === 0) return;
    const silence = new Float32Array(this.#taps / 2);
    this.#append(silence, silence, silence.length);
    const expected = Math.ceil((this.#inputTotal * this.outRate) / this.inRate);
    this.#run(expected - this.#outputTotal, sameSamples(this.#left, this.#right, this.#length), emit);
    this.#length = 0;
    this.#inputTotal = 0;
    this.#outputTotal = 0;
  }

  #start(): void {
    this.#length = 0;
    const history = new Float32Array(this.#taps / 2 - 1); // silence before the first sample
    this.#append(history, history, history.length);
    this.#index = 0;
    this.#phase = 0;
  }

  #run(limit: number, mono: boolean, emit: Emit): void {
    const phases = this.#phases, step = this.#step, taps = this.#taps, c = this.#coefficients;
    // Output k needs its last tap, #index + taps - 1 (after advancing), to exist.
    const available = Math.floor(((this.#length - taps - this.#index) * phases + (phases - 1) - this.#phase) / step) + 1;
    const n = Math.max(0, Math.min(limit, available));
    if (n === 0) return;
    if (this.#outLeft.length < n) {
      this.#outLeft = new Float32Array(n);
      this.#outRight = new Float32Array(n);
    }
    const srcL = this.#left, srcR = this.#right, outL = this.#outLeft, outR = this.#outRight;
    const kernel = sincKernel(), table = kernel.taps(c, phases, taps);
    let i = this.#index, phase = this.#phase;
    for (let done = 0; done < n;) {
      // In blocks, so the kernel's scratch memory and its positions (i32, in 1/phases of a sample) stay small.
      const m = Math.min(KERNEL_BLOCK, n - done);
      const length = Math.floor((phase + (m - 1) * step) / phases) + taps; // input under the block's taps
      kernel.run(table, srcL.subarray(i), length, outL.subarray(done), m, step, phase);
      if (!mono) kernel.run(table, srcR.subarray(i), length, outR.subarray(done), m, step, phase);
      const end = phase + m * step;
      i += Math.floor(end / phases);
      phase = end % phases;
      done += m;
    }
    this.#outputTotal += n;
    // Drop consumed input; the taps of the next output start at index i.
    if (i > 0) {
      srcL.copyWithin(0, i, this.#length);
      srcR.copyWithin(0, i, this.#length);
      this.#length -= i;
      i = 0;
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

const tables = new Map<string, Float64Array>();

/** polyphaseKaiserSinc, made once per thread for each set of arguments (the kernel keeps its copy by identity). */
function polyphaseTaps(phases: number, taps: number, scale: number): Float64Array {
  const key = `${phases}/${taps}/${scale}`;
  let table = tables.get(key);
  if (!table) {
    table = polyphaseKaiserSinc(phases, taps, scale);
    tables.set(key, table);
  }
  return table;
}

/**
 * The taps of each phase p (output at p/phases past an input sample): a sinc cut off at `scale` times the input's
 * Nyquist frequency, under a Kaiser window `taps` input samples wide, each phase scaled to a DC gain of exactly 1.
 */
export function polyphaseKaiserSinc(phases: number, taps: number, scale: number): Float64Array {
  const half = taps / 2;
  const out = new Float64Array(phases * taps);
  const norm = besselI0(KAISER_BETA);
  for (let p = 0; p < phases; p++) {
    let sum = 0;
    for (let j = 0; j < taps; j++) {
      const t = p / phases + half - 1 - j; // distance from the output's position to tap j, in input samples
      const x = t / half;
      const window = Math.abs(x) >= 1 ? 0 : besselI0(KAISER_BETA * Math.sqrt(1 - x * x)) / norm;
      const arg = Math.PI * scale * t;
      const value = (t === 0 ? 1 : Math.sin(arg) / arg) * window;
      out[p * taps + j] = value;
      sum += value;
    }
    for (let j = p * taps; j < (p + 1) * taps; j++) out[j] = out[j]! / sum;
  }
  return out;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for the betas used here). */
function besselI0(x: number): number {
  let sum = 1, term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

function sameSamples(a: Float32Array, b: Float32Array, count: number): boolean {
  for (let i = 0; i < count; i++) if (a[i] !== b[i]) return false;
  return true;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
