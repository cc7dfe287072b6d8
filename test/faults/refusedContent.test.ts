/**
 * Faults table, row 5: MiniMax refuses a text (1026 / 1027 sensitive) or a voice (2013 / 20132 / 2042 / 2054).
 * The item is skipped with a short reason and the queue goes on; a bad server voice is reported once, with
 * how to fix it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness as startBot, type Harness as BotHarness } from '../bot/harness.js';
import { startHarness, type Harness } from '../session/harness.js';
import { until } from './helpers.js';

let h: Harness | undefined;
let bot: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  await bot?.close();
  h = undefined;
  bot = undefined;
});

describe('refused texts and voices', () => {
  it.each([
    [1026, 'input flagged as sensitive'],
    [1027, 'output flagged as sensitive'],
  ])('status %i: that text is skipped with a short reason and the next one is read', async (code, meaning) => {
    h = await startHarness({ minimax: { faults: { taskContinueStatus: { code, times: 1, msg: 'x'.repeat(300) } } } });
    await h.manager.join(h.target());
    const session = h.manager.get(h.guildId)!;
    session.enqueue(h.item('Something MiniMax will not read.', 'ana'));
    session.enqueue(h.item('Next one.', 'ben'));
    await until(() => h!.played.length === 1 && h!.reports.length === 1, 8_000, 'one report and one played item');

    // MiniMax's own words (status_msg) go to the log through `detail`, never into the reason people see.
    expect(h.reports).toHaveLength(1);
    expect(Object.keys(h.reports[0]!).sort()).toEqual(['detail', 'item', 'kind', 'reason', 'traceId']);
    expect(h.reports[0]).toMatchObject({ item: { authorId: 'ana' }, kind: 'skipped_content', reason: `MiniMax would not read it (${meaning})` });
    expect(h.reports[0]!.detail).toContain('x'.repeat(100));
    expect(typeof h.reports[0]!.traceId).toBe('string');
    expect(h.played.map((p) => p.item.authorId)).toEqual(['ben']);
    // Not retried: the same text would be refused again.
    expect(h.minimax.texts.filter((t) => t.startsWith('Something'))).toHaveLength(1);
    expect(h.retries).toEqual([]);
    expect(h.notices).toEqual([]);
  });

  it.each([
    [2013, 'invalid parameters'],
    [20132, 'invalid voice_id or voice samples'],
    [2042, 'no access to this voice_id'],
    [2054, 'voice id does not exist'],
  ])('status %i for the server voice: each item skipped with a short reason, one notice saying how to fix it', async (code, meaning) => {
    h = await startHarness({ minimax: { faults: { taskStartStatus: { code, times: 2 } } } });
    h.store.updateGuildSettings(h.guildId, { voice: { voiceId: 'Broken_Server_Voice' } });
    await h.manager.join(h.target());
    const session = h.manager.get(h.guildId)!;
    session.enqueue(h.item('One.', 'ana'));
    session.enqueue(h.item('Two.', 'ben'));
    await until(() => h!.reports.length === 2, 5_000, 'two reports');
    session.enqueue(h.item('Three.', 'cid'));
    await until(() => h!.reports.length === 3, 5_000, 'a third report');

    const reason = `the voice cannot be used (${meaning}); pick another with /voice set or /myvoice set`;
    expect(h.reports.map((r) => [r.item.authorId, r.kind, r.reason])).toEqual([
      ['ana', 'skipped_voice', reason],
      ['ben', 'skipped_voice', reason],
      ['cid', 'skipped_voice', reason],
    ]);
    expect(h.notices).toEqual([
      `The server's voice \`Broken_Server_Voice\` cannot be used (${meaning}), so messages in it are skipped. ` +
        "Server admins: pick another with /voice set voice, or go back to the bot's default with /voice reset.",
    ]);
    expect(h.retries).toEqual([]);

    // MiniMax takes the voice again: it plays, and a later refusal is news worth a new notice.
    session.enqueue(h.item('Four.', 'dee'));
    await until(() => h!.played.length === 1, 5_000, 'the fourth item to play');
    h.minimax.configure({ faults: { taskStartStatus: { code, times: 1 } } });
    // The voice is fixed at task_start: end the warm task so the next item starts a new one.
    h.minimax.disconnectAll('close');
    await h.minimax.waitFor(() => h!.minimax.connections.every((c) => c.closed), 2_000, 'the warm task to close');
    session.enqueue(h.item('Five.', 'eve'));
    await until(() => h!.reports.length === 4, 5_000, 'a fourth report');
    expect(h.notices).toHaveLength(2);
  });

  it("a member's own bad voice is skipped for that member only, with no server notice", async () => {
    h = await startHarness({ minimax: { knownVoices: ['English_expressive_narrator'] } });
    h.store.setMemberVoice(h.guildId, 'ana', { voiceId: 'Unknown_Member_Voice' });
    await h.manager.join(h.target());
    const session = h.manager.get(h.guildId)!;
    session.enqueue(h.item('From Ana.', 'ana'));
    session.enqueue(h.item('From Ben.', 'ben'));
    await until(() => h!.played.length === 1 && h!.reports.length === 1, 5_000, 'one report and one played item');
    expect(h.reports[0]).toMatchObject({ kind: 'skipped_voice', item: { authorId: 'ana' } });
    expect(h.reports[0]?.reason).toContain('voice id does not exist');
    expect(h.played[0]?.item.authorId).toBe('ben');
    expect(h.notices).toEqual([]);
  });

  it('through the bot: the notice is posted once in the channel, each text gets its short reason', async () => {
    const x = (bot = await startBot({ minimax: { knownVoices: ['English_expressive_narrator'] } }));
    // The fake lists Fake_Only_Voice in get_voice, but refuses it at task_start (2054).
    await x.minimax.waitFor(() => x.minimax.voiceRequests.length > 0);
    await until(() => x.logs.some((l) => l.includes('voice catalogue refreshed')), 3_000, 'the voice catalogue');
    expect((await x.run({ command: 'voice', subcommand: 'set', options: { voice: 'Fake_Only_Voice' } })).content).toContain('Server voice saved');
    await x.run({ command: 'speak', options: { text: 'First try.' } });
    await x.run({ command: 'speak', user: 'bob', options: { text: 'Second try.' } });
    await until(() => x.discord.botMessages.length === 3, 5_000, 'three channel messages');
    const contents = x.discord.botMessages.map((m) => m.content);
    expect(contents.filter((c) => c.startsWith("The server's voice `Fake_Only_Voice` cannot be used"))).toHaveLength(1);
    expect(contents.filter((c) => /^⚠️ (alice|bob)'s \/speak was not read: the voice cannot be used \(voice id does not exist\)/.test(c))).toHaveLength(2);
  });
});
