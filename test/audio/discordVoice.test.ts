import { createAudioResource, StreamType } from '@discordjs/voice';
import { describe, expect, it } from 'vitest';
import { createTranscoderFactory } from '../../src/audio/index.js';
import { makeMp3, mp3DurationMs, testFfmpegPath } from '../fakes/mp3.js';
import { chunk, collect } from './helpers.js';

describe.each([
  { kind: 'wasm' as const },
  { kind: 'ffmpeg' as const },
])('a $kind transcoder played through @discordjs/voice', ({ kind }) => {
  it('becomes an Opus AudioResource whose play stream yields the packets unchanged', async () => {
    const factory = createTranscoderFactory({ kind, ffmpegPath: kind === 'ffmpeg' ? testFfmpegPath() : undefined });
    const mp3 = await makeMp3({ seconds: 1 });

    const reference = factory.create();
    const expected = collect(reference.opus);
    for (const c of chunk(mp3)) reference.write(c);
    reference.end();

    const t = factory.create();
    const resource = createAudioResource(t.opus, { inputType: StreamType.Opus });
    expect(resource.playStream).toBe(t.opus); // Opus input needs no transform: packets go to Discord as they are
    const played = collect(resource.playStream);
    for (const c of chunk(mp3)) t.write(c);
    t.end();

    const [want, got] = await Promise.all([expected, played]);
    expect(got.error).toBeUndefined();
    // Every 20 ms of the MP3, the last padded, less the inaudible priming at the start (at most two frames).
    const frames = Math.ceil(mp3DurationMs(mp3) / 20);
    expect(got.packets.length).toBeLessThanOrEqual(frames);
    expect(got.packets.length).toBeGreaterThanOrEqual(frames - 2);
    expect(got.packets).toEqual(want.packets);
    expect(resource.ended).toBe(true);
  });
});
