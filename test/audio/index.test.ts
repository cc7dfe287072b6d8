import { describe, expect, it } from 'vitest';
import {
  AudioError, createTranscoderFactory, defaultWorkerCount, DEFAULT_TRANSCODER_KIND, FfmpegTranscoder, WasmTranscoder,
} from '../../src/audio/index.js';
import { testFfmpegPath } from '../fakes/mp3.js';

describe('createTranscoderFactory', () => {
  it('makes in-process WASM transcoders by default', () => {
    expect(DEFAULT_TRANSCODER_KIND).toBe('wasm');
    const factory = createTranscoderFactory();
    const t = factory.create();
    expect(t).toBeInstanceOf(WasmTranscoder);
    expect(factory.name).toBe('wasm-mpg123+opusscript');
    t.destroy();
  });

  it('makes ffmpeg transcoders with the ffmpeg it finds', () => {
    const factory = createTranscoderFactory({ kind: 'ffmpeg', ffmpegPath: testFfmpegPath() });
    const t = factory.create();
    expect(t).toBeInstanceOf(FfmpegTranscoder);
    expect(factory.name).toBe('ffmpeg-s16le+opusscript');
    t.destroy();
    expect(createTranscoderFactory({ kind: 'ffmpeg', ffmpegPath: testFfmpegPath(), ffmpegOutput: 'ogg' }).name).toBe('ffmpeg-libopus-ogg');
  });

  it('fails at creation, not at the first utterance, when FFMPEG_PATH is wrong', () => {
    expect(() => createTranscoderFactory({ kind: 'ffmpeg', ffmpegPath: '/nonexistent/ffmpeg' })).toThrow(AudioError);
    expect(() => createTranscoderFactory({ kind: 'ffmpeg', ffmpegPath: '/nonexistent/ffmpeg' })).toThrow(/FFMPEG_PATH/);
  });

  it('runs WASM transcoders in worker threads when asked, and owns them until close()', async () => {
    const factory = createTranscoderFactory({ kind: 'wasm', workers: 1 });
    try {
      expect(factory.name).toBe('wasm-worker-x1');
      await factory.ready?.();
      const t = factory.create();
      expect(t).not.toBeInstanceOf(WasmTranscoder);
      t.destroy();
    } finally {
      await factory.close?.();
    }
  });

  it('defaults to one worker fewer than the cores, at most 4, none on one core', () => {
    expect([1, 2, 3, 4, 8, 64].map((cores) => defaultWorkerCount(cores))).toEqual([0, 1, 2, 3, 4, 4]);
  });

  it('does not need ffmpeg at all for the WASM kind', () => {
    expect(() => createTranscoderFactory({ kind: 'wasm', ffmpegPath: '/nonexistent/ffmpeg' }).create().destroy()).not.toThrow();
  });
});
