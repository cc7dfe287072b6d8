import { afterEach, describe, expect, it } from 'vitest';
import { AudioCache } from '../../src/session/AudioCache.js';
import type { TaskSettings } from '../../src/t2a/types.js';
import { expectedMs, startHarness, type Harness } from './harness.js';

const settings = (voiceId: string, speed = 1): TaskSettings => ({ model: 'speech-2.8-turbo', voice: { voiceId, speed } });

describe('AudioCache', () => {
  it('keys by text and every setting, and skips texts too long to repeat', () => {
    const cache = new AudioCache({ maxBytes: 1000, maxTextLength: 10 });
    const k = cache.keyOf('gg', settings('a'));
    expect(k).toBeDefined();
    expect(cache.keyOf('gg', settings('a'))).toBe(k);
    expect(cache.keyOf('gg', settings('b'))).not.toBe(k);
    expect(cache.keyOf('gg', settings('a', 1.5))).not.toBe(k);
    expect(cache.keyOf('GG', settings('a'))).not.toBe(k);
    expect(cache.keyOf('a long sentence', settings('a'))).toBeUndefined();
    expect(new AudioCache({ maxBytes: 0 }).keyOf('gg', settings('a'))).toBeUndefined();
  });

  it('stays within its byte bound, dropping the least recently used first', () => {
    const cache = new AudioCache({ maxBytes: 300, maxEntryBytes: 200 });
    cache.set('a', Buffer.alloc(100));
    cache.set('b', Buffer.alloc(100));
    expect(cache.get('a')).toBeDefined(); // a is now the most recently used
    cache.set('c', Buffer.alloc(150));
    expect(cache.totalBytes).toBeLessThanOrEqual(300);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
    cache.set('huge', Buffer.alloc(201));
    expect(cache.get('huge')).toBeUndefined();
  });
});

describe('audio cache in a session', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('plays a repeated short phrase from the cache: MiniMax is asked once, it is heard twice, billed once', async () => {
    const cache = new AudioCache({ maxBytes: 4 * 1024 * 1024 });
    h = await startHarness({ audioCache: cache });
    await h.manager.join(h.target());
    const session = h.manager.get(h.guildId)!;
    const phrase = 'good game everyone';
    session.enqueue(h.item(phrase));
    await h.discord.audio.waitForSilence({ quietMs: 400, timeoutMs: 10_000 });
    session.enqueue(h.item(phrase));
    const heard = await h.discord.audio.waitForSilence({ quietMs: 400, timeoutMs: 10_000, from: performance.now() });
    expect(h.minimax.texts).toEqual([phrase]);
    expect(cache.hits).toBe(1);
    expect(h.discord.audio.report().voiceMs).toBeGreaterThan(2 * expectedMs(phrase) - 150);
    expect(heard.voiceMs).toBeGreaterThan(0);
    expect(h.store.getUsage(h.guildId, new Date()).day).toBe(phrase.length);
    expect(h.reports).toEqual([]);
  });

  it('never caches audio that was cut short by a skip', async () => {
    const cache = new AudioCache({ maxBytes: 4 * 1024 * 1024 });
    h = await startHarness({ audioCache: cache, minimax: { realtimeFactor: 1, chunkBytes: 1024 } });
    await h.manager.join(h.target());
    const session = h.manager.get(h.guildId)!;
    const phrase = 'this one gets skipped halfway through';
    session.enqueue(h.item(phrase));
    await h.discord.audio.waitForAudio({ minMs: 200, timeoutMs: 10_000 });
    session.skip();
    await h.discord.audio.waitForSilence({ quietMs: 300, timeoutMs: 10_000 });
    expect(cache.size).toBe(0);
    session.enqueue(h.item(phrase));
    await h.minimax.waitFor(() => h!.minimax.texts.length === 2, 5_000, 'the phrase sent again');
  });
});
