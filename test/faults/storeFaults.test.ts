/**
 * A store that throws, seen from the voice session: whatever the store (or a listener) throws inside the player's
 * tick is caught there and told as a 'fault'; the queue goes on. End to end over the fakes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { TEXT_A as A, TEXT_B as B, expectedMs, startHarness, type Harness } from '../session/harness.js';

/** A store whose usage writes fail while `failing`, as SQLite does on a full disk. */
class FullDiskStore extends MemoryStore {
  failing = false;
  override addUsage(guildId: string, chars: number, at: Date): void {
    if (this.failing) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    super.addUsage(guildId, chars, at);
  }
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('a store that throws while the player goes idle', () => {
  it('is caught in the session: both messages are heard and each failed usage write is told as a fault', async () => {
    const store = new FullDiskStore();
    store.failing = true;
    h = await startHarness({ store });
    const faults: { where: string; error: unknown }[] = [];
    h.manager.on('fault', (_g, error, where) => faults.push({ where, error }));
    await h.manager.join(h.target());
    const session = h.manager.get(h.guildId)!;
    session.enqueue(h.item(A));
    session.enqueue(h.item(B));
    const heard = await h.discord.audio.waitForAudio({ minMs: 0.8 * (expectedMs(A) + expectedMs(B)), timeoutMs: 20_000 });
    expect(heard.voiceMs).toBeGreaterThan(expectedMs(A));
    await h.minimax.waitFor(() => faults.length === 2, 10_000, 'both usage writes');
    expect(faults.map((f) => f.where)).toEqual(['recording usage', 'recording usage']);
    expect(faults[0]?.error).toMatchObject({ code: 'SQLITE_FULL' });
    // The session is not wedged: once the store works, the next message is heard and counted.
    store.failing = false;
    const from = performance.now();
    session.enqueue(h.item('And a third one.'));
    await h.discord.audio.waitForAudio({ from, minMs: 200, timeoutMs: 10_000 });
    await h.minimax.waitFor(() => store.getUsage(h!.guildId, new Date()).day === 'And a third one.'.length, 10_000, 'the third usage');
  });

  it('a listener that throws on the item\'s report does not stop the queue either', async () => {
    // 1026: MiniMax refuses the first text as sensitive (reported, not retried).
    h = await startHarness({ minimax: { faults: { taskContinueStatus: { code: 1026, times: 1, frame: 'task_failed_open' } } } });
    const faults: string[] = [];
    h.manager.on('fault', (_g, _e, where) => faults.push(where));
    const buggy = (): void => {
      throw new Error('a report listener bug');
    };
    h.manager.on('report', buggy);
    await h.manager.join(h.target());
    const session = h.manager.get(h.guildId)!;
    session.enqueue(h.item('Refused text.'));
    session.enqueue(h.item(B));
    await h.discord.audio.waitForAudio({ minMs: 0.8 * expectedMs(B), timeoutMs: 15_000 });
    expect(faults).toContain('settling an item');
    h.manager.off('report', buggy);
  });
});
