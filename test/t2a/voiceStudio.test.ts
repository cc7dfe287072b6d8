import { describe, expect, test } from 'vitest';
import { makeMp3, mp3DurationMs, mp3Frames } from '../fakes/mp3.js';
import { T2AError, VoiceStudio, fetchVoices, studioBaseUrl, type StudioFetch } from '../../src/t2a/index.js';
import { KEY, SETTINGS, settle, startFake, synth } from './helpers.js';
import { makeWav } from './wav.js';

const DAY = 24 * 3600_000;

async function setup(): Promise<Awaited<ReturnType<typeof startFake>> & { studio: VoiceStudio; listed: (type: 'voice_cloning' | 'voice_generation') => Promise<string[]> }> {
  const started = await startFake();
  const studio = new VoiceStudio({ baseUrl: studioBaseUrl(started.url), apiKey: KEY, timeoutMs: 10_000 });
  const listed = async (type: 'voice_cloning' | 'voice_generation'): Promise<string[]> =>
    (await fetchVoices({ url: `${started.httpUrl}/v1/get_voice`, apiKey: KEY, voiceType: type })).map((v) => v.voiceId);
  return { ...started, studio, listed };
}

async function refusal(promise: Promise<unknown>): Promise<T2AError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(T2AError);
  return error as T2AError;
}

