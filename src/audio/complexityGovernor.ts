/**
 * Load shedding for a transcoding worker: the Opus encoder is the largest cost of a speaking stream, and
 * complexity 4 costs about 45 % less than 5 (bench/results/latest.md, "Opus encoder alone"). A worker that keeps
 * up codes at the configured complexity; one that falls behind codes at a lower one until it keeps up again, so
 * a host near its CPU limit loses a little coding quality for a while instead of breaking speech up with silence.
 *
 * The measure is the round: the worker serves each stream with input waiting a slice of MP3 in turn, and a round
 * is how long a stream waited between two of its turns. A slice holds `sliceAudioMs` of audio, so a stream is
 * made at `sliceAudioMs / round` times real time. Well under that (the default: half) leaves no room for a
 * burst, such as every guild's next chunk arriving in the same moment. It sheds once rounds have been that long
 * for `sustainMs`: one stall of the thread (descheduled, a garbage collection) makes every waiting stream's next
 * round long at once, and is over within a round. It also sheds at once when the streams waiting would make a
 * long round (`backlog`): work already queued, such as every guild's next chunk arriving in the same moment.
 * Neither measure depends on how fast MiniMax streams: a stream waiting for MiniMax has no input and no round.
 */

export interface ComplexityGovernorOptions {
  /** The complexity while the worker keeps up (AUDIO_OPUS_COMPLEXITY). */
  normal: number;
  /** The complexity while it does not (AUDIO_OPUS_COMPLEXITY_UNDER_LOAD); equal to `normal` turns shedding off. */
  reduced: number;
  /** Audio in one slice of input, ms. */
  sliceAudioMs: number;
  /** A round of at least this share of a slice's audio is long (default 0.5: made at under 2x real time). */
  shedAtShare?: number;
  /** Shed once every round has been long for this long, ms (default 50; 0: at the first long round). */
  sustainMs?: number;
  /** Calm when every round takes under this share (default 0.25: made at over 4x real time). */
  calmUnderShare?: number;
  /** How long the worker must stay calm before the normal complexity comes back, ms (default 2000). */
  holdMs?: number;
  /** Milliseconds, monotonic (default performance.now). */
  now?: () => number;
}

/** A change of complexity, with the round that caused it (undefined when calm restored it). */
export interface ComplexityChange {
  complexity: number;
  roundMs: number | undefined;
}

export class ComplexityGovernor {
  readonly #normal: number;
  readonly #reduced: number;
  readonly #shedAtMs: number;
  readonly #sustainMs: number;
  readonly #calmUnderMs: number;
  readonly #holdMs: number;
  readonly #now: () => number;
  #complexity: number;
  /** While normal: when the current run of long rounds began (undefined: the last round was not long). */
  #longSince: number | undefined;
  /** While reduced: when the last round too long to be calm was seen (or the shed). */
  #unsettledAt = 0;

  constructor(options: ComplexityGovernorOptions) {
    if (options.reduced > options.normal) throw new RangeError(`reduced complexity ${options.reduced} is above the normal ${options.normal}`);
    this.#normal = options.normal;
    this.#reduced = options.reduced;
    this.#shedAtMs = options.sliceAudioMs * (options.shedAtShare ?? 0.5);
    this.#sustainMs = options.sustainMs ?? 50;
    this.#calmUnderMs = options.sliceAudioMs * (options.calmUnderShare ?? 0.25);
    this.#holdMs = options.holdMs ?? 2000;
    this.#now = options.now ?? (() => performance.now());
    this.#complexity = options.normal;
  }

  /** The complexity to code at now. */
  get complexity(): number {
    return this.#complexity;
  }

  /** A stream waited `roundMs` between two of its turns. Returns the change it caused, if any. */
  round(roundMs: number): ComplexityChange | undefined {
    if (this.#complexity === this.#normal) {
      if (roundMs < this.#shedAtMs || this.#reduced === this.#normal) {
        this.#longSince = undefined;
        return undefined;
      }
      const now = this.#now();
      this.#longSince ??= now;
      if (now - this.#longSince < this.#sustainMs) return undefined;
      return this.#shed(roundMs, now);
    }
    if (roundMs < this.#calmUnderMs) return this.#settle();
    this.#unsettledAt = this.#now();
    return undefined;
  }

  /**
   * The round the streams waiting now will take: their number times what a turn costs. That is work already
   * queued, not a stall, so a long one sheds at once (every guild's next chunk arriving in the same moment), without
   * waiting for the rounds to show it. Returns the change it caused, if any.
   */
  backlog(predictedRoundMs: number): ComplexityChange | undefined {
    if (this.#reduced === this.#normal) return undefined;
    if (this.#complexity === this.#normal) {
      return predictedRoundMs < this.#shedAtMs ? undefined : this.#shed(predictedRoundMs, this.#now());
    }
    if (predictedRoundMs >= this.#calmUnderMs) this.#unsettledAt = this.#now();
    return undefined;
  }

  /**
   * The worker has no input waiting (every stream is drained): it caught up, so a run of long rounds is over,
   * and the time counts towards calm. Returns the change it caused, if any.
   */
  idle(): ComplexityChange | undefined {
    if (this.#complexity === this.#normal) {
      this.#longSince = undefined;
      return undefined;
    }
    return this.#settle();
  }

  #shed(roundMs: number, now: number): ComplexityChange {
    this.#complexity = this.#reduced;
    this.#longSince = undefined;
    this.#unsettledAt = now;
    return { complexity: this.#reduced, roundMs };
  }

  /** Back to normal once no round has been too long to be calm for the hold time. */
  #settle(): ComplexityChange | undefined {
    if (this.#now() - this.#unsettledAt < this.#holdMs) return undefined;
    this.#complexity = this.#normal;
    return { complexity: this.#normal, roundMs: undefined };
  }
}
