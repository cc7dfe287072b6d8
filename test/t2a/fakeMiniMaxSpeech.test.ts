import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { mp3DurationMs, mp3Frames } from '../fakes/mp3.js';
import { espeakMp3 } from '../fakes/minimax/speech.js';
import { SETTINGS, settle, startFake, synth } from './helpers.js';

// Debian's espeak-ng (.ci/run installs it): the fake's spoken words are the demo's voice.
const ESPEAK = '/usr/bin/espeak-ng';

describe('FakeMiniMax speaking words (speech: espeak)', () => {
  test.runIf(existsSync(ESPEAK))('sends espeak-ng saying the text, as whole MP3 frames, as long as the words take', async () => {
    const { fake, url } = await startFake({ speech: 'espeak', msPerChar: 10, minAudioMs: 100 });
    const s = synth(url);
    const short = await settle(s.speak('Hi.', SETTINGS));
    const long = await settle(s.speak('Parrot reads this sentence aloud in the voice channel.', SETTINGS));
    for (const r of [short, long]) {
      const frames = mp3Frames(r.audio);
      expect(frames.length).toBeGreaterThan(0);
      const last = frames.at(-1);
      expect(last && last.offset + last.length).toBe(r.audio.length);
    }
    // Words, not msPerChar: 54 characters at 10 ms would be 540 ms; spoken they take seconds.
    expect(mp3DurationMs(long.audio)).toBeGreaterThan(2000);
    expect(mp3DurationMs(long.audio)).toBeGreaterThan(mp3DurationMs(short.audio) * 2);
    expect(fake.spoken.map((u) => u.speech)).toEqual(['espeak', 'espeak']);
    expect(fake.spoken[1]?.durationMs).toBeCloseTo(mp3DurationMs(long.audio), 3);
    expect(long.result?.audioLengthMs).toBe(Math.round(mp3DurationMs(long.audio)));
  });

  test('falls back to the tone when espeak-ng is not installed', async () => {
    expect(await espeakMp3('hello', { sampleRate: 32000, bitrate: 128000, espeak: '/nonexistent/espeak-ng' })).toBeUndefined();
    const { fake, url } = await startFake({ speech: 'tone', msPerChar: 50, minAudioMs: 300 });
    const r = await settle(synth(url).speak('x'.repeat(20), SETTINGS));
    expect(mp3DurationMs(r.audio)).toBeGreaterThanOrEqual(1000);
    expect(fake.spoken).toEqual([{ text: 'x'.repeat(20), durationMs: mp3DurationMs(r.audio), speech: 'tone' }]);
  });
});
