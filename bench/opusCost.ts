/**
 * What the Opus encoder alone costs per real-time stream at each libopus complexity, for a stereo encoder forced to
 * mono (what the pipeline used to do with a mono source) and for the 1-channel encoder it uses now: the biggest
 * single cost of a speaking guild, and the knob that trades CPU for quality. Least of several rounds (the machine
 * is shared).
 */
import { MPEGDecoder } from 'mpg123-decoder';
import { OpusEncoder } from '../src/audio/opusEncoder.js';
import { StreamResampler } from '../src/audio/resample.js';
import { makeMp3 } from '../test/fakes/mp3.js';
import { fmt } from './stats.js';

export interface OpusCostRow {
  complexity: number;
  /** % of one core per real-time stream. */
  stereoForcedMono: number;
  mono: number;
}

export interface OpusCostOptions {
  seconds?: number;
  rounds?: number;
  complexities?: number[];
}

const SET_BITRATE = 4002;
const SET_COMPLEXITY = 4010;
const SET_FORCE_CHANNELS = 4022;
const AUDIO = 2049;

/** The test MP3 as 20 ms s16 frames at 48 kHz: interleaved stereo (both channels equal) and mono. */
async function frames(seconds: number): Promise<{ stereo: Buffer[]; mono: Buffer[] }> {
  const decoder = new MPEGDecoder();
  await decoder.ready;
  try {
    const { channelData, samplesDecoded } = decoder.decode(await makeMp3({ seconds, sampleRate: 32000, bitrate: 128000 }));
    const left = channelData[0];
    if (!left) throw new Error('opusCost: the test MP3 decoded to nothing');
    const parts: Float32Array[] = [];
    new StreamResampler(32000, 48000).process(left, left, samplesDecoded, (l, _r, n) => void parts.push(l.slice(0, n)));
    const pcm = Float32Array.from(parts.flatMap((p) => Array.from(p)));
    const stereo: Buffer[] = [];
    const mono: Buffer[] = [];
    for (let f = 0; (f + 1) * 960 <= pcm.length; f++) {
      const s = Buffer.alloc(3840);
      const m = Buffer.alloc(1920);
      for (let i = 0; i < 960; i++) {
        const v = Math.max(-32768, Math.min(32767, Math.round(pcm[f * 960 + i]! * 32768)));
        s.writeInt16LE(v, 4 * i);
        s.writeInt16LE(v, 4 * i + 2);
        m.writeInt16LE(v, 2 * i);
      }
      stereo.push(s);
      mono.push(m);
    }
    return { stereo, mono };
  } finally {
    decoder.free();
  }
}

function cost(input: Buffer[], channels: 1 | 2, complexity: number): number {
  const encoder = new OpusEncoder(48000, channels, AUDIO, 960);
  try {
    encoder.ctl(SET_BITRATE, 64_000);
    encoder.ctl(SET_COMPLEXITY, complexity);
    if (channels === 2) encoder.ctl(SET_FORCE_CHANNELS, 1);
    const start = performance.now();
    for (const f of input) encoder.encode(f, 960);
    return (100 * (performance.now() - start)) / (input.length * 20);
  } finally {
    encoder.delete();
  }
}

export async function runOpusCostBench(options: OpusCostOptions = {}): Promise<OpusCostRow[]> {
  const { stereo, mono } = await frames(options.seconds ?? 5);
  const complexities = options.complexities ?? [10, 8, 6, 5, 4, 3, 0];
  const best = complexities.map((complexity) => ({ complexity, stereoForcedMono: Infinity, mono: Infinity }));
  cost(stereo, 2, 10); // warm-up: the JIT and the WASM tiers
  for (let round = 0; round < (options.rounds ?? 5); round++) {
    for (const row of best) {
      row.stereoForcedMono = Math.min(row.stereoForcedMono, cost(stereo, 2, row.complexity));
      row.mono = Math.min(row.mono, cost(mono, 1, row.complexity));
    }
  }
  return best;
}

export function opusCostMarkdown(rows: OpusCostRow[]): string {
  return [
    '### Opus encoder alone, by complexity (least of several rounds, % of one core per real-time stream)',
    '',
    'The pipeline codes a mono source (what MiniMax sends) with a 1-channel encoder at complexity 5 (AUDIO_OPUS_COMPLEXITY;',
    'libopus defaults to 10). A stereo encoder forced to mono gives the same mono packets for more; lower complexity',
    'trades coding quality for CPU (below 5 CELT drops its pitch pre-filter).',
    '',
    '| complexity | stereo encoder, forced mono (%) | 1-channel encoder (%) |',
    '|---|---|---|',
    ...rows.map((r) => `| ${r.complexity} | ${fmt(r.stereoForcedMono, 2)} | ${fmt(r.mono, 2)} |`),
    '',
  ].join('\n');
}
