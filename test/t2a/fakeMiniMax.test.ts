import { describe, expect, test } from 'vitest';
import { mp3DurationMs, mp3Frames } from '../fakes/mp3.js';
import { SETTINGS, settle, startFake, synth } from './helpers.js';

describe('FakeMiniMax', () => {
  test('streams real MP3 whose duration follows the text length, cut at frame boundaries', async () => {
    const { url } = await startFake({ msPerChar: 50, minAudioMs: 300 });
    const s = synth(url);
    const short = await settle(s.speak('Hi.', SETTINGS));
    const long = await settle(s.speak('x'.repeat(60), SETTINGS));
    // Every byte belongs to a whole frame (no partial frame at the end).
    for (const r of [short, long]) {
      const frames = mp3Frames(r.audio);
      const last = frames.at(-1);
      expect(last && last.offset + last.length).toBe(r.audio.length);
    }
    expect(mp3DurationMs(short.audio)).toBeGreaterThanOrEqual(300);
    expect(mp3DurationMs(short.audio)).toBeLessThan(300 + 36 + 1);
    expect(mp3DurationMs(long.audio)).toBeGreaterThanOrEqual(3000);
    expect(mp3DurationMs(long.audio)).toBeLessThan(3000 + 36 + 1);
    expect(long.result?.audioLengthMs).toBe(Math.round(mp3DurationMs(long.audio)));
  });

  test('splits audio into frames of the configured chunk size', async () => {
    const { fake, url } = await startFake({ chunkBytes: 700 });
    const s = synth(url);
    const r = await settle(s.speak('Chunk size check.', SETTINGS));
    const audioFrames = fake.connections[0]?.sent.filter((f) => f.event === 'task_continued') ?? [];
    expect(audioFrames.slice(0, -1).every((f) => f.audioBytes === 700)).toBe(true);
    expect(audioFrames.reduce((n, f) => n + (f.audioBytes ?? 0), 0)).toBe(r.audio.length);
    expect(r.chunks).toBe(audioFrames.length);
  });

  test('real-time pacing spreads the audio over about its duration; first-chunk latency delays the start', async () => {
    const { url } = await startFake({ realtimeFactor: 1, firstChunkMs: 100, chunkBytes: 2048, msPerChar: 20 });
    const s = synth(url);
    const start = Date.now();
    const u = s.speak('x'.repeat(30), SETTINGS); // ~600 ms of audio
    let first = 0;
    for await (const _chunk of u) if (first === 0) first = Date.now() - start;
    const total = Date.now() - start;
    expect(first).toBeGreaterThanOrEqual(90);
    // Behaviour, not a benchmark: paced delivery takes a good part of the audio's length.
    expect(total).toBeGreaterThanOrEqual(100 + 300);
  });

  test('configure changes faults while running, and faults count down', async () => {
    const { fake, url } = await startFake();
    const s = synth(url);
    expect((await settle(s.speak('fine', SETTINGS))).error).toBeUndefined();
    fake.configure({ faults: { taskContinueStatus: { code: 1026, times: 1 } } });
    expect((await settle(s.speak('flagged', SETTINGS))).error).toMatchObject({ code: 1026 });
    expect(fake.faults.taskContinueStatus?.times).toBe(0);
    expect((await settle(s.speak('fine again', SETTINGS))).error).toBeUndefined();
  });

  test('records every connection with its auth header and every event with its body', async () => {
    const { fake, url } = await startFake();
    const s = synth(url);
    await settle(s.speak('recorded', { ...SETTINGS, voice: { voiceId: 'English_Graceful_Lady', vol: 4 } }));
    await s.close();
    await fake.waitFor(() => fake.connections[0]?.closed === true, 2_000, 'closed');
    const c = fake.connections[0];
    expect(c).toMatchObject({ id: 1, path: '/ws/v1/t2a_v2', accepted: true, closed: true });
    expect(c?.authorization).toMatch(/^Bearer /);
    expect(c?.received.map((e) => e.event)).toEqual(['task_start', 'task_continue', 'task_finish']);
    expect(c?.received[0]?.body).toMatchObject({ voice_setting: { vol: 4 } });
    expect(c?.sent.map((f) => f.event)[0]).toBe('connected_success');
    expect(fake.events('task_continue')[0]).toMatchObject({ connection: 1, body: { text: 'recorded' } });
  });
});
