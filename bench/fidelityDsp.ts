/**
 * The measurements of the fidelity benchmark (bench/fidelity.ts): alignment of what a member hears with the
 * reference, band levels, log-spectral distance, segmental SNR, clicks at chunk seams, peak and RMS. 48 kHz mono.
 */

const RATE = 48_000;
/** Analysis frame for spectra (21.3 ms) and its hop. */
const FFT_SIZE = 1024;
const HOP = FFT_SIZE / 2;
/** Frames quieter than the loudest by more than this are pauses and left out of LSD and segmental SNR. */
const ACTIVE_DB = 40;
/** Highest frequency compared: MiniMax's 32 kHz MP3 carries nothing above 16 kHz. */
const TOP_HZ = 16_000;
/** A band under -50 dB of the reference's total is empty. */
const EMPTY_BAND = 1e-5;
export const BANDS = [[0, 4000], [4000, 8000], [8000, 12000], [12000, 16000]] as const;

/** In-place radix-2 complex FFT; `re.length` must be a power of two. */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const angle = (-2 * Math.PI) / len;
    const wr = Math.cos(angle), wi = Math.sin(angle);
    for (let start = 0; start < n; start += len) {
      let cr = 1, ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = start + k, b = a + len / 2;
        const tr = re[b]! * cr - im[b]! * ci, ti = re[b]! * ci + im[b]! * cr;
        re[b] = re[a]! - tr;
        im[b] = im[a]! - ti;
        re[a] = re[a]! + tr;
        im[a] = im[a]! + ti;
        [cr, ci] = [cr * wr - ci * wi, cr * wi + ci * wr];
      }
    }
  }
}

/** The lag (samples) by which `x` trails `ref`: x[i + lag] lines up with ref[i]. Found by FFT cross-correlation. */
export function lagOf(x: Float32Array, ref: Float32Array): number {
  let n = 1;
  while (n < x.length + ref.length) n <<= 1;
  const ar = new Float64Array(n), ai = new Float64Array(n), br = new Float64Array(n), bi = new Float64Array(n);
  ar.set(x);
  br.set(ref);
  fft(ar, ai);
  fft(br, bi);
  // x * conj(ref), then the inverse by conjugation.
  for (let i = 0; i < n; i++) {
    const r = ar[i]! * br[i]! + ai[i]! * bi[i]!;
    const im = ai[i]! * br[i]! - ar[i]! * bi[i]!;
    ar[i] = r;
    ai[i] = -im;
  }
  fft(ar, ai);
  let best = 0, bestValue = -Infinity;
  for (let i = 0; i < n; i++) {
    if (ar[i]! > bestValue) {
      bestValue = ar[i]!;
      best = i;
    }
  }
  return best > n / 2 ? best - n : best;
}

/** `x` shifted by `lag` and cut to `ref`'s length (zeros where it has nothing). */
export function aligned(x: Float32Array, lag: number, length: number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = x[i + lag] ?? 0;
  return out;
}

export interface Fidelity {
  /** Level of each of BANDS against the reference's, dB (0 = the same); NaN where the reference has nothing. */
  bandsDb: number[];
  /** Log-spectral distance to 16 kHz over active frames, dB (0 = the same spectrum). */
  lsdDb: number;
  /** Segmental SNR over active 20 ms frames, dB (each frame clamped to -10..35). */
  segSnrDb: number;
  peakDbfs: number;
  /** RMS over active frames against the reference's, dB. */
  rmsDeltaDb: number;
}

const hann = Float64Array.from({ length: FFT_SIZE }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / FFT_SIZE));

/** Power spectra (bins 0..FFT_SIZE/2) of Hann-windowed frames. */
function spectra(x: Float32Array): Float64Array[] {
  const out: Float64Array[] = [];
  for (let start = 0; start + FFT_SIZE <= x.length; start += HOP) {
    const re = new Float64Array(FFT_SIZE), im = new Float64Array(FFT_SIZE);
    for (let i = 0; i < FFT_SIZE; i++) re[i] = x[start + i]! * hann[i]!;
    fft(re, im);
    const p = new Float64Array(FFT_SIZE / 2 + 1);
    for (let k = 0; k < p.length; k++) p[k] = re[k]! ** 2 + im[k]! ** 2;
    out.push(p);
  }
  return out;
}

const sum = (a: Float64Array, from = 0, to = a.length): number => {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i]!;
  return s;
};

