import { describe, expect, it } from 'vitest';
import { resolveVoice } from '../../src/store/resolveVoice.js';
import type { ResolvedVoice, VoiceProfile } from '../../src/store/types.js';

const defaults: ResolvedVoice = { voiceId: 'default-voice', model: 'speech-2.8-turbo', speed: 1, volume: 1, pitch: 0 };

describe('resolveVoice', () => {
  it('returns the defaults when no layer sets anything', () => {
    expect(resolveVoice(defaults)).toStrictEqual(defaults);
    expect(resolveVoice(defaults, {}, {}, {})).toStrictEqual(defaults);
  });

  it('takes each field from the first layer that sets it: override > member > server > defaults', () => {
    const server: VoiceProfile = { voiceId: 'server-voice', speed: 1.5, pitch: 2, emotion: 'calm', languageBoost: 'English' };
    const member: VoiceProfile = { voiceId: 'member-voice', speed: 0.8 };
    const override: VoiceProfile = { speed: 2 };
    expect(resolveVoice(defaults, server, member, override)).toStrictEqual({
      voiceId: 'member-voice',
      model: 'speech-2.8-turbo',
      speed: 2,
      volume: 1,
      pitch: 2,
      emotion: 'calm',
      languageBoost: 'English',
    });
  });

  it('lets a member override the server and an override beat both for every field', () => {
    const server: VoiceProfile = { voiceId: 's', model: 'speech-02-hd', speed: 0.5, volume: 2, pitch: -3, emotion: 'sad', languageBoost: 'German' };
    const member: VoiceProfile = { voiceId: 'm', model: 'speech-2.6-hd', speed: 0.7, volume: 3, pitch: 4, emotion: 'happy', languageBoost: 'French' };
    expect(resolveVoice(defaults, server, member)).toStrictEqual({ ...member } as ResolvedVoice);
    const override: Required<VoiceProfile> = {
      voiceId: 'o',
      model: 'speech-01-turbo',
      speed: 1.9,
      volume: 9,
      pitch: 12,
      emotion: 'whisper',
      languageBoost: 'auto',
    };
    expect(resolveVoice(defaults, server, member, override)).toStrictEqual(override);
  });

  it('keeps a default emotion and language boost when no layer sets them, and omits them when none exist', () => {
    expect(resolveVoice({ ...defaults, emotion: 'fluent', languageBoost: 'Japanese' }, { speed: 1.2 })).toStrictEqual({
      ...defaults,
      speed: 1.2,
      emotion: 'fluent',
      languageBoost: 'Japanese',
    });
    const resolved = resolveVoice(defaults, { speed: 1.2 });
    expect('emotion' in resolved).toBe(false);
    expect('languageBoost' in resolved).toBe(false);
  });

  it('does not change its inputs', () => {
    const server: VoiceProfile = { speed: 1.1 };
    const member: VoiceProfile = { pitch: 1 };
    const frozenDefaults = Object.freeze({ ...defaults });
    resolveVoice(frozenDefaults, Object.freeze(server), Object.freeze(member));
    expect(server).toStrictEqual({ speed: 1.1 });
    expect(member).toStrictEqual({ pitch: 1 });
  });
});
