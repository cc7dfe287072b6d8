import { describe, expect, test } from 'vitest';
import type { Utterance } from '../../src/t2a/types.js';
import { SETTINGS, expectedAudio, settle, startFake, synth } from './helpers.js';

/** Reads until the first chunk, aborts, and keeps reading (the iterator then throws the abort). */
async function abortOnFirstChunk(utterance: Utterance, controller: AbortController): Promise<void> {
  for await (const _chunk of utterance) controller.abort();
}

/** Paced so a text is still streaming when the test aborts it. */
const PACED = { realtimeFactor: 1, chunkBytes: 1024, msPerChar: 40 };

describe('T2ASynthesizer: cancellation', () => {
  test('an utterance says whether its text reached MiniMax: one held back by the pipelining cap and cancelled there was never sent', async () => {
    const { fake, url } = await startFake(PACED);
    const s = synth(url, { maxPipelined: 1, maxTasks: 1 });
    const first = s.speak('The first text, sent at once.', SETTINGS);
    const controller = new AbortController();
    const held = s.speak('The second text, held back behind it.', SETTINGS, { signal: controller.signal });
    await fake.waitFor(() => fake.texts.length === 1, 2_000, 'the first text sent');
    expect(first.sent).toBe(true);
    expect(held.sent).toBe(false);
    controller.abort();
    await expect(held.result).rejects.toMatchObject({ code: 'aborted' });
    expect(held.sent).toBe(false);
    expect((await settle(first)).error).toBeUndefined();
    expect(fake.texts).toEqual(['The first text, sent at once.']);
  });

  test('aborting mid-stream closes that socket, ends the utterance as aborted, and the next speak works', async () => {
    const { fake, url } = await startFake(PACED);
    const s = synth(url);
    const controller = new AbortController();
    const u = s.speak('A fairly long sentence that will be interrupted halfway through its audio.', SETTINGS, { signal: controller.signal });
    let chunks = 0;
    let error: unknown;
    try {
      for await (const chunk of u) {
        expect(chunk.length).toBeGreaterThan(0);
        chunks += 1;
        if (chunks === 2) controller.abort();
      }
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'aborted', category: 'aborted', retryable: false });
    await expect(u.result).rejects.toMatchObject({ code: 'aborted' });
    await fake.waitFor(() => fake.connections[0]?.closed === true, 2_000, 'aborted socket closed');
    expect(fake.connections[0]?.closedBy).toBe('client');

    fake.configure({ realtimeFactor: 0 });
    const next = await settle(s.speak('Next one.', SETTINGS));
    expect(next.error).toBeUndefined();
    expect(next.audio).toEqual(await expectedAudio(fake, 'Next one.'));
    expect(fake.connections).toHaveLength(2);
  });

  test('utterances pipelined behind an aborted one are re-sent on a new connection and arrive whole', async () => {
    const { fake, url } = await startFake(PACED);
    const s = synth(url);
    const controller = new AbortController();
    const head = s.speak('The head of the queue, long enough to be cancelled while it streams.', SETTINGS, { signal: controller.signal });
    const behind = [s.speak('Behind one.', SETTINGS), s.speak('Behind two.', SETTINGS)];
    await fake.waitFor(() => fake.texts.length === 3, 2_000, 'all sent on the first connection');
    await expect(abortOnFirstChunk(head, controller)).rejects.toMatchObject({ code: 'aborted' });
    const results = await Promise.all(behind.map(settle));
    expect(results[0]?.audio).toEqual(await expectedAudio(fake, 'Behind one.'));
    expect(results[1]?.audio).toEqual(await expectedAudio(fake, 'Behind two.'));
    expect(fake.connections).toHaveLength(2);
    expect(fake.connections[1]?.received.filter((e) => e.event === 'task_continue').map((e) => e.body?.['text'])).toEqual(['Behind one.', 'Behind two.']);
  });

  test('aborting before the task started just removes the text: nothing is sent for it', async () => {
    const { fake, url } = await startFake({ connectedDelayMs: 100 });
    const s = synth(url);
    const controller = new AbortController();
    const dropped = s.speak('Never sent.', SETTINGS, { signal: controller.signal });
    const kept = s.speak('Sent.', SETTINGS);
    controller.abort();
    const [d, k] = await Promise.all([settle(dropped), settle(kept)]);
    expect(d.error).toMatchObject({ code: 'aborted' });
    expect(d.audio.length).toBe(0);
    expect(k.error).toBeUndefined();
    expect(fake.texts).toEqual(['Sent.']);
    expect(fake.connections).toHaveLength(1);
  });

  test('an already aborted signal fails at once without connecting', async () => {
    const { fake, url } = await startFake();
    const s = synth(url);
    const got = await settle(s.speak('x', SETTINGS, { signal: AbortSignal.abort() }));
    expect(got.error).toMatchObject({ code: 'aborted' });
    expect(fake.connections).toHaveLength(0);
  });

  test('aborting a text queued behind one that streams does not cut the one that streams', async () => {
    const { fake, url } = await startFake({ ...PACED, msPerChar: 20 });
    const s = synth(url);
    const controller = new AbortController();
    const playing = s.speak('The one being heard right now.', SETTINGS);
    const queued = s.speak('Cancelled while waiting at MiniMax.', SETTINGS, { signal: controller.signal });
    await fake.waitFor(() => fake.texts.length === 2, 2_000, 'both sent');
    controller.abort();
    const q = await settle(queued);
    expect(q.error).toMatchObject({ code: 'aborted' });
    const p = await settle(playing);
    expect(p.error).toBeUndefined();
    expect(p.audio).toEqual(await expectedAudio(fake, 'The one being heard right now.'));
    // The cancelled text was already at MiniMax: it is not re-sent anywhere.
    expect(fake.texts.filter((t) => t.startsWith('Cancelled'))).toHaveLength(1);
  });

  test('a new text is not queued behind a cancelled one still being synthesized', async () => {
    const { fake, url } = await startFake({ ...PACED, msPerChar: 20 });
    const s = synth(url);
    const controller = new AbortController();
    const first = s.speak('Short first.', SETTINGS);
    const cancelled = s.speak('A cancelled text that MiniMax would otherwise read in full before anything else.', SETTINGS, { signal: controller.signal });
    await fake.waitFor(() => fake.texts.length === 2, 2_000, 'both sent');
    controller.abort();
    await settle(cancelled);
    expect((await settle(first)).error).toBeUndefined();
    const later = await settle(s.speak('Later text.', SETTINGS));
    expect(later.error).toBeUndefined();
    // The later text went to a fresh connection rather than waiting behind the cancelled one.
    expect(fake.connections).toHaveLength(2);
    expect(fake.connections[1]?.received.filter((e) => e.event === 'task_continue').map((e) => e.body?.['text'])).toEqual(['Later text.']);
  });

  test('one signal shared by several texts cancels them all; the next item after them is heard', async () => {
    const { fake, url } = await startFake(PACED);
    const s = synth(url);
    const controller = new AbortController();
    const item = ['Piece one of a long message.', 'Piece two.', 'Piece three.'].map((t) => s.speak(t, SETTINGS, { signal: controller.signal }));
    const next = s.speak('The next message.', SETTINGS);
    await fake.waitFor(() => fake.texts.length === 4, 2_000, 'all sent');
    await expect(abortOnFirstChunk(item[0]!, controller)).rejects.toMatchObject({ code: 'aborted' });
    const results = await Promise.all(item.map(settle));
    for (const r of results) expect(r.error).toMatchObject({ code: 'aborted' });
    const n = await settle(next);
    expect(n.audio).toEqual(await expectedAudio(fake, 'The next message.'));
    expect(fake.connections[1]?.received.filter((e) => e.event === 'task_continue').map((e) => e.body?.['text'])).toEqual(['The next message.']);
  });
});
