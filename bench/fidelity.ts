/**
 * Fidelity: what a member hears (Parrot's Opus packets decoded by libopus at 48 kHz, as Discord's clients do)
 * against MiniMax's MP3 decoded and resampled by a reference (ffmpeg's soxr), on real and synthetic speech, at
 * 64, 96 and 128 kbps channels, beside the CPU per stream. Rows: before issue 20 (cubic resampler, 64 kbps
 * whatever the channel, complexity 5), after (windowed-sinc resampler, the channel's bitrate, each complexity),
 * and the reference chain (soxr + libopus complexity 10 at the channel's bitrate). `npm run bench -- --only fidelity`.
 */
import { MPEGDecoder } from 'mpg123-decoder';
import OpusScript from 'opusscript';
import { OpusFrameEncoder } from '../src/audio/opusFrames.js';
import { StreamResampler } from '../src/audio/resample.js';
import { ConstrainedVbrEncoder, CubicResampler } from './fidelityCubic.js';
import { BANDS, aligned, compare, lagOf, seamClicks, type Fidelity } from './fidelityDsp.js';
import { loadSources, referenceChain, soxrTo48k, type Source } from './fidelitySources.js';
import { fmt } from './stats.js';

export interface FidelityOptions {
  bitrates?: number[];
  /** Complexities of the "after" rows. */
  complexities?: number[];
  /** MP3 bytes per chunk fed to the chain (the fake MiniMax sends 4 KB). */
  chunkBytes?: number;
  /** Timed runs per chain and source (least counts). */
  timingRuns?: number;
  /** Sources of each kind (quick runs use fewer). */
  sourcesPerKind?: number;
  log?: (line: string) => void;
}

type Chain = { kind: 'parrot'; resampler: 'sinc' | 'cubic'; bitrate: number; complexity: number } | { kind: 'reference'; bitrate: number };

export interface FidelityRow {
  /** The channel's bitrate. */
  channelKbps: number;
  chain: string;
  /** Means over the sources of each kind. */
  natural: Fidelity;
  synthetic: Fidelity;
  /** Clicks found at chunk seams, and seams looked at. */
  clicks: number;
  seams: number;
  /** % of one core per real-time stream (MP3 decode + resample + Opus encode); undefined for ffmpeg's chain. */
  cpuPercent: number | undefined;
}

export interface FidelityResult {
  rows: FidelityRow[];
  /** Before issue 20 every channel heard the same 64 kbps stream. The resampler alone against soxr (no Opus): SNR over the whole signal, dB, mean over sources. */
  resamplerSnrDb: { cubic: number; sinc: number };
  sources: string[];
}

interface Decoded {
  pcm: Float32Array;
  rate: number;
  /** Decoded samples at the end of each chunk but the last, in input samples. */
  seams: number[];
}

async function decodeMp3(mp3: Buffer, chunkBytes: number): Promise<Decoded> {
  const decoder = new MPEGDecoder();
  await decoder.ready;
  try {
    const parts: Float32Array[] = [];
    const seams: number[] = [];
    let rate = 0, total = 0;
    for (let off = 0; off < mp3.length; off += chunkBytes) {
      const { channelData, samplesDecoded, sampleRate } = decoder.decode(mp3.subarray(off, off + chunkBytes));
      if (samplesDecoded > 0 && channelData[0]) {
        parts.push(channelData[0].slice(0, samplesDecoded));
        rate = sampleRate;
        total += samplesDecoded;
      }
      if (off + chunkBytes < mp3.length) seams.push(total);
    }
    const pcm = new Float32Array(total);
    let at = 0;
    for (const p of parts) {
      pcm.set(p, at);
      at += p.length;
    }
    return { pcm, rate, seams };
  } finally {
    decoder.free();
  }
}

/**
 * Parrot's chain as WasmTranscoder runs it (mpg123 -> resampler -> OpusFrameEncoder), chunk by chunk: the packets,
 * the resampled PCM before Opus, and the CPU it took (ms). The "before" chain (cubic) codes with the old settings.
 */
async function parrotChain(mp3: Buffer, chain: Extract<Chain, { kind: 'parrot' }>, chunkBytes: number): Promise<{ packets: Buffer[]; resampled: Float32Array; cpuMs: number }> {
  const decoder = new MPEGDecoder();
  await decoder.ready;
  const packets: Buffer[] = [];
  const settings = { bitrate: chain.bitrate, complexity: chain.complexity };
  const onPacket = (p: Buffer): void => void packets.push(Buffer.from(p));
  const encoder = chain.resampler === 'sinc' ? new OpusFrameEncoder(onPacket, settings) : new ConstrainedVbrEncoder(onPacket, settings);
  const out: Float32Array[] = [];
  const emit = (l: Float32Array, r: Float32Array, n: number): void => {
    encoder.writeFloat(l, r, n);
    out.push(l.slice(0, n));
  };
  let resampler: StreamResampler | CubicResampler | undefined;
  let cpuMs = 0;
  try {
    for (let off = 0; off < mp3.length; off += chunkBytes) {
      const t0 = process.cpuUsage();
      const { channelData, samplesDecoded, sampleRate } = decoder.decode(mp3.subarray(off, off + chunkBytes));
      const left = channelData[0];
      if (samplesDecoded > 0 && left) {
        resampler ??= chain.resampler === 'sinc' ? new StreamResampler(sampleRate, 48_000) : new CubicResampler(sampleRate, 48_000);
        resampler.process(left, channelData[1] ?? left, samplesDecoded, emit);
      }
      cpuMs += cpuSince(t0);
    }
    const t0 = process.cpuUsage();
    resampler?.flush(emit);
    encoder.flush();
    cpuMs += cpuSince(t0);
  } finally {
    encoder.delete();
    decoder.free();
  }
  const resampled = new Float32Array(out.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of out) {
    resampled.set(p, at);
    at += p.length;
  }
  return { packets, resampled, cpuMs };
}