/** Compares `x` (what a member hears, already aligned) with `ref` (same length). */
export function compare(x: Float32Array, ref: Float32Array): Fidelity {
  const hz = RATE / FFT_SIZE;
  const top = Math.floor(TOP_HZ / hz);
  const sx = spectra(x), sr = spectra(ref);
  const energies = sr.map((p) => sum(p, 1, top + 1));
  const loudest = Math.max(...energies);
  const active = energies.map((e) => e > loudest * 10 ** (-ACTIVE_DB / 10));
  const bandX = BANDS.map(() => 0), bandR = BANDS.map(() => 0);
  let lsd = 0, frames = 0;
  const floor = loudest * 1e-12; // -120 dB under the loudest frame: silence on both sides counts as equal
  for (let f = 0; f < sr.length; f++) {
    if (!active[f]) continue;
    const px = sx[f]!, pr = sr[f]!;
    let d2 = 0;
    for (let k = 1; k <= top; k++) d2 += (10 * Math.log10((px[k]! + floor) / (pr[k]! + floor))) ** 2;
    lsd += Math.sqrt(d2 / top);
    frames++;
    BANDS.forEach(([lo, hi], b) => {
      const from = Math.max(1, Math.ceil(lo / hz)), to = Math.floor(hi / hz);
      bandX[b]! += sum(px, from, to);
      bandR[b]! += sum(pr, from, to);
    });
  }
  return {
    // A band the reference has (nearly) nothing in (espeak-ng stops at 11 kHz) has no level to compare: NaN.
    bandsDb: BANDS.map((_, b) => (bandR[b]! < EMPTY_BAND * sum(Float64Array.from(bandR)) ? NaN : 10 * Math.log10(bandX[b]! / bandR[b]!))),
    lsdDb: lsd / frames,
    segSnrDb: segmentalSnr(x, ref),
    peakDbfs: 20 * Math.log10(peak(x)),
    rmsDeltaDb: 10 * Math.log10(activePower(x, ref) / activePower(ref, ref)),
  };
}

const SEGMENT = 960;

function segmentPowers(x: Float32Array): number[] {
  const out: number[] = [];
  for (let s = 0; s + SEGMENT <= x.length; s += SEGMENT) {
    let e = 0;
    for (let i = s; i < s + SEGMENT; i++) e += x[i]! ** 2;
    out.push(e);
  }
  return out;
}

function segmentalSnr(x: Float32Array, ref: Float32Array): number {
  const powers = segmentPowers(ref);
  const loudest = Math.max(...powers);
  let total = 0, count = 0;
  powers.forEach((p, s) => {
    if (p <= loudest * 10 ** (-ACTIVE_DB / 10)) return;
    let noise = 0;
    for (let i = s * SEGMENT; i < (s + 1) * SEGMENT; i++) noise += (x[i]! - ref[i]!) ** 2;
    total += Math.min(35, Math.max(-10, 10 * Math.log10(p / Math.max(noise, 1e-20))));
    count++;
  });
  return total / count;
}

/** Mean power of `x` over the segments where `ref` is active. */
function activePower(x: Float32Array, ref: Float32Array): number {
  const powers = segmentPowers(ref);
  const loudest = Math.max(...powers);
  let e = 0, n = 0;
  powers.forEach((p, s) => {
    if (p <= loudest * 10 ** (-ACTIVE_DB / 10)) return;
    for (let i = s * SEGMENT; i < (s + 1) * SEGMENT; i++) e += x[i]! ** 2;
    n += SEGMENT;
  });
  return e / n;
}

export function peak(x: Float32Array): number {
  let m = 0;
  for (const v of x) m = Math.max(m, Math.abs(v));
  return m;
}

/**
 * Clicks at chunk seams: a seam (a sample index in `ref`'s time) counts when the error around it (±1 ms) peaks
 * above 8 times the error's RMS over the 50 ms around it, and above -60 dBFS.
 */
export function seamClicks(x: Float32Array, ref: Float32Array, seams: readonly number[]): number {
  let clicks = 0;
  for (const seam of seams) {
    let local = 0, context = 0, n = 0;
    for (let i = Math.max(0, seam - 1200); i < Math.min(ref.length, seam + 1200); i++) {
      const e = Math.abs(x[i]! - ref[i]!);
      context += e * e;
      n++;
      if (Math.abs(i - seam) <= 48) local = Math.max(local, e);
    }
    if (n > 0 && local > 1e-3 && local > 8 * Math.sqrt(context / n)) clicks++;
  }
  return clicks;
}
