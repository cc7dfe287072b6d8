import { describe, expect, it } from 'vitest';
import { backoffDelay, sleep } from '../../src/session/backoff.js';
import { AudioError } from '../../src/audio/errors.js';
import { failureDetail, judge } from '../../src/session/failures.js';
import { T2AError } from '../../src/t2a/errors.js';
import { Queue } from '../../src/session/Queue.js';
import { toTaskSettings } from '../../src/session/voiceSettings.js';
import type { QueueItemInput } from '../../src/session/types.js';

const input = (authorId: string, text = 'hi'): QueueItemInput => ({ authorId, authorName: authorId, text, source: { kind: 'command', channelId: 'c' } });

describe('Queue', () => {
  it('keeps arrival order and bounds each author and the guild', () => {
    const q = new Queue({ maxPerGuild: 3, maxPerUser: 2 }, () => 0);
    expect(q.push(input('a', '1'))).toMatchObject({ ok: true, position: 1 });
    expect(q.push(input('a', '2'))).toMatchObject({ ok: true, position: 2 });
    expect(q.push(input('a', '3'))).toEqual({ ok: false, reason: 'user_queue_full' });
    expect(q.push(input('b', '4'))).toMatchObject({ ok: true, position: 3 });
    expect(q.push(input('c', '5'))).toEqual({ ok: false, reason: 'guild_queue_full' });
    expect([q.shift()?.text, q.shift()?.text, q.shift()?.text, q.shift()]).toEqual(['1', '2', '4', undefined]);
  });

  it('counts items already out of the queue (playing, prefetched) against the bounds and the position', () => {
    const q = new Queue({ maxPerGuild: 3, maxPerUser: 2 }, () => 0);
    const playing = q.push(input('a', 'now'));
    if (!playing.ok) throw new Error('push failed');
    q.shift();
    expect(q.push(input('a', 'next'), [playing.item])).toMatchObject({ ok: true, position: 2 });
    expect(q.push(input('a', 'more'), [playing.item])).toEqual({ ok: false, reason: 'user_queue_full' });
    expect(q.push(input('b', 'x'), [playing.item])).toMatchObject({ ok: true, position: 3 });
    expect(q.push(input('c', 'y'), [playing.item])).toEqual({ ok: false, reason: 'guild_queue_full' });
  });

  it('hands items out in order and drains what is left on clear', () => {
    const q = new Queue({ maxPerGuild: 5, maxPerUser: 5 }, () => 0);
    q.push(input('a', '1'));
    q.push(input('a', '2'));
    q.push(input('a', '3'));
    expect(q.shift()?.text).toBe('1');
    expect(q.drain().map((i) => i.text)).toEqual(['2', '3']);
    expect(q.length).toBe(0);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially within the cap, with jitter, and stops after the attempts', () => {
    expect(backoffDelay(0, 1000, 8000, 3, () => 0)).toBe(500);
    expect(backoffDelay(0, 1000, 8000, 3, () => 1)).toBe(1000);
    expect(backoffDelay(2, 1000, 8000, 3, () => 1)).toBe(4000);
    expect(backoffDelay(5, 1000, 8000, 9, () => 1)).toBe(8000);
    expect(backoffDelay(3, 1000, 8000, 3)).toBeUndefined();
  });

  it('sleep resolves false at once when cancelled', async () => {
    const ac = new AbortController();
    const p = sleep(60_000, ac.signal);
    ac.abort();
    expect(await p).toBe(false);
    expect(await sleep(1)).toBe(true);
  });
});

describe('judge', () => {
  it.each([
    ['rate_limit', false, 'retry'],
    ['transient', false, 'retry'],
    ['idle', false, 'retry'],
    ['transient', true, 'report'],
    ['auth', false, 'pause'],
    ['billing', true, 'pause'],
    ['content', false, 'report'],
    ['voice', false, 'report'],
    ['client_bug', false, 'report'],
  ])('a %s error (audio started: %s) leads to %s', (category, started, action) => {
    expect(judge({ category, message: 'x' }, started).action).toBe(action);
  });

  it('pauses every guild for a bad key and names what to check', () => {
    const v = judge({ category: 'auth', code: 1004, message: 'invalid key' }, false);
    expect(v).toMatchObject({ action: 'pause', scope: 'all', pause: { reason: 'auth' } });
    if (v.action === 'pause') expect(v.pause.message).toMatch(/MINIMAX_API_KEY/);
  });

  it('tells a usage limit apart from an empty balance', () => {
    expect(judge({ category: 'billing', code: 2056 }, false)).toMatchObject({ pause: { reason: 'usage_limit' } });
    expect(judge({ category: 'billing', code: 1008 }, false)).toMatchObject({ pause: { reason: 'billing' } });
  });

  it('reports a cut when audio had started, and a bad voice with how to fix it', () => {
    expect(judge({ category: 'transient' }, true)).toMatchObject({ action: 'report', kind: 'cut' });
    const v = judge({ category: 'voice', message: 'voice id does not exist' }, false);
    expect(v).toMatchObject({ action: 'report', kind: 'skipped_voice' });
    if (v.action === 'report') expect(v.reason).toMatch(/\/voice set/);
  });

  it('tells the member plain words for an audio failure or a local one; the internal text is only in the detail', () => {
    const ffmpeg = new AudioError('DECODE_FAILED', 'ffmpeg exited with code 1: /tmp/parrot-x/in.mp3: Invalid data found when processing input');
    const local = new T2AError('socket hang up at /srv/app/node_modules/ws/lib/websocket.js:1', { code: 'validation' });
    for (const error of [ffmpeg, local]) {
      const v = judge(error, false);
      expect(v).toMatchObject({ action: 'report', kind: 'failed' });
      if (v.action === 'report') expect(v.reason).toContain('try sending it again');
      if (v.action === 'report') expect(v.reason).not.toMatch(/\/tmp|\/srv|ffmpeg|socket/);
      const voice = judge(Object.assign(new Error('raw /srv/voice text'), { category: 'voice' }), false);
      if (voice.action === 'report') expect(voice.reason).not.toContain('/srv');
    }
    expect(failureDetail(ffmpeg).detail).toContain('Invalid data found');
    expect(failureDetail(new T2AError('MiniMax refused the request', { code: 9999, traceId: 'tr-1' }))).toMatchObject({ traceId: 'tr-1' });
  });
});

describe('toTaskSettings', () => {
  it('maps a resolved voice and dictionary onto task settings', () => {
    const s = toTaskSettings({ voiceId: 'v', model: 'speech-2.6-hd', speed: 1.5, volume: 2, pitch: -3, emotion: 'calm', languageBoost: 'English' }, [{ from: 'omg', to: 'oh my god' }]);
    expect(s).toEqual({
      model: 'speech-2.6-hd',
      voice: { voiceId: 'v', speed: 1.5, vol: 2, pitch: -3, emotion: 'calm' },
      audio: { format: 'mp3', sampleRate: 32000, bitrate: 128000, channel: 1 },
      languageBoost: 'English',
      pronunciation: ['omg/oh my god'],
    });
  });

  it('leaves optional fields out rather than sending them empty', () => {
    const s = toTaskSettings({ voiceId: 'v', model: 'speech-2.8-turbo', speed: 1, volume: 1, pitch: 0 }, []);
    expect(s).not.toHaveProperty('pronunciation');
    expect(s).not.toHaveProperty('languageBoost');
    expect(s.voice).not.toHaveProperty('emotion');
  });
});
