import { EventEmitter } from 'node:events';
import OpusScript from 'opusscript';
import { waitFor } from './waitFor.js';

const SILENCE_FRAME = Buffer.from([0xf8, 0xff, 0xfe]);

/** One decrypted Opus packet the fake voice server received. */
export interface ReceivedFrame {
  /** The voice connection (one per voice gateway IDENTIFY; a rejoin is a new one). */
  connectionId: number;
  guildId: string;
  channelId: string;
  ssrc: number;
  sequence: number;
  rtpTimestamp: number;
  /** Arrival time on the fake's clock (performance.now() unless the test gave a clock). */
  at: number;
  /** The Opus a listener played: with DAVE, what the channel's members decrypted. */
  opus: Buffer;
  /** It came end-to-end encrypted (DAVE) and a member decrypted it; false: unencrypted (passthrough, or no DAVE). */
  e2ee: boolean;
  /** The 3-byte Opus silence frame F8 FF FE. */
  silence: boolean;
  /** Samples per channel after decoding with opusscript (48 kHz stereo); 0 if the packet did not decode. */
  samples: number;
  /** Largest absolute PCM sample (0..32768): 0 means digital silence. */
  peak: number;
  decodeError: boolean;
}

export interface FrameFilter {
  guildId?: string;
  connectionId?: number;
  ssrc?: number;
  /** Frames that arrived at or after this clock time. */
  from?: number;
  /** Frames that arrived before this clock time. */
  to?: number;
}

export interface AnalysisOptions {
  /**
   * Jitter buffer of the imagined listener: a voice frame arriving more than this behind the burst's best
   * 20 ms schedule is a dropout (a stall the sender catches up on within it is not). Default 200.
   */
  jitterMs?: number;
  /** No voice for longer than this ends a burst. Default 400. */
  burstBreakMs?: number;
}

/** A break inside a burst: silence frames, lost packets (sequence jump) or a voice frame later than the jitter buffer. */
export interface AudioGap {
  /** Arrival time of the voice frame before the gap. */
  at: number;
  /** Wall time between the voice frames on either side. */
  wallMs: number;
  silenceFrames: number;
  lostPackets: number;
  /** How far behind the 20 ms schedule the frame after the gap arrived. */
  lateMs: number;
}

/** A run of voice frames with no break longer than burstBreakMs. */
export interface AudioBurst {
  startAt: number;
  endAt: number;
  voiceFrames: number;
  voiceMs: number;
  silenceFrames: number;
  gaps: AudioGap[];
  /** Largest lateness against the 20 ms schedule seen in the burst (jitter). */
  maxLateMs: number;
}

export interface AudioReport {
  frames: number;
  voiceFrames: number;
  silenceFrames: number;
  /** Decoded duration of the non-silence frames. */
  voiceMs: number;
  firstVoiceAt: number | undefined;
  lastVoiceAt: number | undefined;
  bursts: AudioBurst[];
  /** Every gap of every burst. */
  gaps: AudioGap[];
  decodeErrors: number;
  connections: number[];
}

/** Every Opus frame the fake received, decoded, with analysis and waiting helpers. */
export class AudioLog extends EventEmitter {
  readonly frames: ReceivedFrame[] = [];
  readonly #decoders = new Map<number, OpusScript>();

  constructor(private readonly now: () => number) {
    super();
  }

  /** Records a frame (called by the UDP server). */
  add(frame: Omit<ReceivedFrame, 'silence' | 'samples' | 'peak' | 'decodeError' | 'e2ee'> & { e2ee?: boolean }): ReceivedFrame {
    const silence = frame.opus.equals(SILENCE_FRAME);
    let samples = 0;
    let peak = 0;
    let decodeError = false;
    try {
      const pcm = this.#decoder(frame.ssrc).decode(frame.opus);
      samples = pcm.length / 4;
      for (let i = 0; i + 1 < pcm.length; i += 2) peak = Math.max(peak, Math.abs(pcm.readInt16LE(i)));
    } catch {
      decodeError = true; // counted in reports: a test asserting on audio sees it
    }
    const full: ReceivedFrame = { ...frame, e2ee: frame.e2ee ?? false, silence, samples, peak, decodeError };
    this.frames.push(full);
    this.emit('frame', full);
    return full;
  }

  select(filter: FrameFilter = {}): ReceivedFrame[] {
    return this.frames.filter((f) =>
      (filter.guildId === undefined || f.guildId === filter.guildId)
      && (filter.connectionId === undefined || f.connectionId === filter.connectionId)
      && (filter.ssrc === undefined || f.ssrc === filter.ssrc)
      && (filter.from === undefined || f.at >= filter.from)
      && (filter.to === undefined || f.at < filter.to));
  }

  report(filter: FrameFilter & AnalysisOptions = {}): AudioReport {
    return analyzeFrames(this.select(filter), filter);
  }

  /** Milliseconds from `since` to the first voice (non-silence) frame after it; undefined if none yet. */
  latencyFrom(since: number, filter: FrameFilter = {}): number | undefined {
    const first = this.select({ ...filter, from: since }).find((f) => !f.silence);
    return first ? first.at - since : undefined;
  }

