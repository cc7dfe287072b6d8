import { StreamType, createAudioResource, type AudioResource } from '@discordjs/voice';
import type { TranscoderFactory } from '../audio/types.js';
import type { Synthesizer, TaskSettings, Utterance } from '../t2a/types.js';
import type { QueueItem } from './types.js';

export type Outcome =
  | { ok: true; usageCharacters: number }
  | { ok: false; error: unknown; audioStarted: boolean; aborted: boolean; usageCharacters: number };

/**
 * One queue item on its way to the speaker: its T2A utterances and its transcoder are started together, MP3
 * chunks go into the transcoder as they arrive, and `resource` plays the Opus packets as they come out.
 */
export class PreparedItem {
  readonly resource: AudioResource<QueueItem>;
  /** Settles (never rejects) once synthesis has ended, well or badly. */
  readonly outcome: Promise<Outcome>;
  /** The outcome, as soon as it is known (set before the audio stream ends, so the player's Idle can read it). */
  settled: Outcome | undefined;
  private readonly controller = new AbortController();
  private started = false;
  private audioError: Error | undefined;
  private readonly pieceLengths: number[];
  private readonly textLength: number;

  constructor(
    readonly item: QueueItem,
    pieces: readonly string[],
    readonly settings: TaskSettings,
    synthesizer: Synthesizer,
    transcoders: TranscoderFactory,
  ) {
    this.pieceLengths = pieces.map((p) => p.length);
    this.textLength = this.pieceLengths.reduce((a, b) => a + b, 0);
    const transcoder = transcoders.create();
    // No padding: the next item follows without a gap; the session adds a short silent tail when the queue empties.
    this.resource = createAudioResource(transcoder.opus, { inputType: StreamType.Opus, metadata: item, silencePaddingFrames: 0 });
    // A prefetched item's stream has no player (and so no error listener) yet: a decode failure must not crash
    // the process; it stops the item's synthesis and is reported as the item's failure.
    transcoder.opus.on('error', (error: Error) => {
      this.audioError ??= error;
      this.controller.abort(error);
    });
    const utterances = pieces.map((text) => synthesizer.speak(text, settings, { signal: this.controller.signal }));
    // Each result is awaited below in turn; these handlers only stop an early failure from being "unhandled".
    for (const u of utterances) u.result.catch(() => undefined);
    this.outcome = this.pump(utterances, transcoder);
  }

  /** Whether any audio of this item has arrived. */
  get audioStarted(): boolean {
    return this.started;
  }

  /** Cancels synthesis (closing the T2A socket, since a text cannot be interrupted) and the transcoder. */
  abort(): void {
    this.controller.abort();
  }

  private async pump(utterances: Utterance[], transcoder: ReturnType<TranscoderFactory['create']>): Promise<Outcome> {
    let usage = 0;
    // Characters sent but not yet confirmed; a text cut off mid-synthesis is assumed billed in full.
    let unconfirmed = this.textLength;
    try {
      for (const [i, utterance] of utterances.entries()) {
        for await (const chunk of utterance) {
          if (this.controller.signal.aborted) break;
          this.started = true;
          transcoder.write(chunk);
        }
        if (this.controller.signal.aborted) throw this.controller.signal.reason;
        const pieceLength = this.pieceLengths[i] ?? 0;
        usage += (await utterance.result).usageCharacters ?? pieceLength;
        unconfirmed -= pieceLength;
      }
      this.settled = { ok: true, usageCharacters: usage };
      transcoder.end();
      return this.settled;
    } catch (caught) {
      const error = this.audioError ?? caught;
      const aborted = this.controller.signal.aborted && !this.audioError;
      this.controller.abort();
      if (this.started) usage += unconfirmed;
      this.settled = { ok: false, error, audioStarted: this.started, aborted, usageCharacters: usage };
      // Audio already heard plays out to where it stopped; otherwise nothing is left to play.
      if (this.started && !aborted) transcoder.end();
      else transcoder.destroy();
      return this.settled;
    }
  }
}
