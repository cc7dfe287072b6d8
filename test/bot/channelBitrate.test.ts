import { afterEach, describe, expect, it } from 'vitest';
import { GUILD, startHarness, type Harness, type HarnessOptions } from './harness.js';

/** Voice's bitrate is 32 kbps to begin with; Other's is 128 kbps. */
const LOW_AND_HIGH = {
  ...GUILD,
  channels: [{ name: 'general' }, { name: 'Voice', type: 'voice', bitrate: 32_000 }, { name: 'Other', type: 'voice', bitrate: 128_000 }],
} as const;

/** Says `text` and returns the mean size (bytes) of the voice packets the fake voice server heard for it. */
async function speakAndMeasure(h: Harness, text: string): Promise<number> {
  const from = performance.now();
  await h.run({ command: 'speak', options: { text } });
  await h.discord.audio.waitForAudio({ minMs: 300, from });
  const report = await h.discord.audio.waitForSilence({ quietMs: 400, from });
  expect(report.decodeErrors).toBe(0);
  const voice = h.discord.audio.select({ from }).filter((f) => !f.silence && f.samples > 0);
  expect(voice.length).toBeGreaterThan(20);
  return voice.reduce((sum, f) => sum + f.opus.length, 0) / voice.length;
}

/** Bytes of a 20 ms packet at `bitrate` bits per second. */
const bytesAt = (bitrate: number): number => (bitrate * 0.02) / 8;

describe('the Opus bitrate follows the voice channel (AUDIO_OPUS_BITRATE)', () => {
  let h: Harness | undefined;
  const start = async (options?: HarnessOptions): Promise<Harness> => (h = await startHarness({ guilds: [LOW_AND_HIGH], ...options }));
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("by default encodes at the channel's bitrate, and at the new one once an admin changes it, cached phrases too", async () => {
    const h = await start();
    const text = 'A short phrase, said once in a thirty-two kilobit channel and once again after the change.';
    const low = await speakAndMeasure(h, text);
    expect(low).toBeGreaterThan(bytesAt(32_000) * 0.6);
    expect(low).toBeLessThan(bytesAt(32_000) * 1.4);
    h.discord.channelBitrate('Voice', 128_000); // CHANNEL_UPDATE, on the gateway before the next command
    const high = await speakAndMeasure(h, text);
    expect(high).toBeGreaterThan(bytesAt(128_000) * 0.6);
    expect(high).toBeLessThan(bytesAt(128_000) * 1.4);
    // The repeat came from the audio cache (MiniMax's MP3, kept before encoding), and was encoded for the new bitrate.
    expect(h.minimax.texts).toEqual([text]);
  });

  it.each([
    ['in a worker thread', {}],
    ['in the main thread', { AUDIO_WORKERS: '0' }],
  ])('changes the bitrate in the middle of a message when the channel changes while it plays (coded %s)', async (_where, env) => {
    // MiniMax at real time: the MP3 arrives (and is coded) while the message plays.
    const h = await start({ minimax: { realtimeFactor: 1 }, env });
    const from = performance.now();
    await h.run({ command: 'speak', options: { text: 'A long message, streamed by MiniMax at the pace it is spoken, so that an admin can change the bitrate while it plays.' } });
    await h.discord.audio.waitForAudio({ minMs: 600, from });
    h.discord.channelBitrate('Voice', 128_000);
    await h.discord.audio.waitForSilence({ quietMs: 400, from });
    const voice = h.discord.audio.select({ from }).filter((f) => !f.silence && f.samples > 0);
    const mean = (frames: typeof voice): number => frames.reduce((sum, f) => sum + f.opus.length, 0) / frames.length;
    expect(voice.length).toBeGreaterThan(100); // about 2.4 s
    expect(mean(voice.slice(0, 20))).toBeLessThan(bytesAt(32_000) * 1.4);
    expect(mean(voice.slice(-30))).toBeGreaterThan(bytesAt(128_000) * 0.6);
    expect(h.minimax.texts).toHaveLength(1);
  });

  it('follows a move to a channel of another bitrate', async () => {
    const h = await start();
    const low = await speakAndMeasure(h, 'The first message, spoken in a thirty-two kilobit channel.');
    for (const user of ['alice', 'bob']) h.discord.voiceState({ user, channel: 'Other' });
    const high = await speakAndMeasure(h, 'The second message: the bot follows alice to the other channel.');
    expect(h.discord.botVoiceChannel()).toBe(h.discord.guild().voiceChannel('Other').id);
    expect(low).toBeLessThan(bytesAt(32_000) * 1.4);
    expect(high).toBeGreaterThan(bytesAt(128_000) * 0.6);
  });

  it('a number fixes the bitrate whatever the channel says', async () => {
    const h = await start({ env: { AUDIO_OPUS_BITRATE: '96000' } });
    const size = await speakAndMeasure(h, 'A message in a thirty-two kilobit channel, at a fixed bitrate.');
    expect(size).toBeGreaterThan(bytesAt(96_000) * 0.6);
    expect(size).toBeLessThan(bytesAt(96_000) * 1.4);
  });
});
