import { describe, expect, test } from 'vitest';
import type { Model, TaskSettings } from '../../src/t2a/types.js';
import { SETTINGS, delay, expectedAudio, settle, startFake, synth } from './helpers.js';

const OTHER: TaskSettings = { ...SETTINGS, voice: { voiceId: 'English_radiant_girl' } };

describe('T2ASynthesizer: warm()', () => {
  test('opens one connection and starts the task, sending no text', async () => {
    const { fake, url } = await startFake();
    const s = synth(url);
    s.warm(SETTINGS);
    await fake.waitFor(() => fake.connections[0]?.sent.some((f) => f.event === 'task_started') === true, 2_000, 'task_started');
    // Give a stray task_continue time to arrive, were one sent.
    await delay(50);
    expect(fake.connections).toHaveLength(1);
    expect(fake.connections[0]?.received.map((e) => e.event)).toEqual(['task_start']);
    expect(fake.texts).toEqual([]);
    expect(s.connectionCount).toBe(1);
  });

  test('a speak() right after, with equal settings, uses the warmed connection', async () => {
    const { fake, url } = await startFake();
    const s = synth(url);
    s.warm(SETTINGS);
    const got = await settle(s.speak('Straight onto the warm task.', SETTINGS));
    expect(got.error).toBeUndefined();
    expect(got.audio).toEqual(await expectedAudio(fake, 'Straight onto the warm task.'));
    expect(fake.connections).toHaveLength(1);
    expect(fake.taskStarts).toHaveLength(1);
    expect(fake.connections[0]?.received.map((e) => e.event)).toEqual(['task_start', 'task_continue']);
  });

  test('a speak() after the warmed task has started also reuses it', async () => {
    const { fake, url } = await startFake();
    const s = synth(url);
    s.warm(SETTINGS);
    await fake.waitFor(() => fake.connections[0]?.sent.some((f) => f.event === 'task_started') === true, 2_000, 'task_started');
    const got = await settle(s.speak('Later.', SETTINGS));
    expect(got.error).toBeUndefined();
    expect(fake.connections).toHaveLength(1);
  });

  test('is a no-op when a usable task for the settings exists (warmed or used)', async () => {
    const { fake, url } = await startFake();
    const s = synth(url);
    s.warm(SETTINGS);
    s.warm({ ...SETTINGS, voice: { ...SETTINGS.voice, speed: 1 } });
    await settle(s.speak('one', SETTINGS));
    s.warm(SETTINGS);
    await delay(50);
    expect(fake.connections).toHaveLength(1);
    expect(fake.taskStarts).toHaveLength(1);
    expect(s.connectionCount).toBe(1);
  });

  test('warming other settings, then speaking with the first ones, reuses the first task and finishes the warmed one', async () => {
    const { fake, url } = await startFake();
    const s = synth(url, { otherSettingsIdleMs: 50 });
    await settle(s.speak('First voice.', SETTINGS));
    s.warm(OTHER);
    const got = await settle(s.speak('First voice again.', SETTINGS));
    expect(got.error).toBeUndefined();
    expect(got.audio).toEqual(await expectedAudio(fake, 'First voice again.'));
    // The first task was still warm (otherSettingsIdleMs had not passed): the text went on it. The warmed one
    // is finished otherSettingsIdleMs after it started and found it was no longer wanted.
    expect(fake.connections[0]?.received.filter((e) => e.event === 'task_continue')).toHaveLength(2);
    await fake.waitFor(() => fake.connections[1]?.closed === true, 2_000, 'the warmed task closed');
    const voices = fake.taskStarts.map((t) => (t['voice_setting'] as { voice_id: string }).voice_id);
    expect(voices).toEqual(['English_Graceful_Lady', 'English_radiant_girl']);
    expect(fake.connections[1]?.received.map((e) => e.event)).toEqual(['task_start', 'task_finish']);
    expect(fake.connections[0]?.closed).toBe(false);
    expect(s.connectionCount).toBe(1);
  });

  test('a warmed task still connecting when other settings are spoken is finished once it starts (after otherSettingsIdleMs)', async () => {
    const { fake, url } = await startFake();
    const s = synth(url, { otherSettingsIdleMs: 50 });
    s.warm(OTHER);
    const got = await settle(s.speak('Not the warmed voice.', SETTINGS));
    expect(got.error).toBeUndefined();
    await fake.waitFor(() => fake.connections[0]?.closed === true, 2_000, 'warmed task closed');
    expect(fake.connections[0]?.received.map((e) => e.event)).toEqual(['task_start', 'task_finish']);
    expect(s.connectionCount).toBe(1);
  });

  test('does nothing after close()', async () => {
    const { fake, url } = await startFake();
    const s = synth(url);
    await s.close();
    s.warm(SETTINGS);
    await delay(50);
    expect(fake.connections).toHaveLength(0);
    expect(s.connectionCount).toBe(0);
  });

  test('does nothing, and does not throw, with invalid settings', async () => {
    const { fake, url } = await startFake();
    const s = synth(url);
    const bad: TaskSettings[] = [
      { model: 'speech-0-nope' as Model, voice: { voiceId: 'English_Graceful_Lady' } },
      { model: 'speech-2.8-turbo', voice: {} },
      { ...SETTINGS, voice: { ...SETTINGS.voice, speed: 9 } },
    ];
    for (const settings of bad) expect(() => s.warm(settings)).not.toThrow();
    await delay(50);
    expect(fake.connections).toHaveLength(0);
    expect(s.connectionCount).toBe(0);
  });

  test('a refused key while warming is silent; the next speak() reports it without another connection', async () => {
    const { fake, url } = await startFake();
    const s = synth(url, { apiKey: 'sk-not-the-right-key' });
    s.warm(SETTINGS);
    await fake.waitFor(() => fake.connections.length === 1, 2_000, 'the warm attempt');
    await fake.waitFor(() => s.connectionCount === 0, 2_000, 'the refused connection dropped');
    const got = await settle(s.speak('Refused.', SETTINGS));
    expect(got.error).toMatchObject({ category: 'auth' });
    expect(fake.connections).toHaveLength(1);
    // Handed over once: the text after it tries again.
    expect((await settle(s.speak('Again.', SETTINGS))).error).toMatchObject({ category: 'auth' });
    expect(fake.connections).toHaveLength(2);
    expect(fake.texts).toEqual([]);
  });

  test('a voice refused at the warmed task_start is reported by the next speak() with those settings', async () => {
    const { fake, url } = await startFake({ faults: { taskStartStatus: { code: 2054, times: 1 } } });
    const s = synth(url);
    s.warm(SETTINGS);
    await fake.waitFor(() => s.connectionCount === 0 && fake.connections.length === 1, 2_000, 'the refused task closed');
    expect((await settle(s.speak('In the refused voice.', SETTINGS))).error).toMatchObject({ code: 2054, category: 'voice' });
    expect(fake.taskStarts).toHaveLength(1);
    // Handed over once: later texts, in another voice or this one, connect afresh.
    expect((await settle(s.speak('Another voice.', OTHER))).error).toBeUndefined();
    expect((await settle(s.speak('The first voice again.', SETTINGS))).error).toBeUndefined();
  });

  test('a refusal met while warming is not handed to a text with other settings', async () => {
    const { fake, url } = await startFake({ faults: { taskStartStatus: { code: 2054, times: 1 } } });
    const s = synth(url);
    s.warm(OTHER);
    await fake.waitFor(() => s.connectionCount === 0 && fake.connections.length === 1, 2_000, 'the refused task closed');
    expect((await settle(s.speak('Not the refused voice.', SETTINGS))).error).toBeUndefined();
    expect(fake.taskStarts).toHaveLength(2);
  });

  test('a transient failure while warming is not handed over: the next speak() connects afresh and plays', async () => {
    const { fake, url } = await startFake({ faults: { taskStartStatus: { code: 1013, times: 1 } } });
    const s = synth(url);
    s.warm(SETTINGS);
    await fake.waitFor(() => s.connectionCount === 0 && fake.connections.length === 1, 2_000, 'the failed task closed');
    const got = await settle(s.speak('Second time lucky.', SETTINGS));
    expect(got.error).toBeUndefined();
    expect(fake.taskStarts).toHaveLength(2);
  });

  test('a warmed task that gets no text is finished by the idle rule', async () => {
    const { fake, url } = await startFake();
    const s = synth(url, { idleCloseMs: 150 });
    s.warm(SETTINGS);
    await fake.waitFor(() => fake.connections[0]?.closed === true, 2_000, 'idle close');
    expect(fake.connections[0]?.received.map((e) => e.event)).toEqual(['task_start', 'task_finish']);
    expect(fake.connections[0]?.sent.at(-1)?.event).toBe('task_finished');
    await fake.waitFor(() => s.connectionCount === 0, 2_000, 'lane dropped');
    const after = await settle(s.speak('after the idle close', SETTINGS));
    expect(after.error).toBeUndefined();
    expect(fake.connections).toHaveLength(2);
  });

  test('a warmed task idle past idleCloseMs by the injected clock is not reused', async () => {
    const { fake, url } = await startFake();
    let now = 1_000;
    const s = synth(url, { idleCloseMs: 60_000, now: () => now });
    s.warm(SETTINGS);
    await fake.waitFor(() => fake.connections[0]?.sent.some((f) => f.event === 'task_started') === true, 2_000, 'task_started');
    now += 61_000;
    const got = await settle(s.speak('fresh task', SETTINGS));
    expect(got.error).toBeUndefined();
    expect(fake.taskStarts).toHaveLength(2);
    expect(fake.connections[1]?.received.map((e) => e.event)).toEqual(['task_start', 'task_continue']);
    await fake.waitFor(() => fake.connections[0]?.closed === true, 2_000, 'stale task closed');
    expect(fake.connections[0]?.received.some((e) => e.event === 'task_continue')).toBe(false);
  });
});
