import { describe, expect, test } from 'vitest';
import { KEY, SETTINGS, expectedAudio, settle, startFake, synth } from './helpers.js';

describe('T2ASynthesizer: connection faults', () => {
  test('a drop before any audio is retried once on a new connection and heard whole', async () => {
    const { fake, url } = await startFake({ faults: { dropAfterChunks: { chunks: 0, utterance: 1 } } });
    const s = synth(url);
    const got = await settle(s.speak('Dropped before the first chunk.', SETTINGS));
    expect(got.error).toBeUndefined();
    expect(got.audio).toEqual(await expectedAudio(fake, 'Dropped before the first chunk.'));
    expect(fake.connections).toHaveLength(2);
    expect(fake.connections[0]?.closedBy).toBe('drop');
    expect(fake.texts).toEqual(['Dropped before the first chunk.', 'Dropped before the first chunk.']);
  });

  test('a second drop before audio is not retried again: the utterance fails as transient', async () => {
    const { fake, url } = await startFake({ faults: { dropAfterChunks: { chunks: 0, times: 5 } } });
    const s = synth(url);
    const got = await settle(s.speak('Never lucky.', SETTINGS));
    expect(got.error).toMatchObject({ code: 'closed', category: 'transient', retryable: true });
    expect(fake.texts).toHaveLength(2);
  });

  test('a drop after audio started fails that utterance as cut (not retryable), keeping what arrived', async () => {
    const { fake, url } = await startFake({ chunkBytes: 1000, faults: { dropAfterChunks: { chunks: 2, utterance: 1 } } });
    const s = synth(url);
    const cut = s.speak('This one is cut in the middle of its audio.', SETTINGS);
    const behind = s.speak('This one was queued behind it.', SETTINGS);
    const got = await settle(cut);
    expect(got.error).toMatchObject({ code: 'closed', category: 'transient', retryable: false });
    expect(got.error?.message).toMatch(/cut off after 2000 bytes/);
    expect(got.audio).toEqual((await expectedAudio(fake, 'This one is cut in the middle of its audio.')).subarray(0, 2000));
    // The text behind had no audio yet: re-sent on a new connection.
    const second = await settle(behind);
    expect(second.error).toBeUndefined();
    expect(second.audio).toEqual(await expectedAudio(fake, 'This one was queued behind it.'));
    // The cut text was not re-sent (it would repeat what was heard).
    expect(fake.texts.filter((t) => t.startsWith('This one is cut'))).toHaveLength(1);
  });

  test('a connect that never gets connected_success times out, is retried once, then fails', async () => {
    const { fake, url } = await startFake({ connectedDelayMs: 5_000 });
    const s = synth(url, { timeouts: { connect: 100 } });
    const got = await settle(s.speak('hello', SETTINGS));
    expect(got.error).toMatchObject({ code: 'timeout', category: 'transient' });
    expect(fake.connections).toHaveLength(2);
  });

  test('a connect timeout followed by a healthy connection is invisible', async () => {
    const { fake, url } = await startFake({ connectedDelayMs: 5_000 });
    const s = synth(url, { timeouts: { connect: 100 } });
    const u = s.speak('hello', SETTINGS);
    await fake.waitFor(() => fake.connections.length === 1, 2_000, 'first connection');
    fake.configure({ connectedDelayMs: 0 });
    const got = await settle(u);
    expect(got.error).toBeUndefined();
    expect(fake.connections).toHaveLength(2);
  });

  test('first audio later than the deadline: retried once, then reported as a timeout', async () => {
    const { fake, url } = await startFake({ firstChunkMs: 1_000 });
    const s = synth(url, { timeouts: { firstChunk: 100 } });
    const got = await settle(s.speak('slow', SETTINGS));
    expect(got.error).toMatchObject({ code: 'timeout' });
    expect(fake.texts).toEqual(['slow', 'slow']);
  });

  test.each([
    ['malformed JSON', { malformedJson: { times: 1 } }],
    ['odd-length hex', { badHex: { times: 1, kind: 'odd' as const } }],
    ['non-hex audio', { badHex: { times: 1, kind: 'nonhex' as const } }],
  ])('%s before any audio: a protocol error handled by one transparent retry', async (_name, faults) => {
    const { fake, url } = await startFake({ faults });
    const s = synth(url);
    const got = await settle(s.speak('protocol trouble', SETTINGS));
    expect(got.error).toBeUndefined();
    expect(got.audio).toEqual(await expectedAudio(fake, 'protocol trouble'));
    expect(fake.connections).toHaveLength(2);
  });

  test('bad hex after audio started: the utterance fails with a protocol error, without crashing', async () => {
    const { url } = await startFake({ chunkBytes: 500, faults: { badHex: { times: 1, atChunk: 2 } } });
    const s = synth(url);
    const got = await settle(s.speak('some audio then garbage', SETTINGS));
    expect(got.error).toMatchObject({ code: 'protocol', retryable: false });
    expect(got.audio.length).toBe(1000);
    const next = await settle(s.speak('and the next one is fine', SETTINGS));
    expect(next.error).toBeUndefined();
  });
});

