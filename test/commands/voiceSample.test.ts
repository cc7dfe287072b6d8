import { describe, expect, it } from 'vitest';
import { attachmentProblem, durationProblem, measureSample, sampleFormat } from '../../src/commands/voiceSample.js';
import { makeMp3 } from '../fakes/mp3.js';
import { makeWav } from '../t2a/wav.js';

describe('voice sample checks', () => {
  it('takes mp3, m4a and wav by extension when the content type agrees or is missing', () => {
    expect(sampleFormat('Me.MP3', 'audio/mpeg')).toBe('mp3');
    expect(sampleFormat('me.m4a', 'audio/x-m4a')).toBe('m4a');
    expect(sampleFormat('me.wav', undefined)).toBe('wav');
    expect(sampleFormat('me.wav', 'audio/mpeg')).toBeNull();
    expect(sampleFormat('me.ogg', 'audio/ogg')).toBeNull();
    expect(sampleFormat('wav', 'audio/wav')).toBeNull();
  });

  it('says what to fix: format, size, emptiness', () => {
    expect(attachmentProblem('me.flac', 10, 'audio/flac')).toContain('MP3, M4A or WAV');
    expect(attachmentProblem('me.mp3', 20 * 1024 * 1024 + 1, 'audio/mpeg')).toContain('at most 20 MB');
    expect(attachmentProblem('me.mp3', 20 * 1024 * 1024, 'audio/mpeg')).toBeNull();
    expect(attachmentProblem('me.mp3', 0, 'audio/mpeg')).toContain('empty');
  });

  it('measures WAV from its header and MP3 from its frames; 10 s to 5 min pass', async () => {
    expect(measureSample('wav', makeWav(12.5))).toBe(12_500);
    const mp3 = measureSample('mp3', await makeMp3({ seconds: 11 }));
    expect(mp3).toBeGreaterThan(10_900);
    expect(mp3).toBeLessThan(11_200);
    expect(measureSample('wav', Buffer.from('not a wav file at all, just words'))).toBeUndefined();
    expect(durationProblem('wav', 9_999)).toContain('at least 10 seconds');
    expect(durationProblem('wav', 10_000)).toBeNull();
    expect(durationProblem('wav', 300_000)).toBeNull();
    expect(durationProblem('wav', 300_001)).toContain('at most 5 minutes');
    expect(durationProblem('wav', undefined)).toContain('damaged');
    expect(durationProblem('m4a', undefined)).toBeNull();
  });
});

describe('cloned voice expiry', () => {
  it('is 7 days after the last use, or after creation when never used', async () => {
    const { expiresAt, VOICE_KEEP_MS } = await import('../../src/commands/ownVoices.js');
    const base = { voiceId: 'parrotabc', kind: 'cloned' as const, guildId: 'g', userId: 'u', description: 'me.wav', createdAt: 1_000 };
    expect(VOICE_KEEP_MS).toBe(7 * 24 * 3600_000);
    expect(expiresAt({ ...base, lastUsedAt: null })).toBe(1_000 + VOICE_KEEP_MS);
    expect(expiresAt({ ...base, lastUsedAt: 50_000 })).toBe(50_000 + VOICE_KEEP_MS);
  });
});
