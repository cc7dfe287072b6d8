import { setImmediate as nextTurn } from 'node:timers/promises';
import { StreamType, createAudioResource, type AudioResource } from '@discordjs/voice';
import { AudioError } from '../audio/errors.js';
import type { TranscoderFactory } from '../audio/types.js';
import { Mp3Length } from '../cli/Mp3Length.js';
import type { Admission } from '../store/accountBudget.js';
import type { Synthesizer, TaskSettings, Utterance } from '../t2a/types.js';
import type { QueueItem } from './types.js';

/** Where an item's audio comes from: MiniMax synthesizing its text pieces, or MP3 that is ready (nothing is synthesized). */
export type ItemAudio =
  | { kind: 'speech'; pieces: readonly string[]; settings: TaskSettings; synthesizer: Synthesizer }
  | { kind: 'ready'; mp3: Buffer };

/** Ready MP3 is fed to the transcoder in slices this size, one per turn of the event loop, so other guilds' audio is never held up behind one decode. */
const READY_SLICE_BYTES = 16 * 1024;

export type Outcome =
  | { ok: true; usageCharacters: number }
  | { ok: false; error: unknown; audioStarted: boolean; aborted: boolean; usageCharacters: number };

/** Reserves a text's characters against the account-wide budget before it is sent (see store/accountBudget). */
export type Admit = (pieces: readonly string[]) => Promise<Admission>;

/**
 * One queue item on its way to the speaker: its T2A utterances (or its ready MP3) and its transcoder are started
 * together, MP3 chunks go into the transcoder as they arrive, and `resource` plays the Opus packets as they come out.
 * With `admit`, nothing is sent to MiniMax before the account budget's reservation is made; a refusal is the item's
 * failure, and the reservation is settled with what the item was billed, however it ended. Ready audio costs
 * nothing at MiniMax and reserves nothing.
 */
export class PreparedItem {
  readonly resource: AudioResource<QueueItem>;
  /** Settles (never rejects) once synthesis has ended, well or badly. */
  readonly outcome: Promise<Outcome>;
  /** The outcome, as soon as it is known (set before the audio stream ends, so the player's Idle can read it). */
  settled: Outcome | undefined;
  /** The settings the item is synthesized with; undefined for ready audio. */
  readonly settings: TaskSettings | undefined;
  /** The model the item is synthesized with (billed characters are counted per model); undefined for ready audio. */
  readonly model: TaskSettings['model'] | undefined;
  private readonly controller = new AbortController();
  private started = false;
  private audioError: Error | undefined;
  private readonly pieceLengths: number[];

  constructor(
    readonly item: QueueItem,
    audio: ItemAudio,
    transcoders: TranscoderFactory,
    /** Opus bits per second for this item, asked as its audio is coded (its voice channel's); undefined: the default. */
    bitrate?: () => number | undefined,
    admit?: Admit,
  ) {
    this.settings = audio.kind === 'speech' ? audio.settings : undefined;
    this.model = this.settings?.model;
    this.pieceLengths = audio.kind === 'speech' ? audio.pieces.map((p) => p.length) : [0];
    const transcoder = transcoders.create({ bitrate });
    // No padding: the next item follows without a gap; the session adds a short silent tail when the queue empties.
    this.resource = createAudioResource(transcoder.opus, { inputType: StreamType.Opus, metadata: item, silencePaddingFrames: 0 });
    // A prefetched item's stream has no player (and so no error listener) yet: a decode failure must not crash
    // the process; it stops the item's synthesis and is reported as the item's failure.
    transcoder.opus.on('error', (error: Error) => {
      this.audioError ??= error;
      this.controller.abort(error);
    });
    if (audio.kind === 'ready') {
      const ready = readyUtterance(audio.mp3);
      ready.result.catch(() => undefined); // awaited in pump
      this.outcome = this.pump([ready], transcoder);
      return;
    }
    const speak = (): Utterance[] => {
      const utterances = audio.pieces.map((text) => audio.synthesizer.speak(text, audio.settings, { signal: this.controller.signal }));
      // Each result is awaited in pump in turn; these handlers only stop an early failure from being "unhandled".
      for (const u of utterances) u.result.catch(() => undefined);
      return utterances;
    };
    this.outcome = admit ? this.admitted(admit(audio.pieces), speak, transcoder) : this.pump(speak(), transcoder);
  }

