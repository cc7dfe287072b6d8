import { describe, expect, test } from 'vitest';
import { parseServerFrame, settingsKey, toTaskStart } from '../../src/t2a/protocol.js';

describe('toTaskStart', () => {
  test('fills MiniMax defaults: mp3, 32000 Hz, 128000 bps, mono, speed 1, vol 1, pitch 0', () => {
    expect(toTaskStart({ model: 'speech-02-turbo', voice: { voiceId: 'male-qn-qingse' } })).toEqual({
      event: 'task_start',
      model: 'speech-02-turbo',
      voice_setting: { voice_id: 'male-qn-qingse', speed: 1, vol: 1, pitch: 0 },
      audio_setting: { sample_rate: 32000, bitrate: 128000, format: 'mp3', channel: 1 },
    });
  });

  test('maps every camelCase field to its wire name', () => {
    expect(
      toTaskStart({
        model: 'speech-2.8-hd',
        voice: { voiceId: 'v', speed: 1.5, vol: 2, pitch: -3, emotion: 'happy', englishNormalization: true, latexRead: true },
        audio: { sampleRate: 24000, bitrate: 64000, format: 'mp3', channel: 2 },
        pronunciation: ['Omg/Oh my god'],
        languageBoost: 'English',
        voiceModify: { pitch: 10, intensity: -20, timbre: 30, soundEffects: 'lofi_telephone' },
        timbreWeights: [{ voiceId: 'a', weight: 70 }, { voiceId: 'b', weight: 30 }],
        continuousSound: true,
      }),
    ).toEqual({
      event: 'task_start',
      model: 'speech-2.8-hd',
      voice_setting: { voice_id: 'v', speed: 1.5, vol: 2, pitch: -3, emotion: 'happy', english_normalization: true, latex_read: true },
      audio_setting: { sample_rate: 24000, bitrate: 64000, format: 'mp3', channel: 2 },
      pronunciation_dict: { tone: ['Omg/Oh my god'] },
      timbre_weights: [{ voice_id: 'a', weight: 70 }, { voice_id: 'b', weight: 30 }],
      language_boost: 'English',
      voice_modify: { pitch: 10, intensity: -20, timbre: 30, sound_effects: 'lofi_telephone' },
      continuous_sound: true,
    });
  });

  test('settingsKey is equal for structurally equal settings, different otherwise', () => {
    const a = settingsKey({ model: 'speech-2.8-hd', voice: { voiceId: 'v', speed: 1 } });
    const b = settingsKey({ voice: { speed: 1, voiceId: 'v' }, model: 'speech-2.8-hd' });
    expect(a).toBe(b);
    expect(settingsKey({ model: 'speech-2.8-hd', voice: { voiceId: 'v' } })).toBe(a); // default speed is 1
    expect(settingsKey({ model: 'speech-2.8-hd', voice: { voiceId: 'v', speed: 1.1 } })).not.toBe(a);
  });
});

describe('parseServerFrame', () => {
  const common = { session_id: 's1', trace_id: 't1', base_resp: { status_code: 0, status_msg: 'success' } };

  test('reads the lifecycle events with their common fields', () => {
    for (const event of ['connected_success', 'task_started', 'task_finished'] as const) {
      expect(parseServerFrame(JSON.stringify({ ...common, event }))).toEqual({ ok: true, frame: { event, sessionId: 's1', traceId: 't1' } });
    }
  });

  test('decodes hex audio, is_final and extra_info', () => {
    const r = parseServerFrame(
      JSON.stringify({
        ...common,
        event: 'task_continued',
        is_final: true,
        data: { audio: 'fffb90c4' },
        extra_info: { audio_length: 360, audio_sample_rate: 32000, audio_size: 5760, bitrate: 128000, audio_format: 'mp3', audio_channel: 1, invisible_character_ratio: 0, usage_characters: 6, word_count: 1 },
      }),
    );
    expect(r.ok).toBe(true);
    if (!r.ok || r.frame.event !== 'task_continued') throw new Error('expected audio');
    expect(r.frame.audio).toEqual(Buffer.from([0xff, 0xfb, 0x90, 0xc4]));
    expect(r.frame.isFinal).toBe(true);
    expect(r.frame.extraInfo).toEqual({
      audioLength: 360, audioSampleRate: 32000, audioSize: 5760, bitrate: 128000, audioFormat: 'mp3', audioChannel: 1,
      invisibleCharacterRatio: 0, usageCharacters: 6, wordCount: 1,
    });
  });

  test.each([
    ['data null', { data: null }],
    ['empty audio', { data: { audio: '' } }],
    ['no data', {}],
  ])('a final frame with %s carries no audio', (_name, extra) => {
    const r = parseServerFrame(JSON.stringify({ ...common, event: 'task_continued', is_final: true, ...extra }));
    expect(r.ok && r.frame.event === 'task_continued' && r.frame.audio.length === 0 && r.frame.isFinal).toBe(true);
  });

  test.each([
    ['not JSON', '{"event":"task_continued","data":{"audio":"ff'],
    ['a JSON array', '[1,2]'],
    ['odd-length hex', JSON.stringify({ event: 'task_continued', data: { audio: 'fff' } })],
    ['non-hex audio', JSON.stringify({ event: 'task_continued', data: { audio: 'zz00' } })],
    ['audio not a string', JSON.stringify({ event: 'task_continued', data: { audio: 12 } })],
    ['no event', JSON.stringify({ base_resp: { status_code: 0 } })],
  ])('%s becomes a protocol error, not a throw', (_name, text) => {
    const r = parseServerFrame(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'protocol', kind: 'protocol' });
  });

  test('a non-zero status on any frame becomes the classified status error with the trace id', () => {
    const r = parseServerFrame(JSON.stringify({ ...common, event: 'task_failed', base_resp: { status_code: 1004, status_msg: 'invalid api key' } }));
    expect(r).toMatchObject({ ok: false, error: { code: 1004, category: 'auth', traceId: 't1' } });
    const c = parseServerFrame(JSON.stringify({ ...common, event: 'task_continued', data: null, base_resp: { status_code: 2203, status_msg: 'empty' } }));
    expect(c).toMatchObject({ ok: false, error: { code: 2203, category: 'content' } });
  });

  test('unknown events and unknown fields are tolerated', () => {
    expect(parseServerFrame(JSON.stringify({ ...common, event: 'task_progress', whatever: { a: 1 } }))).toEqual({
      ok: true,
      frame: { event: 'unknown', name: 'task_progress', sessionId: 's1', traceId: 't1' },
    });
    const r = parseServerFrame(JSON.stringify({ ...common, event: 'task_continued', data: { audio: 'ab', subtitle_file: null }, x: 1 }));
    expect(r.ok && r.frame.event === 'task_continued' && r.frame.audio.length).toBe(1);
  });
});
