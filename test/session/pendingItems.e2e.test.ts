/**
 * Each queued text is kept in the store while it waits or is read, and forgotten however it ends (played, skipped,
 * cleared, left behind by /leave; one refused is never kept), so that only a crash or a stop leaves rows for the
 * next start to tell (issue 17); a shutdown keeps them. Over the fakes, with the real player.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, TEXT_A as A, TEXT_B as B, type Harness } from './harness.js';

describe('queued texts kept in the store', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const kept = (x: Harness) => x.store.listPendingItems(x.guildId).map((i) => i.authorId);

  it('are kept from the moment they are queued and forgotten as each is played, skipped or cleared', async () => {
    const x = (h = await startHarness());
    expect(await x.manager.join(x.target())).toMatchObject({ ok: true });
    const session = x.manager.get(x.guildId)!;
    const firstPlayed = new Promise((r) => x.manager.once('played', r));
    for (const [text, author] of [[B, 'u1'], [A, 'u2'], [A, 'u3'], [B, 'u4']] as const) session.enqueue(x.item(text, author));
    expect(kept(x)).toStrictEqual(['u1', 'u2', 'u3', 'u4']);
    expect(x.store.listPendingItems(x.guildId)[0]).toMatchObject({ channelId: x.textChannelId, guildId: x.guildId });
    await firstPlayed;
    expect(kept(x)).toStrictEqual(['u2', 'u3', 'u4']);
    expect(session.skip()).toBe(true);
    expect(kept(x)).toStrictEqual(['u3', 'u4']);
    expect(session.clear()).toBe(2);
    expect(kept(x)).toStrictEqual([]);
  }, 30_000);

  it('are forgotten when the session ends for good (its authors were told then), but kept through a shutdown', async () => {
    const x = (h = await startHarness());
    expect(await x.manager.join(x.target())).toMatchObject({ ok: true });
    for (const author of ['u1', 'u2']) x.manager.get(x.guildId)!.enqueue(x.item(A, author));
    expect(x.manager.leave(x.guildId)).toBe(true);
    expect(x.reports.map((r) => r.item.authorId).sort()).toStrictEqual(['u1', 'u2']);
    expect(kept(x)).toStrictEqual([]);

    expect(await x.manager.join(x.target())).toMatchObject({ ok: true });
    for (const author of ['u3', 'u4']) x.manager.get(x.guildId)!.enqueue(x.item(A, author));
    await x.manager.destroyAll('shutting down');
    expect(kept(x)).toStrictEqual(['u3', 'u4']);
    // The manager's own life is not "left over"; a new life (the next start) finds them.
    expect(x.manager.pending.leftOver(x.guildId)).toStrictEqual([]);
  }, 30_000);

  it('are never kept when refused (the budget is spent)', async () => {
    const x = (h = await startHarness({ budget: { dailyChars: A.length, monthlyChars: null } }));
    expect(await x.manager.join(x.target())).toMatchObject({ ok: true });
    const session = x.manager.get(x.guildId)!;
    const billed = new Promise((r) => x.manager.once('billed', r));
    session.enqueue(x.item(A, 'u1'));
    await billed;
    await expect.poll(() => kept(x), { timeout: 15_000 }).toStrictEqual([]);
    expect(session.enqueue(x.item(B, 'u2'))).toMatchObject({ ok: false, reason: 'paused' });
    expect(kept(x)).toStrictEqual([]);
  }, 30_000);
});