/** CPU time (user + system) of this process since `start`, ms: other processes on the machine do not count. */
function cpuSince(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}

/** What a member's client plays: libopus (opusscript) decoding each packet at 48 kHz. */
function decodeOpus(packets: readonly Buffer[]): Float32Array {
  const decoder = new OpusScript(48_000, 1, OpusScript.Application.AUDIO);
  try {
    const out = new Float32Array(packets.length * 960);
    let at = 0;
    for (const p of packets) {
      const pcm = decoder.decode(p);
      for (let i = 0; i + 1 < pcm.length; i += 2) out[at++] = pcm.readInt16LE(i) / 32768;
    }
    return out.subarray(0, at);
  } finally {
    decoder.delete();
  }
}

function chainName(chain: Chain): string {
  if (chain.kind === 'reference') return `reference: soxr + libopus c10 at ${chain.bitrate / 1000} kbps`;
  const before = chain.resampler === 'cubic';
  return `${before ? 'before: cubic, constrained VBR' : 'after: sinc, VBR'}, ${chain.bitrate / 1000} kbps, c${chain.complexity}`;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

function meanFidelity(list: Fidelity[]): Fidelity {
  return {
    bandsDb: BANDS.map((_, b) => mean(list.map((f) => f.bandsDb[b]!))),
    lsdDb: mean(list.map((f) => f.lsdDb)),
    segSnrDb: mean(list.map((f) => f.segSnrDb)),
    peakDbfs: Math.max(...list.map((f) => f.peakDbfs)),
    rmsDeltaDb: mean(list.map((f) => f.rmsDeltaDb)),
  };
}

interface Prepared {
  source: Source;
  decoded: Decoded;
  reference: Float32Array;
}

async function measureChain(chain: Chain, prepared: readonly Prepared[], options: Required<Omit<FidelityOptions, 'log'>>): Promise<Omit<FidelityRow, 'channelKbps'>> {
  const results: { kind: Source['kind']; fidelity: Fidelity }[] = [];
  let clicks = 0, seams = 0, cpuMs = 0, audioMs = 0;
  for (const { source, decoded, reference } of prepared) {
    let heard: Float32Array;
    if (chain.kind === 'reference') {
      heard = await referenceChain(decoded.pcm, decoded.rate, chain.bitrate);
    } else {
      const first = await parrotChain(source.mp3, chain, options.chunkBytes);
      let best = first.cpuMs;
      for (let r = 1; r < options.timingRuns; r++) best = Math.min(best, (await parrotChain(source.mp3, chain, options.chunkBytes)).cpuMs);
      cpuMs += best;
      audioMs += (1000 * decoded.pcm.length) / decoded.rate;
      heard = decodeOpus(first.packets);
      // Seams in the reference's time: the resampled PCM lines up with it (both resamplers have no delay).
      const seamLag = lagOf(first.resampled, reference);
      const lag = lagOf(heard, reference);
      const seamsAt = decoded.seams.map((s) => Math.round((s * 48_000) / decoded.rate) - seamLag);
      clicks += seamClicks(aligned(heard, lag, reference.length), reference, seamsAt);
      seams += seamsAt.length;
    }
    results.push({ kind: source.kind, fidelity: compare(aligned(heard, lagOf(heard, reference), reference.length), reference) });
  }
  const of = (kind: Source['kind']): Fidelity => meanFidelity(results.filter((r) => r.kind === kind).map((r) => r.fidelity));
  return {
    chain: chainName(chain), natural: of('natural'), synthetic: of('synthetic'), clicks, seams,
    cpuPercent: chain.kind === 'parrot' ? (100 * cpuMs) / audioMs : undefined,
  };
}

/** SNR of a resampler alone against soxr, dB (whole signal, after alignment). */
async function resamplerSnr(resampler: 'sinc' | 'cubic', prepared: readonly Prepared[], chunkBytes: number): Promise<number> {
  const snrs: number[] = [];
  for (const { source, reference } of prepared) {
    const { resampled } = await parrotChain(source.mp3, { kind: 'parrot', resampler, bitrate: 64_000, complexity: 5 }, chunkBytes);
    const x = aligned(resampled, lagOf(resampled, reference), reference.length);
    let s = 0, n = 0;
    for (let i = 0; i < reference.length; i++) {
      s += reference[i]! ** 2;
      n += (x[i]! - reference[i]!) ** 2;
    }
    snrs.push(10 * Math.log10(s / n));
  }
  return mean(snrs);
}

export async function runFidelityBench(options: FidelityOptions = {}): Promise<FidelityResult> {
  const o = {
    bitrates: options.bitrates ?? [64_000, 96_000, 128_000],
    complexities: options.complexities ?? [4, 5, 8, 10],
    chunkBytes: options.chunkBytes ?? 4096,
    timingRuns: options.timingRuns ?? 3,
    sourcesPerKind: options.sourcesPerKind ?? Infinity,
  };
  const log = options.log ?? ((): void => undefined);
  const sources = await loadSources(o.sourcesPerKind);
  const prepared: Prepared[] = [];
  for (const source of sources) {
    const decoded = await decodeMp3(source.mp3, o.chunkBytes);
    prepared.push({ source, decoded, reference: await soxrTo48k(decoded.pcm, decoded.rate) });
  }
  // Warm-up, so the first timed chain is not the one that pays for the JIT and the WebAssembly tiers.
  for (const resampler of ['cubic', 'sinc'] as const) await parrotChain(prepared[0]!.source.mp3, { kind: 'parrot', resampler, bitrate: 64_000, complexity: 10 }, o.chunkBytes);
  // Before issue 20 every channel got the same 64 kbps stream: one measurement serves every row.
  const before = await measureChain({ kind: 'parrot', resampler: 'cubic', bitrate: 64_000, complexity: 5 }, prepared, o);
  const rows: FidelityRow[] = [];
  for (const bitrate of o.bitrates) {
    log(`fidelity: ${bitrate / 1000} kbps channel`);
    rows.push({ channelKbps: bitrate / 1000, ...before });
    for (const complexity of o.complexities) {
      rows.push({ channelKbps: bitrate / 1000, ...(await measureChain({ kind: 'parrot', resampler: 'sinc', bitrate, complexity }, prepared, o)) });
    }
    rows.push({ channelKbps: bitrate / 1000, ...(await measureChain({ kind: 'reference', bitrate }, prepared, o)) });
  }
  return {
    rows,
    resamplerSnrDb: { cubic: await resamplerSnr('cubic', prepared, o.chunkBytes), sinc: await resamplerSnr('sinc', prepared, o.chunkBytes) },
    sources: sources.map((s) => s.name),
  };
}

const bands = (f: Fidelity): string => f.bandsDb.map((d) => fmt(d, 1)).join(' / ');

export function fidelityMarkdown(result: FidelityResult): string {
  return [
    '### Fidelity: what a member hears against MiniMax\'s MP3 resampled by soxr',
    '',
    `Sources: ${result.sources.join(', ')} (real speech from alsa-utils; synthetic voices from espeak-ng), each as`,
    'MiniMax sends it (32 kHz mono 128 kbps MP3), fed in 4 KB chunks. Heard: the Opus packets decoded by libopus at',
    '48 kHz. LSD: log-spectral distance to 16 kHz (lower is closer); segSNR: segmental SNR over 20 ms frames',
    '(higher is closer); bands: level against the reference at 0-4 / 4-8 / 8-12 / 12-16 kHz. nat = real speech,',
    'syn = synthetic (n/a: a band espeak-ng leaves empty). CPU: MP3 decode + resample + Opus encode, in CPU time of the',
    'process (other work on the machine does not count), % of one core per real-time stream (least of runs).',
    `Before issue 20 every channel heard the same 64 kbps stream. The resampler alone against soxr (no Opus): cubic ${fmt(result.resamplerSnrDb.cubic, 1)} dB SNR, windowed sinc ${fmt(result.resamplerSnrDb.sinc, 1)} dB.`,
    '',
    '| channel | chain | LSD nat / syn (dB) | segSNR nat / syn (dB) | bands nat (dB) | bands syn (dB) | peak (dBFS) | RMS (dB) | seam clicks | CPU (%) |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...result.rows.map((r) => `| ${r.channelKbps} kbps | ${r.chain} | ${fmt(r.natural.lsdDb, 2)} / ${fmt(r.synthetic.lsdDb, 2)} | ` +
      `${fmt(r.natural.segSnrDb, 1)} / ${fmt(r.synthetic.segSnrDb, 1)} | ${bands(r.natural)} | ${bands(r.synthetic)} | ` +
      `${fmt(Math.max(r.natural.peakDbfs, r.synthetic.peakDbfs), 1)} | ${fmt((r.natural.rmsDeltaDb + r.synthetic.rmsDeltaDb) / 2, 2)} | ` +
      `${r.chain.startsWith('reference') ? '-' : `${r.clicks} of ${r.seams}`} | ${r.cpuPercent === undefined ? '-' : fmt(r.cpuPercent, 2)} |`),
    '',
  ].join('\n');
}
