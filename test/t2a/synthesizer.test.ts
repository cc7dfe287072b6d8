import { describe, expect, test } from 'vitest';
import type { TaskSettings } from '../../src/t2a/types.js';
import { mp3Frames } from '../fakes/mp3.js';
import { SETTINGS, delay, expectedAudio, settle, startFake, synth } from './helpers.js';

describe('T2ASynthesizer: streaming', () => {
  test('one text streams as several MP3 chunks that add up to exactly what the server sent', async () => {
    const { fake, url } = await startFake({ chunkBytes: 1024 });
    const s = synth(url);
    const text = 'The quick brown fox jumps over the lazy dog.';
    const got = await settle(s.speak(text, SETTINGS));
    expect(got.error).toBeUndefined();
    expect(got.chunks).toBeGreaterThan(3);
    expect(got.audio).toEqual(await expectedAudio(fake, text));
    expect(mp3Frames(got.audio).length).toBeGreaterThan(10);
    expect(got.result).toMatchObject({ usageCharacters: text.length, audioSize: got.audio.length });
    expect(got.result?.audioLengthMs).toBeCloseTo(text.length * 60, -2);
    expect(got.result?.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  test('several overlapping texts go on one task, right away, and come back in order with the right lengths', async () => {
    const { fake, url } = await startFake({ chunkBytes: 2048, firstChunkMs: 30 });
    const s = synth(url);
    const texts = ['First.', 'The second one is a good deal longer than the first.', 'Third one, medium length.', 'Four.'];
    const utterances = texts.map((t) => s.speak(t, SETTINGS));
    await fake.waitFor(() => fake.texts.length === 4, 2_000, 'all four texts sent');
    // All four were sent before the first finished (pipelined, not one after another).
    expect(fake.connections[0]?.sent.filter((f) => f.isFinal).length ?? 0).toBeLessThan(4);
    const results = await Promise.all(utterances.map(settle));
    for (const [i, r] of results.entries()) {
      expect(r.audio).toEqual(await expectedAudio(fake, texts[i] ?? ''));
      expect(r.result?.usageCharacters).toBe(texts[i]?.length);
    }
    expect(fake.connections).toHaveLength(1);
    expect(fake.taskStarts).toHaveLength(1);
    expect(fake.texts).toEqual(texts);
  });

  test('the task stays warm between texts with the same settings', async () => {
    const { fake, url } = await startFake();
    const s = synth(url);
    await settle(s.speak('one', SETTINGS));
    await settle(s.speak('two', { model: 'speech-2.8-turbo', voice: { voiceId: 'English_Graceful_Lady', speed: 1 } }));
    expect(fake.connections).toHaveLength(1);
    expect(fake.taskStarts).toHaveLength(1);
    expect(s.connectionCount).toBe(1);
  });

  test('the wire task_start carries every setting as MiniMax names it', async () => {
    const { fake, url } = await startFake();
    const s = synth(url);
    const settings: TaskSettings = {
      model: 'speech-2.6-hd',
      voice: { voiceId: 'Chinese (Mandarin)_News_Anchor', speed: 1.25, vol: 3.5, pitch: -2, emotion: 'whisper', englishNormalization: true },
      audio: { sampleRate: 24000, bitrate: 64000, format: 'mp3', channel: 1 },
      pronunciation: ['Omg/Oh my god', 'SQL/sequel'],
      languageBoost: 'auto',
      voiceModify: { pitch: 5, intensity: -5, timbre: 10, soundEffects: 'spacious_echo' },
      timbreWeights: [{ voiceId: 'English_Graceful_Lady', weight: 60 }, { voiceId: 'female-shaonv', weight: 40 }],
    };
    const got = await settle(s.speak('Testing every field.', settings));
    expect(got.error).toBeUndefined();
    expect(fake.taskStarts[0]).toEqual({
      event: 'task_start',
      model: 'speech-2.6-hd',
      voice_setting: { voice_id: 'Chinese (Mandarin)_News_Anchor', speed: 1.25, vol: 3.5, pitch: -2, emotion: 'whisper', english_normalization: true },
      audio_setting: { sample_rate: 24000, bitrate: 64000, format: 'mp3', channel: 1 },
      pronunciation_dict: { tone: ['Omg/Oh my god', 'SQL/sequel'] },
      timbre_weights: [{ voice_id: 'English_Graceful_Lady', weight: 60 }, { voice_id: 'female-shaonv', weight: 40 }],
      language_boost: 'auto',
      voice_modify: { pitch: 5, intensity: -5, timbre: 10, sound_effects: 'spacious_echo' },
    });
    // The fake encoded at the requested rate: 24 kHz MPEG-2 frames.
    expect(got.audio).toEqual(await expectedAudio(fake, 'Testing every field.', 24000, 64000));
  });

  test('a settings change starts a new task on a new connection; with otherSettingsIdleMs 0 the old one finishes once drained', async () => {
    const { fake, url } = await startFake({ firstChunkMs: 50 });
    const s = synth(url, { otherSettingsIdleMs: 0 });
    const a = s.speak('Old voice, still speaking.', SETTINGS);
    const b = s.speak('New voice.', { ...SETTINGS, voice: { voiceId: 'English_radiant_girl' } });
    const [ra, rb] = await Promise.all([settle(a), settle(b)]);
    expect(ra.error).toBeUndefined();
    expect(rb.error).toBeUndefined();
    expect(fake.taskStarts.map((t) => (t['voice_setting'] as { voice_id: string }).voice_id)).toEqual(['English_Graceful_Lady', 'English_radiant_girl']);
    expect(fake.connections).toHaveLength(2);
    await fake.waitFor(() => fake.connections[0]?.closed === true, 2_000, 'old task closed');
    expect(fake.connections[0]?.received.map((e) => e.event)).toEqual(['task_start', 'task_continue', 'task_finish']);
    expect(fake.connections[1]?.closed).toBe(false);
  });

  test('members taking turns with different voices reuse their warm tasks instead of connecting for every text', async () => {
    const { fake, url } = await startFake();
    const s = synth(url);
    const other = { ...SETTINGS, voice: { voiceId: 'English_radiant_girl' } };
    for (const [i, settings] of [SETTINGS, other, SETTINGS, other, SETTINGS].entries()) {
      const got = await settle(s.speak(`Turn ${i + 1}.`, settings));
      expect(got.error).toBeUndefined();
    }
    expect(fake.connections).toHaveLength(2);
    expect(fake.connections.every((c) => !c.closed)).toBe(true);
  });

  test('an idle task of earlier settings is finished after otherSettingsIdleMs, and only the maxWarmSettings most recent keep one', async () => {
    const { fake, url } = await startFake();
    const s = synth(url, { otherSettingsIdleMs: 300, maxWarmSettings: 2 });
    const voices = ['English_Graceful_Lady', 'English_radiant_girl', 'English_expressive_narrator'];
    for (const voiceId of voices) await settle(s.speak(`In ${voiceId}.`, { ...SETTINGS, voice: { voiceId } }));
    // The third settings pushed the first out of the two kept warm: finished at once.
    await fake.waitFor(() => fake.connections[0]?.closed === true, 2_000, 'the least recent task finished');
    expect(fake.connections[0]?.received.at(-1)?.event).toBe('task_finish');
    expect(fake.connections[1]?.closed).toBe(false);
    // The second is warm for otherSettingsIdleMs, then finished too; the latest stays.
    await fake.waitFor(() => fake.connections[1]?.closed === true, 2_000, 'the earlier task finished after otherSettingsIdleMs');
    expect(fake.connections[2]?.closed).toBe(false);
    expect(s.connectionCount).toBe(1);
  });

  test('a warm task is finished (task_finish, close) after idleCloseMs, and the next text reconnects', async () => {
    const { fake, url } = await startFake();
    const s = synth(url, { idleCloseMs: 150 });
    await settle(s.speak('before the pause', SETTINGS));
    await fake.waitFor(() => fake.connections[0]?.closed === true, 2_000, 'idle close');
    expect(fake.connections[0]?.received.at(-1)?.event).toBe('task_finish');
    expect(fake.connections[0]?.sent.at(-1)?.event).toBe('task_finished');
    const after = await settle(s.speak('after the pause', SETTINGS));
    expect(after.error).toBeUndefined();
    expect(fake.connections).toHaveLength(2);
  });

  test("MiniMax's own idle close (2201) is transparent: the next text just works", async () => {
    const { fake, url } = await startFake({ idleCloseMs: 100 });
    const s = synth(url);
    await settle(s.speak('first', SETTINGS));
    await fake.waitFor(() => fake.connections[0]?.sent.some((f) => f.statusCode === 2201) === true, 2_000, '2201');
    await fake.waitFor(() => fake.connections[0]?.closed === true, 2_000, 'closed');
    const got = await settle(s.speak('second', SETTINGS));
    expect(got.error).toBeUndefined();
    expect(got.audio).toEqual(await expectedAudio(fake, 'second'));
  });

  test.each(['close', 'drop'] as const)('a plain server %s while idle is transparent too', async (how) => {
    const { fake, url } = await startFake();
    const s = synth(url);
    await settle(s.speak('first', SETTINGS));
    fake.disconnectAll(how);
    await fake.waitFor(() => fake.connections[0]?.closed === true, 2_000, 'closed');
    await delay(20);
    const got = await settle(s.speak('second', SETTINGS));
    expect(got.error).toBeUndefined();
    expect(got.audio).toEqual(await expectedAudio(fake, 'second'));
    expect(fake.connections).toHaveLength(2);
  });

  test('a task idle past idleCloseMs by the injected clock is not reused even if its timer has not fired', async () => {
    const { fake, url } = await startFake();
    let now = 1_000;
    const s = synth(url, { idleCloseMs: 60_000, now: () => now });
    await settle(s.speak('first', SETTINGS));
    now += 61_000;
    await settle(s.speak('second', SETTINGS));
    expect(fake.taskStarts).toHaveLength(2);
    await fake.waitFor(() => fake.connections[0]?.received.at(-1)?.event === 'task_finish', 2_000, 'stale task finished');
  });

  test('close() sends task_finish on the open task and closes every socket; later speak() fails', async () => {
    const { fake, url } = await startFake();
    const s = synth(url);
    await settle(s.speak('hello', SETTINGS));
    await s.close();
    expect(fake.connections[0]?.received.at(-1)?.event).toBe('task_finish');
    await fake.waitFor(() => fake.connections.every((c) => c.closed), 2_000, 'all closed');
    const after = await settle(s.speak('too late', SETTINGS));
    expect(after.error).toMatchObject({ code: 'closed', retryable: false });
    await s.close();
  });

  test('close() fails what is still in flight and leaves nothing open', async () => {
    const { fake, url } = await startFake({ realtimeFactor: 1, msPerChar: 200 });
    const s = synth(url);
    const u = s.speak('a long text that takes a while', SETTINGS);
    await fake.waitFor(() => (fake.connections[0]?.sent.filter((f) => f.event === 'task_continued').length ?? 0) > 0, 2_000, 'audio');
    await s.close();
    const got = await settle(u);
    expect(got.error).toMatchObject({ code: 'closed', retryable: false });
    expect(s.connectionCount).toBe(0);
    await fake.waitFor(() => fake.connections.every((c) => c.closed), 2_000, 'all closed');
  });

  test('a consumer that stops early does not wedge the task', async () => {
    const { fake, url } = await startFake({ chunkBytes: 512 });
    const s = synth(url);
    const first = s.speak('A text whose reader stops after the first chunk.', SETTINGS);
    const second = s.speak('The next one.', SETTINGS);
    for await (const chunk of first) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    await expect(first.result).resolves.toMatchObject({ usageCharacters: 48 });
    const got = await settle(second);
    expect(got.audio).toEqual(await expectedAudio(fake, 'The next one.'));
    const third = await settle(s.speak('And another.', SETTINGS));
    expect(third.error).toBeUndefined();
    expect(fake.connections).toHaveLength(1);
  });

  test('texts beyond the pipelining cap wait locally and are sent as earlier ones finish: MiniMax never answers 2205', async () => {
    // The fake refuses a text with 2205 when two are already waiting on it, as MiniMax does past its own limit;
    // with a cap of 2 no third text is ever sent before the first is final, so none is refused.
    const { fake, url } = await startFake({ firstChunkMs: 20, maxQueued: 2 });
    const s = synth(url, { maxPipelined: 2 });
    const texts = ['one', 'two', 'three', 'four', 'five'];
    const results = await Promise.all(texts.map((t) => settle(s.speak(t, SETTINGS))));
    expect(results.map((r) => r.error)).toEqual(texts.map(() => undefined));
    expect(fake.texts).toEqual(texts);
    expect(fake.connections).toHaveLength(1);
  });
});

describe('T2ASynthesizer: UNCONFIRMED server variants', () => {
  test.each([
    ['tail audio on the final frame', { finalFrame: 'tail' as const }],
    ['a final frame with data null', { finalFrame: 'null' as const }],
    ['a final frame with empty audio', { finalFrame: 'empty' as const }],
    ['extra_info on the first frame only', { extraInfoOn: 'first' as const }],
    ['extra_info on every frame', { extraInfoOn: 'every' as const, finalFrame: 'null' as const }],
    ['unknown fields and unknown events', { unknownFields: true }],
  ])('%s: audio whole and result complete', async (_name, variant) => {
    const { fake, url } = await startFake({ chunkBytes: 1500, ...variant });
    const s = synth(url);
    const texts = ['Variant test one.', 'And a second text.'];
    const results = await Promise.all(texts.map((t) => settle(s.speak(t, SETTINGS))));
    for (const [i, r] of results.entries()) {
      const expected = await expectedAudio(fake, texts[i] ?? '');
      expect(r.audio).toEqual(expected);
      expect(r.result).toMatchObject({ usageCharacters: texts[i]?.length, audioSize: expected.length });
    }
  });

  test('without extra_info the result is still delivered (no usage fields)', async () => {
    const { url } = await startFake({ extraInfoOn: 'none' });
    const s = synth(url);
    const r = await settle(s.speak('no info', SETTINGS));
    expect(r.error).toBeUndefined();
    expect(r.result).not.toHaveProperty('usageCharacters');
    expect(r.result?.traceId).toBeDefined();
  });
});