  /** Resolves once at least `minMs` of decoded voice arrived (from `filter.from`, default all). */
  waitForAudio(options: FrameFilter & AnalysisOptions & { minMs: number; timeoutMs?: number }): Promise<AudioReport> {
    return waitFor(this, 'frame', () => {
      const report = this.report(options);
      return report.voiceMs >= options.minMs ? report : undefined;
    }, {
      timeoutMs: options.timeoutMs ?? 10_000, what: `${options.minMs} ms of audio`,
      detail: () => `got ${this.report(options).voiceMs} ms`,
    });
  }

  /** Resolves once no voice frame arrived for `quietMs` (default 300), with the report of what came before. */
  waitForSilence(options: FrameFilter & AnalysisOptions & { quietMs?: number; timeoutMs?: number } = {}): Promise<AudioReport> {
    const quietMs = options.quietMs ?? 300;
    const started = this.now();
    return waitFor(this, 'frame', () => {
      const last = this.report(options).lastVoiceAt;
      return this.now() - Math.max(last ?? started, started) >= quietMs ? this.report(options) : undefined;
    }, { timeoutMs: options.timeoutMs ?? 10_000, what: `${quietMs} ms without audio`, pollMs: 10 });
  }

  /** Frees the decoders (opusscript memory is not garbage-collected). */
  close(): void {
    for (const decoder of this.#decoders.values()) decoder.delete();
    this.#decoders.clear();
  }

  #decoder(ssrc: number): OpusScript {
    let decoder = this.#decoders.get(ssrc);
    if (!decoder) {
      decoder = new OpusScript(48000, 2);
      this.#decoders.set(ssrc, decoder);
    }
    return decoder;
  }
}

/** Durations, bursts and gaps of a frame sequence (in arrival order). */
export function analyzeFrames(frames: readonly ReceivedFrame[], options: AnalysisOptions = {}): AudioReport {
  const burstBreakMs = options.burstBreakMs ?? 400;
  const spans: [number, number][] = [];
  let prevVoice = -1;
  frames.forEach((frame, index) => {
    if (frame.silence) return;
    const last = spans.at(-1);
    const prev = frames[prevVoice];
    if (!last || !prev || frame.at - prev.at > burstBreakMs) spans.push([index, index]);
    else last[1] = index;
    prevVoice = index;
  });
  const bursts = spans.map(([from, to]) => analyzeBurst(frames.slice(from, to + 1), options.jitterMs ?? 200));
  const voice = frames.filter((f) => !f.silence);
  return {
    frames: frames.length,
    voiceFrames: voice.length,
    silenceFrames: frames.length - voice.length,
    voiceMs: round(voice.reduce((sum, f) => sum + durationMs(f), 0)),
    firstVoiceAt: voice[0]?.at,
    lastVoiceAt: voice.at(-1)?.at,
    bursts,
    gaps: bursts.flatMap((b) => b.gaps),
    decodeErrors: frames.filter((f) => f.decodeError).length,
    connections: [...new Set(frames.map((f) => f.connectionId))],
  };
}

/** One burst: frames from its first to its last voice frame. */
function analyzeBurst(frames: readonly ReceivedFrame[], jitterMs: number): AudioBurst {
  // Slot of each frame on the 20 ms grid; a lost packet (sequence jump on the same SSRC) still takes its slot.
  const slots: number[] = [];
  frames.forEach((f, i) => {
    const prev = frames[i - 1];
    const step = prev && prev.ssrc === f.ssrc ? Math.max(1, (f.sequence - prev.sequence) & 0xffff) : 1;
    slots.push(i === 0 ? 0 : (slots[i - 1] ?? 0) + step);
  });
  const offsets = frames.map((f, i) => f.at - 20 * (slots[i] ?? 0));
  const baseline = Math.min(...offsets);
  const late = offsets.map((o) => o - baseline);
  const gaps: AudioGap[] = [];
  let prev = -1;
  frames.forEach((f, i) => {
    if (f.silence) return;
    const before = frames[prev];
    if (before) {
      const silenceFrames = frames.slice(prev + 1, i).filter((x) => x.silence).length;
      const lostPackets = (slots[i] ?? 0) - (slots[prev] ?? 0) - (i - prev);
      const lateMs = round(late[i] ?? 0);
      const newlyLate = lateMs > jitterMs && (late[prev] ?? 0) <= jitterMs;
      if (silenceFrames > 0 || lostPackets > 0 || newlyLate) {
        gaps.push({ at: before.at, wallMs: round(f.at - before.at), silenceFrames, lostPackets, lateMs });
      }
    }
    prev = i;
  });
  const voice = frames.filter((f) => !f.silence);
  return {
    startAt: voice[0]?.at ?? 0,
    endAt: voice.at(-1)?.at ?? 0,
    voiceFrames: voice.length,
    voiceMs: round(voice.reduce((sum, f) => sum + durationMs(f), 0)),
    silenceFrames: frames.length - voice.length,
    gaps,
    maxLateMs: round(Math.max(0, ...late)),
  };
}

function durationMs(f: ReceivedFrame): number {
  return (f.samples / 48000) * 1000;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
