import { afterEach, describe, expect, it } from 'vitest';
import { deployCommands, parseDeployArgs } from '../../src/bot/deployCommands.js';
import { opt } from '../fakes/discord/index.js';
import { DISCORD_TOKEN, MINIMAX_KEY, startHarness, type Harness } from './harness.js';

describe('dictionary, usage, reports and hygiene end to end', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('/dictionary add sends pronunciation_dict and rewrites the text; remove, list, bad entries and non-admins', async () => {
    const x = (h = await startHarness());
    expect((await x.run({ command: 'dictionary', subcommand: 'list' })).content).toContain('The dictionary is empty');
    const added = await x.run({ command: 'dictionary', subcommand: 'add', options: { from: 'SQL', to: 'sequel' } });
    expect(added).toMatchObject({ ephemeral: true, content: 'Added: "SQL" is now said as "sequel" (from the next message).' });
    const slash = await x.run({ command: 'dictionary', subcommand: 'add', options: { from: 'a/b', to: 'x' } });
    expect(slash.content).toContain("contains '/'");
    const bob = await x.run({ command: 'dictionary', subcommand: 'add', user: 'bob', options: { from: 'lol', to: 'laughing' } });
    expect(bob.content).toContain('Manage Server');
    expect(x.bot.store.listDictionary(x.discord.guild().id)).toEqual([{ from: 'SQL', to: 'sequel' }]);

    await x.run({ command: 'speak', options: { text: 'I like SQL a lot.' } });
    await x.minimax.waitFor(() => x.minimax.texts.length === 1);
    expect(x.minimax.taskStarts[0]).toMatchObject({ pronunciation_dict: { tone: ['SQL/sequel'] } });
    expect(x.minimax.texts[0]).toBe('I like sequel a lot.');

    expect((await x.run({ command: 'dictionary', subcommand: 'remove', options: { from: 'sql' } })).content).toBe('Removed "sql".');
    expect((await x.run({ command: 'dictionary', subcommand: 'remove', options: { from: 'sql' } })).content).toContain('is not in the dictionary');
  });

  it('/usage shows characters, caps, what is left and cost; caps are set within the owner cap; a spent budget pauses speech', async () => {
    const x = (h = await startHarness({ env: { BUDGET_DAILY_CHARS: '1000' } }));
    const text = 'Counting these characters.';
    await x.run({ command: 'speak', options: { text } });
    await x.discord.audio.waitForSilence({ quietMs: 300, timeoutMs: 5_000 });
    await x.minimax.waitFor(() => x.bot.store.getUsage(x.discord.guild().id, new Date()).day > 0);
    const usage = await x.run({ command: 'usage' });
    expect(usage.ephemeral).toBe(true);
    expect(usage.content).toContain(`Today: ${text.length} of 1,000 (${1000 - text.length} left)`);
    expect(usage.content).toContain(`This month: ${text.length} (no cap)`);
    expect(usage.content).toContain('$60 per million characters for speech-2.8-turbo');

    expect((await x.run({ command: 'usage', user: 'bob', options: { daily_cap: 10 } })).content).toContain('Manage Server');
    const over = await x.run({ command: 'usage', options: { daily_cap: 5000 } });
    expect(over.content).toContain("daily_cap must be a whole number from 0 to 1,000 (the bot owner's cap)");
    const capped = await x.run({ command: 'usage', options: { daily_cap: 20 } });
    expect(capped.content).toContain('Caps updated.');
    expect(capped.content).toContain(`Today: ${text.length} of 20 (0 left)`);

    // The next item finds the budget spent: speech pauses with one notice, the /speak reply says why (not "queued"),
    // and /status says why.
    const dropped = await x.run({ command: 'speak', options: { text: 'This should not be read.' } });
    expect(dropped.ephemeral).toBe(true);
    expect(dropped.content).toMatch(/^Speech is paused on this server: this server's daily character budget is spent .*\. See \/status\.$/);
    const notice = await x.discord.rest.waitForCall((c) => c.method === 'POST' && /\/channels\/\d+\/messages$/.test(c.path) && JSON.stringify(c.body).includes('budget'));
    expect(notice.body).toMatchObject({ allowed_mentions: { parse: [] } });
    const status = await x.run({ command: 'status' });
    expect(status.content).toMatch(/\*\*Paused:\*\* this server's daily character budget is spent/);
    const refused = await x.run({ command: 'speak', options: { text: 'Again?' } });
    expect(refused.content).toMatch(/^Speech is paused on this server: .*budget.*\. See \/status\.$/);
    expect(x.minimax.texts).toEqual([text]);
  });

  it('reports a failed message with a reaction and a short reason; nothing the bot sends can ping; no secret leaks', async () => {
    const x = (h = await startHarness({ minimax: { knownVoices: ['English_expressive_narrator'] } }));
    await x.run({ command: 'autoread', subcommand: 'set', options: { channel: opt.channel('reading') } });
    await x.run({ command: 'join' });
    x.discord.message({ channel: 'reading', author: 'alice', content: 'Hello @everyone and <@&123> fine' });
    await x.minimax.waitFor(() => x.minimax.texts.length === 1);
    await x.run({ command: 'myvoice', subcommand: 'set', user: 'bob', options: { voice: 'English_Graceful_Lady' } });
    const failed = x.discord.message({ channel: 'reading', author: 'bob', content: '@everyone look at this' });
    await x.discord.rest.waitForCall((c) => c.method === 'PUT' && c.path.includes(`/messages/${failed.id}/reactions/`));
    const reason = await x.discord.rest.waitForCall((c) => c.method === 'POST' && JSON.stringify(c.body).includes("bob's message was not read"));
    expect(reason.body).toMatchObject({ allowed_mentions: { parse: [] } });
    await x.run({ command: 'skip' });
    await x.run({ command: 'clear' });
    await x.run({ command: 'voice', subcommand: 'show' });

    const sent = x.discord.rest.calls.filter((c) => c.method !== 'GET' && c.body !== undefined);
    for (const call of sent) {
      const body = call.body as Record<string, unknown>;
      const message = (body['data'] && typeof body['data'] === 'object' ? body['data'] : body) as Record<string, unknown>;
      if (typeof message['content'] === 'string') expect(message['allowed_mentions'], `${call.method} ${call.path}`).toMatchObject({ parse: [] });
      expect(JSON.stringify(call.body)).not.toContain(DISCORD_TOKEN);
      expect(JSON.stringify(call.body)).not.toContain(MINIMAX_KEY);
    }
    expect(sent.length).toBeGreaterThan(5);
    await x.bot.stop();
    expect(x.logs.length).toBeGreaterThan(3);
    for (const line of x.logs) {
      expect(line).not.toContain(DISCORD_TOKEN);
      expect(line).not.toContain(MINIMAX_KEY);
    }
  });

  it('answers an unexpected failure with a generic private message and logs the command and guild', async () => {
    const x = (h = await startHarness());
    // A bug behind the commands (a closed database no longer is one: the store falls back to defaults).
    const bug = (): never => {
      throw new TypeError('a bug behind the command');
    };
    x.bot.store.getGuildSettings = bug;
    x.bot.store.setActiveSession = bug;
    const reply = await x.run({ command: 'status' });
    expect(reply).toMatchObject({ ephemeral: true });
    expect(reply.content).toContain('Something went wrong on my side');
    const line = x.logs.find((l) => l.includes('command failed'));
    expect(line).toContain('command=status');
    expect(line).toContain(`guild=${x.discord.guild().id}`);
    expect(line).toContain('TypeError: a bug behind the command');
    // After a deferral (joining takes time) the generic answer replaces the "thinking" message.
    const join = await x.run({ command: 'join' });
    expect(join).toMatchObject({ via: 'edit', ephemeral: true });
    expect(join.content).toContain('Something went wrong on my side');
  });

  it('deploy-commands registers every command with one PUT, in a guild or globally', async () => {
    const x = (h = await startHarness());
    const guildId = x.discord.guild().id;
    const result = await deployCommands(x.config, { guildId });
    expect(result).toEqual({ count: 11, scope: `guild ${guildId}` });
    const put = x.discord.rest.calls.filter((c) => c.method === 'PUT' && c.path.endsWith(`/guilds/${guildId}/commands`));
    expect(put).toHaveLength(1);
    expect(x.discord.commands.list(guildId).map((c) => c.name)).toContain('speak');
    expect(parseDeployArgs(['--guild', '123456789012345678'], undefined)).toEqual({ guildId: '123456789012345678' });
    expect(parseDeployArgs(['--global'], '123456789012345678')).toEqual({ guildId: undefined });
    expect(() => parseDeployArgs(['--guild'], undefined)).toThrow('--guild needs a server id');
  });
});
