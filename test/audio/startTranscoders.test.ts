import { describe, expect, it } from 'vitest';
import { AudioError, WasmTranscoder, createTranscoderFactory, type TranscoderFactory } from '../../src/audio/index.js';
import { loadAudioConfig } from '../../src/config.js';
import { StartupError, startTranscoders } from '../../src/index.js';
import { createLogger } from '../../src/log.js';

function logger(lines: string[]) {
  return createLogger({ level: 'info', secrets: [], write: (line) => lines.push(line) });
}

describe('startTranscoders (the bot start-up)', () => {
  it('starts the configured worker threads before the bot takes its first /speak', async () => {
    const lines: string[] = [];
    const factory = await startTranscoders(loadAudioConfig({ AUDIO_WORKERS: '1' }), logger(lines));
    try {
      expect(factory.name).toBe('wasm-worker-x1');
      expect(lines).toEqual([]);
    } finally {
      await factory.close?.();
    }
  });

  it("with AUDIO_FORMAT=opus, passes MiniMax's Opus through in the main thread: no worker threads, no ffmpeg", async () => {
    const lines: string[] = [];
    const factory = await startTranscoders(loadAudioConfig({ AUDIO_FORMAT: 'opus', AUDIO_WORKERS: '2', AUDIO_DECODER: 'ffmpeg', FFMPEG_PATH: '/nonexistent/ffmpeg' }), logger(lines));
    expect(factory.input).toBe('ogg-opus');
    expect(factory.name).toBe('ogg-opus');
    expect('close' in factory).toBe(false);
    expect(lines).toEqual([]);
  });

  it('falls back to the main thread, with a warning, when the workers cannot start', async () => {
    const lines: string[] = [];
    const asked: (number | undefined)[] = [];
    let closed = 0;
    const create: typeof createTranscoderFactory = (options) => {
      asked.push(options?.workers);
      if (!options?.workers) return createTranscoderFactory(options);
      const broken: TranscoderFactory = {
        name: 'broken-workers',
        create: () => { throw new Error('not used'); },
        ready: () => Promise.reject(new AudioError('PROCESS_FAILED', 'transcoding worker failed to start: no tsx')),
        close: () => Promise.resolve(void closed++),
      };
      return broken;
    };
    const factory = await startTranscoders(loadAudioConfig({ AUDIO_WORKERS: '2' }), logger(lines), create);
    expect(asked).toEqual([2, 0]);
    expect(closed).toBe(1);
    const t = factory.create();
    expect(t).toBeInstanceOf(WasmTranscoder);
    t.destroy();
    expect(lines.join('\n')).toMatch(/audio worker threads did not start; transcoding on the main thread.*no tsx/);
  });

  it('asks the workers to shed load at AUDIO_OPUS_COMPLEXITY_UNDER_LOAD, and logs each change with its cause', async () => {
    const lines: string[] = [];
    let asked: Parameters<typeof createTranscoderFactory>[0];
    const create: typeof createTranscoderFactory = (options) => {
      asked = options;
      return { name: 'recorded', create: () => { throw new Error('not used'); } };
    };
    await startTranscoders(loadAudioConfig({ AUDIO_WORKERS: '1' }), logger(lines), create);
    expect(asked?.encoder).toEqual({ complexity: 5 });
    expect(asked?.shedding).toEqual({ complexity: 4 });
    asked?.onComplexity?.({ worker: 0, complexity: 4, roundMs: 23.4 });
    asked?.onComplexity?.({ worker: 0, complexity: 5, roundMs: undefined });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/WARN +audio worker fell behind.*lower Opus complexity.* worker=0 complexity=4 waitedMs=23$/);
    expect(lines[1]).toMatch(/INFO +audio worker keeps up again.* worker=0 complexity=5$/);

    await startTranscoders(loadAudioConfig({ AUDIO_WORKERS: '1', AUDIO_OPUS_COMPLEXITY: '8', AUDIO_OPUS_COMPLEXITY_UNDER_LOAD: '2' }), logger([]), create);
    expect(asked?.encoder).toEqual({ complexity: 8 });
    expect(asked?.shedding).toEqual({ complexity: 2 });
  });

  it('refuses to start, in one line, when the configured ffmpeg does not exist', async () => {
    const config = loadAudioConfig({ AUDIO_DECODER: 'ffmpeg', FFMPEG_PATH: '/nonexistent/ffmpeg' });
    await expect(startTranscoders(config, logger([]))).rejects.toThrow(StartupError);
  });
});
