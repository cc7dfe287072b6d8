import type { Readable } from 'node:stream';

/**
 * MP3 in, 20 ms 48 kHz stereo Opus packets out, as soon as the first MP3 frames arrive. A transcoder is
 * created before the first audio arrives (so process start-up overlaps the T2A request) and owns whatever
 * process or decoder it uses until `destroy()` or the end of its output.
 */
export interface Transcoder {
  /** Feed one MP3 chunk as it arrives. */
  write(chunk: Buffer): void;
  /** No more MP3: flush and end `opus` once every packet is out. */
  end(): void;
  /** Object-mode stream of Opus packets (one Buffer per 20 ms frame); feed it to createAudioResource with StreamType.Opus. */
  readonly opus: Readable;
  /** Stop at once and release the process/decoder. Safe to call more than once. */
  destroy(): void;
}

export interface TranscoderFactory {
  /** Short name for logs and the benchmark table. */
  readonly name: string;
  create(): Transcoder;
  /** Resolves once shared resources (worker threads) are up; rejects if they cannot start. Absent: nothing to wait for. */
  ready?(): Promise<void>;
  /** Releases shared resources (worker threads); transcoders still live fail. The factory's owner calls it. */
  close?(): Promise<void>;
}
