import { describe, expect, test } from 'vitest';
import { T2AError } from '../../src/t2a/errors.js';
import { checkText, validateTaskSettings } from '../../src/t2a/validate.js';
import type { TaskSettings } from '../../src/t2a/types.js';

const base: TaskSettings = { model: 'speech-2.8-hd', voice: { voiceId: 'English_Graceful_Lady' } };

function messageOf(settings: unknown): string {
  try {
    validateTaskSettings(settings as TaskSettings);
  } catch (error) {
    expect(error).toBeInstanceOf(T2AError);
    expect(error).toMatchObject({ code: 'validation', category: 'validation', retryable: false });
    return (error as Error).message;
  }
  throw new Error('expected a validation error');
}

describe('validateTaskSettings', () => {
  test('accepts minimal and full valid settings', () => {
    expect(() => validateTaskSettings(base)).not.toThrow();
    expect(() =>
      validateTaskSettings({
        model: 'speech-2.6-turbo',
        voice: { voiceId: 'Chinese (Mandarin)_News_Anchor ', speed: 2, vol: 10, pitch: -12, emotion: 'whisper', englishNormalization: true, latexRead: false },
        audio: { sampleRate: 44100, bitrate: 256000, format: 'mp3', channel: 2 },
        pronunciation: ['Omg/Oh my god'],
        languageBoost: 'Chinese,Yue',
        voiceModify: { pitch: -100, intensity: 100, timbre: 0, soundEffects: 'robotic' },
        timbreWeights: [{ voiceId: 'a', weight: 1 }, { voiceId: 'b', weight: 100 }],
      }),
    ).not.toThrow();
    expect(() => validateTaskSettings({ model: 'speech-2.8-turbo', voice: {}, timbreWeights: [{ voiceId: 'x', weight: 50 }], continuousSound: true })).not.toThrow();
  });

  test.each([
    [{ voice: { voiceId: 'v', speed: 3 } }, 'speed must be between 0.5 and 2 (got 3)'],
    [{ voice: { voiceId: 'v', speed: 0.4 } }, 'speed must be between 0.5 and 2 (got 0.4)'],
    [{ voice: { voiceId: 'v', vol: 0 } }, 'vol must be greater than 0 and at most 10 (got 0)'],
    [{ voice: { voiceId: 'v', vol: 10.5 } }, 'vol must be greater than 0 and at most 10 (got 10.5)'],
    [{ voice: { voiceId: 'v', pitch: 1.5 } }, 'pitch must be an integer between -12 and 12 (got 1.5)'],
    [{ voice: { voiceId: 'v', pitch: 13 } }, 'pitch must be an integer between -12 and 12 (got 13)'],
    [{ voice: { voiceId: 'v', emotion: 'bored' } }, 'emotion must be one of happy, sad, angry, fearful, disgusted, surprised, calm, fluent, whisper (got "bored")'],
    [{ voice: { voiceId: 'v', emotion: 'fluent' } }, 'emotion fluent is only available on speech-2.6 models (got model speech-2.8-hd)'],
    [{ voice: { voiceId: 'v', englishNormalization: 'yes' } }, 'englishNormalization must be true or false (got "yes")'],
    [{ voice: {} }, 'voiceId is required unless timbreWeights mixes voices'],
    [{ voice: { voiceId: '  ' } }, 'voiceId is required unless timbreWeights mixes voices'],
    [{ model: 'speech-3' }, 'model must be one of speech-2.8-hd'],
    [{ model: undefined }, 'model is required'],
    [{ audio: { sampleRate: 48000 } }, 'audio.sampleRate must be one of 8000, 16000, 22050, 24000, 32000, 44100 (got 48000)'],
    [{ audio: { bitrate: 96000 } }, 'audio.bitrate must be one of 32000, 64000, 128000, 256000 (got 96000)'],
    [{ audio: { format: 'ogg' } }, 'audio.format must be one of mp3, pcm, flac, wav, pcmu_raw, pcmu_wav, opus (got "ogg")'],
    [{ audio: { channel: 3 } }, 'audio.channel must be one of 1, 2 (got 3)'],
    [{ languageBoost: 'Klingon' }, 'languageBoost must be one of Chinese'],
    [{ voiceModify: { pitch: 101 } }, 'voiceModify.pitch must be an integer between -100 and 100 (got 101)'],
    [{ voiceModify: { intensity: -101 } }, 'voiceModify.intensity must be an integer between -100 and 100 (got -101)'],
    [{ voiceModify: { timbre: 0.5 } }, 'voiceModify.timbre must be an integer between -100 and 100 (got 0.5)'],
    [{ voiceModify: { soundEffects: 'reverb' } }, 'voiceModify.soundEffects must be one of spacious_echo, auditorium_echo, lofi_telephone, robotic (got "reverb")'],
    [{ voiceModify: { soundEffects: 'robotic' }, audio: { format: 'pcm' } }, 'voiceModify.soundEffects needs audio.format mp3 when streaming (got pcm)'],
    [{ timbreWeights: [1, 2, 3, 4, 5].map((i) => ({ voiceId: `v${i}`, weight: 10 })) }, 'timbreWeights may mix at most 4 voices (got 5)'],
    [{ timbreWeights: [{ voiceId: 'a', weight: 0 }] }, 'timbreWeights[0].weight must be an integer between 1 and 100 (got 0)'],
    [{ timbreWeights: [{ voiceId: 'a', weight: 101 }] }, 'timbreWeights[0].weight must be an integer between 1 and 100 (got 101)'],
    [{ timbreWeights: [{ voiceId: '', weight: 5 }] }, 'timbreWeights[0].voiceId is required'],
    [{ pronunciation: ['ok/okay', 'Omg'] }, 'pronunciation[1] must look like "from/to" (got "Omg")'],
    [{ continuousSound: true, model: 'speech-02-hd' }, 'continuousSound is only available on speech-2.8 models (got model speech-02-hd)'],
  ])('rejects %j with a message naming the field', (patch, expected) => {
    expect(messageOf({ ...base, ...patch })).toContain(expected);
  });

  test('does not judge the shape of voice ids (spaces, parentheses, trailing spaces are real)', () => {
    for (const voiceId of ['Chinese (Mandarin)_News_Anchor', 'French_Female_News Anchor', 'odd id ', 'x']) {
      expect(() => validateTaskSettings({ ...base, voice: { voiceId } })).not.toThrow();
    }
  });
});

describe('checkText', () => {
  test('empty or blank text is refused as MiniMax would (2203)', () => {
    expect(checkText('')).toMatchObject({ code: 2203, category: 'content', retryable: false });
    expect(checkText(' \n\t')).toMatchObject({ code: 2203 });
  });

  test('more than 10,000 characters is refused (2204) with the length', () => {
    const error = checkText('a'.repeat(10_001));
    expect(error).toMatchObject({ code: 2204, category: 'content' });
    expect(error?.message).toContain('10001');
    expect(checkText('a'.repeat(10_000))).toBeUndefined();
  });
});
