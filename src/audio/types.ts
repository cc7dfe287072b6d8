import type { Readable } from 'node:stream';

/** What a transcoder takes in: MiniMax's `mp3` format, or its `opus` format (Ogg Opus). */
export type AudioInput = 'mp3' | 'ogg-opus';

/**
 * MiniMax's audio in (MP3 unless the factory says otherwise), 20 ms 48 kHz Opus packets out, as soon as the
 * first audio arrives. A transcoder is created before the first audio arrives (so process start-up overlaps the
 * T2A request) and owns whatever process or decoder it uses until `destroy()` or the end of its output.
 */
export interface Transcoder {
  /** Feed one chunk of audio as it arrives. */
  write(chunk: Buffer): void;
  /** No more input: flush and end `opus` once every packet is out. */
  end(): void;
  /** Object-mode stream of Opus packets (one Buffer per 20 ms frame); feed it to createAudioResource with StreamType.Opus. */
  readonly opus: Readable;
  /** Stop at once and release the process/decoder. Safe to call more than once. */
  destroy(): void;
}

/** What one transcoder is made for (the channel it will play in). */
export interface TranscoderOptions {
  /**
   * Opus bits per second for this stream (its voice channel's bitrate), asked when the transcoder is made and, by the
   * in-process and worker transcoders, again at every chunk written, so a change applies from the next chunk on.
   * Absent or undefined: the factory's encoder setting. ffmpeg's transcoder keeps the first answer; Opus passed
   * through from MiniMax (input 'ogg-opus') keeps MiniMax's own bitrate, and only re-encoded frames use it.
   */
  bitrate?: (() => number | undefined) | undefined;
}

export interface TranscoderFactory {
  /** Short name for logs and the benchmark table. */
  readonly name: string;
  /** What its transcoders take in; absent: 'mp3'. The T2A request asks MiniMax for this format. */
  readonly input?: AudioInput;
  create(options?: TranscoderOptions): Transcoder;
  /** Resolves once shared resources (worker threads) are up; rejects if they cannot start. Absent: nothing to wait for. */
  ready?(): Promise<void>;
  /** Releases shared resources (worker threads); transcoders still live fail. The factory's owner calls it. */
  close?(): Promise<void>;
}
