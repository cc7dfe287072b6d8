/**
 * `parrot say`'s work: one text through the Synthesizer into a file, MP3 as received or Ogg Opus through
 * the audio pipeline, and/or to a player as it streams, measuring the time to the first chunk. A failure
 * removes the partial file and stops the player.
 */
import type { Readable } from 'node:stream';
import type { Transcoder, TranscoderFactory } from '../audio/index.js';
import type { Synthesizer, TaskSettings, UtteranceResult } from '../t2a/index.js';
import type { OutputFormat } from './args.js';
import { Mp3Length } from './Mp3Length.js';
import { OggOpusWriter } from './OggOpusWriter.js';
import { OutputError, OutputFile } from './OutputFile.js';
import type { Player } from './Player.js';

/** How long the Opus encoder may take to finish once the last MP3 chunk is in. */
export const ENCODE_DEADLINE_MS = 30_000;
/** How long a player may take beyond the audio's length to play it out. */
export const PLAY_SLACK_MS = 30_000;

export interface SayOptions {
  synthesizer: Synthesizer;
  text: string;
  settings: TaskSettings;
  /** Absolute path of the output file; undefined: no file (only played). */
  path: string | undefined;
  format: OutputFormat;
  /** Required for 'ogg'. */
  transcoders?: TranscoderFactory | undefined;
  /** Milliseconds clock; default performance.now. */
  now?: (() => number) | undefined;
  encodeDeadlineMs?: number | undefined;
  /** Gets every MP3 chunk as it arrives (--play); finished (played out) before the result. */
  player?: Player | undefined;
  /** Aborting cancels the request (the partial file is removed). */
  signal?: AbortSignal | undefined;
}

export interface SayResult {
  /** Bytes written to the file (0 without one). */
  bytes: number;
  /** From the request (connection included) to the first audio chunk. */
  firstChunkMs: number;
  /** MiniMax's audio_length when reported, else measured from the MP3 frames. */
  audioLengthMs: number;
  audioLengthSource: 'minimax' | 'mp3';
  /** MiniMax's usage_characters, when reported. */
  usageCharacters: number | undefined;
}

/**
 * Synthesizes `text` into `path` and/or the player; rejects with T2AError, AudioError, OutputError or
 * PlayerError (and leaves no file, and no player running).
 */
export async function sayToFile(options: SayOptions): Promise<SayResult> {
  const player = options.player;
  const stopPlayer = (): void => player?.interrupt();
  options.signal?.addEventListener('abort', stopPlayer, { once: true });
  try {
    const result = await synthesize(options);
    // The file is kept whatever the player does; the player has the audio's length and some slack to finish.
    await player?.finish(result.audioLengthMs + PLAY_SLACK_MS);
    return result;
  } catch (error) {
    player?.stop();
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', stopPlayer);
  }
}

async function synthesize(options: SayOptions): Promise<SayResult> {
  const now = options.now ?? (() => performance.now());
  const file = options.path === undefined ? undefined : await OutputFile.create(options.path);
  let ogg: OggStream | undefined;
  try {
    if (file && options.format === 'ogg') {
      if (!options.transcoders) throw new Error('sayToFile: format ogg needs a transcoder factory');
      // Created before the request, so the decoder's start-up overlaps MiniMax's first-chunk latency.
      ogg = new OggStream(options.transcoders.create(), file);
    }
    const length = new Mp3Length();
    const started = now();
    let firstChunkMs: number | undefined;
    const utterance = options.synthesizer.speak(options.text, options.settings, options.signal ? { signal: options.signal } : {});
    for await (const chunk of utterance) {
      firstChunkMs ??= now() - started;
      length.push(chunk);
      options.player?.write(chunk);
      if (ogg) ogg.write(chunk);
      else await file?.append(chunk);
    }
    const result: UtteranceResult = await utterance.result;
    if (firstChunkMs === undefined) throw new OutputError('MiniMax finished without sending any audio');
    if (ogg) await ogg.end(options.encodeDeadlineMs ?? ENCODE_DEADLINE_MS);
    await file?.commit();
    const reported = result.audioLengthMs;
    return {
      bytes: file?.bytes ?? 0,
      firstChunkMs,
      audioLengthMs: reported ?? length.durationMs,
      audioLengthSource: reported === undefined ? 'mp3' : 'minimax',
      usageCharacters: result.usageCharacters,
    };
  } catch (error) {
    ogg?.destroy();
    const leftover = await file?.discard();
    throw leftover ? new LeftoverFileError(error, leftover) : error;
  }
}

/** A failure after which the partial file could not be removed: `cause` is the failure, the message says which file remains. */
export class LeftoverFileError extends Error {
  override readonly name = 'LeftoverFileError';
  constructor(failure: unknown, leftover: OutputError) {
    super(leftover.message, { cause: failure });
  }
}

/** MP3 chunks -> transcoder -> Opus packets -> Ogg pages appended to the file. */
class OggStream {
  private readonly writer = new OggOpusWriter();
  private readonly done: Promise<void>;
  private failure: Error | undefined;

  constructor(
    private readonly transcoder: Transcoder,
    private readonly file: OutputFile,
  ) {
    void file.append(this.writer.header());
    const opus: Readable = transcoder.opus;
    opus.on('data', (packet: Buffer) => {
      const page = this.writer.write(packet);
      if (page) void file.append(page);
    });
    this.done = new Promise<void>((resolve, reject) => {
      opus.once('end', resolve);
      opus.once('error', (error: Error) => {
        this.failure = error;
        reject(error);
      });
    });
    // Awaited in end(); a failure before that is also surfaced by write().
    this.done.catch(() => undefined);
  }

  write(chunk: Buffer): void {
    if (this.failure) throw this.failure;
    this.transcoder.write(chunk);
  }

  /** Flushes the encoder and queues the last page. */
  async end(deadlineMs: number): Promise<void> {
    this.transcoder.end();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new OutputError(`the Opus encoder did not finish within ${deadlineMs} ms`)), deadlineMs);
    });
    try {
      await Promise.race([this.done, deadline]);
    } finally {
      clearTimeout(timer);
    }
    void this.file.append(this.writer.end());
  }

  destroy(): void {
    this.transcoder.destroy();
  }
}
