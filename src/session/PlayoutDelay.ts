/**
 * The playout delay (how long an utterance's first packet is held, see startPlayback), learned from how MiniMax
 * paces its audio. When it streams faster than real time, 15 ms is enough and speech starts at once. When it streams
 * at real time, each chunk arrives just as the audio before it runs out, less the part of an MP3 frame (up to 36 ms)
 * and of an Opus frame (up to 20 ms) still being assembled; the player prepares each packet a cycle ahead (20 ms)
 * on a cycle whose phase against the chunks is anyone's (up to 20 ms more). So a message that ran dry while MiniMax
 * was still sending sets the delay to the ceiling, 100 ms, which covers all of that; how many frames it missed says
 * little, since the phase changes from one message to the next. Messages with frames to spare at their tightest
 * point lower it step by step, down to the floor. One per process: the pacing is MiniMax's, not a guild's.
 */
import type { AudioResource } from '@discordjs/voice';

export interface PlayoutDelayOptions {
  floorMs: number;
  ceilingMs: number;
  /** The most one message with slack to spare lowers the delay. */
  stepDownMs: number;
}

/** What one message's playback said about the delay, counted on the player's reads while MiniMax was still sending. */
export interface PlayoutObservation {
  reads: number;
  /** Reads that found nothing (the player sent a silence frame instead). */
  underruns: number;
  /** The fewest packets left buffered after a read that found one (Infinity: none did). */
  minBuffered: number;
}

const FRAME_MS = 20;
/** Fewer reads than this while MiniMax streamed say nothing about its pacing (a short message arrives whole). */
const MIN_READS = 10;

export const DEFAULT_PLAYOUT_DELAY: PlayoutDelayOptions = { floorMs: 15, ceilingMs: 100, stepDownMs: 10 };

export class PlayoutDelay {
  #ms: number;

  /**
   * `onChange` hears every change, with the observation that caused it (for the log and the store). `startMs`:
   * where an earlier run left it (the store), kept within floor and ceiling; default the floor.
   */
  constructor(
    readonly options: PlayoutDelayOptions = DEFAULT_PLAYOUT_DELAY,
    private readonly onChange?: (ms: number, cause: PlayoutObservation) => void,
    startMs: number = options.floorMs,
  ) {
    this.#ms = Math.min(options.ceilingMs, Math.max(options.floorMs, startMs));
  }

  /** A delay that never moves (PLAYOUT_DELAY_MS set to a number). */
  static fixed(ms: number): PlayoutDelay {
    return new PlayoutDelay({ floorMs: ms, ceilingMs: ms, stepDownMs: 0 });
  }

  get ms(): number {
    return this.#ms;
  }

  observe(o: PlayoutObservation): void {
    const { floorMs, ceilingMs, stepDownMs } = this.options;
    if (o.reads < MIN_READS) return;
    const before = this.#ms;
    if (o.underruns > 0) this.#ms = ceilingMs;
    // Lowered only with more than two frames to spare at the tightest point (the phase may take one).
    else if (o.minBuffered >= 3) this.#ms = Math.max(floorMs, this.#ms - Math.min(stepDownMs, FRAME_MS * (o.minBuffered - 2)));
    if (this.#ms !== before) this.onChange?.(this.#ms, { ...o });
  }
}

/**
 * Counts what PlayoutDelay learns from on the player's reads of `resource` (its read() is wrapped; the resource is
 * the session's own), while `streaming()` says MiniMax is still sending. Returns the running observation.
 * `onFirstPacket`: called once, when the first packet is read for the voice connection (time to first audio).
 */
export function watchPlayout(resource: AudioResource, streaming: () => boolean, onFirstPacket?: () => void): () => PlayoutObservation {
  const seen: PlayoutObservation = { reads: 0, underruns: 0, minBuffered: Infinity };
  const read = resource.read.bind(resource);
  let first = onFirstPacket;
  resource.read = () => {
    const packet = read();
    if (packet !== null && first) {
      first();
      first = undefined;
    }
    if (streaming()) {
      seen.reads += 1;
      if (packet === null) seen.underruns += 1;
      else seen.minBuffered = Math.min(seen.minBuffered, resource.playStream.readableLength);
    }
    return packet;
  };
  return () => ({ ...seen });
}
