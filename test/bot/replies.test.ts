/**
 * Replies that tell the truth, end to end: a text is said to be queued only when it is, failures are reported
 * even when the reaction cannot be added, public messages carry no internal error text, echoed names are
 * escaped, and Manage Server is checked when an action runs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { literal } from '../../src/commands/reply.js';
import { opt } from '../fakes/discord/index.js';
import { until } from '../faults/helpers.js';
import { GUILD, startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('replies that tell the truth', () => {
  it('a /speak refused because the budget was spent since the last check gets the reason, is never sent and costs nothing', async () => {
    const x = (h = await startHarness({ env: { BUDGET_DAILY_CHARS: '20' } }));
    const first = 'Counting these characters.';
    await x.run({ command: 'speak', options: { text: first } });
    await x.discord.audio.waitForSilence({ quietMs: 300, timeoutMs: 5_000 });
    const guildId = x.discord.guild().id;
    await x.minimax.waitFor(() => x.bot.store.getUsage(guildId, new Date()).day === first.length);
    const refused = await x.run({ command: 'speak', options: { text: 'This should not be read.' } });
    expect(refused.ephemeral).toBe(true);
    expect(refused.content).toMatch(/^Speech is paused on this server: this server's daily character budget is spent \(26\/20\); see \/usage\. See \/status\.$/);
    expect(refused.content).not.toContain('Queued');
    expect(x.minimax.texts).toEqual([first]);
    expect(x.bot.store.getUsage(guildId, new Date()).day).toBe(first.length);
  });
});

describe('failure reports', () => {
  it('the reason is posted even when the bot may not react to the failed message', async () => {
    const channels = [
      { name: 'general' },
      { name: 'reading', overwrites: [{ target: 'bot', deny: ['AddReactions' as const] }] },
      { name: 'Voice', type: 'voice' as const },
    ];
    const x = (h = await startHarness({ guilds: [{ ...GUILD, channels }], minimax: { knownVoices: ['English_expressive_narrator'] } }));
    await x.run({ command: 'autoread', subcommand: 'set', options: { channel: opt.channel('reading') } });
    await x.run({ command: 'join' });
    await x.run({ command: 'myvoice', subcommand: 'set', user: 'bob', options: { voice: 'English_Graceful_Lady' } });
    const failed = x.discord.message({ channel: 'reading', author: 'bob', content: 'read this please' });
    const reaction = await x.discord.rest.waitForCall((c) => c.method === 'PUT' && c.path.includes(`/messages/${failed.id}/reactions/`));
    expect(reaction.status).toBe(403);
    const reason = await x.discord.rest.waitForCall((c) => c.method === 'POST' && JSON.stringify(c.body).includes("bob's message was not read"));
    expect(reason.path).toContain(x.discord.guild().channel('reading').id);
    expect(x.logs.some((l) => l.includes('could not react'))).toBe(true);
  });
});

describe('public messages carry plain words, the log the details', () => {
  it("an unlisted MiniMax status: the channel hears what to do, the log gets MiniMax's status_msg and trace id", async () => {
    const raw = 'worker crashed at /srv/t2a/engine.py line 42';
    const x = (h = await startHarness({ minimax: { faults: { taskContinueStatus: { code: 9999, msg: raw, times: 1 } } } }));
    await x.run({ command: 'autoread', subcommand: 'set', options: { channel: opt.channel('reading') } });
    await x.run({ command: 'join' });
    x.discord.message({ channel: 'reading', author: 'bob', content: 'read this please' });
    const report = await x.discord.rest.waitForCall((c) => c.method === 'POST' && JSON.stringify(c.body).includes("bob's message was not read"));
    const content = String((report.body as { content?: unknown }).content);
    expect(content).toContain('try sending it again in a moment');
    expect(content).not.toContain('/srv/');
    expect(content).not.toContain('9999');
    const line = x.logs.find((l) => l.includes('item not read'));
    expect(line).toContain(raw);
    expect(line).toMatch(/trace=\S+/);
  });
});

describe('echoed names are escaped for markdown', () => {
  const LINK = '[x](https://example.com)';
  const ESCAPED = '\\[x](https://example.com)';

  it('a nickname that is a masked link stays text in public replies and failure reports', async () => {
    const members = [{ username: 'alice' }, { username: 'bob', nick: LINK }, { username: 'carol' }, { username: 'robot', bot: true }];
    const x = (h = await startHarness({ guilds: [{ ...GUILD, members }], minimax: { knownVoices: ['English_expressive_narrator'] } }));
    await x.run({ command: 'speak', user: 'bob', options: { text: 'This is a long text. '.repeat(6) } });
    const skip = await x.run({ command: 'skip', user: 'bob' });
    expect(skip).toMatchObject({ ephemeral: false, content: `${ESCAPED} skipped the current message.` });
    await x.run({ command: 'myvoice', subcommand: 'set', user: 'bob', options: { voice: 'English_Graceful_Lady' } });
    await x.run({ command: 'speak', user: 'bob', options: { text: 'Refused voice.' } });
    await until(() => x.discord.botMessages.some((m) => m.content.includes('was not read')), 5_000, 'the failure report');
    const report = x.discord.botMessages.find((m) => m.content.includes('was not read'))?.content;
    expect(report).toContain(`${ESCAPED}'s /speak was not read`);
    const leave = await x.run({ command: 'leave', user: 'bob' });
    expect(leave.content).toBe(`${ESCAPED} made me leave the voice channel.`);
  });

  it('dictionary words and voice names typed by a member are escaped in the replies that echo them', async () => {
    const x = (h = await startHarness());
    // A dictionary word cannot hold '/', so no link: emphasis and a spoiler instead.
    const added = await x.run({ command: 'dictionary', subcommand: 'add', options: { from: '**gg**', to: '||good game||' } });
    expect(added.content).toBe('Added: "\\*\\*gg\\*\\*" is now said as "\\|\\|good game\\|\\|" (from the next message).');
    expect((await x.run({ command: 'dictionary', subcommand: 'list' })).content).toContain('\\*\\*gg\\*\\* → \\|\\|good game\\|\\|');
    const unknown = await x.run({ command: 'voice', subcommand: 'list', options: { filter: LINK } });
    expect(unknown.content).toContain(`No voice matches "${ESCAPED}"`);
  });
});

describe('literal', () => {
  it('escapes what escapeMarkdown leaves: a quote or subtext marker that starts a name', () => {
    expect(literal('> quoted')).toBe('\\> quoted');
    expect(literal('-# small')).toBe('\\-# small');
    expect(literal('# big')).toBe('\\# big');
    expect(literal('a > b')).toBe('a > b');
  });
});

describe('Manage Server is checked when the action runs', () => {
  it('/voice preview (it spends the budget) is refused to a member without Manage Server, even if Discord let it through', async () => {
    const x = (h = await startHarness());
    const refused = await x.run({ command: 'voice', subcommand: 'preview', user: 'bob' });
    expect(refused).toMatchObject({ ephemeral: true });
    expect(refused.content).toContain('Manage Server');
    expect(x.discord.voiceRequests).toHaveLength(0);
    const allowed = await x.run({ command: 'voice', subcommand: 'preview', user: 'alice', options: { text: 'Preview for the owner.' } });
    expect(allowed.content).not.toContain('Manage Server');
    await x.minimax.waitFor(() => x.minimax.texts.length === 1, 5_000, 'the preview sent');
    expect(x.minimax.texts).toEqual(['Preview for the owner.']);
  });
});
