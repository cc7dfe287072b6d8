/**
 * Items of ready audio (MP3 bytes, e.g. a designed voice's preview): played through the transcoder in queue order
 * with the texts, never sent to MiniMax, costing nothing, skippable and clearable like any item.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTranscoderFactory } from '../../src/audio/index.js';
import type { QueueItemInput } from '../../src/session/types.js';
import { makeMp3 } from '../fakes/mp3.js';
import { expectedMs, startHarness, TEXT_A as A, TEXT_B as B, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A ready-audio item from the text channel 'general' of the default guild. */
function ready(x: Harness, mp3: Buffer, authorId = 'u1'): QueueItemInput {
  return { ...x.item('the preview of a designed voice', authorId), audio: mp3 };
}

/** Every text MiniMax was asked to synthesize. */
function sentTexts(x: Harness): unknown[] {
  return x.minimax.connections.flatMap((c) => c.received.filter((e) => e.event === 'task_continue').map((e) => e.body?.['text']));
}

describe('ready audio in the queue', () => {
  it('plays between two texts in queue order, never reaches MiniMax, and counts no characters', async () => {
    h = await startHarness();
    const mp3 = await makeMp3({ seconds: 1.5 });
    await h.manager.join(h.target());
    const session = h.manager.get(h.guildId)!;
    expect(session.enqueue(h.item(A))).toMatchObject({ ok: true, position: 1 });
    expect(session.enqueue(ready(h, mp3))).toMatchObject({ ok: true, position: 2 });
    expect(session.enqueue(h.item(B))).toMatchObject({ ok: true, position: 3 });
    await h.discord.audio.waitForAudio({ minMs: 200, timeoutMs: 10_000 });
    const heard = await h.discord.audio.waitForSilence({ quietMs: 500, timeoutMs: 20_000 });
    expect(sentTexts(h)).toEqual([A, B]);
    expect(Math.abs(heard.voiceMs - (expectedMs(A) + 1_500 + expectedMs(B)))).toBeLessThan(200);
    // Played in its turn: A, then the 1.5 s of ready audio, then B (the three back to back, one burst).
    expect(h.played.map((p) => p.item.text)).toEqual([A, 'the preview of a designed voice', B]);
    expect(heard.bursts).toHaveLength(1);
    expect(h.store.getUsage(h.guildId, new Date()).day).toBe(A.length + B.length);
    expect(h.reports).toEqual([]);
  });

  it('is skipped and cleared like any item', async () => {
    h = await startHarness();
    const long = await makeMp3({ seconds: 4 });
    await h.manager.join(h.target());
    const session = h.manager.get(h.guildId)!;
    session.enqueue(ready(h, long));
    session.enqueue(h.item(B));
    await h.discord.audio.waitForAudio({ minMs: 400, timeoutMs: 10_000 });
    expect(session.skip()).toBe(true);
    const heard = await h.discord.audio.waitForSilence({ quietMs: 600, timeoutMs: 15_000 });
    // Well short of the 4 s, and B whole after it.
    expect(heard.voiceMs).toBeLessThan(2_000 + expectedMs(B));
    expect(sentTexts(h)).toEqual([B]);

    const from = performance.now();
    session.enqueue(ready(h, long));
    session.enqueue(ready(h, long, 'u2'));
    await h.discord.audio.waitForAudio({ from, minMs: 300, timeoutMs: 10_000 });
    expect(session.clear()).toBe(2);
    const cleared = await h.discord.audio.waitForSilence({ from, quietMs: 600, timeoutMs: 10_000 });
    expect(cleared.voiceMs).toBeLessThan(2_000);
    expect(session.status()).toMatchObject({ playing: null, queued: 0 });
    expect(h.reports).toEqual([]);
  });

  it('audio that is not MP3 is reported as not played, and the next item still plays', async () => {
    h = await startHarness();
    await h.manager.join(h.target());
    const session = h.manager.get(h.guildId)!;
    session.enqueue(ready(h, Buffer.from('<html>this is not audio</html>'.repeat(200))));
    session.enqueue(h.item(B));
    await h.discord.audio.waitForAudio({ minMs: 200, timeoutMs: 10_000 });
    const heard = await h.discord.audio.waitForSilence({ quietMs: 500, timeoutMs: 15_000 });
    expect(Math.abs(heard.voiceMs - expectedMs(B))).toBeLessThan(150);
    expect(h.reports.map((r) => [r.kind, r.item.text])).toEqual([['failed', 'the preview of a designed voice']]);
  });

  it("plays while speech is paused by the server's spent budget (it asks nothing of MiniMax)", async () => {
    h = await startHarness({ budget: { dailyChars: 10, monthlyChars: null } });
    const mp3 = await makeMp3({ seconds: 1 });
    await h.manager.join(h.target());
    const session = h.manager.get(h.guildId)!;
    h.store.addUsage(h.guildId, 10, new Date());
    expect(session.enqueue(h.item(B))).toMatchObject({ ok: false, reason: 'paused' });
    expect(session.enqueue(ready(h, mp3))).toMatchObject({ ok: true, position: 1 });
    const heard = await h.discord.audio.waitForAudio({ minMs: 900, timeoutMs: 10_000 });
    expect(heard.voiceMs).toBeGreaterThanOrEqual(900);
    expect(sentTexts(h)).toEqual([]);
  });

  it('with transcoders that take Ogg Opus (AUDIO_FORMAT=opus), ready MP3 still plays', async () => {
    h = await startHarness({ transcoders: createTranscoderFactory({ input: 'ogg-opus' }) });
    const mp3 = await makeMp3({ seconds: 1 });
    await h.manager.join(h.target());
    h.manager.get(h.guildId)!.enqueue(ready(h, mp3));
    await h.discord.audio.waitForAudio({ minMs: 200, timeoutMs: 10_000 });
    const heard = await h.discord.audio.waitForSilence({ quietMs: 500, timeoutMs: 10_000 });
    expect(Math.abs(heard.voiceMs - 1_000)).toBeLessThan(150);
    expect(h.reports).toEqual([]);
  });
});