  /** Whether any audio of this item has arrived. */
  get audioStarted(): boolean {
    return this.started;
  }

  /** Cancels synthesis (closing the T2A socket, since a text cannot be interrupted) and the transcoder. */
  abort(): void {
    this.controller.abort();
  }

  /** Sends the pieces once the reservation is made, and settles it with what was billed. */
  private async admitted(admission: Promise<Admission>, speak: () => Utterance[], transcoder: ReturnType<TranscoderFactory['create']>): Promise<Outcome> {
    // The outcome never rejects: a budget that threw refuses the text like one that said no.
    const admitted = await admission.catch((error: unknown) => ({ ok: false as const, error }));
    if (admitted.ok && !this.controller.signal.aborted) {
      const outcome = await this.pump(speak(), transcoder);
      admitted.settle(outcome.usageCharacters);
      return outcome;
    }
    // Refused, or cancelled while waiting (skipped, cleared, left, our audio failed): nothing was sent, nothing billed.
    if (admitted.ok) admitted.settle(0);
    transcoder.destroy();
    const error: unknown = admitted.ok ? (this.audioError ?? this.controller.signal.reason) : admitted.error;
    this.settled = { ok: false, error, audioStarted: false, aborted: admitted.ok && !this.audioError, usageCharacters: 0 };
    return this.settled;
  }

  private async pump(utterances: Utterance[], transcoder: ReturnType<TranscoderFactory['create']>): Promise<Outcome> {
    let usage = 0;
    /** Pieces MiniMax confirmed; the others are billed below if they were sent. */
    let confirmed = 0;
    try {
      for (const [i, utterance] of utterances.entries()) {
        for await (const chunk of utterance) {
          if (this.controller.signal.aborted) break;
          this.started = true;
          transcoder.write(chunk);
        }
        if (this.controller.signal.aborted) throw this.controller.signal.reason;
        usage += (await utterance.result).usageCharacters ?? this.pieceLengths[i] ?? 0;
        confirmed = i + 1;
      }
      this.settled = { ok: true, usageCharacters: usage };
      transcoder.end();
      return this.settled;
    } catch (caught) {
      const error = this.audioError ?? caught;
      const cancelled = this.controller.signal.aborted;
      const aborted = cancelled && !this.audioError;
      this.controller.abort();
      // MiniMax synthesizes a sent text whole, even one we cancelled (skipped, cleared, left, our audio failed) or
      // one cut after its audio began: every sent piece not confirmed is billed, at the usage_characters MiniMax
      // already reported for it, else at its length. MiniMax refusing a text before any audio bills nothing.
      if (cancelled || this.started) usage += sentLength(utterances.slice(confirmed), this.pieceLengths.slice(confirmed));
      this.settled = { ok: false, error, audioStarted: this.started, aborted, usageCharacters: usage };
      // Audio already heard plays out to where it stopped; otherwise nothing is left to play.
      if (this.started && !aborted) transcoder.end();
      else transcoder.destroy();
      return this.settled;
    }
  }
}

/**
 * Ready MP3 as an utterance MiniMax never saw: its bytes in slices, never sent, no characters. Bytes with no MP3
 * frame in them fail the item (a decoder would skip them and play nothing, with nobody told).
 */
function readyUtterance(mp3: Buffer): Utterance {
  return {
    sent: false,
    result: Promise.resolve({ usageCharacters: 0 }),
    async *[Symbol.asyncIterator]() {
      const length = new Mp3Length();
      length.push(mp3);
      if (length.frames === 0) throw new AudioError('DECODE_FAILED', `ready audio of ${mp3.length} bytes has no MP3 frame`);
      for (let at = 0; at < mp3.length; at += READY_SLICE_BYTES) {
        yield mp3.subarray(at, at + READY_SLICE_BYTES);
        await nextTurn();
      }
    },
  };
}

/** What the pieces that reached MiniMax cost: what it reported, else their characters. */
function sentLength(utterances: readonly Utterance[], lengths: readonly number[]): number {
  return utterances.reduce((sum, u, i) => {
    if (!u.sent) return sum;
    const reported = u.reportedUsage;
    return sum + (reported !== undefined && Number.isFinite(reported) && reported >= 0 ? reported : (lengths[i] ?? 0));
  }, 0);
}
