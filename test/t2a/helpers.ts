/** Shared set-up for the T2A tests: a fake MiniMax per test, synthesizers closed after each test. */
import { afterEach } from 'vitest';
import { FakeMiniMax, type FakeMiniMaxOptions } from '../fakes/minimax/FakeMiniMax.js';
import { T2AError, createSynthesizer, type SynthesizerOptions, type T2ASynthesizer } from '../../src/t2a/index.js';
import type { TaskSettings, Utterance, UtteranceResult } from '../../src/t2a/types.js';

export const KEY = 'sk-test-0123456789abcdef';

export const SETTINGS: TaskSettings = { model: 'speech-2.8-turbo', voice: { voiceId: 'English_Graceful_Lady' } };

/** Short deadlines: the fake answers in milliseconds. */
export const FAST = { connect: 2_000, taskStarted: 2_000, firstChunk: 2_000, betweenChunks: 2_000, taskFinished: 2_000 };

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

/** Starts a fake (closed after the test). */
export async function startFake(options: FakeMiniMaxOptions = {}): Promise<{ fake: FakeMiniMax; url: string; httpUrl: string }> {
  const fake = new FakeMiniMax({ apiKey: KEY, ...options });
  const { url, httpUrl } = await fake.start();
  cleanups.push(() => fake.close());
  return { fake, url, httpUrl };
}

/** A synthesizer on `url` with short deadlines (closed after the test). */
export function synth(url: string, options: Partial<SynthesizerOptions> = {}): T2ASynthesizer {
  const s = createSynthesizer({ url, apiKey: KEY, timeouts: FAST, ...options });
  cleanups.push(() => s.close());
  return s;
}

export interface Settled {
  audio: Buffer;
  chunks: number;
  result?: UtteranceResult;
  error?: T2AError;
}

/** Reads an utterance to its end; never throws (the error, if any, is returned). */
export async function settle(utterance: Utterance): Promise<Settled> {
  const parts: Buffer[] = [];
  try {
    for await (const chunk of utterance) parts.push(chunk);
    const result = await utterance.result;
    return { audio: Buffer.concat(parts), chunks: parts.length, result };
  } catch (error) {
    if (!(error instanceof T2AError)) throw error;
    return { audio: Buffer.concat(parts), chunks: parts.length, error };
  }
}

/** The exact MP3 the fake sends for `text` with its current settings (default audio settings). */
export async function expectedAudio(fake: FakeMiniMax, text: string, sampleRate = 32000, bitrate = 128000): Promise<Buffer> {
  const c = fake.config;
  const target = Math.min(c.maxAudioMs, Math.max(c.minAudioMs, text.length * c.msPerChar));
  return (await fake.audio('mp3', sampleRate, bitrate, target)).bytes;
}

/** Resolves after `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
