import { Readable } from 'node:stream';
import { AudioError } from './errors.js';
import type { Transcoder } from './types.js';

/**
 * The lifecycle every transcoder shares: open -> ended (end() called) -> done (finished, failed or
 * destroyed). `release()` frees the process/decoder exactly when the transcoder becomes done, whichever way.
 * Errors reach the consumer only as one 'error' on `opus`; nothing is thrown from callbacks.
 */
export abstract class TranscoderBase implements Transcoder {
  readonly opus: Readable;
  #state: 'open' | 'ended' | 'done' = 'open';
  #inputBytes = 0;
  #packets = 0;
  readonly #format: string;

  /** `format`: what the input is, for the error when none of it decodes. */
  protected constructor(format = 'MP3') {
    this.#format = format;
    this.opus = new Readable({
      objectMode: true,
      // Packets are pushed as they are made; the whole utterance is a few KB per second, so no backpressure.
      read: () => undefined,
      destroy: (error, callback) => {
        // The consumer (or we) destroyed the stream: nothing will read more packets, so stop working.
        this.#done();
        callback(error);
      },
    });
  }

  /** Decode/encode one non-empty chunk (may throw; the base turns that into an 'error'). */
  protected abstract input(chunk: Buffer): void;
  /** No more input: flush and eventually call `finish()` or `fail()`. */
  protected abstract inputEnd(): void;
  /** Free the process/decoder/encoder. Called once, when the transcoder becomes done. */
  protected abstract release(): void;

  /** Whether the transcoder finished, failed or was destroyed (its resources are released). */
  get done(): boolean {
    return this.#state === 'done';
  }

  /** Bytes of input written so far. */
  protected get inputBytes(): number {
    return this.#inputBytes;
  }

  /** Whether end() was called. */
  protected get ended(): boolean {
    return this.#state !== 'open';
  }

  write(chunk: Buffer): void {
    if (this.#state === 'done') return; // after destroy() or a failure: expected, harmless
    if (this.#state === 'ended') {
      this.fail(new AudioError('WRITE_AFTER_END', 'write() called after end()'));
      return;
    }
    if (chunk.length === 0) return;
    this.#inputBytes += chunk.length;
    this.guard(() => this.input(chunk));
  }

  end(): void {
    if (this.#state !== 'open') return;
    this.#state = 'ended';
    this.guard(() => this.inputEnd());
  }

  destroy(): void {
    this.#done();
    if (!this.opus.destroyed) this.opus.destroy();
  }

  /** Hand one Opus packet to the consumer. */
  protected emitPacket(packet: Buffer): void {
    if (this.#state === 'done') return;
    this.#packets++;
    this.opus.push(packet);
  }

  /** All output is out: end `opus`. Input that yielded no audio at all is reported as undecodable. */
  protected finish(): void {
    if (this.#state === 'done') return;
    if (this.#packets === 0 && this.#inputBytes > 0) {
      this.fail(new AudioError('DECODE_FAILED', `no audio could be decoded from ${this.#inputBytes} bytes of input (not ${this.#format}?)`));
      return;
    }
    this.#done();
    this.opus.push(null);
  }

  /** Stop with an error, delivered as 'error' on `opus`. */
  protected fail(error: Error): void {
    if (this.#state === 'done') return;
    this.#done();
    this.opus.destroy(error);
  }

  /** Run a step that may throw (decoder, encoder) and turn a throw into `fail()`. */
  protected guard(step: () => void): void {
    try {
      step();
    } catch (error) {
      this.fail(error instanceof AudioError ? error : new AudioError('DECODE_FAILED', `transcoding failed: ${String(error)}`, { cause: error }));
    }
  }

  #done(): void {
    if (this.#state === 'done') return;
    this.#state = 'done';
    this.release();
  }
}
