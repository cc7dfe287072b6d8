/**
 * The Utterance handed to callers: a single-consumer buffer of MP3 chunks plus the `result` promise.
 * The producer side (push/finish/fail) is used by the synthesizer; iteration may stop early (break)
 * without affecting the producer, which then drops further chunks.
 */
import type { T2AError } from './errors.js';
import type { ExtraInfo } from './protocol.js';
import type { Utterance, UtteranceResult } from './types.js';

export class UtteranceStream implements Utterance {
  readonly result: Promise<UtteranceResult>;
  private resolveResult!: (value: UtteranceResult) => void;
  private rejectResult!: (error: T2AError) => void;
  private readonly chunks: Buffer[] = [];
  private ended: 'no' | 'done' | 'failed' = 'no';
  private error: T2AError | undefined;
  private wake: (() => void) | undefined;
  private detached = false;
  private info: ExtraInfo = {};
  private traceId: string | undefined;
  /** Bytes of audio received so far (whether or not the consumer read them). */
  bytes = 0;
  /** Set once a task_continue carried the text (see Utterance.sent); a re-send does not clear it. */
  sent = false;

  constructor() {
    this.result = new Promise<UtteranceResult>((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    // The iterator reports the same error; this keeps a caller that only iterates from an unhandled rejection.
    this.result.catch(() => undefined);
  }

  get reportedUsage(): number | undefined {
    return this.info.usageCharacters;
  }

  get settled(): boolean {
    return this.ended !== 'no';
  }

  /** Whether any audio has arrived (after that, a failure cannot be retried without a repeat). */
  get audioStarted(): boolean {
    return this.bytes > 0;
  }

  push(chunk: Buffer): void {
    if (this.ended !== 'no' || chunk.length === 0) return;
    this.bytes += chunk.length;
    if (!this.detached) this.chunks.push(chunk);
    this.notify();
  }

  /** Merges extra_info, which may arrive on any frame (later values win). */
  note(extra: ExtraInfo | undefined, traceId: string | undefined): void {
    if (extra) this.info = { ...this.info, ...extra };
    if (traceId !== undefined) this.traceId = traceId;
  }

  finish(): void {
    if (this.ended !== 'no') return;
    this.ended = 'done';
    const result: UtteranceResult = {};
    if (this.info.usageCharacters !== undefined) result.usageCharacters = this.info.usageCharacters;
    if (this.info.audioLength !== undefined) result.audioLengthMs = this.info.audioLength;
    if (this.info.audioSize !== undefined) result.audioSize = this.info.audioSize;
    if (this.traceId !== undefined) result.traceId = this.traceId;
    this.resolveResult(result);
    this.notify();
  }

  fail(error: T2AError): void {
    if (this.ended !== 'no') return;
    this.ended = 'failed';
    this.error = error;
    // A cancelled utterance yields nothing more; a cut one still delivers what had arrived.
    if (error.code === 'aborted') this.chunks.length = 0;
    this.rejectResult(error);
    this.notify();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer, void, undefined> {
    try {
      for (;;) {
        const chunk = this.chunks.shift();
        if (chunk !== undefined) {
          yield chunk;
          continue;
        }
        if (this.ended === 'done') return;
        if (this.ended === 'failed' && this.error) throw this.error;
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      if (this.ended === 'no' || this.chunks.length > 0) {
        // The consumer stopped early: keep the task flowing, but stop holding audio nobody will read.
        this.detached = true;
        this.chunks.length = 0;
      }
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
