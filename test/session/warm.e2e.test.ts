import { afterEach, describe, expect, it } from 'vitest';
import { AudioCache } from '../../src/session/AudioCache.js';
import { slowVoiceJoin } from '../fakes/slowVoiceJoin.js';
import { startHarness, type Harness, type HarnessOptions } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const TEXT = 'Warm before the voice connection is ready.';

/** A harness whose voice join is held up, with the number of task_starts MiniMax had seen when the voice
 * gateway sent its session description (the last step of the join). */
async function slowJoin(options: HarnessOptions = {}): Promise<{ h: Harness; startsAtVoiceReady: () => number | undefined }> {
  const x = (h = await startHarness(options));
  return { h: x, startsAtVoiceReady: slowVoiceJoin(x) };
}

function continues(x: Harness): number {
  return x.minimax.connections.flatMap((c) => c.received).filter((e) => e.event === 'task_continue').length;
}

describe('SessionManager.join with warmFor', () => {
  it('opens the T2A task during the voice join, sends no text before it, and the item then uses that task', async () => {
    const { h, startsAtVoiceReady } = await slowJoin();
    // A member voice and a dictionary: the warmed task must carry exactly what the item will need.
    h.store.setMemberVoice(h.guildId, 'u1', { voiceId: 'English_Graceful_Lady', speed: 1.25 });
    h.store.addDictionaryEntry(h.guildId, { from: 'gg', to: 'good game' }, { maxEntries: 10 });
    const joined = await h.manager.join(h.target(), { warmFor: { authorId: 'u1' } });
    expect(joined).toMatchObject({ ok: true, alreadyThere: false });
    expect(startsAtVoiceReady()).toBe(1);
    expect(h.minimax.texts).toEqual([]);

    const session = h.manager.get(h.guildId)!;
    expect(session.enqueue(h.item(TEXT, 'u1'))).toMatchObject({ ok: true });
    await h.minimax.waitFor(() => h.played.length === 1, 10_000, 'the item played');
    expect(h.minimax.texts).toEqual([TEXT]);
    expect(h.minimax.connections).toHaveLength(1);
    expect(h.minimax.taskStarts).toHaveLength(1);
    expect(h.minimax.taskStarts[0]).toMatchObject({
      voice_setting: { voice_id: 'English_Graceful_Lady', speed: 1.25 },
      pronunciation_dict: { tone: ['gg/good game'] },
    });
    expect(h.reports).toEqual([]);
  });

  it("warms with the item's voice override too", async () => {
    const { h, startsAtVoiceReady } = await slowJoin();
    const override = { voiceId: 'English_radiant_girl' };
    await h.manager.join(h.target(), { warmFor: { authorId: 'u1', override } });
    expect(startsAtVoiceReady()).toBe(1);
    h.manager.get(h.guildId)!.enqueue({ ...h.item(TEXT, 'u1'), override });
    await h.minimax.waitFor(() => h.played.length === 1, 10_000, 'the item played');
    expect(h.minimax.connections).toHaveLength(1);
    expect(h.minimax.taskStarts[0]).toMatchObject({ voice_setting: { voice_id: 'English_radiant_girl' } });
  });

  it('warms through the audio cache', async () => {
    const { h, startsAtVoiceReady } = await slowJoin({ audioCache: new AudioCache({ maxBytes: 1024 * 1024 }) });
    await h.manager.join(h.target(), { warmFor: { authorId: 'u1' } });
    expect(startsAtVoiceReady()).toBe(1);
    expect(h.minimax.texts).toEqual([]);
  });

  it('a join that times out sent no text to MiniMax, and leaves no connection open', async () => {
    h = await startHarness({ timings: { joinTimeoutMs: 500 } });
    h.discord.refuseJoins('Voice');
    const joined = await h.manager.join(h.target(), { warmFor: { authorId: 'u1' } });
    expect(joined).toEqual({ ok: false, reason: 'timeout' });
    // The task was opened (the overlap), but nothing was sent on it, and it went with the session.
    expect(h.minimax.taskStarts).toHaveLength(1);
    expect(continues(h)).toBe(0);
    expect(h.manager.get(h.guildId)).toBeUndefined();
    await h.minimax.waitFor(() => h!.minimax.connections.every((c) => c.closed), 2_000, 'the warmed task closed');
  });

  it('does not warm when the bot is already in that channel', async () => {
    h = await startHarness();
    await h.manager.join(h.target());
    expect(h.minimax.connections).toHaveLength(0);
    h.store.setMemberVoice(h.guildId, 'u2', { voiceId: 'English_radiant_girl' });
    const again = await h.manager.join(h.target(), { warmFor: { authorId: 'u2' } });
    expect(again).toMatchObject({ ok: true, alreadyThere: true });
    // Would a warm have been started, its connect would be under way by now.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(h.minimax.connections).toHaveLength(0);
  });

  it('does not warm while speech is paused', async () => {
    // MiniMax refuses the harness's key: the first item pauses speech for every guild.
    h = await startHarness({ minimax: { apiKey: 'a-key-the-bot-does-not-have' } });
    await h.manager.join(h.target());
    h.manager.get(h.guildId)!.enqueue(h.item('refused'));
    await h.minimax.waitFor(() => h!.notices.some((n) => n.startsWith('Speech is paused')), 5_000, 'the pause');
    const tried = h.minimax.connections.length;
    h.manager.leave(h.guildId);
    const joined = await h.manager.join(h.target(), { warmFor: { authorId: 'u1' } });
    expect(joined).toMatchObject({ ok: true });
    expect(h.minimax.connections).toHaveLength(tried);
  });
});