describe('VoiceStudio against the fake MiniMax', () => {
  test('designs a voice with real MP3 preview audio; get_voice lists it only after its first use in T2A', async () => {
    const { fake, url, studio, listed } = await setup();
    const designed = await studio.designVoice({ prompt: 'A warm, slow storyteller', previewText: 'Once upon a time there was a parrot.' });
    expect(designed.voiceId).toMatch(/^ttv-voice-/);
    expect(mp3Frames(designed.trialAudio).length).toBeGreaterThan(10);
    expect(mp3DurationMs(designed.trialAudio)).toBeGreaterThan(300);
    expect(fake.studio.charges).toEqual([{ voiceId: designed.voiceId, type: 'voice_generation', usd: 3 }]);
    expect(await listed('voice_generation')).toEqual([]);
    const r = await settle(synth(url).speak('hello', { ...SETTINGS, voice: { voiceId: designed.voiceId } }));
    expect(r.error).toBeUndefined();
    expect(await listed('voice_generation')).toEqual([designed.voiceId]);
  });

  test('uploads a sample as multipart and clones it; the clone is charged and listed at its first use', async () => {
    const { fake, url, studio, listed } = await setup();
    const fileId = await studio.uploadSample({ bytes: makeWav(12), filename: 'me.wav', contentType: 'audio/wav' });
    expect(fake.studio.requests[0]).toMatchObject({ path: '/v1/files/upload', authorization: `Bearer ${KEY}`, body: { purpose: 'voice_clone', file: { filename: 'me.wav', type: 'audio/wav' } } });
    expect(fake.studio.files.get(Number(fileId))?.durationMs).toBe(12_000);
    const cloned = await studio.cloneVoice({ fileId, voiceId: 'parrot-clone-abc123' });
    expect(cloned.voiceId).toBe('parrot-clone-abc123');
    expect(fake.studio.requests[1]?.body).toEqual({ file_id: Number(fileId), voice_id: 'parrot-clone-abc123' });
    expect(fake.studio.charges).toEqual([]);
    expect(await listed('voice_cloning')).toEqual([]);
    expect((await settle(synth(url).speak('hi', { ...SETTINGS, voice: { voiceId: cloned.voiceId } }))).error).toBeUndefined();
    expect(await listed('voice_cloning')).toEqual(['parrot-clone-abc123']);
    expect(fake.studio.charges).toEqual([{ voiceId: 'parrot-clone-abc123', type: 'voice_cloning', usd: 3 }]);
  });

  test('an MP3 sample is measured too; with text and model the clone comes with a demo URL', async () => {
    const { studio } = await setup();
    const fileId = await studio.uploadSample({ bytes: await makeMp3({ seconds: 11 }), filename: 'me.mp3', contentType: 'audio/mpeg' });
    const cloned = await studio.cloneVoice({ fileId, voiceId: 'parrot-clone-mp3sample', text: 'Hello there', model: 'speech-2.8-turbo' });
    expect(typeof cloned.demoAudio).toBe('string');
  });

  test('documented cloning errors arrive as typed errors with their status code', async () => {
    const { fake, studio } = await setup();
    const short = await studio.uploadSample({ bytes: makeWav(5), filename: 'short.wav', contentType: 'audio/wav' });
    expect(await refusal(studio.cloneVoice({ fileId: short, voiceId: 'parrot-clone-short1' }))).toMatchObject({ code: 2037, category: 'validation' });
    const good = await studio.uploadSample({ bytes: makeWav(10.5), filename: 'ok.wav', contentType: 'audio/wav' });
    await studio.cloneVoice({ fileId: good, voiceId: 'parrot-clone-dupe01' });
    expect(await refusal(studio.cloneVoice({ fileId: good, voiceId: 'parrot-clone-dupe01' }))).toMatchObject({ code: 2039 });
    for (const code of [1043, 1044, 2038, 2042]) {
      fake.studio.options.faults.clone = { code, times: 1 };
      expect((await refusal(studio.cloneVoice({ fileId: good, voiceId: `parrot-clone-f${code}x` }))).code).toBe(code);
    }
  });

  test('a prompt audio of 8 s or more is refused with 2048', async () => {
    const { studio } = await setup();
    const sample = await studio.uploadSample({ bytes: makeWav(12), filename: 'me.wav', contentType: 'audio/wav' });
    const prompt = await studio.uploadSample({ bytes: makeWav(9), filename: 'p.wav', contentType: 'audio/wav' }, 'prompt_audio');
    const fakeBody = { file_id: Number(sample), voice_id: 'parrot-clone-prompt1', clone_prompt: { prompt_audio: Number(prompt), prompt_text: 'hi' } };
    const { httpUrl } = await setupUrl(studio);
    const res = await fetch(`${httpUrl}/v1/voice_clone`, { method: 'POST', headers: { Authorization: `Bearer ${KEY}` }, body: JSON.stringify(fakeBody) });
    expect(((await res.json()) as { base_resp: { status_code: number } }).base_resp.status_code).toBe(2048);
  });

  test('a designed voice unused past its expiry disappears: T2A fails with 2054 (or 20132) and get_voice drops it', async () => {
    const { fake, url, studio, listed } = await setup();
    let now = Date.UTC(2026, 0, 1);
    fake.studio.options.now = () => now;
    fake.studio.options.designExpiryMs = 3 * DAY;
    const a = await studio.designVoice({ prompt: 'old sailor', previewText: 'Ahoy.' });
    const b = await studio.designVoice({ prompt: 'young sailor', previewText: 'Ahoy.' });
    // A task checks its voice at task_start: a new synthesizer (new task) for each step.
    expect((await settle(synth(url).speak('used', { ...SETTINGS, voice: { voiceId: a.voiceId } }))).error).toBeUndefined();
    now += 2 * DAY; // a was used 2 days ago, b never: b is 2 days old
    expect((await settle(synth(url).speak('still here', { ...SETTINGS, voice: { voiceId: b.voiceId } }))).error).toBeUndefined();
    now += 3 * DAY + 1; // a: unused 5 days, b: unused 3 days
    expect((await settle(synth(url).speak('gone', { ...SETTINGS, voice: { voiceId: a.voiceId } }))).error).toMatchObject({ code: 2054, category: 'voice' });
    expect(await listed('voice_generation')).toEqual([]);
    fake.studio.options.goneVoiceCode = 20132;
    expect((await settle(synth(url).speak('gone', { ...SETTINGS, voice: { voiceId: b.voiceId } }))).error).toMatchObject({ code: 20132, category: 'voice' });
  });

  test('deletes a voice; deleting it again says it is gone; T2A with it fails', async () => {
    const { url, studio } = await setup();
    const d = await studio.designVoice({ prompt: 'robot', previewText: 'Beep.' });
    expect(await studio.deleteVoice('voice_generation', d.voiceId)).toBe(true);
    expect(await studio.deleteVoice('voice_generation', d.voiceId)).toBe(false);
    expect((await settle(synth(url).speak('x', { ...SETTINGS, voice: { voiceId: d.voiceId } }))).error).toMatchObject({ code: 2054 });
  });

  test('a preview text over 500 characters and a wrong key are refused with typed errors', async () => {
    const { url, studio } = await setup();
    expect(await refusal(studio.designVoice({ prompt: 'x', previewText: 'a'.repeat(501) }))).toMatchObject({ code: 2013 });
    const wrong = new VoiceStudio({ baseUrl: studioBaseUrl(url), apiKey: 'sk-wrong-key-123456' });
    const error = await refusal(wrong.designVoice({ prompt: 'x', previewText: 'hi' }));
    expect(error.code).toBe('auth');
    expect(error.message).not.toContain('sk-wrong-key-123456');
  });

  test("the fake's variant answers (file_id a string at the top level, base64 trial audio, hex demo, no base_resp) read the same", async () => {
    const { fake, studio } = await setup();
    fake.studio.options.shape = 'variant';
    const fileId = await studio.uploadSample({ bytes: makeWav(12), filename: 'me.wav', contentType: 'audio/wav' });
    expect(fake.studio.files.has(Number(fileId))).toBe(true);
    const cloned = await studio.cloneVoice({ fileId, voiceId: 'parrot-clone-variant', text: 'Hello', model: 'speech-2.8-turbo' });
    expect(Buffer.isBuffer(cloned.demoAudio) && mp3Frames(cloned.demoAudio).length > 0).toBe(true);
    const designed = await studio.designVoice({ prompt: 'a calm sailor', previewText: 'Ahoy there.' });
    expect(mp3Frames(designed.trialAudio).length).toBeGreaterThan(5);
  });

  test('tolerates the unconfirmed variants: file_id at the top level as a string, base64 trial audio, no base_resp', async () => {
    const answers: unknown[] = [{ file_id: '42' }, { voice_id: 'ttv-voice-1', trial_audio: Buffer.from('ID3mp3').toString('base64') }];
    const fakeFetch: StudioFetch = () => Promise.resolve({ ok: true, status: 200, json: () => Promise.resolve(answers.shift()) });
    const studio = new VoiceStudio({ baseUrl: 'http://127.0.0.1:1', apiKey: KEY, fetch: fakeFetch });
    expect(await studio.uploadSample({ bytes: new Uint8Array(4), filename: 'a.wav', contentType: 'audio/wav' })).toBe('42');
    expect((await studio.designVoice({ prompt: 'x', previewText: 'y' })).trialAudio.toString()).toBe('ID3mp3');
  });
});

/** The fake's HTTP URL for raw requests (the studio knows its base URL). */
function setupUrl(studio: VoiceStudio): Promise<{ httpUrl: string }> {
  return Promise.resolve({ httpUrl: (studio as unknown as { options: { baseUrl: string } }).options.baseUrl });
}
