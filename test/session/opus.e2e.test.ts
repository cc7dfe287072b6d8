import { afterEach, describe, expect, it } from 'vitest';
import { createTranscoderFactory } from '../../src/audio/index.js';
import { opusPacketSamples } from '../../src/audio/opusPacket.js';
import { AudioCache } from '../../src/session/AudioCache.js';
import { makeOggOpus, opusPacketsOf } from '../fakes/oggOpus.js';
import { expectedMs, startHarness, TEXT_A as A, TEXT_B as B, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Speaks A then B with MiniMax asked for Opus; returns what the voice server heard. */
async function speakTwo(opusFrameMs: number): Promise<Harness> {
  h = await startHarness({ transcoders: createTranscoderFactory({ input: 'ogg-opus' }), minimax: { opusFrameMs } });
  expect(await h.manager.join(h.target())).toMatchObject({ ok: true });
  const session = h.manager.get(h.guildId)!;
  session.enqueue(h.item(A));
  session.enqueue(h.item(B));
  await h.discord.audio.waitForAudio({ minMs: 200, timeoutMs: 10_000 });
  await h.discord.audio.waitForSilence({ quietMs: 500, timeoutMs: 15_000 });
  return h;
}

describe('MiniMax asked for Opus (AUDIO_FORMAT=opus)', () => {
  it("asks for Opus at 24 kHz, and MiniMax's 20 ms packets reach the voice server byte for byte, back to back", async () => {
    const x = await speakTwo(20);
    const start = x.minimax.connections.flatMap((c) => c.received).find((e) => e.event === 'task_start');
    expect(start?.body?.['audio_setting']).toMatchObject({ format: 'opus', sample_rate: 24000, channel: 1 });
    const heard = x.discord.audio.report();
    expect(heard.gaps).toEqual([]);
    expect(Math.abs(heard.voiceMs - (expectedMs(A) + expectedMs(B)))).toBeLessThan(150);
    // Every voice packet is one the fake's encoder made: A's, then B's, each from the start of the same clip.
    const clip = opusPacketsOf(await makeOggOpus({ seconds: 13, sampleRate: 24000, frameMs: 20 }));
    const voice = x.discord.audio.select({}).filter((f) => !f.silence).map((f) => f.opus);
    const aPackets = voice.findIndex((p, i) => i > 0 && p.equals(clip[0]!));
    expect(aPackets).toBeGreaterThan(20);
    expect(voice.slice(0, aPackets)).toEqual(clip.slice(0, aPackets));
    expect(voice.slice(aPackets)).toEqual(clip.slice(0, voice.length - aPackets));
    expect(x.reports).toEqual([]);
  });

  it.each([
    { frameMs: 60, what: 'cut into 20 ms packets' },
    { frameMs: 10, what: 're-encoded in 20 ms packets' },
  ])('$frameMs ms frames are $what, and both messages play whole', async ({ frameMs }) => {
    const x = await speakTwo(frameMs);
    expect(x.reports).toEqual([]);
    const heard = x.discord.audio.report();
    expect(heard.gaps).toEqual([]);
    expect(Math.abs(heard.voiceMs - (expectedMs(A) + expectedMs(B)))).toBeLessThan(150);
    const frames = x.discord.audio.select({}).filter((f) => !f.silence);
    expect(frames.every((f) => opusPacketSamples(f.opus) === 960 && f.samples === 960 && !f.decodeError)).toBe(true);
    expect(x.reports).toEqual([]);
  });

  it('a repeated short phrase plays from the audio cache: MiniMax is asked once, and the same packets are heard twice', async () => {
    const cache = new AudioCache({ maxBytes: 4 * 1024 * 1024 });
    h = await startHarness({ transcoders: createTranscoderFactory({ input: 'ogg-opus' }), audioCache: cache });
    await h.manager.join(h.target());
    const session = h.manager.get(h.guildId)!;
    const phrase = 'good game everyone';
    session.enqueue(h.item(phrase));
    await h.discord.audio.waitForAudio({ minMs: 200, timeoutMs: 10_000 });
    await h.discord.audio.waitForSilence({ quietMs: 400, timeoutMs: 10_000 });
    const second = performance.now();
    session.enqueue(h.item(phrase));
    await h.discord.audio.waitForAudio({ from: second, minMs: 200, timeoutMs: 10_000 });
    await h.discord.audio.waitForSilence({ from: second, quietMs: 400, timeoutMs: 10_000 });
    expect(h.minimax.texts).toEqual([phrase]);
    expect(cache.hits).toBe(1);
    const voice = (frames: { opus: Buffer; silence: boolean }[]): Buffer[] => frames.filter((f) => !f.silence).map((f) => f.opus);
    const first = voice(h.discord.audio.select({ to: second }));
    expect(first.length).toBeGreaterThan(20);
    expect(voice(h.discord.audio.select({ from: second }))).toEqual(first);
    expect(h.reports).toEqual([]);
  });
});
