import { createHash } from 'node:crypto';
import { abortError, settingsKey } from '../t2a/index.js';
import type { SpeakOptions, Synthesizer, TaskSettings, Utterance, UtteranceResult } from '../t2a/types.js';

export interface AudioCacheOptions {
  /** Total MP3 bytes kept; the least recently used entries go first. 0 disables the cache. */
  maxBytes: number;
  /** Only texts up to this many characters are cached: short phrases are the ones that repeat. */
  maxTextLength?: number;
  /** Largest single entry, in bytes. */
  maxEntryBytes?: number;
}

/**
 * Synthesized MP3 of short texts, keyed by the text and every setting that shapes the audio, bounded in bytes
 * (LRU). Shared by every guild: the same phrase in the same voice sounds the same everywhere. It keeps MiniMax's
 * audio as it came, before the Opus encoder: a repeat is encoded again for the channel it plays in, so it needs
 * no key for the Opus bitrate (AUDIO_OPUS_BITRATE=channel). With AUDIO_FORMAT=opus it keeps MiniMax's Ogg Opus.
 */
export class AudioCache {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;
  readonly maxTextLength: number;
  private readonly maxEntryBytes: number;
  hits = 0;
  misses = 0;

  constructor(private readonly options: AudioCacheOptions) {
    this.maxTextLength = options.maxTextLength ?? 200;
    this.maxEntryBytes = Math.min(options.maxEntryBytes ?? 512 * 1024, options.maxBytes);
  }

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  /** The cache key, or undefined when this text is not worth caching. */
  keyOf(text: string, settings: TaskSettings): string | undefined {
    if (this.options.maxBytes <= 0 || text.length > this.maxTextLength) return undefined;
    return createHash('sha256').update(settingsKey(settings)).update('\0').update(text).digest('base64url');
  }

  get(key: string): Buffer | undefined {
    const mp3 = this.entries.get(key);
    if (mp3) {
      // Map order is insertion order: re-inserting makes it the most recently used.
      this.entries.delete(key);
      this.entries.set(key, mp3);
      this.hits++;
    } else {
      this.misses++;
    }
    return mp3;
  }

  set(key: string, mp3: Buffer): void {
    if (mp3.length === 0 || mp3.length > this.maxEntryBytes) return;
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.length;
      this.entries.delete(key);
    }
    this.entries.set(key, mp3);
    this.bytes += mp3.length;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.options.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= v.length;
    }
  }
}

/** A Synthesizer that answers repeated short texts from an AudioCache (billing nothing) and fills it. */
export class CachingSynthesizer implements Synthesizer {
  constructor(
    private readonly inner: Synthesizer,
    private readonly cache: AudioCache,
  ) {}

  speak(text: string, settings: TaskSettings, options: SpeakOptions = {}): Utterance {
    const key = this.cache.keyOf(text, settings);
    if (key === undefined) return this.inner.speak(text, settings, options);
    const cached = this.cache.get(key);
    if (cached) return cachedUtterance(cached, options.signal);
    return recordingUtterance(this.inner.speak(text, settings, options), (mp3) => this.cache.set(key, mp3));
  }

  /** Warming opens a task and sends no text: nothing to cache, so it goes straight through. */
  warm(settings: TaskSettings): void {
    this.inner.warm?.(settings);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Plays cached audio; nothing is sent to MiniMax and nothing is billed. */
function cachedUtterance(mp3: Buffer, signal: AbortSignal | undefined): Utterance {
  const result: Promise<UtteranceResult> = signal?.aborted ? Promise.reject(abortError(signal.reason)) : Promise.resolve({ usageCharacters: 0, audioSize: mp3.length });
  return { result, sent: false, [Symbol.asyncIterator]: () => oneChunk(mp3, signal) };
}

/** Yields the whole file once; a signal aborted before the first read ends the stream with the abort error. */
function oneChunk(mp3: Buffer, signal: AbortSignal | undefined): AsyncIterator<Buffer> {
  let started = false;
  return {
    next(): Promise<IteratorResult<Buffer>> {
      if (started) return Promise.resolve({ done: true, value: undefined });
      started = true;
      if (signal?.aborted) return Promise.reject(abortError(signal.reason));
      return Promise.resolve({ done: false, value: mp3 });
    },
  };
}

/** Passes the inner utterance through and stores its audio once it arrived whole and MiniMax confirmed it. */
function recordingUtterance(inner: Utterance, store: (mp3: Buffer) => void): Utterance {
  const chunks: Buffer[] = [];
  // `result` settles at the final frame, possibly before the consumer has read every chunk: store when both are done.
  let read = false;
  let confirmed = false;
  const maybeStore = (): void => {
    if (read && confirmed) store(Buffer.concat(chunks));
  };
  const result = inner.result.then((r) => {
    confirmed = true;
    maybeStore();
    return r;
  });
  return {
    result,
    get sent() {
      return inner.sent;
    },
    get reportedUsage() {
      return inner.reportedUsage;
    },
    async *[Symbol.asyncIterator]() {
      for await (const chunk of inner) {
        chunks.push(chunk);
        yield chunk;
      }
      // Reached only when the consumer read to the end (not on break or error).
      read = true;
      maybeStore();
    },
  };
}
