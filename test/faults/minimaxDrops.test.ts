/**
 * Faults table, rows 1-2: the MiniMax socket drops (TCP reset, no close frame) before any audio of an
 * utterance, or after its audio started.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { expectedMs, startHarness, TEXT_A as A, TEXT_B as B, type Harness } from '../session/harness.js';
import { completedTexts, sends, until } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('MiniMax drops the connection', () => {
  it('before any audio: reconnects, sends the text once more, and the listener hears it whole', async () => {
    h = await startHarness({ minimax: { faults: { dropAfterChunks: { chunks: 0, utterance: 1 } } } });
    await h.manager.join(h.target());
    h.manager.get(h.guildId)!.enqueue(h.item(A));
    await until(() => h!.played.length === 1, 10_000, 'the item to play');
    const heard = await h.discord.audio.waitForSilence({ quietMs: 500, timeoutMs: 10_000 });

    expect(h.minimax.connections[0]?.closedBy).toBe('drop');
    expect(h.minimax.connections.filter((c) => c.accepted)).toHaveLength(2);
    expect(sends(h.minimax, A)).toBe(2);
    expect(completedTexts(h.minimax)).toEqual([A]);
    expect(Math.abs(heard.voiceMs - expectedMs(A))).toBeLessThan(100);
    expect(heard.gaps).toEqual([]);
    expect(h.reports).toEqual([]);
  });

  it('after audio started: the rest is reported as cut, never re-read, and the queue goes on', async () => {
    // Small chunks: the drop comes after ~0.25 s of A's ~1.7 s.
    h = await startHarness({ minimax: { chunkBytes: 2048, faults: { dropAfterChunks: { chunks: 2, utterance: 1 } } } });
    await h.manager.join(h.target());
    const session = h.manager.get(h.guildId)!;
    session.enqueue(h.item(A, 'ana'));
    session.enqueue(h.item(B, 'ben'));
    await until(() => h!.played.length === 1 && h!.reports.length === 1, 10_000, 'A reported and B played');
    const heard = await h.discord.audio.waitForSilence({ quietMs: 500, timeoutMs: 10_000 });

    expect(h.reports).toHaveLength(1);
    expect(h.reports[0]).toMatchObject({ kind: 'cut', item: { text: A } });
    expect(h.reports[0]?.reason).toMatch(/dropped mid-message/);
    expect(h.played.map((p) => p.item.text)).toEqual([B]);
    // A is not sent again: its beginning was heard, a repeat would read it twice.
    expect(sends(h.minimax, A)).toBe(1);
    expect(completedTexts(h.minimax)).toEqual([B]);
    // What arrived of A (two chunks) plays, then B in full.
    expect(heard.voiceMs).toBeGreaterThan(expectedMs(B) + 100);
    expect(heard.voiceMs).toBeLessThan(expectedMs(B) + expectedMs(A) / 2);
    expect(session.status()).toMatchObject({ playing: null, queued: 0 });
  });
});