describe('T2ASynthesizer: MiniMax status codes', () => {
  test('HTTP 401 on the upgrade fails every waiting utterance as auth, without retrying', async () => {
    const { fake, url } = await startFake({ apiKey: 'the-right-key', badKey: 'http401' });
    const s = synth(url);
    const results = await Promise.all(['a', 'b'].map((t) => settle(s.speak(t, SETTINGS))));
    for (const r of results) expect(r.error).toMatchObject({ code: 'auth', category: 'auth', retryable: false });
    expect(fake.connections).toHaveLength(1);
  });

  test.each([1004, 2049])('task_failed %i at task_start fails every waiting utterance as auth', async (code) => {
    const { fake, url } = await startFake({ apiKey: 'the-right-key', badKey: 'task_failed', badKeyCode: code });
    const s = synth(url);
    const results = await Promise.all(['a', 'b'].map((t) => settle(s.speak(t, SETTINGS))));
    for (const r of results) expect(r.error).toMatchObject({ code, category: 'auth', retryable: false });
    expect(fake.connections).toHaveLength(1);
  });

  test.each([
    [1000, 'transient'],
    [1001, 'transient'],
    [1024, 'transient'],
    [1033, 'transient'],
    [1013, 'transient'],
  ])('a transient %i at task_start is retried once transparently', async (code) => {
    const { fake, url } = await startFake({ faults: { taskStartStatus: { code, times: 1 } } });
    const s = synth(url);
    const got = await settle(s.speak('retry me', SETTINGS));
    expect(got.error).toBeUndefined();
    expect(fake.taskStarts).toHaveLength(2);
  });

  test.each([
    [1002, 'rate_limit', true],
    [1039, 'rate_limit', true],
    [1041, 'rate_limit', true],
    [2045, 'rate_limit', true],
    [1008, 'billing', false],
    [2056, 'billing', false],
    [2013, 'voice', false],
    [20132, 'voice', false],
    [2042, 'voice', false],
    [2054, 'voice', false],
    [2038, 'voice', false],
  ] as const)('%i at task_start fails the waiting utterances as %s (no transparent retry)', async (code, category, retryable) => {
    const { fake, url } = await startFake({ faults: { taskStartStatus: { code, times: 1 } } });
    const s = synth(url);
    const results = await Promise.all(['a', 'b'].map((t) => settle(s.speak(t, SETTINGS))));
    for (const r of results) expect(r.error).toMatchObject({ code, category, retryable });
    expect(fake.taskStarts).toHaveLength(1);
    // The next call starts afresh.
    expect((await settle(s.speak('later', SETTINGS))).error).toBeUndefined();
  });

  test('task_failed mid-stream for content (1027) fails that text; texts behind are re-sent on a new connection', async () => {
    const { fake, url } = await startFake({ chunkBytes: 1000, faults: { taskContinueStatus: { code: 1027, times: 1, atChunk: 1 } } });
    const s = synth(url);
    const flagged = s.speak('Flagged output.', SETTINGS);
    const behind = [s.speak('Innocent one.', SETTINGS), s.speak('Innocent two.', SETTINGS)];
    const r = await settle(flagged);
    expect(r.error).toMatchObject({ code: 1027, category: 'content', retryable: false });
    const rest = await Promise.all(behind.map(settle));
    expect(rest.map((x) => x.error)).toEqual([undefined, undefined]);
    expect(rest[0]?.audio).toEqual(await expectedAudio(fake, 'Innocent one.'));
    expect(fake.connections).toHaveLength(2);
    expect(fake.connections[1]?.received.filter((e) => e.event === 'task_continue').map((e) => e.body?.['text'])).toEqual(['Innocent one.', 'Innocent two.']);
  });

  test.each(['task_failed', 'task_failed_open', 'continued'] as const)(
    'input flagged (1026) sent as %s fails only the head text',
    async (frame) => {
      const { fake, url } = await startFake({ firstChunkMs: 30, faults: { taskContinueStatus: { code: 1026, times: 1, frame } } });
      const s = synth(url);
      const results = await Promise.all(['Bad words.', 'Good words.'].map((t) => settle(s.speak(t, SETTINGS))));
      expect(results[0]?.error).toMatchObject({ code: 1026, category: 'content' });
      expect(results[1]?.error).toBeUndefined();
      expect(results[1]?.audio).toEqual(await expectedAudio(fake, 'Good words.'));
    },
  );

  test('auth failing mid-task fails every queued text with the same error', async () => {
    const { url } = await startFake({ firstChunkMs: 30, faults: { taskContinueStatus: { code: 1004, times: 1 } } });
    const s = synth(url);
    const results = await Promise.all(['one', 'two', 'three'].map((t) => settle(s.speak(t, SETTINGS))));
    for (const r of results) expect(r.error).toMatchObject({ code: 1004, category: 'auth' });
  });

  test('balance running out mid-task (1008) fails every queued text as billing', async () => {
    const { fake, url } = await startFake({ firstChunkMs: 30, faults: { taskContinueStatus: { code: 1008, times: 1 } } });
    const s = synth(url);
    const results = await Promise.all(['one', 'two'].map((t) => settle(s.speak(t, SETTINGS))));
    for (const r of results) expect(r.error).toMatchObject({ code: 1008, category: 'billing', retryable: false });
    expect(fake.connections).toHaveLength(1);
  });

  test('a transient status mid-task before audio retries that text once; the rest are re-sent', async () => {
    const { fake, url } = await startFake({ firstChunkMs: 30, faults: { taskContinueStatus: { code: 1001, times: 1 } } });
    const s = synth(url);
    const results = await Promise.all(['one', 'two'].map((t) => settle(s.speak(t, SETTINGS))));
    expect(results.map((r) => r.error)).toEqual([undefined, undefined]);
    expect(fake.texts.filter((t) => t === 'one')).toHaveLength(2);
  });

  test.each(['task_failed', 'task_failed_open', 'continued'] as const)(
    'queue full (2205) sent as %s fails the latest text as rate_limit; the earlier ones are heard',
    async (mode) => {
      const { fake, url } = await startFake({ firstChunkMs: 40, maxQueued: 2, skipErrors: mode });
      const s = synth(url);
      const texts = ['one', 'two', 'three'];
      const results = await Promise.all(texts.map((t) => settle(s.speak(t, SETTINGS))));
      expect(results[0]?.error).toBeUndefined();
      expect(results[1]?.error).toBeUndefined();
      expect(results[2]?.error).toMatchObject({ code: 2205, category: 'rate_limit', retryable: true });
      expect(results[1]?.audio).toEqual(await expectedAudio(fake, 'two'));
    },
  );

  test('empty and over-long texts are refused locally (2203/2204) and never sent', async () => {
    const { fake, url } = await startFake();
    const s = synth(url);
    const empty = await settle(s.speak('   ', SETTINGS));
    const long = await settle(s.speak('x'.repeat(10_001), SETTINGS));
    expect(empty.error).toMatchObject({ code: 2203, category: 'content' });
    expect(long.error).toMatchObject({ code: 2204, category: 'content' });
    expect(fake.connections).toHaveLength(0);
  });

  test.each(['task_failed', 'task_failed_open', 'continued'] as const)(
    "a server-side 2203 sent as %s fails the text MiniMax found empty (a text the client thought speakable)",
    async (mode) => {
      const { fake, url } = await startFake({ firstChunkMs: 30, skipErrors: mode, faults: { taskContinueStatus: { code: 2203, times: 1, frame: mode } } });
      const s = synth(url);
      const results = await Promise.all(['\u200b\u200b', 'real words'].map((t) => settle(s.speak(t, SETTINGS))));
      expect(results[0]?.error).toMatchObject({ code: 2203, category: 'content' });
      expect(results[1]?.error).toBeUndefined();
      expect(fake.texts.filter((t) => t === 'real words').length).toBeGreaterThanOrEqual(1);
    },
  );

  test('invalid settings are refused before connecting, naming the field', async () => {
    const { fake, url } = await startFake();
    const s = synth(url);
    const got = await settle(s.speak('hi', { ...SETTINGS, voice: { voiceId: 'v', speed: 3 } }));
    expect(got.error).toMatchObject({ code: 'validation', category: 'validation' });
    expect(got.error?.message).toBe('speed must be between 0.5 and 2 (got 3)');
    expect(fake.connections).toHaveLength(0);
  });

  test('no error message carries the API key, even when the server echoes it', async () => {
    const { url } = await startFake({ apiKey: undefined, faults: { taskStartStatus: { code: 2049, times: 1, msg: `invalid api key ${KEY}` } } });
    const s = synth(url);
    const got = await settle(s.speak('hi', SETTINGS));
    expect(got.error).toMatchObject({ code: 2049, category: 'auth' });
    expect(got.error?.message).toContain('invalid api key [redacted]');
    expect(got.error?.message).not.toContain(KEY);
  });
});
