import { describe, expect, test } from 'vitest';
import { BUILT_IN_VOICES, MAX_CHOICES, VoiceCatalogue, fetchVoices, getVoiceUrl, languageOfVoiceId, parseVoiceList } from '../../src/t2a/index.js';
import { KEY, startFake } from './helpers.js';

describe('built-in voices', () => {
  test('holds at least 40 real system voices with unique ids, names and languages', () => {
    expect(BUILT_IN_VOICES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(BUILT_IN_VOICES.map((v) => v.voiceId)).size).toBe(BUILT_IN_VOICES.length);
    for (const id of ['English_expressive_narrator', 'male-qn-qingse', 'Chinese (Mandarin)_News_Anchor', 'Japanese_Whisper_Belle', 'Arabic_CalmWoman']) {
      expect(BUILT_IN_VOICES.find((v) => v.voiceId === id)).toBeDefined();
    }
    for (const v of BUILT_IN_VOICES) {
      expect(v.name.length).toBeGreaterThan(0);
      expect(v.language.length).toBeGreaterThan(0);
    }
  });

  test('languages follow the id prefix; old lowercase ids are Mandarin', () => {
    expect(languageOfVoiceId('English_CalmWoman')).toBe('English');
    expect(languageOfVoiceId('Chinese (Mandarin)_Gentleman')).toBe('Chinese (Mandarin)');
    expect(languageOfVoiceId('female-shaonv')).toBe('Chinese (Mandarin)');
    expect(BUILT_IN_VOICES.find((v) => v.voiceId === 'Korean_SweetGirl')?.language).toBe('Korean');
  });
});

describe('VoiceCatalogue.search', () => {
  const catalogue = new VoiceCatalogue();

  test('is a case-insensitive substring match over id and name', () => {
    const ids = catalogue.search('NARRATOR').map((v) => v.voiceId);
    expect(ids).toContain('English_expressive_narrator');
    expect(catalogue.search('graceful lady').map((v) => v.voiceId)).toEqual(['English_Graceful_Lady']);
    expect(catalogue.search('(mandarin)_news').map((v) => v.voiceId)).toEqual(['Chinese (Mandarin)_News_Anchor']);
    expect(catalogue.search('no such voice at all')).toEqual([]);
  });

  test('puts exact and prefix matches first', () => {
    const ids = catalogue.search('english_calmwoman').map((v) => v.voiceId);
    expect(ids[0]).toBe('English_CalmWoman');
    const girls = catalogue.search('girl');
    expect(girls.length).toBeGreaterThan(3);
  });

  test('returns at most 25 (Discord autocomplete), fewer when asked', () => {
    expect(catalogue.search('').length).toBe(MAX_CHOICES);
    expect(catalogue.search('english', 100).length).toBe(25);
    expect(catalogue.search('english', 5).length).toBe(5);
  });

  test('get matches ids exactly, then case-insensitively', () => {
    expect(catalogue.get('English_CalmWoman')?.name).toBe('Calm Woman');
    expect(catalogue.get('english_calmwoman')?.voiceId).toBe('English_CalmWoman');
    expect(catalogue.get('nope')).toBeUndefined();
  });
});

describe('get_voice', () => {
  test('fetchVoices posts voice_type system with Bearer auth to the fake and parses the answer', async () => {
    const { fake, url } = await startFake();
    const voices = await fetchVoices({ url: getVoiceUrl({ url }), apiKey: KEY });
    expect(fake.voiceRequests).toEqual([{ authorization: `Bearer ${KEY}`, body: { voice_type: 'system' } }]);
    expect(voices.map((v) => v.voiceId)).toContain('Fake_Only_Voice');
    expect(voices.find((v) => v.voiceId === 'English_expressive_narrator')).toMatchObject({
      name: 'Expressive Narrator', language: 'English', description: 'A clear narrator', source: 'system',
    });
  });

  test('refresh merges the API list into the catalogue', async () => {
    const { url } = await startFake();
    const catalogue = new VoiceCatalogue({ url: getVoiceUrl({ url }), apiKey: KEY });
    const before = catalogue.size;
    const result = await catalogue.refresh();
    expect(result).toEqual({ ok: true, count: 4, added: 1 });
    expect(catalogue.size).toBe(before + 1);
    expect(catalogue.search('fake_only').map((v) => v.voiceId)).toEqual(['Fake_Only_Voice']);
    expect(catalogue.get('English_expressive_narrator')?.source).toBe('system');
  });

  test.each([
    ['HTTP 401', 'http401' as const, { code: 'auth', category: 'auth' }],
    ['base_resp 1004', 'task_failed' as const, { code: 1004, category: 'auth' }],
  ])('a wrong key (%s) is returned as an auth error by refresh, never thrown; the key stays out of it', async (_n, badKey, expected) => {
    const { url } = await startFake({ apiKey: 'right', badKey });
    const catalogue = new VoiceCatalogue({ url: getVoiceUrl({ url }), apiKey: 'sk-wrong-0123456789' });
    const result = await catalogue.refresh();
    expect(result).toMatchObject({ ok: false, error: expected });
    if (!result.ok) expect(result.error.message).not.toContain('sk-wrong-0123456789');
    expect(catalogue.size).toBe(BUILT_IN_VOICES.length);
  });

  test('an unreachable host and a timeout are returned as errors', async () => {
    const { fake, url } = await startFake();
    const voiceUrl = getVoiceUrl({ url });
    await fake.close();
    const refused = await new VoiceCatalogue({ url: voiceUrl, apiKey: KEY }).refresh();
    expect(refused).toMatchObject({ ok: false, error: { code: 'closed', retryable: true } });

    // A server that never answers: only the deadline ends the wait.
    const hang = (_url: string, init: { signal: AbortSignal }): Promise<never> =>
      new Promise((_resolve, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason as Error)));
    const slow = await new VoiceCatalogue({ url: voiceUrl, apiKey: KEY, timeoutMs: 50, fetch: hang }).refresh();
    expect(slow).toMatchObject({ ok: false, error: { code: 'timeout' } });
  });

  test('refresh without a URL reports what is missing', async () => {
    expect(await new VoiceCatalogue().refresh()).toMatchObject({ ok: false, error: { code: 'validation' } });
  });

  test('parseVoiceList reads all three lists and rejects a non-zero status', () => {
    const list = parseVoiceList({
      system_voice: [{ voice_id: 'A_x', voice_name: 'X' }, { voice_id: '' }, 'junk'],
      voice_cloning: [{ voice_id: 'my-clone', description: [] }],
      voice_generation: [{ voice_id: 'gen_1', voice_name: '' }],
      base_resp: { status_code: 0, status_msg: 'success' },
    });
    expect(list.map((v) => [v.voiceId, v.name, v.source])).toEqual([
      ['A_x', 'X', 'system'],
      ['my-clone', 'my-clone', 'voice_cloning'],
      ['gen_1', 'gen_1', 'voice_generation'],
    ]);
    expect(() => parseVoiceList({ base_resp: { status_code: 2049, status_msg: 'invalid api key' } })).toThrow(/status 2049/);
    expect(() => parseVoiceList('nope')).toThrow(/JSON/);
  });
});
