/** What went wrong in the audio pipeline; lets callers decide without parsing messages. */
export type AudioErrorCode =
  /** No ffmpeg anywhere (FFMPEG_PATH, PATH, bundled package). */
  | 'FFMPEG_NOT_FOUND'
  /** FFMPEG_PATH names something that is not an executable file. */
  | 'FFMPEG_PATH_INVALID'
  /** The ffmpeg process or the transcoding worker thread could not start, died, or exited with an error. */
  | 'PROCESS_FAILED'
  /** The input could not be decoded as MP3 (or no audio at all came out of it). */
  | 'DECODE_FAILED'
  /** The Opus encoder refused a frame. */
  | 'ENCODE_FAILED'
  /** The process did not finish within its deadline after end(). */
  | 'TIMEOUT'
  /** write() after end(): a caller bug, reported instead of dropping audio silently. */
  | 'WRITE_AFTER_END';

/** Typed error of src/audio, carried on the transcoder's `opus` stream as its 'error' event. */
export class AudioError extends Error {
  override readonly name = 'AudioError';
  readonly code: AudioErrorCode;
  /** True when trying the same utterance again may work (a crashed or stuck process); false for bad input or setup. */
  readonly retryable: boolean;

  constructor(code: AudioErrorCode, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? (code === 'PROCESS_FAILED' || code === 'TIMEOUT');
  }
}
