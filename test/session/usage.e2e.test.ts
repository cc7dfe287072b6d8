/**
 * Usage recorded by the session layer against the fake MiniMax: what shutdown owes the store before it closes.
 * (Every ending through the whole bot: test/bot/usage.test.ts.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const LONG = 'A long message, still streaming in real time when the session is destroyed. '.repeat(2).trim();
const NEXT = 'The one prefetched behind it.';

describe('usage of the items a shutdown cuts', () => {
  it('is recorded by the time destroyAll resolves (the store closes right after)', async () => {
    h = await startHarness({ minimax: { realtimeFactor: 1 }, synthesizer: { maxTasks: 1 } });
    await h.manager.join(h.target());
    const session = h.manager.get(h.guildId)!;
    session.enqueue(h.item(LONG));
    session.enqueue(h.item(NEXT));
    await h.minimax.waitFor(() => h!.minimax.texts.length === 2, 5_000, 'both texts sent');
    await h.discord.audio.waitForAudio({ minMs: 100 });
    await h.manager.destroyAll('shutting down');
    expect(h.store.getUsage(h.guildId, new Date()).day).toBe(LONG.length + NEXT.length);
  });
});
