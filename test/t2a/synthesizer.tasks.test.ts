import { describe, expect, test } from 'vitest';
import type { FakeMiniMax } from '../fakes/minimax/FakeMiniMax.js';
import type { Utterance } from '../../src/t2a/types.js';
import { SETTINGS, delay, expectedAudio, settle, startFake, synth, type Settled } from './helpers.js';

/** Paced at real time, so a text is still streaming when the next one is spoken. */
const PACED = { realtimeFactor: 1, chunkBytes: 1024, msPerChar: 8 };
const LONG = 'A long text, still streaming at real time when the next one is spoken by someone else.';

/** The texts each connection was sent, in connection order. */
function textsByConnection(fake: FakeMiniMax): unknown[][] {
  return fake.connections.map((c) => c.received.filter((e) => e.event === 'task_continue').map((e) => e.body?.['text']));
}

/** When the connection sent its first audio frame and its last final frame. */
function audioSpan(fake: FakeMiniMax, index: number): { first: number; final: number } {
  const sent = fake.connections[index]?.sent ?? [];
  const first = sent.find((f) => (f.audioBytes ?? 0) > 0)?.at ?? NaN;
  const final = sent.filter((f) => f.isFinal).at(-1)?.at ?? NaN;
  return { first, final };
}

function readAll(...utterances: Utterance[]): Promise<Settled[]> {
  return Promise.all(utterances.map(settle));
}

describe('T2ASynthesizer: more than one task for the same settings (maxTasks)', () => {
  test('a text spoken while another streams gets a task of its own; its audio begins before the first one ends', async () => {
    const { fake, url } = await startFake(PACED);
    const s = synth(url, { maxTasks: 2 });
    const [a, b] = await readAll(s.speak(LONG, SETTINGS), s.speak('The second text.', SETTINGS));
    expect(a?.error).toBeUndefined();
    expect(b?.error).toBeUndefined();
    expect(a?.audio).toEqual(await expectedAudio(fake, LONG));
    expect(b?.audio).toEqual(await expectedAudio(fake, 'The second text.'));
    expect(textsByConnection(fake)).toEqual([[LONG], ['The second text.']]);
    expect(audioSpan(fake, 1).first).toBeLessThan(audioSpan(fake, 0).final);
  });

  test('with the default (one task), the same two texts are pipelined on one connection, one after the other', async () => {
    const { fake, url } = await startFake(PACED);
    const s = synth(url);
    await readAll(s.speak(LONG, SETTINGS), s.speak('The second text.', SETTINGS));
    expect(textsByConnection(fake)).toEqual([[LONG, 'The second text.']]);
  });

  test('never more than maxTasks connections: a third overlapping text is pipelined on the oldest of equally busy tasks', async () => {
    const { fake, url } = await startFake(PACED);
    const s = synth(url, { maxTasks: 2 });
    const texts = [LONG, 'Second.', 'Third.'];
    const results = await readAll(...texts.map((t) => s.speak(t, SETTINGS)));
    for (const [i, r] of results.entries()) expect(r.audio).toEqual(await expectedAudio(fake, texts[i] ?? ''));
    expect(textsByConnection(fake)).toEqual([[LONG, 'Third.'], ['Second.']]);
  });

  test('an idle task is used before a new one is opened, and a spare idle task is finished after spareIdleMs', async () => {
    const { fake, url } = await startFake(PACED);
    const s = synth(url, { maxTasks: 2, spareIdleMs: 300 });
    await readAll(s.speak('Warm-up.', SETTINGS));
    await readAll(s.speak(LONG, SETTINGS), s.speak('Beside it.', SETTINGS));
    // Both idle now: the spare is kept a little, for a busy channel's next overlapping text.
    await delay(100);
    await readAll(s.speak('Third.', SETTINGS), s.speak('Fourth.', SETTINGS));
    expect(fake.connections).toHaveLength(2);
    expect(textsByConnection(fake)).toEqual([['Warm-up.', LONG, 'Third.'], ['Beside it.', 'Fourth.']]);
    // Then one is finished politely, the other stays warm for the next text.
    await fake.waitFor(() => fake.connections.filter((c) => c.closed).length === 1, 2_000, 'the spare idle task finished');
    expect(fake.connections.find((c) => c.closed)?.received.at(-1)?.event).toBe('task_finish');
    expect(s.connectionCount).toBe(1);
    await readAll(s.speak('Later.', SETTINGS));
    expect(fake.connections).toHaveLength(2);
  });

  test('cancelling the text that streams does not touch the one beside it: heard whole, never re-sent', async () => {
    const { fake, url } = await startFake(PACED);
    const s = synth(url, { maxTasks: 2 });
    const controller = new AbortController();
    const head = s.speak(LONG, SETTINGS, { signal: controller.signal });
    const beside = s.speak('Beside the cancelled one.', SETTINGS);
    await fake.waitFor(() => (fake.connections[0]?.sent.some((f) => (f.audioBytes ?? 0) > 0) ?? false), 2_000, 'head streaming');
    controller.abort();
    expect((await settle(head)).error).toMatchObject({ code: 'aborted' });
    const b = await settle(beside);
    expect(b.error).toBeUndefined();
    expect(b.audio).toEqual(await expectedAudio(fake, 'Beside the cancelled one.'));
    expect(fake.texts.filter((t) => t === 'Beside the cancelled one.')).toHaveLength(1);
    expect(fake.connections[0]?.closedBy).toBe('client');
    expect(fake.connections[1]?.closed).toBe(false);
  });

  test('an extra task refused for the connection limit (1041): its text goes on the open task, and no extra task is tried for a while', async () => {
    const { fake, url } = await startFake({ ...PACED, maxTasks: 1 });
    let clock = 0;
    const s = synth(url, { maxTasks: 2, extraTaskPauseMs: 60_000, now: () => clock });
    const [a, b] = await readAll(s.speak(LONG, SETTINGS), s.speak('Second.', SETTINGS));
    expect(a?.error).toBeUndefined();
    expect(b?.error).toBeUndefined();
    expect(b?.audio).toEqual(await expectedAudio(fake, 'Second.'));
    expect(fake.connections[1]?.sent.find((f) => f.event === 'task_failed')?.statusCode).toBe(1041);
    expect(textsByConnection(fake)).toEqual([[LONG, 'Second.'], []]);

    // Within the pause, overlapping texts share the one task: no third connection is tried.
    clock = 59_000;
    await readAll(s.speak(LONG, SETTINGS), s.speak('Third.', SETTINGS));
    expect(fake.connections).toHaveLength(2);

    // After it, an extra task is tried again (and refused again by this fake: the text is still heard).
    clock = 61_000;
    const [, d] = await readAll(s.speak(LONG, SETTINGS), s.speak('Fourth.', SETTINGS));
    expect(d?.audio).toEqual(await expectedAudio(fake, 'Fourth.'));
    expect(fake.connections).toHaveLength(3);
  });
});
